//! API3: user B's personal values turn up where user A, or anyone, can read them (the Peloton
//! case: private profiles listed by search, named on public leaderboards, embedded in other
//! objects).
//!
//! Canaries come from B's own record (`harvest::Canary`). Every read operation is sent as
//! anonymous and as user A, with path parameters from A's own or seen IDs, never B's (a URL
//! carrying B's IDs is `bola-read`'s), and with B's username and name fed into search-like
//! parameters. A response that carries two of B's canaries, or one unmistakable one (an email
//! address), is a leak, even from an operation the spec marks public.

use std::sync::Arc;

use super::reach::fillings_without_b;
use super::{Check, CheckMeta, PlanCx, Planned, Probe};
use crate::findings::{Confidence, Finding, Match};
use crate::harvest::Canary;
use crate::identity::Role;
use crate::model::{HttpMethod, Operation, ParamLocation};
use crate::probe::fill_path;
use crate::probe::{Exchange, ProbeRequest, join_url};

/// Distinct URLs per operation; each is read as anonymous and as user A.
const MAX_URLS: usize = 4;
/// Matches kept as evidence.
const MAX_MATCHES: usize = 20;

pub(crate) struct PrivateDataLeakage {
    pub(crate) meta: CheckMeta,
}

impl Check for PrivateDataLeakage {
    fn meta(&self) -> &CheckMeta {
        &self.meta
    }

