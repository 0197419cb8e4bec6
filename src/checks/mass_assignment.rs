//! API3 (writes, `--allow-writes`): user A sets properties of its own record that clients must
//! not set (mass assignment: the server binds whatever the body holds).
//!
//! Targets are user A's own record only: the "me" record (`PATCH /me`), or a record at a path
//! filled with A's own principal ID (`PUT /members/{A's id}`). Nothing else of A's is written.
//! The probe: A reads the record, A sends the update with privileged properties the request
//! schema does not declare as writable (`role: "admin"`, `is_admin`/`admin: true`, further
//! role flags and owner IDs the record has, set to B's ID), A reads it back, A restores the
//! original values, A reads again. A finding needs a sent value in the read-back that was not
//! there before; a 2xx that changes nothing, or a 400 for unknown fields, is the right answer.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use url::Url;

use super::judge::normalise_key;
use super::writes::{NEEDS_WRITES, read_back};
use super::{Check, CheckMeta, PlanCx, Planned, Probe};
use crate::findings::{Confidence, Finding, Match};
use crate::harvest::Inventory;
use crate::identity::Role;
use crate::model::{HttpMethod, Operation, SchemaKind};
use crate::probe::fill_path;
use crate::probe::{Exchange, ProbeRequest, join_url};
use crate::values::params::scalar_text;

/// Sent to every target: the privilege flags frameworks most often bind blindly.
const ALWAYS: &[(&str, PrivilegedValue)] = &[
    ("role", PrivilegedValue::Admin),
    ("is_admin", PrivilegedValue::True),
    ("admin", PrivilegedValue::True),
];
/// Sent only when the record (or its response schema) has them.
const WHEN_PRESENT: &[(&str, PrivilegedValue)] = &[
    ("roles", PrivilegedValue::AdminList),
    ("is_staff", PrivilegedValue::True),
    ("staff", PrivilegedValue::True),
    ("is_superuser", PrivilegedValue::True),
    ("superuser", PrivilegedValue::True),
    ("permissions", PrivilegedValue::AdminList),
];

/// What a privileged property is set to.
#[derive(Debug, Clone, Copy)]
enum PrivilegedValue {
    /// `"admin"`.
    Admin,
    True,
    /// `["admin"]`.
    AdminList,
}

impl PrivilegedValue {
    fn json(self) -> Value {
        match self {
            PrivilegedValue::Admin => json!("admin"),
            PrivilegedValue::True => json!(true),
            PrivilegedValue::AdminList => json!(["admin"]),
        }
    }
}

pub(crate) struct MassAssignment {
    pub(crate) meta: CheckMeta,
}

/// What the plan decided for one operation (recomputed by `evaluate`: planning is pure).
struct Target {
    url: Url,
    read_url: Url,
    /// The privileged properties sent and their values.
    privileged: Map<String, Value>,
    /// The attack body (PUT: the whole record plus `privileged`).
    body: Value,
    /// The body that puts the original values back; `None` when there is nothing to restore.
    restore: Option<Value>,
    /// Privileged properties the request schema declares (read-only), the rest are undeclared.
    declared_read_only: Vec<String>,
}

impl Check for MassAssignment {
    fn meta(&self) -> &CheckMeta {
        &self.meta
    }

    fn plan(&self, op: &Operation, cx: &PlanCx<'_>) -> Planned {
        let t = match target(op, cx) {
            Ok(Some(t)) => t,
            Ok(None) => return Planned::NotApplicable,
            Err(reason) => return Planned::Skipped(reason),
        };
        let read = || ProbeRequest::get(Role::UserA, t.read_url.clone()).uncached();
        let restore = t
            .restore
            .as_ref()
            .map(|r| ProbeRequest::new(Role::UserA, op.method, t.url.clone()).json(r));
        let mut attack = ProbeRequest::new(Role::UserA, op.method, t.url.clone()).json(&t.body);
        if let Some(restore) = &restore {
            // Journalled by the executor: restored even if the scan stops before this probe's
            // own restore.
            attack = attack.undone_by(restore.clone(), "restore user-a's original values");
        }
        let mut requests = vec![read(), attack, read()];
        if let Some(restore) = restore {
            requests.push(restore);
            requests.push(read());
        }
        Planned::Probes(vec![Probe { requests }])
    }

