//! API1/API4: object IDs are guessable, and guessing them reaches other users' records.
//!
//! For each kind of ID (`{memberId}`, `{workoutId}`) the check probes, at the ID's home
//! operation (`GET /members/{memberId}`), a small neighbourhood of user A's own IDs (±1..3:
//! `1` → `2`, `3`, `4`; `INV-0042` → `INV-0041`, `INV-0043`) as user A and anonymously.
//! A finding needs records of *other* principals in the full shape A gets for its own object:
//! a public projection (fewer fields, or a record that says it is public) is by design, an
//! error body or A's own record is nothing. UUIDs and random-looking keys are never probed.
//!
//! Guessability is its own root cause, beside `bola-read`'s missing ownership check: it turns
//! one leak into a scrape of every user. One kind of ID is reported once, at its home.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use serde_json::{Map, Value};

use super::judge::{has_data, is_distinctive, is_error_shaped, leaves, normalise_key};
use super::reach::fillings_without_b;
use super::sensitivity::{Sensitivity, mask, sensitivity};
use super::{Check, CheckMeta, PlanCx, Planned, Probe};
use crate::findings::{Confidence, Finding, Match};
use crate::harvest::Inventory;
use crate::identity::Role;
use crate::model::{Api, HttpMethod, Operation, ParamLocation};
use crate::probe::fill_path;
use crate::probe::{Exchange, ProbeRequest, join_url};
use crate::values::records::{says_public, record_id, record_owners, records};
use crate::vocab::GENERIC_ID_NAMES;

/// Neighbouring IDs probed per operation; each is read as user A and anonymously, so at most
/// eight new requests (A's own read, the reference, is the harvest's, from the cache).
const MAX_NEIGHBOURS: usize = 4;
/// How far from an own ID we look.
const MAX_DISTANCE: u64 = 3;
/// Digits of a guessable number: longer ones are timestamps or snowflakes, not counters.
const MAX_DIGITS: usize = 15;
/// Matches kept as evidence.
const MAX_MATCHES: usize = 20;
/// Fields named in the message.
const MAX_FIELDS: usize = 12;

pub(crate) struct PredictableIds {
    pub(crate) meta: CheckMeta,
}

/// What the plan decided, recomputed by `evaluate` (planning is pure and deterministic).
struct Target {
    /// The path parameter whose neighbours are probed.
    param: String,
    /// A's own value of it in the reference URL.
    own: String,
    neighbours: Vec<String>,
    /// The path filling of A's own object.
    base: Vec<(String, String)>,
}

impl Check for PredictableIds {
    fn meta(&self) -> &CheckMeta {
        &self.meta
    }

    fn plan(&self, op: &Operation, cx: &PlanCx<'_>) -> Planned {
        match target(op, cx) {
            Ok(None) => Planned::NotApplicable,
            Err(reason) => Planned::Skipped(reason),
            Ok(Some(t)) => {
                let query = cx.user_a.query(op);
                let url_with = |value: &str| {
                    let filling: Vec<(String, String)> = t
                        .base
                        .iter()
                        .map(|(n, v)| {
                            let v = if *n == t.param { value } else { v.as_str() };
                            (n.clone(), v.to_owned())
                        })
                        .collect();
                    join_url(cx.base_url, &fill_path(&op.path, &filling), &query)
                };
                let mut requests = vec![ProbeRequest::get(Role::UserA, url_with(&t.own))];
                for n in &t.neighbours {
                    let url = url_with(n);
                    requests.push(ProbeRequest::get(Role::UserA, url.clone()));
                    requests.push(ProbeRequest::get(Role::Anonymous, url));
                }
                Planned::Probes(vec![Probe { requests }])
            }
        }
    }

