//! Objects to attack (`--allow-writes` only). Writing to real users' data is never acceptable,
//! so before the write-side checks run, user B creates objects of its own through the API's
//! create operation (`POST /workouts`, whose items are read at `GET /workouts/{workoutId}`):
//! one per write operation on those items, so concurrent probes never share an object. Their
//! IDs go into B's inventory as created (and owned); `bola-write` writes to these only and
//! deletes them afterwards.

use serde_json::Value;
use url::Url;

use super::body::synthesise;
use super::harvester::record_id;
use super::inventory::{Inventory, fill_path};
use crate::exec::{Executor, ProbeRequest, join_url};
use crate::model::{Api, HttpMethod, Operation};
use crate::values::params::{query_examples, unfillable_query};

/// Objects created per collection at most, whatever the number of write operations.
const MAX_OBJECTS: usize = 4;

/// A create operation and the item operations its objects are read and written at.
#[derive(Debug)]
pub(crate) struct Collection<'a> {
    /// `POST /workouts`.
    pub(crate) create: &'a Operation,
    /// The item path parameter, `workoutId`.
    pub(crate) param: &'a str,
    /// PUT/PATCH/DELETE on the item path (`/workouts/{workoutId}`), in spec order.
    pub(crate) writes: Vec<&'a Operation>,
}

/// Collections with a create operation, a sibling item read and at least one item write.
pub(crate) fn collections(api: &Api) -> Vec<Collection<'_>> {
    let mut out = Vec::new();
    for create in &api.operations {
        if create.method != HttpMethod::Post || create.path.ends_with('}') {
            continue;
        }
        let prefix = format!("{}/", create.path.trim_end_matches('/'));
        let item = api.operations.iter().find(|o| {
            o.method == HttpMethod::Get && o.path.strip_prefix(&prefix).is_some_and(is_single_param)
        });
        let Some(item) = item else { continue };
        let Some(param) = item.path_param_names().last().copied() else {
            continue;
        };
        let writes: Vec<&Operation> = api
            .operations
            .iter()
            .filter(|o| {
                matches!(
                    o.method,
                    HttpMethod::Put | HttpMethod::Patch | HttpMethod::Delete
                ) && o.path == item.path
            })
            .collect();
        if !writes.is_empty() {
            out.push(Collection {
                create,
                param,
                writes,
            });
        }
    }
    out
}

/// `{workoutId}`: one path segment that is one parameter.
fn is_single_param(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}') && !segment[1..].contains(['/', '{'])
}

/// Which created object `op` writes to: its item parameter and its position among the item
/// path's write operations (the index into `Inventory::created_values`). Needs a GET on the
/// same item path, not a create operation: user B's listed objects are writable too.
pub(crate) fn created_slot<'a>(api: &'a Api, op: &Operation) -> Option<(&'a str, usize)> {
    let item = api
        .operations
        .iter()
        .find(|o| o.method == HttpMethod::Get && o.path == op.path)?;
    let (_, last) = item.path.rsplit_once('/')?;
    if !is_single_param(last) {
        return None;
    }
    let param = item.path_param_names().last().copied()?;
    let index = api
        .operations
        .iter()
        .filter(|o| {
            matches!(
                o.method,
                HttpMethod::Put | HttpMethod::Patch | HttpMethod::Delete
            ) && o.path == item.path
        })
        .position(|w| w.method == op.method)?;
    (index < MAX_OBJECTS).then_some((param, index))
}

/// Creates, as `inv`'s user, one object per write operation of every collection (at most
/// [`MAX_OBJECTS`] each) and records their IDs. Failures are logged and skip the collection:
/// the write-side checks then say they had nothing to write to.
pub async fn create_objects(api: &Api, exec: &Executor, base: &Url, inv: &mut Inventory) {
    for c in collections(api) {
        let op = c.create;
        if unfillable_query(op).is_some() {
            tracing::debug!(op = %op.display_name(), "create operation needs a query value");
            continue;
        }
        let Some(values) = inv.fill_owned(op) else {
            tracing::debug!(op = %op.display_name(), "no owned values for the collection path");
            continue;
        };
        let body = match &op.request_schema {
            Some(schema) => Some(synthesise(schema, &op.request_hints)),
            // A body we cannot write (XML, form data) would only be refused.
            None if op.has_request_body => continue,
            None => None,
        };
        // Whatever the scan creates it deletes again: no DELETE, no object.
        let Some(delete) = c.writes.iter().find(|w| w.method == HttpMethod::Delete) else {
            tracing::info!(
                op = %op.display_name(),
                "not creating objects: the API has no DELETE to remove them afterwards"
            );
            continue;
        };
        let url = join_url(base, &fill_path(&op.path, &values), &query_examples(op));
        for _ in 0..c.writes.len().min(MAX_OBJECTS) {
            let mut request = ProbeRequest::new(inv.role, HttpMethod::Post, url.clone());
            if let Some(body) = &body {
                request = request.json(body);
            }
            let ex = exec.send(request).await;
            let id = ex
                .json
                .as_ref()
                .filter(|_| ex.is_success())
                .and_then(created_id)
                .or_else(|| {
                    ex.is_success()
                        .then(|| ex.header("location").and_then(last_segment))
                        .flatten()
                });
            let Some(id) = id else {
                tracing::warn!(
                    role = %inv.role,
                    op = %op.display_name(),
                    status = ?ex.status,
                    error = ?ex.error,
                    "could not create an object to test writes on"
                );
                break;
            };
            tracing::info!(role = %inv.role, op = %op.display_name(), id, "created");
            match delete_request(delete, c.param, &id, inv, base) {
                Some(undo) => exec.halt().journal().register(
                    undo,
                    format!(
                        "delete the object {id} the scan created with {}",
                        op.display_name()
                    ),
                ),
                None => tracing::error!(
                    op = %op.display_name(),
                    id,
                    "created an object that cannot be deleted afterwards (its path needs values the inventory lacks)"
                ),
            }
            inv.add_created(c.param, id);
        }
    }
}

