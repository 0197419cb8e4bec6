//! Request bodies: 3.x `requestBody` JSON content and Swagger 2.0's `in: body` parameter →
//! `Operation::request_schema` and `BodyHints` (required properties, per-property examples,
//! enums, `readOnly`, a whole example body), read from the top-level object with its `allOf`
//! branches merged. (Whether a body exists at all, `has_request_body`, is `normalize.rs`'s.)

use serde_json::{Map, Value};

use crate::model::{BodyHints, Schema};

use super::normalize::{Cx, Dialect, allows_json, is_json};
use super::refs;

/// How deep `allOf` chains are followed for hints (they are cycles past this in practice),
/// and how many pieces at most (a self-referencing `allOf` list would otherwise fan out).
const MAX_ALL_OF_DEPTH: usize = 8;
const MAX_ALL_OF_PIECES: usize = 64;

impl<'a> Cx<'a, '_> {
    /// The JSON request body of `op`: its schema and hints. `body_param` is Swagger 2.0's
    /// `in: body` parameter (operation-level, else path-level), already resolved. `None` when
    /// there is no JSON body (none at all, form data, only other media types, or a broken
    /// `requestBody` `$ref`, which `has_request_body` already warned about).
    pub(crate) fn request_schema(
        &mut self,
        op: &'a Map<String, Value>,
        name: &str,
        body_param: Option<&'a Value>,
    ) -> Option<(Schema, BodyHints)> {
        let (schema, media) = match self.dialect {
            Dialect::Swagger2 => {
                if !allows_json(op.get("consumes").or_else(|| self.root.get("consumes"))) {
                    return None;
                }
                (body_param?.get("schema"), None)
            }
            Dialect::OpenApi3 => {
                let body = refs::resolve(self.root, op.get("requestBody")?).ok()?;
                let content = body.get("content")?.as_object()?;
                let (_, media) = content.iter().find(|(media_type, _)| is_json(media_type))?;
                (media.get("schema"), Some(media))
            }
        };
        let read = match schema {
            Some(schema) => {
                self.schemas
                    .read(schema, &format!("{name}: request body"), self.warnings)
            }
            // JSON of unknown shape.
            None => Schema::default(),
        };
        Some((read, self.body_hints(schema, media)))
    }

    fn body_hints(&self, schema: Option<&'a Value>, media: Option<&'a Value>) -> BodyHints {
        let mut hints = BodyHints::default();
        let media_example = media.and_then(|m| {
            m.get("example")
                .filter(|v| !v.is_null())
                .cloned()
                .or_else(|| self.first_example(m.get("examples")?))
        });
        let schema_example = || {
            let resolved = refs::resolve(self.root, schema?).ok()?;
            let first = resolved
                .get("examples")
                .and_then(Value::as_array)
                .and_then(|e| e.first());
            resolved
                .get("example")
                .or(first)
                .filter(|v| !v.is_null())
                .cloned()
        };
        hints.example = media_example.or_else(schema_example);
        let Some(schema) = schema else { return hints };
        for piece in all_of_pieces(self.root, schema) {
            for required in piece
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(required) = required.as_str() {
                    push_new(&mut hints.required, required);
                }
            }
            let Some(properties) = piece.get("properties").and_then(Value::as_object) else {
                continue;
            };
            for (name, property) in properties {
                for part in all_of_pieces(self.root, property) {
                    if !hints.examples.contains_key(name) {
                        if let Some(example) = example_of(part) {
                            hints.examples.insert(name.clone(), example);
                        }
                    }
                    if part.contains_key("enum") {
                        push_new(&mut hints.enumerated, name);
                    }
                    if part.get("readOnly") == Some(&Value::Bool(true)) {
                        push_new(&mut hints.read_only, name);
                    }
                }
            }
        }
        hints
    }
}

fn push_new(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|i| i == item) {
        list.push(item.to_owned());
    }
}