    fn evaluate(
        &self,
        op: &Operation,
        _probe: &Probe,
        exchanges: &[Arc<Exchange>],
        cx: &PlanCx<'_>,
    ) -> Option<Finding> {
        let t = target(op, cx).ok().flatten()?;
        let principal_a = cx.user_a.principal_id.as_deref()?;
        let (own, neighbours) = exchanges.split_first()?;
        // Without A's own view we cannot tell a public projection from a full record.
        let own_json = own.json.as_ref().filter(|_| own.is_success())?;
        if is_error_shaped(own_json) {
            return None;
        }
        let own_keys: HashSet<&str> = records(own_json)
            .first()?
            .keys()
            .map(String::as_str)
            .collect();
        let by_id = Inventory::is_principal_param(&t.param);
        let public_op = !op.requires_auth();

        let reached = |role: Role| -> (BTreeSet<String>, Vec<&Arc<Exchange>>, BTreeSet<String>) {
            let mut principals = BTreeSet::new();
            let mut hits = Vec::new();
            let mut fields = BTreeSet::new();
            for ex in neighbours.iter().filter(|ex| ex.request.role == role) {
                let found =
                    other_principals(ex, own_json, &own_keys, principal_a, by_id, public_op);
                if !found.is_empty() {
                    hits.push(ex);
                }
                for (principal, record) in found {
                    principals.insert(principal);
                    fields.extend(record.keys().cloned());
                }
            }
            (principals, hits, fields)
        };
        let as_a = reached(Role::UserA);
        let as_anonymous = reached(Role::Anonymous);
        let anonymous_reach = as_anonymous.0.len();
        // A's view is the finding; anonymous reach is the same guessable IDs plus a missing
        // authentication check (`unauthenticated-access`'s root cause), mentioned, not doubled.
        let (role, (principals, hits, fields)) = if as_a.0.len() >= anonymous_reach {
            (Role::UserA, as_a)
        } else {
            (Role::Anonymous, as_anonymous)
        };
        let attack = *hits.first()?;
        let matches = evidence(attack, &cx.user_a.own_values);

        let mut fields: Vec<String> = fields.into_iter().collect();
        // Sensitive fields first, so the message leads with what matters.
        fields.sort_by_key(|f| (std::cmp::Reverse(sensitivity(f)), f.clone()));
        fields.truncate(MAX_FIELDS);
        let sensitive = fields.iter().any(|f| sensitivity(f).is_some());
        let also_anonymous = role == Role::UserA && anonymous_reach > 0;
        let message = format!(
            "{role} reached the records of {} other principal{} ({}) by trying `{}` = {} beside \
             its own {}{}; fields: {}",
            principals.len(),
            if principals.len() == 1 { "" } else { "s" },
            principals.iter().cloned().collect::<Vec<_>>().join(", "),
            t.param,
            t.neighbours.join(", "),
            t.own,
            if also_anonymous {
                " (anonymous callers reach them too)"
            } else {
                ""
            },
            fields.join(", ")
        );
        let confidence = if principals.len() >= 2 || sensitive {
            Confidence::High
        } else {
            Confidence::Medium
        };
        Some(super::finding(
            &self.meta, op, attack, matches, None, confidence, message,
        ))
    }
}

