//! API1: user A reads objects that user B owns.

use std::sync::Arc;

use super::judge::{distinctive_values, shared_values_but};
use super::{Check, CheckMeta, PlanCx, Planned, Probe};
use crate::findings::{Confidence, Finding};
use crate::harvest::Inventory;
use crate::identity::Role;
use crate::model::{IdSlot, Operation, PRINCIPAL, ParamLocation};
use crate::values::records::keyed_records;
use crate::probe::fill_path;
use crate::probe::{Exchange, ProbeRequest, join_url};

/// Probes per operation: two of B's objects are enough to prove a pattern.
const MAX_PROBES: usize = 2;

pub(crate) struct BolaRead {
    pub(crate) meta: CheckMeta,
}

impl Check for BolaRead {
    fn meta(&self) -> &CheckMeta {
        &self.meta
    }

    fn plan(&self, op: &Operation, cx: &PlanCx<'_>) -> Planned {
        let (a, b) = (cx.user_a, cx.user_b);
        let slots = b.resources.slots(op);
        if !op.method.is_safe() {
            return Planned::NotApplicable;
        }
        if slots.is_empty() {
            return plan_list(op, cx);
        }
        if let Some(p) = b.unfillable(op) {
            return Planned::Skipped(format!("required {p} parameter has no example in the spec"));
        }
        // B's own value for every path slot and required query slot; optional query slots
        // are only sent when they are the one varied.
        let mut base: Vec<(&IdSlot, String)> = Vec::new();
        for slot in slots.iter().filter(|s| s.required) {
            let Some(v) = b.owned_for(slot).into_iter().next() else {
                return Planned::Skipped(missing_object(slot, b));
            };
            base.push((slot, v));
        }
        // Vary one slot over B's objects that A does not also own: shared objects prove
        // nothing.
        let mut probes = Vec::new();
        for slot in slots.iter() {
            let theirs = a.owned_for(slot);
            for value in b.owned_for(slot) {
                if theirs.contains(&value) || probes.len() >= MAX_PROBES {
                    continue;
                }
                let (url, headers) = url_with(op, cx, &base, slot, &value);
                let request = |role| ProbeRequest::get(role, url.clone()).with_headers(&headers);
                probes.push(Probe {
                    requests: vec![
                        request(Role::UserA),
                        request(Role::UserB),
                        request(Role::Anonymous),
                    ],
                });
            }
        }
        if probes.is_empty() {
            let slot = slots.first().map_or_else(String::new, |s| s.key.to_string());
            return Planned::Skipped(format!(
                "every object of user-b found for `{slot}` is also user-a's or shared with user-a"
            ));
        }
        Planned::Probes(probes)
    }

    fn evaluate(
        &self,
        op: &Operation,
        _probe: &Probe,
        exchanges: &[Arc<Exchange>],
        cx: &PlanCx<'_>,
    ) -> Option<Finding> {
        if let [attack, reference] = exchanges {
            return self.judge_list(op, attack, reference, cx);
        }
        let [attack, reference, anonymous] = exchanges else {
            return None;
        };
        // Without B's own view there is nothing to compare with: stay quiet.
        if !attack.is_success() || !reference.is_success() {
            return None;
        }
        let (attack_json, reference_json) = (attack.json.as_ref()?, reference.json.as_ref()?);
        // What user A owns and what is public by design (served without security, reached
        // by an anonymous caller's own walk, or saying it is public) is no evidence of B's
        // private data. What an anonymous caller gets at B's URL is not: that is the same
        // attack without credentials, mentioned below.
        let exclude = |v: &str| cx.user_a.own_values.contains(v) || cx.public.contains(v);
        let matches = shared_values_but(attack_json, reference_json, exclude);
        if matches.len() < 2 {
            return None;
        }
        // B's personal values (from B's own record) make the proof unambiguous.
        let personal = cx
            .user_b
            .me
            .as_ref()
            .map(distinctive_values)
            .unwrap_or_default();
        let confidence =
            if matches.iter().any(|m| personal.contains(&m.value)) || matches.len() >= 4 {
                Confidence::High
            } else {
                Confidence::Medium
            };
        let anonymous_too = anonymous.is_success()
            && anonymous
                .json
                .as_ref()
                .is_some_and(|j| !shared_values_but(j, reference_json, exclude).is_empty());
        let message = format!(
            "user-a read user-b's object: {} {} answered {} with {} values from user-b's own view{}",
            op.method,
            attack.request.url,
            attack.status.unwrap_or_default(),
            matches.len(),
            if anonymous_too {
                " (an anonymous caller gets them too)"
            } else {
                ""
            }
        );
        Some(super::finding(
            &self.meta,
            op,
            attack,
            matches,
            Some(Role::UserB),
            confidence,
            message,
        ))
    }
}

