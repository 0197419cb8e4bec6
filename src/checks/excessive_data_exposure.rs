//! API3: responses carry more than the client needs: properties the declared response schema
//! does not have (`password_hash` on a member), and personal fields of *another* user.
//!
//! It reads each operation as user A, the way harvesting and `bola-read` already did (so the
//! executor's cache answers most of it): with A's own or seen IDs, and with B's IDs next to
//! B's own view of the same URL. Undeclared properties are ranked with the built-in
//! sensitivity dictionary (`sensitivity.rs`) and only sensitive ones are reported; credential-
//! like ones raise the severity to high.
//!
//! Boundary with `bola-read`: a response to A for a URL carrying B's IDs that shares B's values
//! is a broken object-level check, and the personal fields in it are that root cause, reported
//! by `bola-read`. This check then judges only its undeclared properties (a schema flaw A also
//! sees on its own record). Personal fields of another user count here only when reached
//! without such a BOLA: in lists, embedded objects, or a profile A may legitimately read.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::judge::{is_distinctive, is_error_shaped, normalise_key, shared_values};
use super::reach::fillings_without_b;
use super::sensitivity::{Sensitivity, mask, sensitivity};
use super::{Check, CheckMeta, PlanCx, Planned, Probe};
use crate::findings::{Confidence, Finding, Match, Severity};
use crate::harvest::Inventory;
use crate::identity::Role;
use crate::model::{HttpMethod, Operation, Schema, SchemaKind};
use crate::probe::fill_path;
use crate::probe::{Exchange, ProbeRequest, join_url};
use crate::values::records::{record_id, record_owners, records};
use crate::vocab::ACTION_SEGMENTS;

/// URLs per operation read with A's own or seen IDs.
const MAX_OWN_URLS: usize = 2;
/// Array elements judged per array: a page of records says enough.
const MAX_ITEMS: usize = 50;
/// Matches kept as evidence.
const MAX_MATCHES: usize = 20;
/// Shared values from B's own view that make A's response a BOLA (`bola-read`'s threshold).
const BOLA_SHARED_VALUES: usize = 2;

pub(crate) struct ExcessiveDataExposure {
    pub(crate) meta: CheckMeta,
}

/// One sensitive property in a response.
#[derive(Debug, Clone, PartialEq)]
struct Exposed {
    pointer: String,
    key: String,
    value: String,
    sensitivity: Sensitivity,
    /// False: the response schema does not declare it. True: declared, but about another user.
    declared: bool,
}

impl Check for ExcessiveDataExposure {
    fn meta(&self) -> &CheckMeta {
        &self.meta
    }