/// The parameter to enumerate at `op` and its neighbourhood. `Ok(None)` when `op` is not the
/// home of any of its ID kinds (reported once, at the home); `Err` says why it cannot run.
fn target(op: &Operation, cx: &PlanCx<'_>) -> Result<Option<Target>, String> {
    // HEAD has no body; admin operations are function-level (BFLA's).
    if op.method != HttpMethod::Get || super::is_admin_operation(op) {
        return Ok(None);
    }
    let homes: Vec<&str> = op
        .path_param_names()
        .into_iter()
        .rev()
        .filter(|p| is_home(cx, op, p))
        .collect();
    if homes.is_empty() {
        return Ok(None);
    }
    if let Some(p) = cx.user_a.unfillable(op) {
        return Err(format!("required {p} parameter has no example in the spec"));
    }
    let base = fillings_without_b(op, cx.user_a, cx.user_b, 1)
        .map_err(|p| format!("no value for `{{{p}}}` other than user-b's own objects"))?
        .into_iter()
        .next()
        .unwrap_or_default();
    let mut reason = None;
    for param in homes {
        let owned = cx.user_a.owned_values(op, param);
        let owned = owned.as_slice();
        if owned.is_empty() {
            reason
                .get_or_insert_with(|| format!("no object of user-a harvested for `{{{param}}}`"));
            continue;
        }
        let uuid_typed = op.parameters.iter().any(|p| {
            p.location == ParamLocation::Path
                && p.name == param
                && p.schema.format.as_deref().is_some_and(|f| {
                    f.eq_ignore_ascii_case("uuid") || f.eq_ignore_ascii_case("guid")
                })
        });
        let guessable: Vec<String> = owned
            .iter()
            .filter(|v| !uuid_typed && parse_guessable(v).is_some())
            .cloned()
            .collect();
        let neighbours = neighbourhood(&guessable, owned, MAX_NEIGHBOURS);
        let (Some(own), false) = (guessable.first(), neighbours.is_empty()) else {
            reason = Some(format!(
                "user-a's `{{{param}}}` values are not guessable (UUIDs or random keys)"
            ));
            continue;
        };
        let mut base = base.clone();
        for (n, v) in &mut base {
            if n == param {
                v.clone_from(own);
            }
        }
        return Ok(Some(Target {
            param: param.to_owned(),
            own: own.clone(),
            neighbours,
            base,
        }));
    }
    Err(reason.unwrap_or_default())
}

/// The home of every ID kind: the read operation that ends in that parameter (`/members/{id}`
/// over `/members/{id}/workouts`), then the shortest path, then spec order.
pub(super) fn homes(api: &Api) -> std::collections::HashMap<String, usize> {
    let candidates = api
        .operations
        .iter()
        .enumerate()
        .filter(|(_, o)| o.method == HttpMethod::Get && !super::is_admin_operation(o))
        .flat_map(|(i, o)| {
            let ends_in = o
                .path
                .rsplit('/')
                .next()
                .and_then(|s| s.strip_prefix('{'))
                .and_then(|s| s.strip_suffix('}'))
                .map(|p| id_kind(&o.path, p));
            let depth = o.path.split('/').count();
            o.path_param_names()
                .into_iter()
                .map(move |p| id_kind(&o.path, p))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .map(move |kind| {
                    let rank = (ends_in.as_deref() != Some(kind.as_str()), depth, i);
                    (kind, rank, i)
                })
        });
    super::facts::lowest_per_key(candidates)
}

/// Whether `op` is the home of `param`'s ID kind.
fn is_home(cx: &PlanCx<'_>, op: &Operation, param: &str) -> bool {
    cx.facts
        .home(cx.api, &id_kind(&op.path, param))
        .is_some_and(|home| std::ptr::eq(home, op) || (home.path == op.path && home.id == op.id))
}

/// What kind of object a path parameter names: `{memberId}` is `memberid` wherever it
/// appears; a generic `{id}` takes its collection's name (`/workouts/{id}` → `workouts/id`),
/// so `/members/{id}` and `/workouts/{id}` are two kinds.
fn id_kind(path: &str, param: &str) -> String {
    let name = normalise_key(param);
    if !GENERIC_ID_NAMES.contains(&name.as_str()) {
        return name;
    }
    let placeholder = format!("{{{param}}}");
    let segments: Vec<&str> = path.split('/').collect();
    let collection = segments
        .iter()
        .position(|s| *s == placeholder)
        .and_then(|i| segments[..i].iter().rev().find(|s| !s.starts_with('{')))
        .map(|s| normalise_key(s))
        .unwrap_or_default();
    format!("{collection}/{name}")
}

