//! Records in JSON answers: which objects a response holds, a record's own ID, the
//! principals it names as its owner, whether it says it is public.

use serde_json::{Map, Value};

use super::judge::normalise_key;
use super::params::scalar_text;
use crate::model::{ResourceKey, Resources};
use crate::vocab::{
    ENVELOPE_KEYS, ID_FIELDS, PRINCIPAL_STEMS, PRIVATE_WORDS, PUBLIC_FLAGS, PUBLIC_WORDS,
    USERNAME_KEYS, VISIBILITY_KEYS,
};

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

/// Records from a response: the elements of a list, of an envelope at any depth
/// (`{"data": […]}`, `{"items": […], "next": …}`, `{"result": {"profile": {…}}}`, HAL
/// `_embedded`), or the object itself.
pub(crate) fn records(body: &Value) -> Vec<&Map<String, Value>> {
    records_with_kind(body)
        .into_iter()
        .map(|(_, r)| r)
        .collect()
}

/// Like `records`, with the envelope key each record was found under (`articles` in
/// `{"articles": […]}`), when that key is not a generic one like `data`: it often says what
/// the records are.
pub(crate) fn records_with_kind(body: &Value) -> Vec<(Option<&str>, &Map<String, Value>)> {
    collect(body, None, 0)
}

/// Envelopes nest this deep at most (`{"data": {"result": {"items": […]}}}`).
const MAX_ENVELOPE_DEPTH: usize = 4;

fn collect<'a>(
    value: &'a Value,
    hint: Option<&'a str>,
    depth: usize,
) -> Vec<(Option<&'a str>, &'a Map<String, Value>)> {
    match value {
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_object)
            .map(|r| (hint, r))
            .collect(),
        Value::Object(map) => {
            if depth >= MAX_ENVELOPE_DEPTH || is_record(map) {
                return vec![(hint, map)];
            }
            let named = |key: &'a str| {
                let generic = ENVELOPE_KEYS.contains(&normalise_key(key).as_str());
                if generic { hint } else { Some(key) }
            };
            // HAL: the payload sits in `_embedded`, beside `_links`.
            if let Some(embedded @ Value::Object(_)) = map.get("_embedded") {
                return collect(embedded, hint, depth + 1);
            }
            let lists: Vec<(&String, &Value)> = map
                .iter()
                .filter(|(_, v)| v.as_array().is_some_and(|a| a.iter().any(Value::is_object)))
                .collect();
            if let [(key, list)] = lists.as_slice() {
                return collect(list, named(key), depth + 1);
            }
            let objects: Vec<(&String, &Value)> =
                map.iter().filter(|(_, v)| v.is_object()).collect();
            if let [(key, inner)] = objects.as_slice() {
                let envelope = ENVELOPE_KEYS.contains(&normalise_key(key).as_str());
                if lists.is_empty() && (envelope || map.len() <= 3) {
                    return collect(inner, named(key), depth + 1);
                }
            }
            vec![(hint, map)]
        }
        _ => Vec::new(),
    }
}

/// Whether an object is a record of its own: it carries an identifier.
fn is_record(map: &Map<String, Value>) -> bool {
    map.iter().any(|(k, v)| {
        let k = normalise_key(k);
        (ID_FIELDS.contains(&k.as_str()) || k == "slug" || USERNAME_KEYS.contains(&k.as_str()))
            && scalar_text(v).is_some()
    })
}