    fn plan(&self, op: &Operation, cx: &PlanCx<'_>) -> Planned {
        // Admin listings full of personal data are function-level flaws (BFLA's).
        if op.method != HttpMethod::Get || super::is_admin_operation(op) {
            return Planned::NotApplicable;
        }
        if let Some(p) = cx.user_a.unfillable(op) {
            return Planned::Skipped(format!("required {p} parameter has no example in the spec"));
        }
        let query = cx.user_a.query(op);
        let fillings = match fillings_without_b(op, cx.user_a, cx.user_b, MAX_OWN_URLS) {
            Ok(f) => f,
            Err(p) => {
                return Planned::Skipped(format!(
                    "no value for `{{{p}}}` other than user-b's own objects"
                ));
            }
        };
        let mut requests: Vec<ProbeRequest> = fillings
            .iter()
            .map(|f| {
                let url = join_url(cx.base_url, &fill_path(&op.path, f), &query);
                ProbeRequest::get(Role::UserA, url)
            })
            .collect();
        // `bola-read`'s pair (A on B's object, then B's own view): cached, and judged for
        // undeclared properties only, unless it is not a BOLA (see the module docs).
        if let Some(b_filling) = cx.user_b.fill_owned(op).filter(|f| !f.is_empty()) {
            let url = join_url(cx.base_url, &fill_path(&op.path, &b_filling), &query);
            if !requests.iter().any(|r| r.url == url) {
                requests.push(ProbeRequest::get(Role::UserA, url.clone()));
                requests.push(ProbeRequest::get(Role::UserB, url));
            }
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
        // The trailing user-b request, if any, is the reference view for the one before it.
        let (judged, bola_pair) = match exchanges {
            [rest @ .., attack, reference] if reference.request.role == Role::UserB => {
                (rest, Some((attack, reference)))
            }
            all => (all, None),
        };
        let mut candidates: Vec<(&Arc<Exchange>, Vec<Exposed>)> = judged
            .iter()
            .filter_map(|ex| Some((ex, exposed(op, ex, cx.user_a, true)?)))
            .collect();
        if let Some((attack, reference)) = bola_pair {
            let foreign = !is_bola_root_cause(attack, reference, cx.user_a);
            if let Some(found) = exposed(op, attack, cx.user_a, foreign) {
                candidates.push((attack, found));
            }
        }
        // Fields the team declared public by design are not exposure.
        for (_, found) in &mut candidates {
            found.retain(|e| !cx.settings.is_public_field(&e.key));
        }
        candidates.retain(|(_, found)| !found.is_empty());
        // The most sensitive response; on a tie the earliest (A's own objects come first).
        let best = candidates.iter().map(|(_, found)| score(found)).max()?;
        let (attack, found) = candidates.into_iter().find(|(_, f)| score(f) == best)?;

        let credential = found
            .iter()
            .any(|e| e.sensitivity == Sensitivity::Credential);
        let describe = |declared: bool| -> Vec<String> {
            found
                .iter()
                .filter(|e| e.declared == declared)
                .map(|e| format!("{} ({})", e.key, tier_name(e.sensitivity)))
                .collect()
        };
        let (undeclared, foreign) = (describe(false), describe(true));
        let mut parts = Vec::new();
        if !undeclared.is_empty() {
            parts.push(format!(
                "properties the response schema does not declare: {}",
                undeclared.join(", ")
            ));
        }
        if !foreign.is_empty() {
            parts.push(format!(
                "another user's personal fields: {}",
                foreign.join(", ")
            ));
        }
        let message = format!(
            "{} {} answered {} to {} with {}",
            op.method,
            attack.request.url,
            attack.status.unwrap_or_default(),
            attack.request.role,
            parts.join("; and ")
        );
        let matches = found
            .iter()
            .take(MAX_MATCHES)
            .map(|e| Match {
                pointer: e.pointer.clone(),
                value: if e.sensitivity == Sensitivity::Credential {
                    mask(&e.value)
                } else {
                    e.value.clone()
                },
            })
            .collect();
        let mut finding = super::finding(
            &self.meta,
            op,
            attack,
            matches,
            None,
            Confidence::High,
            message,
        );
        if credential {
            finding.severity = finding.severity.max(Severity::High);
        }
        Some(finding)
    }
}

/// `bola-read`'s verdict on A's read of B's object: A's response shares B's own values (beyond
/// A's own). Then the personal fields in it are that root cause, not this one.
fn is_bola_root_cause(attack: &Exchange, reference: &Exchange, a: &Inventory) -> bool {
    match (&attack.json, &reference.json) {
        (Some(attack_json), Some(reference_json))
            if attack.is_success() && reference.is_success() =>
        {
            shared_values(attack_json, reference_json, &a.own_values).len() >= BOLA_SHARED_VALUES
        }
        _ => false,
    }
}

/// Sensitive properties of one response: undeclared ones, and (when `foreign`) declared
/// personal fields of records about a user other than A. `None` when there are none.
fn exposed(op: &Operation, ex: &Exchange, a: &Inventory, foreign: bool) -> Option<Vec<Exposed>> {
    if !ex.is_success() {
        return None;
    }
    let json = ex.json.as_ref()?;
    if is_error_shaped(json) {
        return None;
    }
    let mut found = Vec::new();
    if let Some(schema) = &op.response_schema {
        undeclared(json, schema, &mut String::new(), &mut found, 0);
    }
    if foreign {
        if let Some(principal) = a.principal_id.as_deref() {
            for e in foreign_personal(op, json, principal, &a.own_values) {
                if !found.iter().any(|f| f.pointer == e.pointer) {
                    found.push(e);
                }
            }
        }
    }
    (!found.is_empty()).then_some(found)
}

/// Credentials first, then how many sensitive fields.
fn score(found: &[Exposed]) -> (Sensitivity, usize) {
    let top = found
        .iter()
        .map(|e| e.sensitivity)
        .max()
        .unwrap_or(Sensitivity::Personal);
    (top, found.len())
}

/// Walks `value` against `schema` and records sensitive properties the schema does not
/// declare. Objects with no declared properties (free-form maps) and open schemas (cycles,
/// unresolved `$ref`s) are not judged.
///
/// An absent `additionalProperties` is JSON Schema's "anything goes", and our model cannot
/// tell it from an explicit `true`; but a response schema that lists properties is the
/// contract clients are written against, so extra properties beside a declared list are
/// judged (as every API3 scanner does).
fn undeclared(
    value: &Value,
    schema: &Schema,
    pointer: &mut String,
    out: &mut Vec<Exposed>,
    depth: usize,
) {
    // Responses come from the target: bound the recursion whatever they send.
    if schema.open || depth > 32 {
        return;
    }
    let len = pointer.len();
    match (&schema.kind, value) {
        (SchemaKind::Object { properties, .. }, Value::Object(map)) => {
            for (key, child) in map {
                push_key(pointer, key);
                match properties.get(key) {
                    Some(child_schema) => undeclared(child, child_schema, pointer, out, depth + 1),
                    None if !properties.is_empty() => sensitive_in(key, child, pointer, out),
                    None => {}
                }
                pointer.truncate(len);
            }
        }
        (SchemaKind::Array(items), Value::Array(values)) => {
            for (i, child) in values.iter().take(MAX_ITEMS).enumerate() {
                pointer.push_str(&format!("/{i}"));
                undeclared(child, items, pointer, out, depth + 1);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// The sensitive parts of an undeclared property: the property itself when its name is
/// sensitive, else any sensitive leaf inside it.
fn sensitive_in(key: &str, value: &Value, pointer: &str, out: &mut Vec<Exposed>) {
    if let Some(s) = sensitivity(key) {
        if let Some(text) = data_text(value) {
            out.push(Exposed {
                pointer: pointer.to_owned(),
                key: key.to_owned(),
                value: text,
                sensitivity: s,
                declared: false,
            });
        }
        return;
    }
    for (inner, leaf) in super::judge::leaves(value) {
        let Some(leaf_key) = inner
            .rsplit('/')
            .find(|k| !k.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let leaf_key = leaf_key.replace("~1", "/").replace("~0", "~");
        if let Some(s) = sensitivity(&leaf_key).filter(|_| has_content(&leaf)) {
            out.push(Exposed {
                pointer: format!("{pointer}{inner}"),
                key: format!("{key}.{leaf_key}"),
                value: leaf,
                sensitivity: s,
                declared: false,
            });
        }
    }
}

/// Declared personal fields in records about a principal other than A: a record reached
/// through an owner-like key (`owner`, `member`), a top-level record of a user collection
/// (`/members/{id}`, `/users/search`), or one naming its owner (`member_id`).
fn foreign_personal(
    op: &Operation,
    body: &Value,
    principal_a: &str,
    own: &HashSet<String>,
) -> Vec<Exposed> {
    let top: Vec<&Map<String, Value>> = if about_principals(op) {
        records(body)
    } else {
        Vec::new()
    };
    let mut out = Vec::new();
    let mut stack: Vec<(String, Option<String>, &Value)> = vec![(String::new(), None, body)];
    let mut visited = 0;
    while let Some((pointer, parent_key, value)) = stack.pop() {
        visited += 1;
        if visited > 10_000 {
            break;
        }
        match value {
            Value::Object(map) => {
                let via_owner_key = parent_key.as_deref().is_some_and(|k| {
                    normalise_key(k) != "id"
                        && (Inventory::is_principal_param(k)
                            || Inventory::is_principal_param(&format!("{k}id")))
                });
                let principal = if via_owner_key || top.iter().any(|t| std::ptr::eq(*t, map)) {
                    record_id(value)
                } else {
                    record_owners(map).into_iter().next()
                };
                let other = principal.is_some_and(|p| p != principal_a);
                for (key, child) in map {
                    let mut child_pointer = pointer.clone();
                    push_key(&mut child_pointer, key);
                    if other && !child.is_object() && !child.is_array() {
                        let text = super::judge::leaves(child).into_iter().next();
                        if let (Some(s), Some((_, text))) = (sensitivity(key), text) {
                            if has_content(&text) && !own.contains(&text) {
                                out.push(Exposed {
                                    pointer: child_pointer.clone(),
                                    key: key.clone(),
                                    value: text,
                                    sensitivity: s,
                                    declared: true,
                                });
                            }
                        }
                    }
                    stack.push((child_pointer, Some(key.clone()), child));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate().take(MAX_ITEMS) {
                    stack.push((format!("{pointer}/{i}"), parent_key.clone(), child));
                }
            }
            _ => {}
        }
    }
    out.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    out
}

/// Does the operation return users (`/members/{memberId}`, `/users/search`, `/me`)?
fn about_principals(op: &Operation) -> bool {
    let literal = op
        .path
        .split('/')
        .rev()
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .find(|s| !ACTION_SEGMENTS.contains(&s.to_ascii_lowercase().as_str()));
    literal.is_some_and(|s| {
        let singular = s.strip_suffix('s').unwrap_or(s);
        Inventory::is_principal_param(s) || Inventory::is_principal_param(singular)
    })
}

fn push_key(pointer: &mut String, key: &str) {
    pointer.push('/');
    pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
}

/// A scalar's text, or a compact excerpt of an object or array; `None` for values that hold
/// no data (null, booleans, empty or masked strings).
fn data_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => has_content(s).then(|| s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(_) | Value::Array(_) => {
            let leaves = super::judge::leaves(value);
            if leaves.iter().all(|(_, v)| !has_content(v)) {
                return None;
            }
            let text = value.to_string();
            Some(if text.chars().count() > 120 {
                format!("{}…", text.chars().take(120).collect::<String>())
            } else {
                text
            })
        }
        Value::Null | Value::Bool(_) => None,
    }
}

/// Real data, not a placeholder: `""`, `"********"`, `"n/a"` hold nothing.
fn has_content(text: &str) -> bool {
    let t = text.trim();
    let Some(first) = t.chars().next() else {
        return false;
    };
    let repeated = t.chars().count() > 1 && t.chars().all(|c| c == first);
    !repeated && (is_distinctive(t) || t.parse::<f64>().is_ok())
}

fn tier_name(s: Sensitivity) -> &'static str {
    match s {
        Sensitivity::Credential => "credential",
        Sensitivity::Personal => "personal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    use serde_json::json;

    fn object(props: &[(&str, Schema)]) -> Schema {
        Schema {
            kind: SchemaKind::Object {
                properties: props
                    .iter()
                    .map(|(k, s)| ((*k).to_owned(), s.clone()))
                    .collect::<BTreeMap<_, _>>()
                    .into(),
                additional: true,
            },
            ..Schema::default()
        }
    }

    fn scalar(kind: SchemaKind) -> Schema {
        Schema {
            kind,
            ..Schema::default()
        }
    }

    fn op(path: &str, schema: Schema) -> Operation {
        Operation {
            id: "x".into(),
            method: HttpMethod::Get,
            path: path.into(),
            response_schema: Some(schema),
            ..Operation::api_wide()
        }
    }

    fn member_schema() -> Schema {
        object(&[
            ("id", scalar(SchemaKind::Integer)),
            ("username", scalar(SchemaKind::String)),
            ("email", scalar(SchemaKind::String)),
            ("city", scalar(SchemaKind::String)),
        ])
    }

    fn pointers(found: &[Exposed]) -> Vec<&str> {
        found.iter().map(|e| e.pointer.as_str()).collect()
    }

    #[test]
    fn undeclared_sensitive_properties_are_found_at_their_pointers() {
        let body = json!([{
            "id": 1, "username": "alice", "city": "Tromsø",
            "password_hash": "$2b$12$Qm8cAdEnCeAlIcE0demoSaLtuV3kq9Zt1xWc7rB2nYp4LhGs6dJfe",
            "last_login_ip": "203.0.113.41",
            "favourite_colour": "teal",
            "email_verified": true,
            "extra": {"note": "x", "phone": "+47 555 0101"}
        }]);
        let schema = scalar(SchemaKind::Array(member_schema().into()));
        let mut found = Vec::new();
        undeclared(&body, &schema, &mut String::new(), &mut found, 0);
        // In response order.
        assert_eq!(
            pointers(&found),
            ["/0/password_hash", "/0/last_login_ip", "/0/extra/phone"]
        );
        assert_eq!(found[0].sensitivity, Sensitivity::Credential);
        assert_eq!(found[1].sensitivity, Sensitivity::Personal);
    }

    #[test]
    fn open_and_free_form_schemas_are_not_judged() {
        let body = json!({"id": 1, "password": "hunter2hunter2"});
        let mut found = Vec::new();
        let open = Schema {
            open: true,
            ..member_schema()
        };
        undeclared(&body, &open, &mut String::new(), &mut found, 0);
        let map = object(&[]);
        undeclared(&body, &map, &mut String::new(), &mut found, 0);
        undeclared(&body, &Schema::default(), &mut String::new(), &mut found, 0);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn placeholders_are_not_data() {
        let body = json!({"id": 1, "password": "********", "token": "", "ssn": null});
        let mut found = Vec::new();
        undeclared(&body, &member_schema(), &mut String::new(), &mut found, 0);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn another_users_declared_personal_fields_count_not_the_callers_own() {
        let own = HashSet::new();
        let op = op("/members/{memberId}", member_schema());
        let carol = json!({"id": 3, "username": "carol", "email": "carol@example.test"});
        let found = foreign_personal(&op, &carol, "1", &own);
        assert_eq!(pointers(&found), ["/email"]);
        assert!(found[0].declared);
        let alice = json!({"id": 1, "username": "alice", "email": "alice@example.test"});
        assert!(foreign_personal(&op, &alice, "1", &own).is_empty());
        // Embedded under an owner-like key, whatever the operation.
        let op = self::op("/classes/{classId}/leaderboard", Schema::default());
        let rows = json!([{"rank": 1, "member": {"id": 2, "city": "Valparaíso",
            "email": "bob@example.test"}}]);
        assert_eq!(
            pointers(&foreign_personal(&op, &rows, "1", &own)),
            ["/0/member/email"]
        );
        // A class is nobody's: its fields are not personal data of a user.
        let class = json!({"id": 4, "location": "Studio 4, Harbour Street"});
        assert!(foreign_personal(&op, &class, "1", &own).is_empty());
    }

    #[test]
    fn user_collections_are_recognised() {
        assert!(about_principals(&op(
            "/members/{memberId}",
            Schema::default()
        )));
        assert!(about_principals(&op("/members/search", Schema::default())));
        assert!(about_principals(&op("/users", Schema::default())));
        assert!(!about_principals(&op(
            "/members/{memberId}/workouts",
            Schema::default()
        )));
        assert!(!about_principals(&op("/classes", Schema::default())));
    }
}
