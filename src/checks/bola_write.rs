//! API1 (writes, `--allow-writes`): user A changes or deletes an object that belongs to user B.
//!
//! Targets are the objects the scan itself created as B (`harvest::create_objects`, one per
//! write operation so concurrent probes never share one) and the objects the config lists for
//! B, which are only PATCHed where the text read before the scan can be put back (never
//! deleted, never replaced); nothing else of B's is ever written. Each probe is a sequence: B
//! reads the object, A sends the write (PUT/PATCH set one free-text property to a marker unique
//! to the operation and object; DELETE as is), B reads it again, and B deletes it when the scan
//! created it and the API has a DELETE (cleanup; a 404 if A already did) or puts the listed
//! object's property back. Creates carrying B's ID in their body are in `references`.
//!
//! A finding needs B's second read to show the effect: the marker in place, or the object gone
//! (404/410) after it was there. A 2xx to A alone proves nothing: plenty of APIs answer 200 and
//! change nothing.

use std::sync::Arc;

use serde_json::{Value, json};
use url::Url;

use super::judge::{is_distinctive, leaves};
use super::writes::{NEEDS_WRITES, delete_of, read_back};
use super::{Check, CheckMeta, PlanCx, Planned, Probe};
use crate::findings::{Confidence, Finding, Match, fingerprint};
use crate::identity::Role;
use crate::model::created_slot;
use crate::model::{HttpMethod, Operation, SchemaKind};
use crate::probe::{Exchange, ProbeRequest, join_url};
use crate::probe::{fill_path, synthesise, text_property};

/// Values of B's object kept as evidence of whose object it was.
const MAX_OWNER_MATCHES: usize = 5;
/// Every value this scan makes up starts so; none proves anything about B.
const SCAN_PREFIX: &str = "apileak-";

pub(crate) struct BolaWrite {
    pub(crate) meta: CheckMeta,
}

/// What the plan decided for one operation (recomputed by `evaluate`: planning is pure).
struct Target {
    url: Url,
    read_url: Url,
    /// The created object's ID.
    id: String,
    /// PUT/PATCH: the property set to `marker`, and the whole body.
    change: Option<(String, Value)>,
    marker: String,
    cleanup: Option<Url>,
    /// A listed object's PATCH: the body that puts the changed property back.
    restore: Option<Value>,
}

impl Check for BolaWrite {
    fn meta(&self) -> &CheckMeta {
        &self.meta
    }

    fn writes_created_objects(&self) -> bool {
        true
    }

    fn plan(&self, op: &Operation, cx: &PlanCx<'_>) -> Planned {
        if op.method == HttpMethod::Post {
            return match super::references::plan(op, cx) {
                Ok(Some(r)) => Planned::Probes(vec![super::references::probe(&r)]),
                Ok(None) => Planned::NotApplicable,
                Err(reason) => Planned::Skipped(reason),
            };
        }
        let t = match target(op, cx) {
            Ok(Some(t)) => t,
            Ok(None) => return Planned::NotApplicable,
            Err(reason) => return Planned::Skipped(reason),
        };
        let mut write = ProbeRequest::new(Role::UserA, op.method, t.url.clone());
        if let Some((_, body)) = &t.change {
            write = write.json(body);
        }
        // Journalled before the write is sent, sent right after B's second read.
        let restore = t.restore.as_ref().map(|body| {
            ProbeRequest::new(Role::UserB, op.method, t.url.clone()).json(body)
        });
        if let Some(restore) = &restore {
            write = write.undone_by(restore.clone(), "restore user-b's listed object");
        }
        let mut requests = vec![
            ProbeRequest::get(Role::UserB, t.read_url.clone()).uncached(),
            write,
            ProbeRequest::get(Role::UserB, t.read_url).uncached(),
        ];
        if let Some(url) = t.cleanup {
            requests.push(ProbeRequest::new(Role::UserB, HttpMethod::Delete, url));
        }
        requests.extend(restore);
        Planned::Probes(vec![Probe { requests }])
    }

