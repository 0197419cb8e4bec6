//! Canaries: a user's personal values, picked from the user's own record so that finding one
//! in someone else's response is proof, not coincidence. Also the search terms that would
//! find the user (username, name words). Feeds the private-data-leakage check.

use std::collections::HashSet;

use serde_json::Value;

use crate::values::judge::{is_distinctive, leaves, normalise_key};
use crate::values::records::says_public;
use crate::values::sensitivity::{Sensitivity, sensitivity, words};
use crate::vocab::{CATEGORICAL_KEYS, NAME_KEYS, USERNAME_KEYS};

/// Search terms we feed into one search operation, at most.
const MAX_SEARCH_TERMS: usize = 2;

/// One personal value of a user and where it sits in the user's own record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canary {
    /// Name of the field it came from (`email`, `display_name`).
    pub field: String,
    pub value: String,
    /// Proof on its own (an email address, a secret): one occurrence is enough.
    pub strong: bool,
}

/// The canaries of a user's own record, leaving out anything in `exclude` (the other user's
/// own values: a value both users have proves nothing).
pub(crate) fn canaries(me: &Value, exclude: impl Fn(&str) -> bool) -> Vec<Canary> {
    let public = me.as_object().is_some_and(says_public);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (pointer, value) in leaves(me) {
        let Some(key) = pointer.rsplit('/').next().filter(|k| !k.is_empty()) else {
            continue;
        };
        // Array elements (`/tags/0`) are named by their parent.
        let key = if key.bytes().all(|b| b.is_ascii_digit()) {
            pointer
                .rsplit('/')
                .find(|k| !k.is_empty() && !k.bytes().all(|b| b.is_ascii_digit()))
                .unwrap_or(key)
        } else {
            key
        };
        let field = normalise_key(key);
        let kind = sensitivity(key);
        // A public profile shows its name and city by choice; only what stays private counts.
        if is_id_key(key) || CATEGORICAL_KEYS.contains(&field.as_str()) || public && kind.is_none()
        {
            continue;
        }
        if !is_canary_value(&value) || exclude(&value) || !seen.insert(value.clone()) {
            continue;
        }
        let strong = is_email(&value) || kind == Some(Sensitivity::Credential);
        out.push(Canary {
            field: key.replace("~1", "/").replace("~0", "~"),
            value,
            strong,
        });
    }
    out
}

/// Stricter than `is_distinctive`: strings of four characters or more; numbers only when they
/// are fractions or at least 1000 (ages, ranks and small IDs repeat everywhere).
pub(crate) fn is_canary_value(value: &str) -> bool {
    if !is_distinctive(value) {
        return false;
    }
    let v = value.trim();
    if let Ok(n) = v.parse::<f64>() {
        return n.fract() != 0.0 || n.abs() >= 1000.0;
    }
    v.chars().count() >= 4
}

/// Terms a search operation would find the user by: the username, then the longest word of
/// the user's name.
pub(crate) fn search_terms(me: &Value) -> Vec<String> {
    let Some(map) = me.as_object() else {
        return Vec::new();
    };
    let text = |keys: &[&str]| -> Vec<String> {
        map.iter()
            .filter(|(k, _)| keys.contains(&normalise_key(k).as_str()))
            .filter_map(|(_, v)| v.as_str().map(str::trim).map(str::to_owned))
            .filter(|v| !v.is_empty())
            .collect()
    };
    let mut name_words: Vec<String> = text(NAME_KEYS)
        .iter()
        .flat_map(|n| n.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    // Longest first: `Okonkwo-Hale` finds fewer strangers than `Bob`.
    name_words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    let mut out: Vec<String> = Vec::new();
    for term in text(USERNAME_KEYS).into_iter().chain(name_words) {
        if term.chars().count() >= 3 && !out.iter().any(|t| t.eq_ignore_ascii_case(&term)) {
            out.push(term);
        }
        if out.len() == MAX_SEARCH_TERMS {
            break;
        }
    }
    out
}

/// `id`, `member_id`, `ownerId`, `uuid`: identifiers, not personal data (and `bola-read`'s
/// business when they travel).
fn is_id_key(key: &str) -> bool {
    let w = words(key);
    matches!(
        w.last().map(String::as_str),
        Some("id" | "ids" | "uuid" | "guid" | "uid")
    )
}

fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.contains(char::is_whitespace)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bob() -> Value {
        json!({
            "id": 2,
            "username": "bob",
            "display_name": "Bob Okonkwo-Hale",
            "email": "bob.okonkwo@example.test",
            "city": "Valparaíso",
            "birthday": "1979-11-03",
            "weight_kg": 88.2,
            "age": 45,
            "steps": 12045,
            "private": true,
            "role": "member",
            "plan": "gold",
        })
    }

    fn values(c: &[Canary]) -> Vec<&str> {
        c.iter().map(|c| c.value.as_str()).collect()
    }

    #[test]
    fn canaries_are_distinctive_personal_values() {
        let c = canaries(&bob(), |_| false);
        let mut v = values(&c);
        v.sort_unstable();
        // No id, no 3-letter username, no boolean, no small integer, no category.
        assert_eq!(
            v,
            [
                "12045",
                "1979-11-03",
                "88.2",
                "Bob Okonkwo-Hale",
                "Valparaíso",
                "bob.okonkwo@example.test"
            ]
        );
        let strong: Vec<&str> = c
            .iter()
            .filter(|c| c.strong)
            .map(|c| c.value.as_str())
            .collect();
        assert_eq!(strong, ["bob.okonkwo@example.test"]);
    }

    #[test]
    fn values_the_other_user_also_has_are_not_canaries() {
        let exclude: HashSet<String> = ["Valparaíso".to_owned(), "88.2".to_owned()].into();
        let c = canaries(&bob(), |v| exclude.contains(v));
        assert!(!values(&c).contains(&"Valparaíso"));
        assert!(!values(&c).contains(&"88.2"));
        assert!(values(&c).contains(&"1979-11-03"));
    }

    #[test]
    fn a_public_profile_keeps_only_what_stays_private() {
        let mut me = bob();
        me["private"] = json!(false);
        let mut v = values(&canaries(&me, |_| false))
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>();
        v.sort_unstable();
        assert_eq!(v, ["1979-11-03", "88.2", "bob.okonkwo@example.test"]);
    }

    #[test]
    fn canary_values_are_strict() {
        assert!(!is_canary_value("true"));
        assert!(!is_canary_value("42"));
        assert!(!is_canary_value("999"));
        assert!(!is_canary_value("private"), "common words");
        assert!(!is_canary_value("bob"), "short words");
        assert!(is_canary_value("1000"));
        assert!(is_canary_value("61.4"));
        assert!(is_canary_value("Tromsø"));
    }

    #[test]
    fn search_terms_are_username_then_longest_name_word() {
        assert_eq!(search_terms(&bob()), ["bob", "Okonkwo-Hale"]);
        assert_eq!(
            search_terms(&json!({"name": "Ann Li"})),
            ["Ann"],
            "words under three characters are not searched"
        );
        assert!(search_terms(&json!([1, 2])).is_empty());
    }
}
