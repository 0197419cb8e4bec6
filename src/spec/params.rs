//! Parameters (path-level and operation-level `parameters` lists) → `model::Parameter`, with
//! their schema and a usable example value.

use serde_json::{Map, Value};

use crate::model::{ParamLocation, Parameter, Schema};

use super::body::example_of;
use super::normalize::{Cx, Dialect};
use super::refs;
use super::schema::describe;

/// The readable parameters of one list, and whether it declared a body (Swagger 2.0's
/// `in: body` / `in: formData`, which become a request body, not parameters).
#[derive(Debug, Default)]
pub(crate) struct ParamList<'a> {
    pub(crate) params: Vec<Parameter>,
    pub(crate) has_body: bool,
    /// The `in: body` parameter itself (resolved), for the request body's schema.
    pub(crate) body: Option<&'a Value>,
}

impl<'a> Cx<'a, '_> {
    /// Reads a `parameters` list. `owner` names its place in warnings (`GET /pets`, `path /pets`).
    pub(crate) fn parameters(&mut self, list: Option<&'a Value>, owner: &str) -> ParamList<'a> {
        let mut out = ParamList::default();
        let Some(list) = list else { return out };
        let Some(list) = list.as_array() else {
            self.warnings.push(format!(
                "{owner}: `parameters` is {}, not a list; ignored",
                describe(list)
            ));
            return out;
        };
        for (i, raw) in list.iter().enumerate() {
            let number = i + 1;
            let param = match refs::resolve(self.root, raw) {
                Ok(param) => param,
                Err(err) => {
                    self.warnings
                        .push(format!("{owner}: skipped parameter #{number}: {err}"));
                    continue;
                }
            };
            let Some(object) = param.as_object() else {
                self.warnings.push(format!(
                    "{owner}: skipped parameter #{number}: it is {}, not a mapping",
                    describe(param)
                ));
                continue;
            };
            let Some(name) = object.get("name").and_then(Value::as_str) else {
                self.warnings
                    .push(format!("{owner}: skipped parameter #{number}: no `name`"));
                continue;
            };
            let location = match object.get("in").and_then(Value::as_str) {
                Some("path") => ParamLocation::Path,
                Some("query") => ParamLocation::Query,
                Some("header") => ParamLocation::Header,
                Some("cookie") => ParamLocation::Cookie,
                Some("body") => {
                    out.has_body = true;
                    out.body = Some(param);
                    continue;
                }
                Some("formData") => {
                    out.has_body = true;
                    continue;
                }
                Some(other) => {
                    self.warnings.push(format!(
                        "{owner}: skipped parameter #{number} `{name}`: unknown location `in: {other}`"
                    ));
                    continue;
                }
                None => {
                    self.warnings.push(format!(
                        "{owner}: skipped parameter #{number} `{name}`: no `in`"
                    ));
                    continue;
                }
            };
            // Path parameters are always required, whatever the spec forgot to say.
            let required = location == ParamLocation::Path
                || object
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
            let schema_value = self.param_schema(param, object);
            let schema = match schema_value {
                Some(value) => self.schemas.read(
                    value,
                    &format!("{owner}: parameter `{name}`"),
                    self.warnings,
                ),
                None => Schema::default(),
            };
            let example = self.param_example(object, schema_value);
            out.params.push(Parameter {
                name: name.to_owned(),
                location,
                required,
                schema,
                example,
            });
        }
        out
    }

    /// Where a parameter's schema is: `schema`, or the first `content` entry's (3.x); the
    /// parameter object itself (Swagger 2.0 puts `type`/`format`/`items` on it).
    fn param_schema(&self, param: &'a Value, object: &'a Map<String, Value>) -> Option<&'a Value> {
        match self.dialect {
            Dialect::Swagger2 => Some(param),
            Dialect::OpenApi3 => object.get("schema").or_else(|| {
                object
                    .get("content")?
                    .as_object()?
                    .values()
                    .next()?
                    .get("schema")
            }),
        }
    }

    /// `example`, the first of `examples`, then the schema's `example` / `examples` /
    /// `default` / first `enum`.
    fn param_example(
        &self,
        object: &'a Map<String, Value>,
        schema: Option<&'a Value>,
    ) -> Option<Value> {
        let media = object
            .get("content")
            .and_then(Value::as_object)
            .and_then(|c| c.values().next());
        let candidates = [
            object.get("example"),
            object.get("x-example"),
            media.and_then(|m| m.get("example")),
        ];
        if let Some(found) = candidates.into_iter().flatten().find(|v| !v.is_null()) {
            return Some(found.clone());
        }
        for examples in [
            object.get("examples"),
            media.and_then(|m| m.get("examples")),
        ]
        .into_iter()
        .flatten()
        {
            if let Some(found) = self.first_example(examples) {
                return Some(found);
            }
        }
        example_of(refs::resolve(self.root, schema?).ok()?.as_object()?)
    }

    /// The first usable value of an `examples` list (3.1 schema style) or map of Example
    /// objects (3.x parameter style, possibly `$ref`s).
    pub(crate) fn first_example(&self, examples: &'a Value) -> Option<Value> {
        match examples {
            Value::Array(list) => list.iter().find(|v| !v.is_null()).cloned(),
            Value::Object(map) => map.values().find_map(|example| {
                let example = refs::resolve(self.root, example).ok()?;
                example.get("value").filter(|v| !v.is_null()).cloned()
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::model::SchemaKind;
    use crate::spec::schema::SchemaReader;
    use crate::spec::warnings::Warnings;

    fn read<'a>(doc: &'a Value, dialect: Dialect, list: &'a Value) -> (ParamList<'a>, Vec<String>) {
        let mut warnings = Warnings::default();
        let mut cx = Cx {
            root: doc,
            dialect,
            schemas: SchemaReader::new(doc),
            warnings: &mut warnings,
        };
        let out = cx.parameters(Some(list), "GET /x");
        (out, warnings.into_vec())
    }

    #[test]
    fn openapi3_parameters_and_examples() {
        let doc = json!({"components": {
            "parameters": {"Limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 20}}},
            "examples": {"Id": {"value": "u-1"}},
            "schemas": {"Color": {"type": "string", "enum": ["red", "blue"]}}
        }});
        let list = json!([
            {"name": "id", "in": "path", "schema": {"type": "string", "format": "uuid"},
             "examples": {"first": {"$ref": "#/components/examples/Id"}}},
            {"$ref": "#/components/parameters/Limit"},
            {"name": "color", "in": "query", "required": true, "schema": {"$ref": "#/components/schemas/Color"}},
            {"name": "X-Trace", "in": "header", "example": "t-1", "schema": {"type": "string", "example": "ignored"}},
            {"name": "filter", "in": "query", "content": {"application/json": {"schema": {"type": "object"}, "example": {"a": 1}}}},
            {"name": "sid", "in": "cookie", "schema": {"type": ["string", "null"], "examples": ["s-1"]}},
            "not a parameter",
            {"name": "nowhere"},
            {"name": "odd", "in": "body2"},
            {"$ref": "#/components/parameters/Missing"},
            {"$ref": "common.yaml#/Limit"}
        ]);
        let (out, warnings) = read(&doc, Dialect::OpenApi3, &list);
        let summary: Vec<(&str, ParamLocation, bool, Option<Value>)> = out
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.location, p.required, p.example.clone()))
            .collect();
        assert_eq!(
            summary,
            [
                ("id", ParamLocation::Path, true, Some(json!("u-1"))),
                ("limit", ParamLocation::Query, false, Some(json!(20))),
                ("color", ParamLocation::Query, true, Some(json!("red"))),
                ("X-Trace", ParamLocation::Header, false, Some(json!("t-1"))),
                ("filter", ParamLocation::Query, false, Some(json!({"a": 1}))),
                ("sid", ParamLocation::Cookie, false, Some(json!("s-1"))),
            ]
        );
        assert_eq!(out.params[0].schema.format.as_deref(), Some("uuid"));
        assert_eq!(out.params[1].schema.kind, SchemaKind::Integer);
        assert_eq!(out.params[2].schema.kind, SchemaKind::String);
        assert!(matches!(
            out.params[4].schema.kind,
            SchemaKind::Object { .. }
        ));
        assert!(!out.has_body);
        assert_eq!(
            warnings,
            [
                "GET /x: skipped parameter #7: it is a string, not a mapping",
                "GET /x: skipped parameter #8 `nowhere`: no `in`",
                "GET /x: skipped parameter #9 `odd`: unknown location `in: body2`",
                "GET /x: skipped parameter #10: $ref `#/components/parameters/Missing` points to nothing",
                "GET /x: skipped parameter #11: external $ref `common.yaml#/Limit` not followed",
            ]
        );
    }

    #[test]
    fn swagger2_parameters() {
        let doc = json!({"parameters": {"Page": {"name": "page", "in": "query", "type": "integer", "enum": [1, 2]}}});
        let list = json!([
            {"name": "id", "in": "path", "type": "string", "format": "uuid", "x-example": "abc"},
            {"$ref": "#/parameters/Page"},
            {"name": "tags", "in": "query", "type": "array", "items": {"type": "string"}, "default": ["a"]},
            {"name": "body", "in": "body", "schema": {"type": "object"}},
            {"name": "file", "in": "formData", "type": "file"}
        ]);
        let (out, warnings) = read(&doc, Dialect::Swagger2, &list);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(out.has_body);
        let names: Vec<&str> = out.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["id", "page", "tags"]);
        assert_eq!(out.params[0].schema.format.as_deref(), Some("uuid"));
        assert_eq!(out.params[0].example, Some(json!("abc")));
        assert_eq!(out.params[1].schema.kind, SchemaKind::Integer);
        assert_eq!(out.params[1].example, Some(json!(1)));
        assert!(matches!(out.params[2].schema.kind, SchemaKind::Array(_)));
        assert_eq!(out.params[2].example, Some(json!(["a"])));
    }

    #[test]
    fn parameters_that_are_not_a_list_warn() {
        let doc = json!({});
        let list = json!({"name": "x"});
        let (out, warnings) = read(&doc, Dialect::OpenApi3, &list);
        assert!(out.params.is_empty());
        assert_eq!(
            warnings,
            ["GET /x: `parameters` is a mapping, not a list; ignored"]
        );
    }
}