    fn evaluate(
        &self,
        op: &Operation,
        _probe: &Probe,
        exchanges: &[Arc<Exchange>],
        cx: &PlanCx<'_>,
    ) -> Option<Finding> {
        if op.method == HttpMethod::Post {
            let r = super::references::plan(op, cx).ok().flatten()?;
            let (id, matches) = super::references::judge(exchanges)?;
            let create = exchanges.first()?;
            let message = format!(
                "user-a created an object pointing at user-b's {}: {} {} with `{}` = {} answered                  {}, and user-b's own read {} lists the new object {id} (the scan deletes it                  again as user-a)",
                r.property,
                op.method,
                create.request.url,
                r.property,
                r.value,
                create.status.unwrap_or_default(),
                r.read,
            );
            return Some(super::finding(
                &self.meta,
                op,
                create,
                matches,
                Some(Role::UserB),
                Confidence::High,
                message,
            ));
        }
        let t = target(op, cx).ok().flatten()?;
        let [before, attack, after, ..] = exchanges else {
            return None;
        };
        // The object must have been B's, readable by B, before A touched it.
        let before_json = before.json.as_ref().filter(|_| before.is_success())?;
        let mut matches = Vec::new();
        let effect = match &t.change {
            Some((field, _)) => {
                let after_json = after.json.as_ref().filter(|_| after.is_success())?;
                if !has_marker(before_json, &t.marker).is_empty() {
                    return None;
                }
                let found = has_marker(after_json, &t.marker);
                let pointer = found.first()?.clone();
                matches.push(Match {
                    pointer,
                    value: t.marker.clone(),
                });
                format!(
                    "user-b's own read now shows `{field}` = \"{}\" (the object was created by \
                     the scan as user-b)",
                    t.marker
                )
            }
            None => {
                let gone = after.status?;
                if !matches!(gone, 404 | 410) {
                    return None;
                }
                format!(
                    "user-b's own read of it now answers {gone} (the object was created by the \
                     scan as user-b)"
                )
            }
        };
        matches.extend(owner_values(before_json, cx));
        let message = format!(
            "user-a {} user-b's object {}: {} {} answered {}, and {effect}",
            if t.change.is_some() {
                "changed"
            } else {
                "deleted"
            },
            t.id,
            op.method,
            attack.request.url,
            attack
                .status
                .map_or_else(|| "nothing".to_owned(), |s| s.to_string()),
        );
        Some(super::finding(
            &self.meta,
            op,
            attack,
            matches,
            Some(Role::UserB),
            Confidence::High,
            message,
        ))
    }
}

/// The write to send at `op`. `Ok(None)`: not a write on an object; `Err`: why it cannot run.
fn target(op: &Operation, cx: &PlanCx<'_>) -> Result<Option<Target>, String> {
    let params = op.path_param_names();
    if !matches!(
        op.method,
        HttpMethod::Put | HttpMethod::Patch | HttpMethod::Delete
    ) || params.is_empty()
    {
        return Ok(None);
    }
    if !cx.settings.allow_writes {
        return Err(NEEDS_WRITES.into());
    }
    let Some(read) = read_back(cx.api, op) else {
        return Err(format!(
            "no GET {} to confirm the effect as user-b",
            op.path
        ));
    };
    if let Some(p) = super::unfillable_query(op).or_else(|| super::unfillable_query(read)) {
        return Err(format!("required {p} parameter has no example in the spec"));
    }
    let Some((param, index)) = created_slot(cx.api, op) else {
        return Err(format!(
            "`{{{}}}` is not an item of a collection: only objects the scan creates (or the \
             config lists) as user-b are written to",
            params.last().copied().unwrap_or_default()
        ));
    };
    let Some(id) = cx.user_b.created_values(op, param).get(index) else {
        return Err(format!(
            "no object was created as user-b (or listed in identities.user_b.objects) for \
             `{{{param}}}`"
        ));
    };
    let mut values = Vec::with_capacity(params.len());
    for p in params {
        let value = if p == param {
            id.clone()
        } else {
            cx.user_b
                .owned_values(op, p)
                .into_iter()
                .next()
                .ok_or_else(|| format!("no object of user-b harvested for `{{{p}}}`"))?
        };
        values.push((p.to_owned(), value));
    }
    let path = fill_path(&op.path, &values);
    let marker = format!(
        "apileak-bola-write-{}",
        &fingerprint(&["bola-write", &op.display_name(), id])[..8]
    );
    let change = match op.method {
        HttpMethod::Delete => None,
        _ => Some(change(op, &marker)?),
    };
    // An object the user listed is theirs to keep: never deleted, and changed only where the
    // change can be undone (one property back to the value read before the scan).
    let listed = cx.user_b.listed.get(id);
    let restore = match (listed, &change) {
        (None, _) => None,
        (Some(_), None) => {
            return Err(format!(
                "would delete user-b's listed object {id}, which cannot be undone: only objects \
                 the scan creates are deleted"
            ));
        }
        (Some(_), Some(_)) if op.method == HttpMethod::Put => {
            return Err(format!(
                "would replace user-b's listed object {id}, which cannot be restored exactly"
            ));
        }
        (Some((_, view)), Some((field, _))) => {
            // Text only: a PATCH cannot be trusted to put back a null or a missing value.
            let original = view
                .as_ref()
                .and_then(|v| v.get(field))
                .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
                .cloned()
                .ok_or_else(|| {
                    format!(
                        "cannot restore `{field}` of user-b's listed object {id}: it held no \
                         text before the scan (or could not be read)"
                    )
                })?;
            Some((field.clone(), original))
        }
    };
    Ok(Some(Target {
        url: join_url(cx.base_url, &path, &super::query_examples(op)),
        read_url: join_url(cx.base_url, &path, &super::query_examples(read)),
        id: id.clone(),
        change,
        marker,
        // Only what the scan created is deleted afterwards.
        cleanup: delete_of(cx.api, op)
            .filter(|_| restore.is_none() && listed.is_none())
            .map(|d| join_url(cx.base_url, &path, &super::query_examples(d))),
        restore: restore.map(|(field, original)| json!({ field: original })),
    }))
}

