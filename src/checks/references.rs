//! `bola-write` on IDs in request bodies: user A creates an object that points at one of user
//! B's (`POST /invoices {"customer": "<B's customer>"}`), and B's own read then shows it.
//!
//! The object A creates is the scan's own: the executor deletes it (as A) after the scan, the
//! moment its ID is known. Nothing of B's is written to. The effect must show in B's own read
//! of its object (`GET /invoices?customer=<B's customer>` lists what A created): a 2xx to A
//! alone proves nothing.

use std::sync::Arc;

use serde_json::Value;
use url::Url;

use super::judge::leaves;
use super::writes::NEEDS_WRITES;
use super::{PlanCx, Probe};
use crate::findings::Match;
use crate::identity::Role;
use crate::model::{HttpMethod, IdSlot, Operation, ParamLocation, SchemaKind, collections};
use crate::probe::{Exchange, ProbeRequest, fill_path, join_url, synthesise};
use crate::vocab::PAGE_SIZE_PARAMS;

/// What A's answers are at most asked to list, so a fresh object is on the first page.
const PAGE_SIZE: &str = "100";

/// The create to send at `op` with B's ID in one body property, and B's read that would show
/// the effect.
pub(super) struct Reference {
    /// The body property that carries B's ID.
    pub(super) property: String,
    /// B's ID in it.
    pub(super) value: String,
    pub(super) create: Url,
    pub(super) body: Value,
    pub(super) read: Url,
}

/// `Ok(None)`: `op` is no create with an ID in its body; `Err`: why it cannot run.
pub(super) fn plan(op: &Operation, cx: &PlanCx<'_>) -> Result<Option<Reference>, String> {
    if op.method != HttpMethod::Post || op.path.ends_with('}') {
        return Ok(None);
    }
    let Some(schema) = &op.request_schema else {
        return Ok(None);
    };
    let SchemaKind::Object { properties, .. } = &schema.kind else {
        return Ok(None);
    };
    let (a, b) = (cx.user_a, cx.user_b);
    let resources = &b.resources;
    let own_kind = resources.answer_kind(op);
    let slots: Vec<IdSlot> = properties
        .iter()
        .filter_map(|(name, s)| {
            let key = crate::model::name_key(name)
                .filter(|k| resources.is_known(&k.resource) && k.resource != own_kind)?;
            Some(IdSlot {
                name: name.clone(),
                location: ParamLocation::Query,
                key,
                required: true,
                textual: s.kind == SchemaKind::String,
            })
        })
        .collect();
    let Some(slot) = slots.first() else {
        return Ok(None);
    };
    if !cx.settings.allow_writes {
        return Err(NEEDS_WRITES.into());
    }
    if !collections(cx.api).iter().any(|c| {
        std::ptr::eq(c.create, op) && c.writes.iter().any(|w| w.method == HttpMethod::Delete)
    }) {
        return Err(format!(
            "no DELETE {}/{{…}} to remove what it would create",
            op.path
        ));
    }
    let theirs = a.owned_for(slot);
    let Some(value) = b.owned_for(slot).into_iter().find(|v| !theirs.contains(v)) else {
        return Err(super::bola_read::missing_object(slot, b));
    };
    let Some(read) = read_of(cx, slot, &value) else {
        return Err(format!(
            "no read of user-b's `{}` shows what points at it (a GET with `{}` in its path or \
             query)",
            slot.key, slot.key
        ));
    };
    let mut body = a.own_ids_in_body(synthesise(schema, &op.request_hints));
    if let Some(map) = body.as_object_mut() {
        let put = if slot.textual {
            Value::String(value.clone())
        } else {
            value
                .parse::<i64>()
                .map_or_else(|_| Value::String(value.clone()), Value::from)
        };
        map.insert(slot.name.clone(), put);
    }
    if a.unfillable(op).is_some() {
        return Err("a required parameter has no value".into());
    }
    Ok(Some(Reference {
        property: slot.name.clone(),
        value,
        create: join_url(
            cx.base_url,
            &fill_path(&op.path, &a.fill_owned(op).unwrap_or_default()),
            &a.query(op),
        ),
        body,
        read,
    }))
}

/// B's read of its own object of `slot`'s kind that lists what points at it: a GET taking
/// the same kind of ID in its query (`/invoices?customer=`) or path
/// (`/customers/{customer}/invoices`), not the object itself.
fn read_of(cx: &PlanCx<'_>, slot: &IdSlot, value: &str) -> Option<Url> {
    let b = cx.user_b;
    cx.api
        .operations
        .iter()
        .filter(|o| o.method == HttpMethod::Get && b.unfillable(o).is_none())
        .find_map(|o| {
            let slots = b.resources.slots(o);
            let at = slots.iter().find(|s| s.key == slot.key)?;
            // The object's own read shows the object, not what points at it.
            if at.location == ParamLocation::Path && o.path.ends_with(&format!("{{{}}}", at.name)) {
                return None;
            }
            let mut path = Vec::new();
            let mut query = b.query(o);
            for s in slots.iter().filter(|s| s.required || s.key == slot.key) {
                let v = if s.key == slot.key {
                    value.to_owned()
                } else {
                    b.owned_for(s).into_iter().next()?
                };
                match s.location {
                    ParamLocation::Path => path.push((s.name.clone(), v)),
                    _ => {
                        query.retain(|(n, _)| *n != s.name);
                        query.push((s.name.clone(), v));
                    }
                }
            }
            // A fresh object may not be on a short first page.
            if let Some(p) = o.parameters.iter().find(|p| {
                p.location == ParamLocation::Query
                    && PAGE_SIZE_PARAMS
                        .contains(&crate::values::judge::normalise_key(&p.name).as_str())
            }) {
                query.retain(|(n, _)| *n != p.name);
                query.push((p.name.clone(), PAGE_SIZE.to_owned()));
            }
            Some(join_url(cx.base_url, &fill_path(&o.path, &path), &query))
        })
}

/// The probe: A creates (deleted again after the scan), then B reads.
pub(super) fn probe(r: &Reference) -> Probe {
    let mut collection = r.create.clone();
    collection.set_query(None);
    Probe {
        requests: vec![
            ProbeRequest::new(Role::UserA, HttpMethod::Post, r.create.clone())
                .json(&r.body)
                .deleted_after(Role::UserA, collection),
            ProbeRequest::get(Role::UserB, r.read.clone()).uncached(),
        ],
    }
}

/// The evidence: the ID of what A created, in B's own read. `None` when it is not there.
pub(super) fn judge(exchanges: &[Arc<Exchange>]) -> Option<(String, Vec<Match>)> {
    let [create, read] = exchanges else {
        return None;
    };
    let id = create.created_id()?;
    let read_json = read.json.as_ref().filter(|_| read.is_success())?;
    let pointer = leaves(read_json)
        .into_iter()
        .find(|(_, v)| *v == id)
        .map(|(p, _)| p)?;
    Some((id.clone(), vec![Match { pointer, value: id }]))
}
