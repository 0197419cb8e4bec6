//! Records in JSON answers: which objects a response holds, a record's own ID, the
//! principals it names as its owner, whether it says it is public.

use serde_json::{Map, Value};

use super::judge::normalise_key;
use super::params::scalar_text;
use crate::vocab::{ID_FIELDS, PRINCIPAL_STEMS};

/// Whether a parameter or field names the user themself (`{userId}`, `member_id`, `me`).
pub(crate) fn is_principal_param(name: &str) -> bool {
    let n = normalise_key(name);
    let stem = n.strip_suffix("id").unwrap_or(&n);
    PRINCIPAL_STEMS.contains(&stem) || n == "me"
}

/// The ID of a record (its `id`, or a similar field).
pub(crate) fn record_id(record: &Value) -> Option<String> {
    let map = record.as_object()?;
    ID_FIELDS.iter().find_map(|want| {
        map.iter()
            .find(|(k, _)| normalise_key(k) == *want)
            .and_then(|(_, v)| scalar_text(v))
    })
}

/// Records from a response: the elements of a list, of a `{"data": [...]}` wrapper, or the
/// object itself.
pub(crate) fn records(body: &Value) -> Vec<&Map<String, Value>> {
    match body {
        Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
        Value::Object(map) => {
            let lists: Vec<&Vec<Value>> = map
                .values()
                .filter_map(Value::as_array)
                .filter(|a| a.iter().any(Value::is_object))
                .collect();
            match lists.as_slice() {
                [one] if map.len() <= 4 => one.iter().filter_map(Value::as_object).collect(),
                _ => vec![map],
            }
        }
        _ => Vec::new(),
    }
}

/// The principals a record names as its owner (`member_id: 2`, `owner: {"id": 2}`), as text.
pub(crate) fn record_owners(record: &Map<String, Value>) -> Vec<String> {
    record
        .iter()
        .filter_map(|(k, v)| {
            let key_is_owner = normalise_key(k) != "id" && is_principal_param(k);
            match v {
                Value::Object(nested) if key_is_owner || is_principal_param(&format!("{k}id")) => {
                    nested.get("id").and_then(scalar_text)
                }
                _ if key_is_owner => scalar_text(v),
                _ => None,
            }
        })
        .collect()
}

/// Whether the record says its profile is public (`private: false`, `is_public: true`,
/// `visibility: "public"`).
pub(crate) fn profile_is_public(record: &Map<String, Value>) -> bool {
    record
        .iter()
        .any(|(k, v)| match (normalise_key(k).as_str(), v) {
            ("private" | "isprivate" | "hidden" | "ishidden", Value::Bool(b)) => !b,
            ("public" | "ispublic", Value::Bool(b)) => *b,
            ("visibility" | "profilevisibility", Value::String(s)) => {
                s.eq_ignore_ascii_case("public")
            }
            _ => false,
        })
}