/// PATCH: `{field: marker}`; PUT: a whole valid body with `field` = marker.
fn change(op: &Operation, marker: &str) -> Result<(String, Value), String> {
    let schema = op
        .request_schema
        .as_ref()
        .ok_or_else(|| "the request body is not JSON (or not declared)".to_owned())?;
    let SchemaKind::Object { properties, .. } = &schema.kind else {
        return Err("the request body is not a JSON object".into());
    };
    let field = text_property(properties, &op.request_hints, true)
        .ok_or_else(|| "no free-text property in the request body to change".to_owned())?;
    let body = if op.method == HttpMethod::Put {
        let mut body = synthesise(schema, &op.request_hints);
        if let Some(map) = body.as_object_mut() {
            map.insert(field.to_owned(), json!(marker));
        }
        body
    } else {
        json!({ field: marker })
    };
    Ok((field.to_owned(), body))
}

/// JSON pointers of `value`'s leaves equal to `marker`.
fn has_marker(value: &Value, marker: &str) -> Vec<String> {
    leaves(value)
        .into_iter()
        .filter(|(_, v)| v == marker)
        .map(|(pointer, _)| pointer)
        .collect()
}

/// Values of B's object (from B's own read) that show whose it was: B's own values first,
/// never A's, never the scan's made-up ones.
fn owner_values(before: &Value, cx: &PlanCx<'_>) -> Vec<Match> {
    let mut found: Vec<(bool, Match)> = leaves(before)
        .into_iter()
        .filter(|(_, v)| {
            is_distinctive(v) && !v.starts_with(SCAN_PREFIX) && !cx.user_a.own_values.contains(v)
        })
        .map(|(pointer, value)| {
            let b_own = cx.user_b.own_values.contains(&value);
            (b_own, Match { pointer, value })
        })
        .collect();
    found.sort_by_key(|(b_own, _)| !*b_own);
    found
        .into_iter()
        .map(|(_, m)| m)
        .take(MAX_OWNER_MATCHES)
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{BodyHints, Schema};

    fn patch_op(method: HttpMethod) -> Operation {
        let properties: BTreeMap<String, Schema> = [
            (
                "kind",
                Schema {
                    kind: SchemaKind::String,
                    ..Schema::default()
                },
            ),
            (
                "duration_min",
                Schema {
                    kind: SchemaKind::Integer,
                    ..Schema::default()
                },
            ),
            (
                "note",
                Schema {
                    kind: SchemaKind::String,
                    ..Schema::default()
                },
            ),
        ]
        .into_iter()
        .map(|(n, s)| (n.to_owned(), s))
        .collect();
        Operation {
            id: "x".into(),
            method,
            path: "/workouts/{workoutId}".into(),
            request_schema: Some(Schema {
                kind: SchemaKind::Object {
                    properties: properties.into(),
                    additional: true,
                },
                ..Schema::default()
            }),
            request_hints: BodyHints {
                required: vec!["kind".into(), "duration_min".into()],
                enumerated: vec!["kind".into()],
                examples: [("kind".to_owned(), json!("cycling"))].into(),
                ..BodyHints::default()
            },
            ..Operation::api_wide()
        }
    }

    #[test]
    fn patch_changes_one_free_text_property_put_sends_a_whole_body() {
        let (field, body) = change(&patch_op(HttpMethod::Patch), "m").expect("patch");
        assert_eq!(field, "note");
        assert_eq!(body, json!({"note": "m"}));
        let (_, body) = change(&patch_op(HttpMethod::Put), "m").expect("put");
        assert_eq!(
            body,
            json!({"kind": "cycling", "duration_min": 1, "note": "m"})
        );
        let bodiless = Operation {
            request_schema: None,
            ..patch_op(HttpMethod::Patch)
        };
        assert!(change(&bodiless, "m").is_err());
    }

    #[test]
    fn markers_are_found_anywhere() {
        let v = json!({"id": 7, "data": {"note": "apileak-bola-write-1"}});
        assert_eq!(has_marker(&v, "apileak-bola-write-1"), ["/data/note"]);
        assert!(has_marker(&v, "apileak-bola-write-2").is_empty());
    }
}