/// A list that takes no ID (`GET /orders`, `GET /activity`), where B owns objects of the kind
/// it answers with (or of any kind, when its path names none the API knows): A's answer must
/// not hold them. A asks, then B (the reference view).
fn plan_list(op: &Operation, cx: &PlanCx<'_>) -> Planned {
    let (a, b) = (cx.user_a, cx.user_b);
    let kind = b.resources.answer_kind(op);
    let owns = |wanted: Option<&str>| {
        b.owned.iter().any(|(key, values)| {
            !key.is_principal() && !values.is_empty() && wanted.is_none_or(|k| key.resource == k)
        })
    };
    // Other users in a list are private-data-leakage's: people, not objects; the identity
    // operation answers with the caller.
    let applicable = kind != PRINCIPAL
        && op.method == crate::model::HttpMethod::Get
        && cx.me().is_none_or(|me| !std::ptr::eq(me, op))
        && if b.resources.is_known(&kind) {
            owns(Some(&kind))
        } else {
            owns(None)
        };
    if !applicable {
        return Planned::NotApplicable;
    }
    if let Some(p) = a.unfillable(op) {
        return Planned::Skipped(format!("required {p} parameter has no example in the spec"));
    }
    let url = join_url(cx.base_url, &op.path, &a.query(op));
    Planned::Probes(vec![Probe {
        requests: vec![
            ProbeRequest::get(Role::UserA, url.clone()),
            ProbeRequest::get(Role::UserB, url),
        ],
    }])
}

impl BolaRead {
    /// A's list answer holds one of B's objects (by its key) with B's values.
    fn judge_list(
        &self,
        op: &Operation,
        attack: &Arc<Exchange>,
        reference: &Arc<Exchange>,
        cx: &PlanCx<'_>,
    ) -> Option<Finding> {
        let (a, b) = (cx.user_a, cx.user_b);
        if !attack.is_success() || !reference.is_success() {
            return None;
        }
        let (attack_json, reference_json) = (attack.json.as_ref()?, reference.json.as_ref()?);
        let owns = |inv: &Inventory, key: &crate::model::ResourceKey, v: &String| {
            inv.owned.get(key).is_some_and(|o| o.contains(v))
        };
        let exclude = |v: &str| a.own_values.contains(v) || cx.public.contains(v);
        let kind = b.resources.answer_kind(op);
        let mut leaked = Vec::new();
        let mut matches = Vec::new();
        for found in keyed_records(&b.resources, &kind, attack_json) {
            let Some((key, id)) = found.keys.iter().find(|(k, v)| {
                !k.is_principal() && owns(b, k, v) && !owns(a, k, v)
            }) else {
                continue;
            };
            let record = serde_json::Value::Object(found.record.clone());
            let shared = shared_values_but(&record, reference_json, exclude);
            if shared.len() >= 2 {
                leaked.push(format!("{key} {id}"));
                if matches.is_empty() {
                    matches = shared;
                }
            }
        }
        if leaked.is_empty() {
            return None;
        }
        let message = format!(
            "user-a's list {} {} answered {} with {} of user-b's objects ({}) and their values \
             from user-b's own view",
            op.method,
            attack.request.url,
            attack.status.unwrap_or_default(),
            leaked.len(),
            leaked.join(", ")
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

/// Why a case cannot run without B's object, and what unlocks it.
pub(crate) fn missing_object(slot: &IdSlot, b: &Inventory) -> String {
    let found = if b.seen.contains_key(&slot.key) {
        "every one found is shared with user-a or public by design"
    } else {
        "none found"
    };
    format!(
        "no private object of user-b for `{}` ({}; {found}): if user-b has one, add `objects: \
         {{user_b: {{{}: [ID]}}}}` in apileak.yaml",
        slot.name, slot.key, slot.name
    )
}

/// `op`'s URL with the base values and `value` in `varied`, and the header ID slots.
fn url_with(
    op: &Operation,
    cx: &PlanCx<'_>,
    base: &[(&IdSlot, String)],
    varied: &IdSlot,
    value: &str,
) -> (url::Url, Vec<(String, String)>) {
    let mut path = Vec::new();
    let mut headers = Vec::new();
    let mut query = super::query_examples(op);
    query.retain(|(n, _)| !base.iter().any(|(s, _)| &s.name == n) && n != &varied.name);
    let mut put = |slot: &IdSlot, v: &str| {
        let pair = (slot.name.clone(), v.to_owned());
        match slot.location {
            ParamLocation::Path => path.push(pair),
            ParamLocation::Header => headers.push(pair),
            _ => query.push(pair),
        }
    };
    for (slot, v) in base {
        if slot.name != varied.name {
            put(slot, v);
        }
    }
    put(varied, value);
    (
        join_url(cx.base_url, &fill_path(&op.path, &path), &query),
        headers,
    )
}
