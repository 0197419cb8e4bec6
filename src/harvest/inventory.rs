//! What one user owns, and how to fill an operation's parameters from it.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use serde_json::Value;

use super::canary::{self, Canary};
use crate::identity::Role;
use crate::model::{IdSlot, Operation, ParamLocation, ResourceKey, Resources};
use crate::values::judge::distinctive_values;
use crate::values::params::example_for;
use crate::values::records::Principal;

/// Fields that stand for an object in a text parameter when its ID is a number.
const TEXT_KEYS: [&str; 2] = ["slug", "name"];

/// Most values we keep per kind of object: enough to probe, few enough to stay cheap.
pub(super) const MAX_VALUES: usize = 8;

#[derive(Debug, Clone)]
pub struct Inventory {
    pub role: Role,
    /// The user's own record from the "me"-style operation (envelopes removed).
    pub me: Option<Value>,
    /// Who the user is: ID, login name, email, from the "me" record (and the login).
    pub principal: Principal,
    /// The user's ID (else login name) as text: `principal.label()`.
    pub principal_id: Option<String>,
    /// Object IDs this user owns, by kind and field (`workout.id` → ["103"]): reached only by
    /// this user through its own calls, or naming the user as owner; never an object the
    /// other user or an anonymous caller also reaches, nor one that says it is public.
    pub owned: BTreeMap<ResourceKey, Vec<String>>,
    /// IDs this user has seen in any response (public catalogue items included).
    pub seen: BTreeMap<ResourceKey, Vec<String>>,
    /// Distinctive values of everything this user reached through its own calls: "the
    /// caller's own data" (shared objects included: they are no evidence of another's).
    pub own_values: HashSet<String>,
    /// Objects the scan itself created as this user (`--allow-writes`), by kind, in creation
    /// order, then user B's objects listed in the config file (the user vouches for them);
    /// also in `owned`. The write-side checks write to these and to nothing else.
    pub created: BTreeMap<ResourceKey, Vec<String>>,
    /// A read of one object this user owns that answered 2xx during the harvest (not the
    /// "me" record): re-read during the scan, it shows when the user's data vanished.
    pub witness: Option<url::Url>,
    /// How the API's parameters map to kinds of objects.
    pub resources: Arc<Resources>,
    /// User B's objects listed in the config file with writes allowed, by ID: their kind and
    /// B's view of them read before the scan (to restore what a write changes).
    pub listed: BTreeMap<String, (ResourceKey, Option<Value>)>,
}

impl Inventory {
    pub fn new(role: Role, resources: Arc<Resources>) -> Inventory {
        Inventory {
            role,
            me: None,
            principal: Principal::default(),
            principal_id: None,
            owned: BTreeMap::new(),
            seen: BTreeMap::new(),
            own_values: HashSet::new(),
            created: BTreeMap::new(),
            witness: None,
            resources,
            listed: BTreeMap::new(),
        }
    }

    /// An inventory for unit tests, with an empty resource model.
    #[cfg(test)]
    pub(crate) fn bare(role: Role) -> Inventory {
        Inventory::new(role, Arc::default())
    }

    /// Test shorthand: owns `value` for the kind `name` stands for.
    #[cfg(test)]
    pub(crate) fn own(&mut self, name: &str, value: &str) {
        self.add_owned(&self.key_of_name(name), value.to_owned());
    }

    /// Test shorthand: has seen `value` for the kind `name` stands for.
    #[cfg(test)]
    pub(crate) fn saw(&mut self, name: &str, value: &str) {
        self.add_seen(&self.key_of_name(name), value.to_owned());
    }

    pub(crate) fn is_principal_param(name: &str) -> bool {
        crate::values::records::is_principal_param(name)
    }

    /// The key of `param` of `op`: its ID slot's (path, query, header), else what its place in
    /// the path says.
    pub fn key(&self, op: &Operation, param: &str) -> ResourceKey {
        if let Some(slot) = self.resources.slots(op).iter().find(|s| s.name == param) {
            return slot.key.clone();
        }
        crate::model::path_key(&op.path, param)
    }

    /// The key a bare name stands for (`objects:` in the config file: `workoutId`).
    pub fn key_of_name(&self, name: &str) -> ResourceKey {
        self.resources.key_of_name(name)
    }

    pub(crate) fn add_owned(&mut self, key: &ResourceKey, value: String) {
        push_capped(self.owned.entry(key.clone()).or_default(), value.clone());
        self.add_seen(key, value);
    }

    /// Records an object the scan created as this user: created, hence owned.
    pub(crate) fn add_created(&mut self, key: &ResourceKey, value: String) {
        let created = self.created.entry(key.clone()).or_default();
        if !created.contains(&value) {
            created.push(value.clone());
        }
        self.add_owned(key, value);
    }