    fn evaluate(
        &self,
        op: &Operation,
        _probe: &Probe,
        exchanges: &[Arc<Exchange>],
        cx: &PlanCx<'_>,
    ) -> Option<Finding> {
        let t = target(op, cx).ok().flatten()?;
        let [before, attack, after, rest @ ..] = exchanges else {
            return None;
        };
        let record = |ex: &Exchange| ex.json.clone().filter(|v| ex.is_success() && v.is_object());
        let (before_json, after_json) = (record(before)?, record(after)?);
        let persisted: Vec<(&String, &Value)> = t
            .privileged
            .iter()
            .filter(|(k, v)| holds(after_json.get(k.as_str()), v))
            .filter(|(k, v)| !holds(before_json.get(k.as_str()), v))
            .collect();
        if persisted.is_empty() {
            return None;
        }
        let restored = match rest {
            [_, reread] => record(reread).is_some_and(|now| {
                persisted
                    .iter()
                    .all(|(k, v)| !holds(now.get(k.as_str()), v))
            }),
            _ => false,
        };
        let what: Vec<String> = persisted
            .iter()
            .map(|(k, v)| {
                let was = before_json
                    .get(k.as_str())
                    .map_or_else(|| "absent".to_owned(), Value::to_string);
                let how = if t.declared_read_only.contains(k) {
                    "declared read-only"
                } else {
                    "not in the request schema"
                };
                format!("`{k}` = {v} (was {was}; {how})")
            })
            .collect();
        let message = format!(
            "user-a set privileged properties of its own record: {} {} answered {}, and {} now \
             shows {}; {}",
            op.method,
            attack.request.url,
            attack
                .status
                .map_or_else(|| "nothing".to_owned(), |s| s.to_string()),
            after.request.url.path(),
            what.join(", "),
            if restored {
                "the original values were restored"
            } else {
                "the original values could NOT be restored: check the record by hand"
            }
        );
        let matches = persisted
            .iter()
            .map(|(k, v)| Match {
                pointer: format!("/{}", k.replace('~', "~0").replace('/', "~1")),
                value: scalar_text(v).unwrap_or_else(|| v.to_string()),
            })
            .collect();
        Some(super::finding(
            &self.meta,
            op,
            attack,
            matches,
            None,
            Confidence::High,
            message,
        ))
    }
}

