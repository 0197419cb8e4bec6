//! Shared verdict helpers: does a JSON response carry data, and whose?
//!
//! Verdicts compare structured JSON, never status codes alone: a leak is proven by distinctive
//! values from the victim's own view turning up in the attacker's response.

use std::collections::HashSet;

use serde_json::Value;

use crate::findings::Match;
use crate::vocab::ERROR_KEYS;

/// Values too common to prove anything on their own.
const COMMON: &[&str] = &[
    "true", "false", "null", "none", "yes", "no", "ok", "active", "public", "private", "member",
    "user", "admin", "bearer", "json", "default", "unknown", "n/a",
];

/// Most matches we keep as evidence.
const MAX_MATCHES: usize = 20;

/// Every scalar leaf with its JSON pointer.
pub(crate) fn leaves(value: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(value, &mut String::new(), &mut out, 0);
    out
}

fn walk(value: &Value, pointer: &mut String, out: &mut Vec<(String, String)>, depth: usize) {
    // Responses come from the target: bound the recursion whatever they send.
    if depth > 64 {
        return;
    }
    let len = pointer.len();
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                pointer.push('/');
                pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                walk(v, pointer, out, depth + 1);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointer.push_str(&format!("/{i}"));
                walk(v, pointer, out, depth + 1);
                pointer.truncate(len);
            }
        }
        Value::String(s) => out.push((pointer.clone(), s.clone())),
        Value::Number(n) => out.push((pointer.clone(), n.to_string())),
        Value::Bool(_) | Value::Null => {}
    }
}

/// Whether a leaf value is specific enough that seeing it twice is not a coincidence.
pub(crate) fn is_distinctive(value: &str) -> bool {
    let v = value.trim();
    if let Ok(n) = v.parse::<f64>() {
        // Small integers (ranks, counts, tiny IDs) repeat everywhere; fractions like 88.2 don't.
        return n.fract() != 0.0 || n.abs() >= 10.0;
    }
    v.chars().count() >= 3 && !COMMON.contains(&v.to_ascii_lowercase().as_str())
}

/// Distinctive leaf values of a response.
pub(crate) fn distinctive_values(value: &Value) -> HashSet<String> {
    leaves(value)
        .into_iter()
        .map(|(_, v)| v)
        .filter(|v| is_distinctive(v))
        .collect()
}

/// A 200 with `{"error": "..."}` is a soft error, not data.
pub(crate) fn is_error_shaped(value: &Value) -> bool {
    match value {
        Value::Object(map) => {
            map.is_empty()
                || map.keys().all(|k| {
                    let k = normalise_key(k);
                    ERROR_KEYS.contains(&k.as_str())
                })
                || (map.contains_key("error") && map.len() <= 4)
        }
        _ => false,
    }
}

/// True when the response carries something worth protecting.
pub(crate) fn has_data(value: &Value) -> bool {
    !is_error_shaped(value) && !distinctive_values(value).is_empty()
}

/// Distinctive values of `attack` that also appear in `reference` (the victim's own view) and
/// not in `exclude` (what the attacker legitimately has), first pointer for each value.
pub(crate) fn shared_values(
    attack: &Value,
    reference: &Value,
    exclude: &HashSet<String>,
) -> Vec<Match> {
    shared_values_but(attack, reference, |v| exclude.contains(v))
}

/// [`shared_values`] with the values to leave out given by a predicate.
pub(crate) fn shared_values_but(
    attack: &Value,
    reference: &Value,
    exclude: impl Fn(&str) -> bool,
) -> Vec<Match> {
    let wanted = distinctive_values(reference);
    let mut seen = HashSet::new();
    leaves(attack)
        .into_iter()
        .filter(|(_, v)| wanted.contains(v) && !exclude(v) && is_distinctive(v))
        .filter(|(_, v)| seen.insert(v.clone()))
        .take(MAX_MATCHES)
        .map(|(pointer, value)| Match { pointer, value })
        .collect()
}

/// `member_id`, `memberId` and `Member-ID` all become `memberid`.
pub(crate) fn normalise_key(key: &str) -> String {
    key.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn soft_errors_and_empty_collections_carry_no_data() {
        assert!(!has_data(&json!({"error": "not found", "code": 404})));
        assert!(!has_data(&json!({"message": "Unauthorized"})));
        assert!(!has_data(&json!([])));
        assert!(!has_data(&json!({})));
        assert!(!has_data(&json!({"items": [], "total": 0})));
        assert!(has_data(&json!({"id": 103, "kind": "cycling"})));
    }

    #[test]
    fn distinctive_values_skip_booleans_small_numbers_and_common_words() {
        assert!(!is_distinctive("2"));
        assert!(!is_distinctive("true"));
        assert!(!is_distinctive("private"));
        assert!(!is_distinctive("ab"));
        assert!(is_distinctive("88.2"));
        assert!(is_distinctive("103"));
        assert!(is_distinctive("bob@example.test"));
    }

    #[test]
    fn shared_values_exclude_the_attackers_own() {
        let victim =
            json!({"id": 2, "email": "bob@example.test", "city": "Valparaíso", "plan": "gold"});
        let attack =
            json!({"id": 2, "email": "bob@example.test", "city": "Valparaíso", "plan": "gold"});
        let exclude: HashSet<String> = ["gold".to_owned()].into();
        let m = shared_values(&attack, &victim, &exclude);
        let values: Vec<&str> = m.iter().map(|m| m.value.as_str()).collect();
        assert_eq!(values, ["bob@example.test", "Valparaíso"]);
        assert_eq!(m[0].pointer, "/email");
    }

    #[test]
    fn pointers_escape_and_index() {
        let l = leaves(&json!({"a/b": [{"c~": "x"}]}));
        assert_eq!(l, [("/a~1b/0/c~0".to_owned(), "x".to_owned())]);
    }
}
