//! What one user owns, and how to fill an operation's parameters from it.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::canary::{self, Canary};
use crate::identity::Role;
use crate::model::Operation;
use crate::values::judge::{distinctive_values, normalise_key};
use crate::values::params::example_for;

/// Most values we keep per parameter: enough to probe, few enough to stay cheap.
const MAX_VALUES: usize = 8;

#[derive(Debug, Clone)]
pub struct Inventory {
    pub role: Role,
    /// The user's own record from the "me"-style operation.
    pub me: Option<Value>,
    /// The user's ID (`id` of the me record), as text.
    pub principal_id: Option<String>,
    /// Object IDs this user owns, by normalised parameter name (`memberid` → ["2"]).
    pub owned: BTreeMap<String, Vec<String>>,
    /// IDs this user has seen in any response (public catalogue items included).
    pub seen: BTreeMap<String, Vec<String>>,
    /// Distinctive values of everything this user owns: "the caller's own data".
    pub own_values: HashSet<String>,
    /// Objects the scan itself created as this user (`--allow-writes`), by normalised
    /// parameter name, in creation order, then user B's objects listed in the config file
    /// (the user vouches for them); also in `owned`. The write-side checks write to these and
    /// to nothing else.
    pub created: BTreeMap<String, Vec<String>>,
    /// A read of one object this user owns that answered 2xx during the harvest (not the
    /// "me" record): re-read during the scan, it shows when the user's data vanished.
    pub witness: Option<url::Url>,
}

impl Inventory {
    pub fn new(role: Role) -> Inventory {
        Inventory {
            role,
            me: None,
            principal_id: None,
            owned: BTreeMap::new(),
            seen: BTreeMap::new(),
            own_values: HashSet::new(),
            created: BTreeMap::new(),
            witness: None,
        }
    }

    pub(crate) fn is_principal_param(name: &str) -> bool {
        crate::values::records::is_principal_param(name)
    }

    pub(crate) fn add_owned(&mut self, param: &str, value: String) {
        push_capped(
            self.owned.entry(normalise_key(param)).or_default(),
            value.clone(),
        );
        self.add_seen(param, value);
    }

    /// Records an object the scan created as this user: created, hence owned.
    pub(crate) fn add_created(&mut self, param: &str, value: String) {
        let created = self.created.entry(normalise_key(param)).or_default();
        if !created.contains(&value) {
            created.push(value.clone());
        }
        self.add_owned(param, value);
    }

    pub(crate) fn add_seen(&mut self, param: &str, value: String) {
        push_capped(self.seen.entry(normalise_key(param)).or_default(), value);
    }

    pub(crate) fn absorb_own(&mut self, value: &Value) {
        self.own_values.extend(distinctive_values(value));
    }

    pub fn owned_values(&self, param: &str) -> &[String] {
        self.owned
            .get(&normalise_key(param))
            .map_or(&[], Vec::as_slice)
    }

    /// IDs of objects the scan created as this user for `param`, in creation order.
    pub fn created_values(&self, param: &str) -> &[String] {
        self.created
            .get(&normalise_key(param))
            .map_or(&[], Vec::as_slice)
    }

    pub fn seen_values(&self, param: &str) -> &[String] {
        self.seen
            .get(&normalise_key(param))
            .map_or(&[], Vec::as_slice)
    }

    /// This user's personal values from the user's own record, minus `exclude` (the other
    /// user's own values). Empty when the "me" record is unknown.
    pub fn canaries(&self, exclude: &HashSet<String>) -> Vec<Canary> {
        self.me
            .as_ref()
            .map(|me| canary::canaries(me, exclude))
            .unwrap_or_default()
    }

    /// Terms a search operation would find this user by (username, a word of the name).
    pub fn search_terms(&self) -> Vec<String> {
        self.me
            .as_ref()
            .map(canary::search_terms)
            .unwrap_or_default()
    }

    /// Values for every path parameter of `op` from what this user owns. `None` when one
    /// parameter has no owned value.
    pub fn fill_owned(&self, op: &Operation) -> Option<Vec<(String, String)>> {
        op.path_param_names()
            .into_iter()
            .map(|p| {
                self.owned_values(p)
                    .first()
                    .map(|v| (p.to_owned(), v.clone()))
            })
            .collect()
    }

    /// Like `fill_owned`, falling back to any value this user has seen, then to the spec's
    /// example. Returns the filling and whether every value is owned.
    pub fn fill_any(&self, op: &Operation) -> Option<(Vec<(String, String)>, bool)> {
        let mut all_owned = true;
        let mut out = Vec::new();
        for p in op.path_param_names() {
            let value = if let Some(v) = self.owned_values(p).first() {
                v.clone()
            } else {
                all_owned = false;
                if let Some(v) = self.seen_values(p).first() {
                    v.clone()
                } else {
                    example_for(op, p)?
                }
            };
            out.push((p.to_owned(), value));
        }
        Some((out, all_owned))
    }
}

fn push_capped(values: &mut Vec<String>, value: String) {
    if values.len() < MAX_VALUES && !values.contains(&value) {
        values.push(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_params() {
        assert!(Inventory::is_principal_param("userId"));
        assert!(Inventory::is_principal_param("member_id"));
        assert!(!Inventory::is_principal_param("workoutId"));
    }
}