    pub(crate) fn add_seen(&mut self, key: &ResourceKey, value: String) {
        push_capped(self.seen.entry(key.clone()).or_default(), value);
    }

    pub(crate) fn absorb_own(&mut self, value: &Value) {
        self.own_values.extend(distinctive_values(value));
    }

    /// Values this user owns for a slot: the user's own identifier for a user slot, then
    /// owned objects of the slot's kind.
    pub fn owned_for(&self, slot: &IdSlot) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if slot.key.is_principal() {
            out.extend(
                self.principal
                    .for_field(&slot.key.field, slot.textual)
                    .map(str::to_owned),
            );
        }
        for v in self.values_for(&self.owned, slot) {
            if !out.contains(v) {
                out.push(v.clone());
            }
        }
        out
    }

    /// `map`'s values for the slot's key; for a text parameter named after a kind (not after
    /// its ID) whose IDs are numbers (`/repos/{owner}/{repo}`), the kind's slug or name
    /// instead.
    fn values_for<'m>(
        &self,
        map: &'m BTreeMap<ResourceKey, Vec<String>>,
        slot: &IdSlot,
    ) -> &'m [String] {
        let exact = map.get(&slot.key).map_or(&[][..], Vec::as_slice);
        let numeric =
            !exact.is_empty() && exact.iter().all(|v| v.bytes().all(|b| b.is_ascii_digit()));
        // Only when the name does not say `id` itself (`{repo}`, not `{repoId}`).
        let bare = crate::vocab::words(&slot.name)
            .last()
            .is_none_or(|w| !crate::vocab::FIELD_WORDS.contains(&w.as_str()));
        if slot.textual && slot.key.field == "id" && numeric && bare && !slot.key.is_principal() {
            for field in TEXT_KEYS {
                let key = ResourceKey::new(&slot.key.resource, field);
                if let Some(values) = map.get(&key).filter(|v| !v.is_empty()) {
                    return values;
                }
            }
        }
        exact
    }

    pub fn owned_values(&self, op: &Operation, param: &str) -> Vec<String> {
        self.owned_for(&self.slot(op, param))
    }

    /// IDs of objects the scan created as this user for `param` of `op`, in creation order.
    pub fn created_values(&self, op: &Operation, param: &str) -> &[String] {
        self.created
            .get(&self.key(op, param))
            .map_or(&[], Vec::as_slice)
    }

    pub fn seen_values(&self, op: &Operation, param: &str) -> &[String] {
        self.seen
            .get(&self.key(op, param))
            .map_or(&[], Vec::as_slice)
    }

    fn slot(&self, op: &Operation, param: &str) -> IdSlot {
        self.resources
            .slots(op)
            .iter()
            .find(|s| s.name == param)
            .cloned()
            .unwrap_or_else(|| IdSlot {
                name: param.to_owned(),
                location: ParamLocation::Path,
                key: self.key(op, param),
                required: true,
                textual: false,
            })
    }

    /// This user's personal values from the user's own record, minus `exclude` (the other
    /// user's own values and public data). Empty when the "me" record is unknown.
    pub fn canaries(&self, exclude: impl Fn(&str) -> bool) -> Vec<Canary> {
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
                self.owned_values(op, p)
                    .into_iter()
                    .next()
                    .map(|v| (p.to_owned(), v))
            })
            .collect()
    }

    /// Like `fill_owned`, falling back to any value this user has seen, then to the spec's
    /// example. Returns the filling and whether every value is owned.
    pub fn fill_any(&self, op: &Operation) -> Option<(Vec<(String, String)>, bool)> {
        let mut all_owned = true;
        let mut out = Vec::new();
        for p in op.path_param_names() {
            let value = if let Some(v) = self.owned_values(op, p).into_iter().next() {
                v
            } else {
                all_owned = false;
                if let Some(v) = self.seen_values(op, p).first() {
                    v.clone()
                } else {
                    example_for(op, p)?
                }
            };
            out.push((p.to_owned(), value));
        }
        Some((out, all_owned))
    }

    /// A required parameter that is neither a path parameter nor a query ID slot and has no
    /// example, as "query `q`": the operation cannot be sent.
    pub fn unfillable(&self, op: &Operation) -> Option<String> {
        let slots = self.resources.slots(op);
        op.parameters
            .iter()
            .find(|p| {
                p.required
                    && p.location != ParamLocation::Path
                    && p.example.is_none()
                    && !slots
                        .iter()
                        .any(|s| s.name == p.name && s.location == p.location)
            })
            .map(|p| format!("{:?} `{}`", p.location, p.name).to_lowercase())
            .or_else(|| {
                slots
                    .iter()
                    .find(|s| {
                        s.required
                            && s.location != ParamLocation::Path
                            && self.owned_for(s).is_empty()
                            && !self.seen.contains_key(&s.key)
                    })
                    .map(|s| format!("{:?} `{}` ({})", s.location, s.name, s.key).to_lowercase())
            })
    }

    /// A request body with this user's own IDs in the properties that carry one
    /// (`{"customer": "cus_…"}`): what the user would send to create an object of its own.
    pub fn own_ids_in_body(&self, mut body: Value) -> Value {
        if let Value::Object(map) = &mut body {
            for (name, value) in map.iter_mut() {
                let Some(key) =
                    crate::model::name_key(name).filter(|k| self.resources.is_known(&k.resource))
                else {
                    continue;
                };
                let slot = IdSlot {
                    name: name.clone(),
                    location: ParamLocation::Query,
                    textual: value.is_string(),
                    required: true,
                    key,
                };
                if let Some(own) = self.owned_for(&slot).into_iter().next() {
                    *value = match value {
                        Value::Number(_) => own
                            .parse::<i64>()
                            .map_or(Value::String(own.clone()), Value::from),
                        _ => Value::String(own),
                    };
                }
            }
        }
        body
    }

    /// The query this user sends `op` with: the spec's examples for required parameters, and
    /// the user's own (else seen) IDs for required query ID slots.
    pub fn query(&self, op: &Operation) -> Vec<(String, String)> {
        let mut query = crate::values::params::query_examples(op);
        if let Some((ids, _)) = self.fill_query(op) {
            query.retain(|(n, _)| !ids.iter().any(|(m, _)| m == n));
            query.extend(ids);
        }
        query
    }

    /// Values for the required query ID slots of `op` (`?customer=`), from what this user
    /// owns, else has seen. `None` when one has no value; the flag says whether all are owned.
    pub fn fill_query(&self, op: &Operation) -> Option<(Vec<(String, String)>, bool)> {
        self.fill_slots(op, ParamLocation::Query)
    }

    /// The same for required header ID slots (`X-Org-Id`).
    pub fn fill_headers(&self, op: &Operation) -> Option<(Vec<(String, String)>, bool)> {
        self.fill_slots(op, ParamLocation::Header)
    }

    fn fill_slots(
        &self,
        op: &Operation,
        location: ParamLocation,
    ) -> Option<(Vec<(String, String)>, bool)> {
        let mut all_owned = true;
        let mut out = Vec::new();
        for slot in self.resources.slots(op).iter() {
            if slot.location != location || !slot.required {
                continue;
            }
            let value = match self.owned_for(slot).into_iter().next() {
                Some(v) => v,
                None => {
                    all_owned = false;
                    self.values_for(&self.seen, slot).first()?.clone()
                }
            };
            out.push((slot.name.clone(), value));
        }
        Some((out, all_owned))
    }
}

