//! Harvesting: call the API as one user and learn what that user owns.
//!
//! Ownership is what makes BOLA verdicts trustworthy, so it is strict: an object is the user's
//! when it is the user's own record (the "me" operation), when it came from a request built
//! only from the user's own IDs (`/members/{me}/workouts`), or when it names the user as its
//! owner (`member_id`, `owner.id` equal to the user's ID). Everything else is only "seen".

use std::collections::HashSet;

use serde_json::{Map, Value};
use url::Url;

use super::Inventory;
use crate::exec::Executor;
use crate::identity::Role;
use crate::model::{Api, HttpMethod, Operation};
use crate::probe::fill_path;
use crate::probe::{ProbeRequest, join_url};
use crate::values::judge::normalise_key;
use crate::values::params::scalar_text;
use crate::values::params::unfillable_query;
use crate::values::records::{record_id, record_owners, records};
use crate::vocab::{ME_IDS, ME_SEGMENTS};

/// Rounds of following IDs into further requests (`/me` → `/members/2/workouts` → …).
const ROUNDS: usize = 3;
/// Harvest requests per user, at most.
const MAX_REQUESTS: usize = 150;

/// The operation that returns the caller's own record, if the spec has one.
pub fn find_me_operation(api: &Api) -> Option<&Operation> {
    if let Some(id) = &api.me_operation {
        return api.operations.iter().find(|op| &op.id == id);
    }
    let candidates = || {
        api.operations.iter().filter(|op| {
            op.method == HttpMethod::Get
                && op.path_param_names().is_empty()
                && unfillable_query(op).is_none()
        })
    };
    candidates()
        .find(|op| ME_IDS.contains(&normalise_key(&op.id).as_str()))
        .or_else(|| {
            candidates().find(|op| {
                last_literal(&op.path)
                    .is_some_and(|s| ME_SEGMENTS.contains(&s.to_ascii_lowercase().as_str()))
            })
        })
}

/// Learns what `role` owns by calling read operations as that user.
pub async fn harvest(api: &Api, exec: &Executor, base: &Url, role: Role) -> Inventory {
    let mut inv = Inventory::new(role);
    if let Some(me_op) = find_me_operation(api) {
        let ex = exec
            .send(ProbeRequest::get(role, join_url(base, &me_op.path, &[])))
            .await;
        if let (true, Some(me)) = (ex.is_success(), ex.json.as_ref().filter(|v| v.is_object())) {
            inv.principal_id = record_id(me);
            inv.absorb_own(me);
            inv.me = Some(me.clone());
        }
    }
    if let Some(principal) = inv.principal_id.clone() {
        for op in &api.operations {
            for p in op.path_param_names() {
                if Inventory::is_principal_param(p) {
                    inv.add_owned(p, principal.clone());
                }
            }
        }
    }

    let mut called: HashSet<Url> = HashSet::new();
    for round in 0..ROUNDS {
        let mut batch = Vec::new();
        for op in api
            .operations
            .iter()
            .filter(|op| op.method == HttpMethod::Get)
        {
            if unfillable_query(op).is_some() {
                continue;
            }
            let Some((values, all_owned)) = inv.fill_any(op) else {
                continue;
            };
            let url = join_url(base, &fill_path(&op.path, &values), &[]);
            if called.len() < MAX_REQUESTS && called.insert(url.clone()) {
                batch.push((op, url, all_owned && !values.is_empty()));
            }
        }
        if batch.is_empty() {
            break;
        }
        tracing::debug!(%role, round, requests = batch.len(), "harvest round");
        let requests = batch
            .iter()
            .map(|(_, url, _)| ProbeRequest::get(role, url.clone()))
            .collect();
        let exchanges = exec.send_all(requests).await;
        for ((op, url, owned), ex) in batch.into_iter().zip(exchanges) {
            if let (true, Some(body)) = (ex.is_success(), ex.json.as_ref()) {
                absorb(api, op, body, owned, &mut inv);
                if owned && inv.witness.is_none() {
                    inv.witness = Some(url);
                }
            }
        }
    }
    tracing::info!(
        %role,
        principal = inv.principal_id.as_deref().unwrap_or("unknown"),
        owned = ?inv.owned,
        "harvested"
    );
    inv
}

fn last_literal(path: &str) -> Option<&str> {
    path.split('/')
        .rev()
        .find(|s| !s.is_empty() && !s.starts_with('{'))
}

/// Does this record name `principal` as its owner?
fn names_owner(record: &Map<String, Value>, principal: &str) -> bool {
    record_owners(record).iter().any(|o| o == principal)
}

/// Which path parameters a record's `id` fills: the op's own trailing `{param}`, or the
/// parameter that follows the op's collection segment elsewhere (`/workouts` → `{workoutId}`).
fn id_targets<'a>(api: &'a Api, op: &'a Operation) -> Vec<&'a str> {
    if let Some(last) = op.path.rsplit('/').next().filter(|s| s.starts_with('{')) {
        return vec![last.trim_start_matches('{').trim_end_matches('}')];
    }
    let Some(collection) = last_literal(&op.path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for other in &api.operations {
        let segments: Vec<&str> = other.path.split('/').collect();
        for pair in segments.windows(2) {
            if pair[0] == collection && pair[1].starts_with('{') {
                let name = pair[1].trim_start_matches('{').trim_end_matches('}');
                if !out.contains(&name) {
                    out.push(name);
                }
            }
        }
    }
    out
}

fn absorb(api: &Api, op: &Operation, body: &Value, owned_context: bool, inv: &mut Inventory) {
    let targets = id_targets(api, op);
    for record in records(body) {
        let owned = owned_context
            || inv
                .principal_id
                .as_deref()
                .is_some_and(|p| names_owner(record, p));
        if let Some(id) = record.get("id").and_then(scalar_text) {
            for t in &targets {
                if owned {
                    inv.add_owned(t, id.clone());
                } else {
                    inv.add_seen(t, id.clone());
                }
            }
        }
        // Foreign keys (`class_id`) are only "seen": pointing at a thing is not owning it.
        for (k, v) in record {
            if normalise_key(k) != "id" && normalise_key(k).ends_with("id") {
                if let Some(v) = scalar_text(v) {
                    inv.add_seen(k, v);
                }
            }
        }
        if owned {
            inv.absorb_own(&Value::Object(record.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn owner_fields_and_nested_owners() {
        let r = json!({"id": 103, "member_id": 2})
            .as_object()
            .cloned()
            .expect("obj");
        assert!(names_owner(&r, "2"));
        assert!(!names_owner(&r, "103"));
        let r = json!({"id": 9, "owner": {"id": 2}})
            .as_object()
            .cloned()
            .expect("obj");
        assert!(names_owner(&r, "2"));
        let r = json!({"id": 2, "title": "x"})
            .as_object()
            .cloned()
            .expect("obj");
        assert!(
            !names_owner(&r, "2"),
            "a record's own id is not an owner reference"
        );
    }

    #[test]
    fn records_unwrap_lists_and_wrappers() {
        assert_eq!(records(&json!([{"id": 1}, {"id": 2}])).len(), 2);
        assert_eq!(records(&json!({"data": [{"id": 1}], "total": 1})).len(), 1);
        assert_eq!(
            records(&json!({"id": 1, "tags": [{"a": 1}], "x": 1, "y": 2, "z": 3})).len(),
            1
        );
    }
}