    fn plan(&self, op: &Operation, cx: &PlanCx<'_>) -> Planned {
        // HEAD has no body to leak through; admin listings are function-level flaws (BFLA).
        if op.method != HttpMethod::Get || super::is_admin_operation(op) {
            return Planned::NotApplicable;
        }
        if canaries_of_b(cx).is_empty() {
            return Planned::Skipped(
                "no distinctive personal values in user-b's own record (no \"me\" operation?)"
                    .into(),
            );
        }
        let search = super::search_params(op);
        // User A's own IDs fill query ID slots (`?customer=`).
        let a_query = cx.user_a.query(op);
        let unfillable = op.parameters.iter().find(|p| {
            p.required
                && p.location != ParamLocation::Path
                && p.example.is_none()
                && !search.contains(&p.name.as_str())
                && !a_query.iter().any(|(n, _)| *n == p.name)
        });
        if let Some(p) = unfillable {
            return Planned::Skipped(format!(
                "required parameter `{}` has no example in the spec",
                p.name
            ));
        }
        let fillings = match fillings_without_b(op, cx.user_a, cx.user_b, MAX_URLS) {
            Ok(f) => f,
            Err(p) => {
                return Planned::Skipped(format!(
                    "no value for `{{{p}}}` other than user-b's own objects"
                ));
            }
        };
        let queries = match search.first() {
            // Search-like: look for B by name; the spec's example would find someone else.
            Some(param) => {
                let terms = cx.user_b.search_terms();
                if terms.is_empty() {
                    return Planned::Skipped(
                        "user-b's own record has no username or name to search for".into(),
                    );
                }
                let others: Vec<(String, String)> = a_query.clone()
                    .into_iter()
                    .filter(|(n, _)| !search.contains(&n.as_str()))
                    .collect();
                terms
                    .into_iter()
                    .map(|t| {
                        let mut q = others.clone();
                        q.push(((*param).to_owned(), t));
                        q
                    })
                    .collect()
            }
            None => vec![a_query.clone()],
        };
        let mut requests = Vec::new();
        'urls: for filling in &fillings {
            for query in &queries {
                if requests.len() >= 2 * MAX_URLS {
                    break 'urls;
                }
                let url = join_url(cx.base_url, &fill_path(&op.path, filling), query);
                requests.push(ProbeRequest::get(Role::Anonymous, url.clone()));
                requests.push(ProbeRequest::get(Role::UserA, url));
            }
        }
        // One probe per operation, so the operation yields one finding whoever saw the data.
        Planned::Probes(vec![Probe { requests }])
    }

    fn evaluate(
        &self,
        op: &Operation,
        _probe: &Probe,
        exchanges: &[Arc<Exchange>],
        cx: &PlanCx<'_>,
    ) -> Option<Finding> {
        let canaries = canaries_of_b(cx);
        let hits: Vec<(&Arc<Exchange>, Vec<Match>, bool)> = exchanges
            .iter()
            .filter_map(|ex| {
                let (matches, strong) = canary_matches(ex, &canaries)?;
                Some((ex, matches, strong))
            })
            .collect();
        // Anonymous beats user A (anyone on the internet sees it); then the richest response.
        let (attack, matches, strong) = hits.into_iter().max_by_key(|(ex, m, _)| {
            (
                ex.request.role == Role::Anonymous,
                m.len(),
                std::cmp::Reverse(ex.request.url.as_str().len()),
            )
        })?;
        let fields: Vec<&str> = matches
            .iter()
            .filter_map(|m| canaries.iter().find(|c| c.value == m.value))
            .map(|c| c.field.as_str())
            .collect();
        let confidence = if strong || matches.len() >= 3 {
            Confidence::High
        } else {
            Confidence::Medium
        };
        let message = format!(
            "{} saw user-b's personal data: {} {} answered {} with user-b's {}",
            attack.request.role,
            op.method,
            attack.request.url,
            attack.status.unwrap_or_default(),
            fields.join(", ")
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

/// B's canaries in a successful JSON response, first pointer of each, and whether one is proof
/// on its own. `None` unless they make a leak: two canaries, or one strong one.
fn canary_matches(ex: &Exchange, canaries: &[Canary]) -> Option<(Vec<Match>, bool)> {
    if !ex.is_success() {
        return None;
    }
    let json = ex.json.as_ref()?;
    if super::judge::is_error_shaped(json) {
        return None;
    }
    let mut matches: Vec<Match> = Vec::new();
    let mut strong = false;
    for (pointer, value) in super::judge::leaves(json) {
        if matches.len() >= MAX_MATCHES || matches.iter().any(|m| m.value == value) {
            continue;
        }
        if let Some(c) = canaries.iter().find(|c| c.value == value) {
            strong |= c.strong;
            matches.push(Match { pointer, value });
        }
    }
    (matches.len() >= 2 || strong).then_some((matches, strong))
}

/// User B's canaries, minus what A also has and fields declared public by design.
fn canaries_of_b(cx: &PlanCx<'_>) -> Vec<Canary> {
    // Public-by-design values (a bio every article shows) are nobody's secret, unless B's own
    // record says B is private: then they leak wherever they show up.
    let private = cx
        .user_b
        .me
        .as_ref()
        .and_then(|me| me.as_object())
        .is_some_and(crate::values::records::says_private);
    // A predicate, not a merged set: this runs once per operation.
    let mut canaries = cx.user_b.canaries(|v| {
        cx.user_a.own_values.contains(v) || (!private && cx.public.contains(v))
    });
    canaries.retain(|c| !cx.settings.is_public_field(&c.field));
    canaries
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use url::Url;

    fn exchange(role: Role, status: u16, body: Value) -> Exchange {
        Exchange {
            request: ProbeRequest::get(role, Url::parse("http://h/x").expect("url")),
            status: Some(status),
            headers: Vec::new(),
            body: body.to_string(),
            json: Some(body),
            error: None,
            elapsed_ms: 0,
        }
    }

    fn canaries() -> Vec<Canary> {
        crate::harvest::Inventory {
            me: Some(json!({
                "id": 2, "username": "bob", "display_name": "Bob Okonkwo-Hale",
                "email": "bob.okonkwo@example.test", "city": "Valparaíso", "private": true
            })),
            ..crate::harvest::Inventory::bare(Role::UserB)
        }
        .canaries(|_| false)
    }

    #[test]
    fn two_canaries_or_one_email_make_a_leak() {
        let c = canaries();
        let row = json!([{"rank": 1, "member": {"id": 2, "display_name": "Bob Okonkwo-Hale",
            "city": "Valparaíso"}}]);
        let (m, strong) = canary_matches(&exchange(Role::Anonymous, 200, row), &c).expect("leak");
        assert_eq!(m[0].pointer, "/0/member/display_name");
        assert_eq!(m.len(), 2);
        assert!(!strong);
        let email = json!({"contact": "bob.okonkwo@example.test"});
        assert!(canary_matches(&exchange(Role::UserA, 200, email), &c).is_some_and(|(_, s)| s));
    }

    #[test]
    fn one_weak_canary_errors_and_empty_lists_are_not_leaks() {
        let c = canaries();
        let one = json!([{"city": "Valparaíso", "title": "Sunrise Climb"}]);
        assert!(canary_matches(&exchange(Role::UserA, 200, one), &c).is_none());
        assert!(canary_matches(&exchange(Role::UserA, 200, json!([])), &c).is_none());
        let err = json!({"error": "Bob Okonkwo-Hale not found", "detail": "Valparaíso"});
        assert!(canary_matches(&exchange(Role::UserA, 200, err), &c).is_none());
        let denied = json!({"display_name": "Bob Okonkwo-Hale", "city": "Valparaíso"});
        assert!(canary_matches(&exchange(Role::UserA, 403, denied), &c).is_none());
    }
}
