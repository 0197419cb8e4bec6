//! What the write-side checks (`bola-write`, `mass-assignment`) share: the opt-in and the read
//! that confirms a write's effect.

use crate::model::{Api, HttpMethod, Operation};

/// Why a write-side check did not run on an applicable operation.
pub(crate) const NEEDS_WRITES: &str = "needs --allow-writes";

/// The GET on the same path as `op`: where the effect of a write shows.
pub(crate) fn read_back<'a>(api: &'a Api, op: &Operation) -> Option<&'a Operation> {
    api.operations
        .iter()
        .find(|o| o.method == HttpMethod::Get && o.path == op.path)
}

/// The DELETE on the same path as `op`, to clean up what the scan created.
pub(crate) fn delete_of<'a>(api: &'a Api, op: &Operation) -> Option<&'a Operation> {
    api.operations
        .iter()
        .find(|o| o.method == HttpMethod::Delete && o.path == op.path)
}