/// Records in a neighbour's response that belong to a principal other than A, in the full
/// shape A gets for its own object. By the record's own ID when the parameter names users
/// (`{memberId}`), else by its owner field (`member_id`, `owner.id`).
fn other_principals<'a>(
    ex: &'a Exchange,
    own_json: &Value,
    own_keys: &HashSet<&str>,
    principal_a: &str,
    by_id: bool,
    public_op: bool,
) -> Vec<(String, &'a Map<String, Value>)> {
    if !ex.is_success() {
        return Vec::new();
    }
    let Some(json) = ex.json.as_ref() else {
        return Vec::new();
    };
    if is_error_shaped(json) || !has_data(json) || json == own_json {
        return Vec::new();
    }
    records(json)
        .into_iter()
        // A public projection has fewer fields than the owner's view. A profile that says it
        // is public, or a record the spec serves to anyone, counts only when it carries
        // sensitive fields (a public email is still one).
        .filter(|r| own_keys.iter().all(|k| r.contains_key(*k)))
        .filter(|r| !(public_op || says_public(r)) || has_sensitive_value(r))
        .filter_map(|r| {
            let principal = if by_id {
                record_id(&Value::Object(r.clone()))
            } else {
                record_owners(r).into_iter().next()
            }?;
            (principal != principal_a).then_some((principal, r))
        })
        .collect()
}

/// A sensitive field (by name) with a distinctive value.
fn has_sensitive_value(record: &Map<String, Value>) -> bool {
    record.iter().any(|(k, v)| {
        sensitivity(k).is_some()
            && leaves(v)
                .first()
                .is_some_and(|(_, text)| is_distinctive(text))
    })
}

/// The values that prove whose record came back: distinctive, not A's own, sensitive first.
fn evidence(ex: &Exchange, own: &HashSet<String>) -> Vec<Match> {
    let Some(json) = ex.json.as_ref() else {
        return Vec::new();
    };
    let mut found: Vec<(bool, Match)> = leaves(json)
        .into_iter()
        .filter(|(_, v)| is_distinctive(v) && !own.contains(v))
        .map(|(pointer, value)| {
            let key = pointer.rsplit('/').next().unwrap_or_default();
            let kind = sensitivity(key);
            let value = if kind == Some(Sensitivity::Credential) {
                mask(&value)
            } else {
                value
            };
            (kind.is_some(), Match { pointer, value })
        })
        .collect();
    found.sort_by_key(|(sensitive, _)| !*sensitive);
    found
        .into_iter()
        .map(|(_, m)| m)
        .take(MAX_MATCHES)
        .collect()
}

/// A guessable ID as (prefix, number, zero-padded width): `42` → ("", 42, 0), `book7` →
/// ("book", 7, 0), `INV-0042` → ("INV-", 42, 4). UUIDs and random-looking keys are `None`.
fn parse_guessable(value: &str) -> Option<(&str, u64, usize)> {
    let digits_at = value
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit())
        .last()
        .map(|(i, _)| i)?;
    let (prefix, digits) = value.split_at(digits_at);
    if digits.len() > MAX_DIGITS || !word_like_prefix(prefix) {
        return None;
    }
    let number: u64 = digits.parse().ok()?;
    let width = if digits.len() > 1 && digits.starts_with('0') {
        digits.len()
    } else {
        0
    };
    Some((prefix, number, width))
}

/// `INV-`, `book`, `acct_`: short words and separators. Not `cus_NffrFeUfNV` (mixed case
/// noise), not anything with digits (hex, UUIDs, base32).
fn word_like_prefix(prefix: &str) -> bool {
    if prefix.len() > 16 || prefix.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    if !prefix
        .chars()
        .all(|c| c.is_ascii_alphabetic() || "-_.:/#".contains(c))
    {
        return false;
    }
    prefix
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .all(|w| {
            let rest = &w[1..];
            w.len() <= 10
                && (w.chars().all(|c| c.is_ascii_lowercase())
                    || w.chars().all(|c| c.is_ascii_uppercase())
                    || rest.chars().all(|c| c.is_ascii_lowercase()))
        })
}

