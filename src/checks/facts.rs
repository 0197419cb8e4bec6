//! What checks need to know about the API as a whole, found once per scan so that planning
//! stays linear in the number of operations: the identity ("me") operation, the login
//! operation, and the home read of every ID kind.

use std::collections::HashMap;

use super::CheckSettings;
use crate::model::{Api, Operation};

/// Indices into `Api::operations`.
#[derive(Debug, Clone, Default)]
pub struct ApiFacts {
    me: Option<usize>,
    login: Option<usize>,
    /// ID kind (see `predictable_ids::id_kind`) → the read that is its home.
    homes: HashMap<String, usize>,
}

impl ApiFacts {
    /// `me` is the operation the preflight proved the identities with.
    pub fn build(api: &Api, me: Option<&Operation>, settings: &CheckSettings) -> ApiFacts {
        let index = |op: &Operation| api.operations.iter().position(|o| std::ptr::eq(o, op));
        ApiFacts {
            me: me.and_then(index),
            login: super::login::find_login_operation(api, settings.login_operation.as_ref())
                .and_then(index),
            homes: super::predictable_ids::homes(api),
        }
    }

    pub(crate) fn me<'a>(&self, api: &'a Api) -> Option<&'a Operation> {
        self.me.and_then(|i| api.operations.get(i))
    }

    pub(crate) fn login<'a>(&self, api: &'a Api) -> Option<&'a Operation> {
        self.login.and_then(|i| api.operations.get(i))
    }

    pub(crate) fn home<'a>(&self, api: &'a Api, kind: &str) -> Option<&'a Operation> {
        self.homes.get(kind).and_then(|i| api.operations.get(*i))
    }
}

/// Keeps, per key, the item with the lowest rank (the first one on ties, like `min_by_key`).
pub(crate) fn lowest_per_key<K: std::hash::Hash + Eq, R: Ord>(
    items: impl IntoIterator<Item = (K, R, usize)>,
) -> HashMap<K, usize> {
    let mut best: HashMap<K, (R, usize)> = HashMap::new();
    for (key, rank, index) in items {
        match best.get(&key) {
            Some((r, _)) if *r <= rank => {}
            _ => {
                best.insert(key, (rank, index));
            }
        }
    }
    best.into_iter().map(|(k, (_, i))| (k, i)).collect()
}