pub(super) fn push_capped(values: &mut Vec<String>, value: String) {
    if values.len() < MAX_VALUES && !values.contains(&value) {
        values.push(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(name: &str, textual: bool) -> IdSlot {
        IdSlot {
            name: name.into(),
            location: ParamLocation::Path,
            key: ResourceKey::new("repo", "id"),
            required: true,
            textual,
        }
    }

    #[test]
    fn a_text_parameter_named_after_a_kind_takes_its_name_when_ids_are_numbers() {
        let mut inv = Inventory::bare(Role::UserA);
        inv.add_owned(&ResourceKey::new("repo", "id"), "583231".into());
        inv.add_owned(&ResourceKey::new("repo", "name"), "hello-world".into());
        assert_eq!(inv.owned_for(&slot("repo", true)), ["hello-world"]);
        // `{repoId}` says it wants the ID; an integer parameter too.
        assert_eq!(inv.owned_for(&slot("repoId", true)), ["583231"]);
        assert_eq!(inv.owned_for(&slot("repo", false)), ["583231"]);
        // Text IDs are IDs.
        let mut inv = Inventory::bare(Role::UserA);
        inv.add_owned(&ResourceKey::new("repo", "id"), "r_9".into());
        inv.add_owned(&ResourceKey::new("repo", "name"), "hello".into());
        assert_eq!(inv.owned_for(&slot("repo", true)), ["r_9"]);
    }

    #[test]
    fn principal_params() {
        assert!(Inventory::is_principal_param("userId"));
        assert!(Inventory::is_principal_param("member_id"));
        assert!(!Inventory::is_principal_param("workoutId"));
    }
}