/// The update to send at `op`. `Ok(None)`: not an update of A's own record; `Err`: why an
/// update of A's own record cannot be tested.
fn target(op: &Operation, cx: &PlanCx<'_>) -> Result<Option<Target>, String> {
    if !matches!(op.method, HttpMethod::Put | HttpMethod::Patch) {
        return Ok(None);
    }
    let params = op.path_param_names();
    let is_me = params.is_empty() && cx.me().is_some_and(|me| me.path == op.path);
    let by_principal =
        !params.is_empty() && params.iter().all(|p| Inventory::is_principal_param(p));
    if !is_me && !by_principal {
        return Ok(None);
    }
    if !cx.settings.allow_writes {
        return Err(NEEDS_WRITES.into());
    }
    let Some(read) = read_back(cx.api, op) else {
        return Err(format!("no GET {} to read the record back", op.path));
    };
    if let Some(p) = super::unfillable_query(op).or_else(|| super::unfillable_query(read)) {
        return Err(format!("required {p} parameter has no example in the spec"));
    }
    let (Some(me), Some(principal)) = (
        cx.user_a.me.as_ref().and_then(Value::as_object),
        cx.user_a.principal_id.as_deref(),
    ) else {
        return Err("user-a's own record was not harvested".into());
    };
    let values: Vec<(String, String)> = params
        .iter()
        .map(|p| ((*p).to_owned(), principal.to_owned()))
        .collect();
    let path = fill_path(&op.path, &values);

    let writable: Vec<String> = match op.request_schema.as_ref().map(|s| &s.kind) {
        Some(SchemaKind::Object { properties, .. }) => properties
            .keys()
            .filter(|k| !op.request_hints.read_only.contains(*k))
            .map(|k| normalise_key(k))
            .collect(),
        _ => Vec::new(),
    };
    let response_keys: Vec<String> = match read.response_schema.as_ref().map(|s| &s.kind) {
        Some(SchemaKind::Object { properties, .. }) => properties.keys().cloned().collect(),
        _ => Vec::new(),
    };
    // The record's own spelling of a property (`isAdmin`), else ours.
    let spelled = |name: &str| -> Option<String> {
        me.keys()
            .chain(response_keys.iter())
            .find(|k| normalise_key(k) == normalise_key(name))
            .cloned()
    };
    let mut privileged = Map::new();
    for (name, value) in ALWAYS {
        privileged.insert(
            spelled(name).unwrap_or_else(|| (*name).to_owned()),
            value.json(),
        );
    }
    for (name, value) in WHEN_PRESENT {
        if let Some(key) = spelled(name) {
            privileged.insert(key, value.json());
        }
    }
    // Owner references (`owner_id`, `member_id`) pointed at B: taking over ownership.
    if let Some(b) = cx.user_b.principal_id.as_deref() {
        for (key, current) in me {
            if normalise_key(key) != "id" && Inventory::is_principal_param(key) {
                let b_value = match current {
                    Value::Number(_) => b.parse::<i64>().map_or_else(|_| json!(b), |n| json!(n)),
                    _ => json!(b),
                };
                privileged.insert(key.clone(), b_value);
            }
        }
    }
    // A property the API lets clients write by design is not mass assignment.
    privileged.retain(|k, _| !writable.contains(&normalise_key(k)));
    if privileged.is_empty() {
        return Err("every privileged property is declared writable".into());
    }

    let mut original = Map::new();
    for (key, sent) in &privileged {
        match me.get(key) {
            Some(value) => {
                original.insert(key.clone(), value.clone());
            }
            // A flag that was absent is switched off again.
            None if sent.is_boolean() => {
                original.insert(key.clone(), json!(false));
            }
            None => {}
        }
    }
    // Other absent values could not be put back by an update: never send them.
    privileged.retain(|k, _| original.contains_key(k));
    if privileged.is_empty() {
        return Err(
            "no privileged property whose original value could be restored afterwards".into(),
        );
    }
    let declared_read_only = privileged
        .keys()
        .filter(|k| op.request_hints.read_only.contains(*k))
        .cloned()
        .collect();
    // PUT replaces the record: send it whole (what the request schema lets clients write).
    let base: Map<String, Value> = if op.method == HttpMethod::Put {
        me.iter()
            .filter(|(k, _)| writable.is_empty() || writable.contains(&normalise_key(k)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    } else {
        Map::new()
    };
    let with = |extra: &Map<String, Value>| {
        let mut body = base.clone();
        body.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        Value::Object(body)
    };
    Ok(Some(Target {
        url: join_url(cx.base_url, &path, &super::query_examples(op)),
        read_url: join_url(cx.base_url, &path, &super::query_examples(read)),
        body: with(&privileged),
        restore: (!original.is_empty()).then(|| with(&original)),
        privileged,
        declared_read_only,
    }))
}

/// Whether a read-back value holds what was sent (`["admin"]` sent: contains `"admin"`; IDs
/// compared as text).
fn holds(found: Option<&Value>, sent: &Value) -> bool {
    let Some(found) = found else {
        return false;
    };
    match (found, sent) {
        (Value::Array(items), Value::Array(wanted)) => wanted.iter().all(|w| items.contains(w)),
        (Value::Bool(a), Value::Bool(b)) => a == b,
        _ => match (scalar_text(found), scalar_text(sent)) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(&b),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::checks::CheckSettings;
    use crate::model::{Api, BodyHints, Schema};

    fn op(method: HttpMethod, path: &str, writable: &[&str]) -> Operation {
        let properties: BTreeMap<String, Schema> = writable
            .iter()
            .map(|p| {
                let string = Schema {
                    kind: SchemaKind::String,
                    ..Schema::default()
                };
                ((*p).to_owned(), string)
            })
            .collect();
        Operation {
            id: format!("{method} {path}"),
            method,
            path: path.into(),
            request_schema: Some(Schema {
                kind: SchemaKind::Object {
                    properties: properties.into(),
                    additional: false,
                },
                ..Schema::default()
            }),
            request_hints: BodyHints::default(),
            ..Operation::api_wide()
        }
    }

    /// Plans `update` in an API that also has `GET /me` and `GET /members/{memberId}`.
    fn plan(update: Operation, allow_writes: bool) -> Result<Option<Target>, String> {
        let api = Api {
            operations: vec![
                op(HttpMethod::Get, "/me", &[]),
                op(HttpMethod::Get, "/members/{memberId}", &[]),
                op(HttpMethod::Get, "/workouts/{workoutId}", &[]),
                update.clone(),
            ],
            ..Api::default()
        };
        let base = Url::parse("http://127.0.0.1:1").expect("url");
        let mut a = Inventory::bare(Role::UserA);
        a.me = Some(json!({"id": 1, "display_name": "A", "role": "member", "isAdmin": false}));
        a.principal_id = Some("1".into());
        let mut b = Inventory::bare(Role::UserB);
        b.principal_id = Some("2".into());
        let settings = CheckSettings {
            allow_writes,
            ..CheckSettings::default()
        };
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
        target(&update, &cx)
    }

    #[test]
    fn own_record_gets_undeclared_privileged_properties_and_a_restore() {
        let t = plan(op(HttpMethod::Patch, "/me", &["display_name"]), true)
            .expect("plans")
            .expect("applies");
        // The record's own spelling (`isAdmin`) replaces ours (`is_admin`).
        assert_eq!(
            t.body,
            json!({"role": "admin", "isAdmin": true, "admin": true})
        );
        assert_eq!(
            t.restore,
            Some(json!({"role": "member", "isAdmin": false, "admin": false}))
        );
        assert_eq!(t.url.path(), "/me");

        // PUT sends the writable part of the record with them.
        let put = plan(
            op(HttpMethod::Put, "/members/{memberId}", &["display_name"]),
            true,
        )
        .expect("plans")
        .expect("applies");
        assert_eq!(put.url.path(), "/members/1");
        assert_eq!(put.body["display_name"], "A");
        assert_eq!(put.body["role"], "admin");
    }

    #[test]
    fn declared_writable_properties_are_not_mass_assignment() {
        let t = plan(op(HttpMethod::Patch, "/me", &["role", "admin"]), true)
            .expect("plans")
            .expect("applies");
        assert_eq!(t.body, json!({"isAdmin": true}));
    }

    #[test]
    fn only_own_records_and_only_with_writes() {
        let other = op(HttpMethod::Patch, "/workouts/{workoutId}", &["note"]);
        assert!(matches!(plan(other, true), Ok(None)));
        let delete = op(HttpMethod::Delete, "/me", &[]);
        assert!(matches!(plan(delete, true), Ok(None)));
        let me = op(HttpMethod::Patch, "/me", &["display_name"]);
        assert_eq!(plan(me, false).err().as_deref(), Some(NEEDS_WRITES));
    }

    #[test]
    fn persisted_values_compare_by_meaning() {
        assert!(holds(Some(&json!("Admin")), &json!("admin")));
        assert!(holds(Some(&json!(2)), &json!("2")));
        assert!(holds(Some(&json!(["user", "admin"])), &json!(["admin"])));
        assert!(holds(Some(&json!(true)), &json!(true)));
        assert!(!holds(Some(&json!("member")), &json!("admin")));
        assert!(!holds(Some(&json!(false)), &json!(true)));
        assert!(
            !holds(Some(&json!("true")), &json!(true)),
            "a string is not the flag"
        );
        assert!(!holds(None, &json!("admin")));
    }
}