/// The caller's own record in a "me" answer, at any depth, with JSON:API `attributes`
/// merged into it (`{"data": {"id": "7", "attributes": {"email": …}}}`).
pub(crate) fn me_record(body: &Value) -> Option<Map<String, Value>> {
    let found = records(body);
    let [record] = found.as_slice() else {
        return None;
    };
    let mut merged = (*record).clone();
    if let Some(Value::Object(attributes)) = record.get("attributes") {
        for (k, v) in attributes {
            merged.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    Some(merged)
}

/// Who a caller is, by every identifier the API showed: its ID, its login name, its email.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principal {
    pub id: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
}

impl Principal {
    pub(crate) fn from_record(record: &Map<String, Value>) -> Principal {
        let field = |keys: &[&str]| {
            keys.iter().find_map(|want| {
                record
                    .iter()
                    .find(|(k, _)| normalise_key(k) == *want)
                    .and_then(|(_, v)| scalar_text(v))
            })
        };
        Principal {
            id: field(ID_FIELDS),
            username: field(USERNAME_KEYS),
            email: field(&["email", "emailaddress", "mail"]),
        }
    }

    /// The identifier that shows who this is in messages: the ID, else the login name.
    pub fn label(&self) -> Option<&str> {
        self.id
            .as_deref()
            .or(self.username.as_deref())
            .or(self.email.as_deref())
    }

    /// Whether `value` is one of this principal's identifiers.
    pub fn is(&self, value: &str) -> bool {
        [&self.id, &self.username, &self.email]
            .into_iter()
            .flatten()
            .any(|v| v == value)
    }

    /// The identifiers that name this principal wherever they appear: the login name, the
    /// email, an ID that is not a bare number (`7` is also a rank or a count).
    pub fn unambiguous(&self) -> Vec<&str> {
        let id = self
            .id
            .as_deref()
            .filter(|id| !id.bytes().all(|b| b.is_ascii_digit()) && id.len() >= 4);
        [self.username.as_deref(), self.email.as_deref(), id]
            .into_iter()
            .flatten()
            .collect()
    }

    /// The identifier a parameter of `field` takes; `textual` parameters take the login
    /// name rather than a numeric ID (`/repos/{owner}` wants `octocat`, not `583231`).
    pub fn for_field(&self, field: &str, textual: bool) -> Option<&str> {
        let by_name = self.username.as_deref().or(self.email.as_deref());
        match field {
            "username" | "login" | "handle" | "name" => by_name,
            "email" => self.email.as_deref(),
            _ => {
                let numeric = self
                    .id
                    .as_deref()
                    .is_some_and(|id| id.bytes().all(|b| b.is_ascii_digit()));
                if textual && numeric && self.username.is_some() {
                    by_name
                } else {
                    self.id.as_deref().or(by_name)
                }
            }
        }
    }
}

/// The principals a record names as its owner (`member_id: 2`, `owner: {"id": 2}`,
/// `author: {"username": "bob"}`), as text.
pub(crate) fn record_owners(record: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in record {
        let n = normalise_key(k);
        // `owner_email`, `created_by_login`: the owner by another of its identifiers.
        let by_other_identifier = ["email", "username", "login"].iter().any(|suffix| {
            n.strip_suffix(suffix)
                .is_some_and(|stem| !stem.is_empty() && is_principal_param(stem))
        });
        let key_is_owner = n != "id" && (is_principal_param(k) || by_other_identifier);
        match v {
            Value::Object(nested) if key_is_owner || is_principal_param(&format!("{k}id")) => {
                let p = Principal::from_record(nested);
                out.extend(p.id.into_iter().chain(p.username).chain(p.email));
            }
            _ if key_is_owner => out.extend(scalar_text(v)),
            // JSON:API keeps a resource's fields under `attributes`.
            Value::Object(nested) if n == "attributes" => out.extend(record_owners(nested)),
            _ => {}
        }
    }
    out
}

/// Whether the record says only its owner may see it (`private: true`, `is_public: false`,
/// `visibility: "private"`): then it is private wherever it shows up.
pub(crate) fn says_private(record: &Map<String, Value>) -> bool {
    record.iter().any(|(k, v)| {
        let k = normalise_key(k);
        match v {
            Value::Bool(b) if PUBLIC_FLAGS.contains(&k.as_str()) && k != "published" => !b,
            Value::Bool(b)
                if matches!(k.as_str(), "private" | "isprivate" | "hidden" | "ishidden") =>
            {
                *b
            }
            Value::String(s) if VISIBILITY_KEYS.contains(&k.as_str()) => {
                PRIVATE_WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
            }
            _ => false,
        }
    })
}

/// Whether the record says everyone may see it (`private: false`, `is_public: true`,
/// `published: true`, `visibility: "public"`, `status: "published"`).
pub(crate) fn says_public(record: &Map<String, Value>) -> bool {
    record.iter().any(|(k, v)| {
        let k = normalise_key(k);
        match v {
            Value::Bool(b) if PUBLIC_FLAGS.contains(&k.as_str()) => *b,
            Value::Bool(b)
                if matches!(k.as_str(), "private" | "isprivate" | "hidden" | "ishidden") =>
            {
                !b
            }
            Value::String(s) if VISIBILITY_KEYS.contains(&k.as_str()) => {
                PUBLIC_WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
            }
            _ => false,
        }
    })
}

/// The kind a record says it is (`"object": "customer"`, JSON:API `"type": "articles"`), else
/// the kind its envelope key names, when the API knows that kind.
pub(crate) fn record_kind(
    resources: &Resources,
    record: &Map<String, Value>,
    hint: Option<&str>,
) -> Option<String> {
    ["object", "type", "kind"]
        .iter()
        .filter_map(|k| record.get(*k).and_then(Value::as_str))
        .chain(hint)
        .find_map(|word| resources.known_kind(word))
}

/// A record's value for `field` of its `kind`: `id` (or another ID field), `slug`,
/// `username`, or `<kind><field>` (`book_title` for `book.title`).
pub(crate) fn field_value(record: &Map<String, Value>, kind: &str, field: &str) -> Option<String> {
    let wanted: Vec<String> = match field {
        "id" => ID_FIELDS.iter().map(|f| (*f).to_owned()).collect(),
        "username" => USERNAME_KEYS.iter().map(|f| (*f).to_owned()).collect(),
        _ => vec![field.to_owned(), format!("{kind}{field}")],
    };
    wanted.iter().find_map(|want| {
        record
            .iter()
            .find(|(k, _)| normalise_key(k) == *want)
            .and_then(|(_, v)| scalar_text(v))
    })
}

/// A record of an answer, its kind, and the keys it can be found by (`customer.id` = `cus_1`).
pub(crate) struct KeyedRecord<'v> {
    pub(crate) record: &'v Map<String, Value>,
    pub(crate) kind: String,
    pub(crate) keys: Vec<(ResourceKey, String)>,
}