/// Up to `max` neighbours of `values` by distance (±1, then ±2, ±3), never one of `exclude`
/// (A's own IDs) and never below 1.
fn neighbourhood(values: &[String], exclude: &[String], max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for distance in 1..=MAX_DISTANCE {
        for v in values {
            let Some((prefix, n, width)) = parse_guessable(v) else {
                continue;
            };
            for candidate in [n.checked_add(distance), n.checked_sub(distance)] {
                let Some(m) = candidate.filter(|m| *m >= 1) else {
                    continue;
                };
                let id = format!("{prefix}{m:0width$}");
                if out.len() < max && !exclude.contains(&id) && !out.contains(&id) {
                    out.push(id);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn integer_neighbourhoods_skip_own_ids_and_stay_positive() {
        let own = strings(&["1"]);
        assert_eq!(neighbourhood(&own, &own, 4), ["2", "3", "4"]);
        let own = strings(&["101", "102"]);
        assert_eq!(neighbourhood(&own, &own, 4), ["100", "103", "99", "104"]);
        assert_eq!(neighbourhood(&strings(&["50"]), &[], 8).len(), 6);
    }

    #[test]
    fn prefixed_keys_keep_prefix_and_padding() {
        let own = strings(&["INV-0042"]);
        assert_eq!(neighbourhood(&own, &own, 2), ["INV-0043", "INV-0041"]);
        assert_eq!(
            neighbourhood(&strings(&["book7"]), &[], 2),
            ["book8", "book6"]
        );
        assert_eq!(parse_guessable("INV-0042"), Some(("INV-", 42, 4)));
        assert_eq!(parse_guessable("acct_19"), Some(("acct_", 19, 0)));
        assert_eq!(neighbourhood(&strings(&["A-99"]), &[], 1), ["A-100"]);
    }

    #[test]
    fn uuids_and_random_keys_are_never_probed() {
        for v in [
            "3f2b8c1e-9d4a-4b7e-8f1a-2c3d4e5f6a70",
            "3f2b8c1e9d4a4b7e8f1a2c3d4e5f6a7b",
            "01HZX3K9Q8W7E6R5T4Y3U2I1O0",
            "cus_NffrFeUfNV2Hib",
            "cus_NffrFeUfNV2",
            "a8f3k2j9",
            "5f3e",
            "bob",
            "",
            "1234567890123456789",
        ] {
            assert_eq!(parse_guessable(v), None, "{v}");
            assert!(neighbourhood(&strings(&[v]), &[], 8).is_empty(), "{v}");
        }
    }

    /// Plans `GET /invoices/{invoiceId}` for user A owning `own`.
    fn plan_for(own: &[&str]) -> Planned {
        let op = Operation {
            id: "getInvoice".into(),
            method: HttpMethod::Get,
            path: "/invoices/{invoiceId}".into(),
            ..Operation::api_wide()
        };
        let api = Api {
            operations: vec![op],
            ..Api::default()
        };
        let mut a = Inventory::bare(Role::UserA);
        a.principal_id = Some("1".into());
        for v in own {
            a.own("invoiceId", v);
        }
        let b = Inventory::bare(Role::UserB);
        let base = url::Url::parse("http://127.0.0.1:1/").expect("url");
        let settings = crate::checks::CheckSettings::default();
        let cx = PlanCx {
            api: &api,
            // The spec's "me" read, as the planning stage finds it.
            facts: &crate::checks::ApiFacts::build(
                &api,
                api.operations.iter().find(|o| o.method == crate::model::HttpMethod::Get && o.path == "/me"),
                &settings,
            ),
            base_url: &base,
            user_a: &a,
            user_b: &b,
            public: &Default::default(),
            settings: &settings,
        };
        let check = PredictableIds {
            meta: crate::checks::catalogue()
                .expect("catalogue")
                .into_iter()
                .find(|m| m.id == "predictable-ids")
                .expect("meta"),
        };
        check.plan(&api.operations[0], &cx)
    }

    #[test]
    fn uuids_are_never_planned_and_guessable_keys_stay_within_budget() {
        let planned = plan_for(&["3f2b8c1e-9d4a-4b7e-8f1a-2c3d4e5f6a70"]);
        assert!(
            matches!(&planned, Planned::Skipped(r) if r.contains("not guessable")),
            "{planned:?}"
        );
        let Planned::Probes(probes) = plan_for(&["INV-0042", "INV-0043"]) else {
            panic!("guessable keys are probed");
        };
        let urls: Vec<&str> = probes[0].requests.iter().map(|r| r.url.path()).collect();
        // A's own invoice first (the reference), then each neighbour as A and anonymously.
        assert_eq!(urls[0], "/invoices/INV-0042");
        assert!(urls.contains(&"/invoices/INV-0041") && urls.contains(&"/invoices/INV-0044"));
        assert!(
            !urls[1..].contains(&"/invoices/INV-0043"),
            "own IDs are not probed"
        );
        assert!(probes[0].requests.len() - 1 <= 8);
    }

    #[test]
    fn generic_id_parameters_are_kinds_per_collection() {
        assert_eq!(id_kind("/members/{memberId}", "memberId"), "memberid");
        assert_eq!(id_kind("/a/{member_id}/b", "member_id"), "memberid");
        assert_eq!(id_kind("/members/{id}", "id"), "members/id");
        assert_eq!(id_kind("/members/{id}/workouts", "id"), "members/id");
        assert_eq!(id_kind("/workouts/{id}", "id"), "workouts/id");
    }

    #[test]
    fn only_full_records_of_other_principals_count() {
        let own = json!({"id": 1, "username": "alice", "email": "a@x.test", "private": true});
        let own_keys: HashSet<&str> = own
            .as_object()
            .expect("obj")
            .keys()
            .map(String::as_str)
            .collect();
        let ex = |body: Value| Exchange {
            request: ProbeRequest::get(
                Role::UserA,
                url::Url::parse("http://h/members/2").expect("url"),
            ),
            status: Some(200),
            headers: Vec::new(),
            body: body.to_string(),
            json: Some(body),
            error: None,
            elapsed_ms: 0,
        };
        let full = ex(json!({"id": 2, "username": "bob", "email": "b@x.test", "private": true}));
        let found = other_principals(&full, &own, &own_keys, "1", true, false);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "2");
        // A public projection, a public profile, A itself and an error are not.
        let projection = ex(json!({"id": 3, "username": "carol", "private": false}));
        assert!(other_principals(&projection, &own, &own_keys, "1", true, false).is_empty());
        // A public profile counts only when it shows something sensitive.
        let own_keys_public: HashSet<&str> = ["id", "username", "private"].into();
        let public = ex(json!({"id": 3, "username": "carol", "email": "", "private": false}));
        assert!(other_principals(&public, &own, &own_keys_public, "1", true, false).is_empty());
        let public = ex(json!({"id": 3, "username": "carol", "email": "c@x.test",
            "private": false}));
        assert_eq!(
            other_principals(&public, &own, &own_keys_public, "1", true, false).len(),
            1
        );
        assert!(other_principals(&ex(own.clone()), &own, &own_keys, "1", true, false).is_empty());
        let error = ex(json!({"error": "member not found"}));
        assert!(other_principals(&error, &own, &own_keys, "1", true, false).is_empty());
        // Owned objects are judged by their owner field.
        let own_workout = json!({"id": 101, "member_id": 1, "kind": "cycling"});
        let keys: HashSet<&str> = ["id", "member_id", "kind"].into();
        let bobs = ex(json!({"id": 103, "member_id": 2, "kind": "rowing"}));
        let found = other_principals(&bobs, &own_workout, &keys, "1", false, false);
        assert_eq!(found[0].0, "2");
        // Served to anyone by the spec: someone else's workout is public unless sensitive.
        assert!(other_principals(&bobs, &own_workout, &keys, "1", false, true).is_empty());
        let alices = ex(json!({"id": 102, "member_id": 1, "kind": "running"}));
        assert!(other_principals(&alices, &own_workout, &keys, "1", false, false).is_empty());
    }
}
