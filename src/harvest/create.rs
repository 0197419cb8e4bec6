//! Objects to attack (`--allow-writes` only). Writing to real users' data is never acceptable,
//! so before the write-side checks run, user B creates objects of its own through the API's
//! create operation (`POST /workouts`, whose items are read at `GET /workouts/{workoutId}`):
//! one per write operation on those items, so concurrent probes never share an object. Their
//! IDs go into B's inventory as created (and owned); `bola-write` writes to these only and
//! deletes them afterwards.

use url::Url;

use super::inventory::Inventory;
use crate::exec::Executor;
use crate::model::{Api, HttpMethod, Operation};
use crate::model::{MAX_OBJECTS, collections};
use crate::probe::fill_path;
use crate::probe::synthesise;
use crate::probe::{ProbeRequest, join_url};
use crate::values::params::{query_examples, unfillable_query};

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
            Some(schema) => Some(inv.own_ids_in_body(synthesise(schema, &op.request_hints))),
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
            let id = ex.created_id();
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
            inv.add_created(&inv.key(delete, c.param), id);
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
            inv.owned_values(delete, p).into_iter().next()?
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

/// Reads, as its user, every object the user listed for writing, so that a write to one can
/// be undone: the view is kept in `Inventory::listed`. An object that cannot be read keeps
/// no view, and nothing is then written to it.
pub async fn read_listed(api: &Api, exec: &Executor, base: &Url, inv: &mut Inventory) {
    let listed: Vec<(String, crate::model::ResourceKey)> = inv
        .listed
        .iter()
        .map(|(id, (key, _))| (id.clone(), key.clone()))
        .collect();
    for (id, key) in listed {
        // The item read whose trailing parameter takes this kind of object.
        let url = api
            .operations
            .iter()
            .filter(|o| o.method == HttpMethod::Get && o.path.ends_with('}'))
            .find_map(|o| {
                let params = o.path_param_names();
                let last = *params.last()?;
                if inv.key(o, last) != key {
                    return None;
                }
                let mut values = Vec::with_capacity(params.len());
                for p in params {
                    let value = if p == last {
                        id.clone()
                    } else {
                        inv.owned_values(o, p).into_iter().next()?
                    };
                    values.push((p.to_owned(), value));
                }
                Some(join_url(base, &fill_path(&o.path, &values), &inv.query(o)))
            });
        let Some(url) = url else {
            tracing::info!(id, %key, "no read of a listed object: it will not be written to");
            continue;
        };
        let ex = exec.send(ProbeRequest::get(inv.role, url).uncached()).await;
        let view = ex
            .json
            .as_ref()
            .filter(|_| ex.is_success())
            .and_then(crate::values::records::me_record)
            .map(serde_json::Value::Object);
        if let Some(entry) = inv.listed.get_mut(&id) {
            entry.1 = view;
        }
    }
}