/// The DELETE of the object `id`, built as the write-side checks build their cleanup (the
/// item path filled with `id` and the user's own values), so that cleanup settles it.
fn delete_request(
    delete: &Operation,
    param: &str,
    id: &str,
    inv: &Inventory,
    base: &Url,
) -> Option<ProbeRequest> {
    let mut values = Vec::new();
    for p in delete.path_param_names() {
        let value = if p == param {
            id.to_owned()
        } else {
            inv.owned_values(p).first()?.clone()
        };
        values.push((p.to_owned(), value));
    }
    let url = join_url(
        base,
        &fill_path(&delete.path, &values),
        &query_examples(delete),
    );
    Some(ProbeRequest::new(inv.role, HttpMethod::Delete, url))
}

/// The ID of the object a create operation answered with (`{"id": 7}`, `{"data": {...}}`).
fn created_id(body: &Value) -> Option<String> {
    record_id(body).or_else(|| {
        body.as_object()?
            .values()
            .filter(|v| v.is_object())
            .find_map(record_id)
    })
}

/// `/workouts/107` → `107`.
fn last_segment(location: &str) -> Option<String> {
    let path = location.split(['?', '#']).next()?;
    path.rsplit('/').find(|s| !s.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn op(method: HttpMethod, path: &str) -> Operation {
        Operation::bare(method, path, &format!("{method} {path}"))
    }

    fn api() -> Api {
        Api {
            operations: vec![
                op(HttpMethod::Post, "/auth/login"),
                op(HttpMethod::Post, "/workouts"),
                op(HttpMethod::Get, "/workouts/{workoutId}"),
                op(HttpMethod::Patch, "/workouts/{workoutId}"),
                op(HttpMethod::Delete, "/workouts/{workoutId}"),
                op(HttpMethod::Get, "/workouts/{workoutId}/laps/{lap}"),
                op(HttpMethod::Post, "/classes"),
                op(HttpMethod::Get, "/classes/{classId}"),
                op(HttpMethod::Patch, "/me"),
            ],
            ..Api::default()
        }
    }

    #[test]
    fn collections_need_a_sibling_read_and_a_write() {
        let api = api();
        let found = collections(&api);
        assert_eq!(found.len(), 1, "classes have no write, login no item read");
        assert_eq!(found[0].create.path, "/workouts");
        assert_eq!(found[0].param, "workoutId");
        let writes: Vec<String> = found[0].writes.iter().map(|w| w.display_name()).collect();
        assert_eq!(
            writes,
            [
                "PATCH /workouts/{workoutId}",
                "DELETE /workouts/{workoutId}"
            ]
        );
    }

    #[test]
    fn each_write_gets_its_own_object() {
        let api = api();
        let slot = |m, p| created_slot(&api, &op(m, p));
        assert_eq!(
            slot(HttpMethod::Patch, "/workouts/{workoutId}"),
            Some(("workoutId", 0))
        );
        assert_eq!(
            slot(HttpMethod::Delete, "/workouts/{workoutId}"),
            Some(("workoutId", 1))
        );
        assert_eq!(slot(HttpMethod::Patch, "/me"), None);
    }

    #[test]
    fn created_ids_from_bodies_and_locations() {
        assert_eq!(
            created_id(&json!({"id": 107, "kind": "x"})).as_deref(),
            Some("107")
        );
        assert_eq!(
            created_id(&json!({"data": {"id": "w_9"}})).as_deref(),
            Some("w_9")
        );
        assert_eq!(created_id(&json!({"ok": true})), None);
        assert_eq!(last_segment("/workouts/107?x=1").as_deref(), Some("107"));
        assert_eq!(last_segment("http://h/a/b/").as_deref(), Some("b"));
    }
}
