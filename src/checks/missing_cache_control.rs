//! API8: responses with the caller's personal data may be stored by browsers and shared caches.
//!
//! A missing `Cache-Control` is almost always one root cause (a framework default or a missing
//! middleware), so the check reads a handful of user A's own personal responses in one probe and
//! reports the API once, naming every operation that lacks the header.

use std::collections::HashSet;
use std::sync::Arc;

use super::judge::{distinctive_values, has_data, shared_values};
use super::{Check, CheckMeta, PlanCx, Planned, Probe, is_admin_operation};
use crate::findings::{Confidence, Finding, Match};
use crate::identity::Role;
use crate::model::{HttpMethod, Operation};
use crate::probe::fill_path;
use crate::probe::{Exchange, ProbeRequest, join_url};

/// Operations read, at most: enough to show the pattern, cheap because most are cached.
const MAX_OPERATIONS: usize = 8;
/// User A's values a response must carry to count as personal (one could be a coincidence).
const MIN_PERSONAL_VALUES: usize = 2;
/// Personal values quoted as evidence.
const MAX_VALUES: usize = 5;

pub(crate) struct MissingCacheControl {
    pub(crate) meta: CheckMeta,
}

impl Check for MissingCacheControl {
    fn meta(&self) -> &CheckMeta {
        &self.meta
    }

    fn plan_api(&self, cx: &PlanCx<'_>) -> Planned {
        let targets = targets(cx);
        if targets.is_empty() {
            return Planned::Skipped(
                "no authenticated read operation could be filled with user-a's own objects".into(),
            );
        }
        Planned::Probes(vec![Probe {
            requests: targets
                .into_iter()
                .map(|(_, url)| ProbeRequest::get(Role::UserA, url))
                .collect(),
        }])
    }

    fn evaluate(
        &self,
        op: &Operation,
        _probe: &Probe,
        exchanges: &[Arc<Exchange>],
        cx: &PlanCx<'_>,
    ) -> Option<Finding> {
        let me_id = cx.me().map(|m| m.id.as_str());
        let personal = personal_values(cx);
        let targets = targets(cx);
        let mut offenders: Vec<(&Operation, &Arc<Exchange>, Vec<Match>)> = Vec::new();
        let mut personal_ops = 0;
        for ((target, _), ex) in targets.iter().zip(exchanges) {
            let Some(values) = personal_response(ex, &personal, me_id == Some(target.id.as_str()))
            else {
                continue;
            };
            personal_ops += 1;
            if !is_protective(ex.header("cache-control")) {
                offenders.push((target, ex, values));
            }
        }
        let (first_op, attack, values) = offenders.first()?;
        let mut matches = vec![Match {
            pointer: "header:cache-control".into(),
            value: attack
                .header("cache-control")
                .unwrap_or("(absent)")
                .to_owned(),
        }];
        matches.extend(values.iter().take(MAX_VALUES).cloned());
        let names: Vec<String> = offenders.iter().map(|(o, _, _)| o.display_name()).collect();
        let message = format!(
            "{} of {personal_ops} operations that return user-a's personal data lack `Cache-Control: no-store`: {} (e.g. {} answered {} {})",
            offenders.len(),
            names.join(", "),
            first_op.display_name(),
            attack.status.unwrap_or_default(),
            attack.header("cache-control").map_or_else(
                || "without a Cache-Control header".to_owned(),
                |v| format!("with `Cache-Control: {v}`")
            ),
        );
        Some(super::finding(
            &self.meta,
            op,
            attack,
            matches,
            None,
            Confidence::High,
            message,
        ))
    }
}

/// User A's authenticated reads of A's own data, "me" first; pure, so `evaluate` can pair them
/// with the exchanges again.
fn targets<'a>(cx: &PlanCx<'a>) -> Vec<(&'a Operation, url::Url)> {
    let me = cx.me();
    let others = cx
        .api
        .operations
        .iter()
        .filter(|op| me.is_none_or(|m| m.id != op.id));
    me.into_iter()
        .chain(others)
        .filter(|op| {
            op.method == HttpMethod::Get
                && op.requires_auth()
                // Admin listings are BFLA's, and user A should not get them at all.
                && !is_admin_operation(op)
                && cx.user_a.unfillable(op).is_none()
        })
        // Only A's own objects: then a personal answer is A's own data, nobody else's.
        .filter_map(|op| {
            let values = cx.user_a.fill_owned(op)?;
            let url = join_url(
                cx.base_url,
                &fill_path(&op.path, &values),
                &cx.user_a.query(op),
            );
            Some((op, url))
        })
        .take(MAX_OPERATIONS)
        .collect()
}

/// User A's personal values: those of A's own record, else of everything A owns.
fn personal_values(cx: &PlanCx<'_>) -> HashSet<String> {
    match &cx.user_a.me {
        Some(me) => distinctive_values(me),
        None => cx.user_a.own_values.clone(),
    }
}

/// The personal values in a successful JSON answer, when it counts as personal data.
fn personal_response(ex: &Exchange, personal: &HashSet<String>, is_me: bool) -> Option<Vec<Match>> {
    if !ex.is_success() {
        return None;
    }
    let json = ex.json.as_ref()?;
    if !has_data(json) {
        return None;
    }
    let reference = serde_json::Value::Array(
        personal
            .iter()
            .map(|v| serde_json::Value::String(v.clone()))
            .collect(),
    );
    let found = shared_values(json, &reference, &HashSet::new());
    (is_me || found.len() >= MIN_PERSONAL_VALUES).then_some(found)
}

/// True when `Cache-Control` keeps the answer out of every cache: `no-store`, or `private`
/// with `no-cache` or `max-age=0`.
fn is_protective(cache_control: Option<&str>) -> bool {
    let Some(value) = cache_control else {
        return false;
    };
    let directives: Vec<String> = value
        .split(',')
        .map(|d| d.trim().to_ascii_lowercase().replace(' ', ""))
        .collect();
    let has = |d: &str| directives.iter().any(|x| x == d);
    has("no-store") || (has("private") && (has("no-cache") || has("max-age=0")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_values() {
        assert!(is_protective(Some("no-store")));
        assert!(is_protective(Some("private, no-store, max-age=0")));
        assert!(is_protective(Some("Private, No-Cache")));
        assert!(is_protective(Some("private, max-age=0")));
        assert!(!is_protective(None));
        assert!(!is_protective(Some("private")));
        assert!(!is_protective(Some("no-cache")));
        assert!(!is_protective(Some("public, max-age=600")));
        assert!(!is_protective(Some("max-age=0")));
    }
}
