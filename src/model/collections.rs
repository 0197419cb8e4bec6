//! Collections in the model: a create operation, the item path its objects are read and
//! written at, and which created object each item write gets. Pure functions of the model.

use super::{Api, HttpMethod, Operation};

/// Objects created per collection at most, whatever the number of write operations.
pub(crate) const MAX_OBJECTS: usize = 4;

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
        let writes: Vec<&Operation> = item_writes(api, &item.path).collect();
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

/// PUT/PATCH/DELETE on `path`, in spec order.
fn item_writes<'a>(api: &'a Api, path: &'a str) -> impl Iterator<Item = &'a Operation> {
    api.operations.iter().filter(move |o| {
        matches!(
            o.method,
            HttpMethod::Put | HttpMethod::Patch | HttpMethod::Delete
        ) && o.path == path
    })
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
    let index = item_writes(api, &item.path).position(|w| w.method == op.method)?;
    (index < MAX_OBJECTS).then_some((param, index))
}

#[cfg(test)]
mod tests {
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
}