/// Every record of an answer with its keys, as the harvest learns them: the kind from the
/// record itself or its envelope, else `answer_kind` (the operation's).
pub(crate) fn keyed_records<'v>(
    resources: &Resources,
    answer_kind: &str,
    body: &'v Value,
) -> Vec<KeyedRecord<'v>> {
    records_with_kind(body)
        .into_iter()
        .map(|(hint, record)| {
            let kind =
                record_kind(resources, record, hint).unwrap_or_else(|| answer_kind.to_owned());
            let keys = resources
                .fields(&kind)
                .into_iter()
                .filter_map(|field| {
                    field_value(record, &kind, field).map(|v| (ResourceKey::new(&kind, field), v))
                })
                .collect();
            KeyedRecord { record, kind, keys }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn records_unwrap_lists_and_envelopes_at_any_depth() {
        assert_eq!(records(&json!([{"id": 1}, {"id": 2}])).len(), 2);
        assert_eq!(records(&json!({"data": [{"id": 1}], "total": 1})).len(), 1);
        let articles = json!({"articles": [{"slug": "a"}, {"slug": "b"}], "articlesCount": 2});
        let found = records_with_kind(&articles);
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].0,
            Some("articles"),
            "a named envelope says what it holds"
        );
        let list = json!({"object": "list", "data": [{"id": "cus_1"}], "has_more": true});
        let found = records_with_kind(&list);
        assert_eq!(found[0].0, None, "`data` says nothing");
        let hal = json!({"_embedded": {"orders": [{"id": 1}, {"id": 2}]}, "_links": {"self": {"href": "/o"}}});
        assert_eq!(records_with_kind(&hal)[0].0, Some("orders"));
        // A record with an ID is a record, however many lists it holds.
        assert_eq!(
            records(&json!({"id": 1, "tags": [{"a": 1}], "x": 1, "y": 2, "z": 3})).len(),
            1
        );
    }

    #[test]
    fn the_me_record_in_any_envelope() {
        let me =
            me_record(&json!({"result": {"profile": {"username": "ann", "email": "a@x.test"}}}))
                .expect("me");
        let p = Principal::from_record(&me);
        assert_eq!(p.username.as_deref(), Some("ann"));
        assert_eq!(p.id, None);
        assert_eq!(p.label(), Some("ann"));
        // JSON:API: the ID beside the attributes.
        let me = me_record(
            &json!({"data": {"type": "users", "id": "7", "attributes": {"email": "b@x.test"}}}),
        )
        .expect("me");
        let p = Principal::from_record(&me);
        assert_eq!(
            (p.id.as_deref(), p.email.as_deref()),
            (Some("7"), Some("b@x.test"))
        );
        assert_eq!(
            me_record(&json!([{"id": 1}, {"id": 2}])),
            None,
            "a list is nobody's record"
        );
    }

    #[test]
    fn principals_fill_parameters_by_field() {
        let p = Principal {
            id: Some("583231".into()),
            username: Some("octocat".into()),
            email: Some("o@x.test".into()),
        };
        assert_eq!(p.for_field("id", false), Some("583231"));
        // `/repos/{owner}` takes a login, not a number.
        assert_eq!(p.for_field("id", true), Some("octocat"));
        assert_eq!(p.for_field("username", false), Some("octocat"));
        assert_eq!(p.for_field("email", false), Some("o@x.test"));
        assert!(p.is("octocat") && !p.is("other"));
        assert_eq!(
            p.unambiguous(),
            ["octocat", "o@x.test"],
            "a bare number names nobody"
        );
    }

    #[test]
    fn records_say_public_or_private() {
        let m = |v: serde_json::Value| v.as_object().cloned().expect("object");
        assert!(says_public(&m(json!({"published": true}))));
        assert!(says_public(&m(json!({"private": false}))));
        assert!(says_public(&m(json!({"visibility": "Public"}))));
        assert!(!says_public(&m(json!({"published": false}))));
        assert!(
            !says_public(&m(json!({"status": "open"}))),
            "an open invoice is not public"
        );
        assert!(says_private(&m(json!({"private": true}))));
        assert!(says_private(&m(json!({"status": "draft"}))));
        assert!(says_private(&m(json!({"is_public": false}))));
        assert!(
            !says_private(&m(json!({"published": false}))),
            "unpublished is not yet private"
        );
        assert!(!says_private(&m(json!({"id": 1}))));
    }

    #[test]
    fn owners_by_id_or_login() {
        let r = json!({"id": 9, "author": {"username": "bob", "bio": "x"}, "member_id": 2});
        let owners = record_owners(r.as_object().expect("object"));
        assert!(owners.contains(&"bob".to_owned()) && owners.contains(&"2".to_owned()));
        let r = json!({"id": 2, "title": "x"});
        assert!(
            record_owners(r.as_object().expect("object")).is_empty(),
            "its own id is no owner"
        );
        let r = json!({"id": 3, "owner_email": "ann@x.test", "created_by": {"email": "bo@x.test"}});
        let mut owners = record_owners(r.as_object().expect("object"));
        owners.sort();
        assert_eq!(owners, ["ann@x.test", "bo@x.test"]);
        let r = json!({"id": 4, "email": "someone@x.test", "support_email": "help@x.test"});
        assert!(record_owners(r.as_object().expect("object")).is_empty());
    }
}