/// `schema` (refs resolved) and, recursively, its `allOf` branches, outermost first.
/// Unresolvable refs are skipped here: the schema reader already warned about them.
fn all_of_pieces<'a>(root: &'a Value, schema: &'a Value) -> Vec<&'a Map<String, Value>> {
    fn walk<'a>(
        root: &'a Value,
        schema: &'a Value,
        depth: usize,
        out: &mut Vec<&'a Map<String, Value>>,
    ) {
        if out.len() >= MAX_ALL_OF_PIECES {
            return;
        }
        let Some(object) = refs::resolve(root, schema).ok().and_then(Value::as_object) else {
            return;
        };
        out.push(object);
        if depth < MAX_ALL_OF_DEPTH {
            for branch in object
                .get("allOf")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                walk(root, branch, depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, schema, 0, &mut out);
    out
}

/// A schema's usable value: `example`, first `examples` entry, `default`, first `enum` value.
pub(crate) fn example_of(schema: &Map<String, Value>) -> Option<Value> {
    let first = |key: &str| {
        schema
            .get(key)
            .and_then(Value::as_array)
            .and_then(|list| list.first())
    };
    [
        schema.get("example"),
        first("examples"),
        schema.get("default"),
        first("enum"),
    ]
    .into_iter()
    .flatten()
    .find(|v| !v.is_null())
    .cloned()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::model::SchemaKind;
    use crate::spec::normalize::tests::api;

    #[test]
    fn openapi3_request_body_schema_and_hints() {
        let doc = json!({
            "components": {
                "schemas": {
                    "Base": {"required": ["id"], "properties": {
                        "id": {"type": "string", "readOnly": true, "example": "u-1"},
                        "role": {"allOf": [{"$ref": "#/components/schemas/Role"}], "description": "wrapped"}
                    }},
                    "Role": {"type": "string", "enum": ["member", "admin"]},
                    "User": {"allOf": [
                        {"$ref": "#/components/schemas/Base"},
                        {"required": ["name", "id"], "properties": {
                            "name": {"type": "string", "default": "ann"},
                            "age": {"type": "integer", "examples": [30]}
                        }, "example": {"name": "from schema"}}
                    ]}
                },
                "requestBodies": {"User": {"content": {
                    "application/xml": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"$ref": "#/components/schemas/User"},
                                         "examples": {"one": {"value": {"name": "bob"}}}}
                }}}
            },
            "paths": {
                "/users": {
                    "post": {"requestBody": {"$ref": "#/components/requestBodies/User"}},
                    "put": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/User"}}}}},
                    "patch": {"requestBody": {"content": {"text/plain": {}}}},
                    "delete": {"requestBody": {"$ref": "other.yaml#/Body"}}
                }
            }
        });
        let (api, warnings) = api(&doc, Dialect::OpenApi3);
        let post = &api.operations[0];
        assert!(post.has_request_body);
        let schema = post.request_schema.as_ref().expect("JSON body");
        let SchemaKind::Object { properties, .. } = &schema.kind else {
            panic!("object: {schema:?}")
        };
        assert_eq!(
            properties.keys().collect::<Vec<_>>(),
            ["age", "id", "name", "role"]
        );
        let hints = &post.request_hints;
        assert_eq!(hints.required, ["id", "name"]);
        assert_eq!(
            hints.examples,
            BTreeMap::from([
                ("age".to_owned(), json!(30)),
                ("id".to_owned(), json!("u-1")),
                ("name".to_owned(), json!("ann")),
                ("role".to_owned(), json!("member")),
            ])
        );
        assert_eq!(hints.enumerated, ["role"]);
        assert_eq!(hints.read_only, ["id"]);
        assert_eq!(hints.example, Some(json!({"name": "bob"})));
        // No media-type example: the schema's own `example` (here on an allOf branch: none at the top).
        assert_eq!(api.operations[1].request_hints.example, None);

        let patch = &api.operations[2];
        assert!(patch.has_request_body);
        assert_eq!(patch.request_schema, None, "not JSON");
        let delete = &api.operations[3];
        assert!(delete.has_request_body);
        assert_eq!(delete.request_schema, None);
        assert_eq!(
            warnings,
            ["DELETE /users: request body: external $ref `other.yaml#/Body` not followed"]
        );
    }

    #[test]
    fn swagger2_body_parameter() {
        let doc = json!({
            "consumes": ["application/json"],
            "definitions": {"Pet": {"required": ["name"], "properties": {"name": {"type": "string", "example": "rex"}},
                                    "example": {"name": "rex"}}},
            "paths": {"/pets": {
                "post": {"parameters": [{"name": "pet", "in": "body", "schema": {"$ref": "#/definitions/Pet"}}]},
                "put": {"consumes": ["application/xml"], "parameters": [{"name": "pet", "in": "body", "schema": {"$ref": "#/definitions/Pet"}}]},
                "patch": {"parameters": [{"name": "name", "in": "formData", "type": "string"}]}
            }}
        });
        let (api, warnings) = api(&doc, Dialect::Swagger2);
        assert!(warnings.is_empty(), "{warnings:?}");
        let post = &api.operations[0];
        assert!(post.has_request_body);
        assert!(matches!(
            post.request_schema.as_ref().map(|s| &s.kind),
            Some(SchemaKind::Object { .. })
        ));
        assert_eq!(post.request_hints.required, ["name"]);
        assert_eq!(post.request_hints.examples.get("name"), Some(&json!("rex")));
        assert_eq!(post.request_hints.example, Some(json!({"name": "rex"})));
        let put = &api.operations[1];
        assert!(put.has_request_body);
        assert_eq!(put.request_schema, None, "consumes only XML");
        let patch = &api.operations[2];
        assert!(patch.has_request_body);
        assert_eq!(patch.request_schema, None, "form data is not JSON");
    }

    #[test]
    fn all_of_cycles_are_bounded() {
        let refs: Vec<Value> = (0..10).map(|_| json!({"$ref": "#/A"})).collect();
        let doc = json!({"A": {"allOf": refs, "required": ["x"]}});
        let started = std::time::Instant::now();
        let pieces = all_of_pieces(&doc, &doc["A"]);
        assert_eq!(pieces.len(), MAX_ALL_OF_PIECES);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
