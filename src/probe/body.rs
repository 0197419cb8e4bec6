//! Request bodies the scan sends when it writes (`--allow-writes`): a minimal valid body for a
//! create or replace operation, built from the spec, and the free-text property a harmless
//! change goes into.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::model::{BodyHints, Schema, SchemaKind};
use crate::values::judge::normalise_key;
use crate::vocab::TEXT_PROPERTIES;

/// What every string the scan makes up says, so people recognise the scan's objects.
pub(crate) const PROBE_TEXT: &str = "apileak-probe";

/// A body for `schema`: the spec's whole example when it gives one; otherwise the required
/// properties (each from its example, `default` or first `enum` value, else a placeholder of
/// its type) plus the preferred free-text property set to [`PROBE_TEXT`]. Read-only properties
/// are left out: the server sets them.
pub(crate) fn synthesise(schema: &Schema, hints: &BodyHints) -> Value {
    if let Some(example) = hints.example.as_ref().filter(|e| e.is_object()) {
        return example.clone();
    }
    let SchemaKind::Object { properties, .. } = &schema.kind else {
        return hints.example.clone().unwrap_or_else(|| placeholder(schema));
    };
    let mut body = Map::new();
    for name in &hints.required {
        if hints.read_only.contains(name) {
            continue;
        }
        let value = hints.examples.get(name).cloned().unwrap_or_else(|| {
            properties
                .get(name)
                .map_or_else(|| json!(PROBE_TEXT), placeholder)
        });
        body.insert(name.clone(), value);
    }
    if let Some(label) = text_property(properties, hints, false) {
        body.entry(label.to_owned())
            .or_insert_with(|| json!(PROBE_TEXT));
    }
    Value::Object(body)
}

/// The string property a harmless text change goes into: writable, free-form (no `enum`, no
/// `format`), preferring note/title/name-like names. With `any`, falls back to the first such
/// property of whatever name.
pub(crate) fn text_property<'s>(
    properties: &'s BTreeMap<String, Schema>,
    hints: &BodyHints,
    any: bool,
) -> Option<&'s str> {
    let free_text = |(name, schema): &(&'s String, &'s Schema)| {
        schema.kind == SchemaKind::String
            && schema.format.is_none()
            && !hints.enumerated.contains(*name)
            && !hints.read_only.contains(*name)
    };
    let candidates: Vec<(&String, &Schema)> = properties.iter().filter(free_text).collect();
    let preferred = TEXT_PROPERTIES.iter().find_map(|want| {
        candidates
            .iter()
            .find(|(name, _)| normalise_key(name) == *want)
            .map(|(name, _)| name.as_str())
    });
    preferred.or_else(|| {
        any.then(|| candidates.first().map(|(name, _)| name.as_str()))
            .flatten()
    })
}

/// A harmless value of the schema's type.
fn placeholder(schema: &Schema) -> Value {
    match &schema.kind {
        SchemaKind::String => match schema.format.as_deref() {
            Some("email") => json!("apileak-probe@example.invalid"),
            Some("date") => json!("2000-01-01"),
            Some("date-time") => json!("2000-01-01T00:00:00Z"),
            Some("uuid") => json!("00000000-0000-4000-8000-000000000000"),
            Some("uri" | "url") => json!("https://example.invalid/apileak-probe"),
            _ => json!(PROBE_TEXT),
        },
        SchemaKind::Integer | SchemaKind::Number => json!(1),
        SchemaKind::Boolean => json!(false),
        SchemaKind::Array(_) => json!([]),
        // Nested objects: their own required properties are not modelled; an empty object is
        // the most likely to be accepted.
        SchemaKind::Object { .. } => json!({}),
        SchemaKind::Any => json!(PROBE_TEXT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(kind: SchemaKind, format: Option<&str>) -> Schema {
        Schema {
            kind,
            format: format.map(str::to_owned),
            ..Schema::default()
        }
    }

    fn workout() -> Schema {
        let properties = [
            ("id", scalar(SchemaKind::Integer, None)),
            ("kind", scalar(SchemaKind::String, None)),
            ("duration_min", scalar(SchemaKind::Integer, None)),
            ("started_at", scalar(SchemaKind::String, Some("date-time"))),
            ("private", scalar(SchemaKind::Boolean, None)),
            ("note", scalar(SchemaKind::String, None)),
        ]
        .into_iter()
        .map(|(n, s)| (n.to_owned(), s))
        .collect::<std::collections::BTreeMap<_, _>>();
        Schema {
            kind: SchemaKind::Object {
                properties: properties.into(),
                additional: true,
            },
            ..Schema::default()
        }
    }

    fn hints() -> BodyHints {
        BodyHints {
            required: ["id", "kind", "duration_min", "started_at", "private"]
                .map(str::to_owned)
                .to_vec(),
            examples: [("kind".to_owned(), json!("cycling"))].into(),
            enumerated: vec!["kind".to_owned()],
            read_only: vec!["id".to_owned()],
            example: None,
        }
    }

    #[test]
    fn required_properties_from_examples_and_types() {
        assert_eq!(
            synthesise(&workout(), &hints()),
            json!({
                "kind": "cycling",
                "duration_min": 1,
                "started_at": "2000-01-01T00:00:00Z",
                "private": false,
                "note": PROBE_TEXT,
            })
        );
    }

    #[test]
    fn a_whole_example_wins() {
        let hints = BodyHints {
            example: Some(json!({"kind": "yoga", "duration_min": 20})),
            ..hints()
        };
        assert_eq!(
            synthesise(&workout(), &hints),
            json!({"kind": "yoga", "duration_min": 20})
        );
    }

    #[test]
    fn text_property_skips_enums_formats_and_read_only() {
        let SchemaKind::Object { properties, .. } = workout().kind else {
            unreachable!("an object")
        };
        assert_eq!(text_property(&properties, &hints(), false), Some("note"));
        let mut no_note = (*properties).clone();
        no_note.remove("note");
        assert_eq!(text_property(&no_note, &hints(), false), None);
        let enumless = BodyHints {
            enumerated: Vec::new(),
            ..hints()
        };
        assert_eq!(text_property(&no_note, &enumless, true), Some("kind"));
        assert_eq!(text_property(&no_note, &hints(), true), None);
    }
}
