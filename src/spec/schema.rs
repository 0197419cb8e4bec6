//! JSON Schema (OpenAPI flavour) → `model::Schema`, with local `$ref`s resolved.
//!
//! - `$ref`s are followed with a stack of the refs being expanded: a ref already on the stack
//!   is a cycle and becomes an open `Any` schema. A depth limit and a per-schema node budget
//!   bound the work and the size of what we build, whatever the input (a DAG of refs can
//!   otherwise expand exponentially).
//! - `allOf` branches are merged into one schema: object properties are unioned (recursively
//!   for shared names), `additionalProperties` stays allowed only if every branch allows it,
//!   and branches of incompatible kinds mark the result `open`.
//! - `oneOf` / `anyOf`: the branches' properties are unioned too (we cannot tell which branch a
//!   response will use); if the branches disagree (different kinds, or different property
//!   names) the result is `open`. `{type: "null"}` branches are ignored; one branch is itself.
//! - 3.1 type arrays (`["string", "null"]`) drop `"null"`; a real mix becomes `Any`.
//! - Fully resolved `$ref` targets (no cycle or limit hit inside) are cached per document, so
//!   GitHub's ~10k refs are each converted once.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use crate::model::{Schema, SchemaKind};

use super::refs;
use super::warnings::Warnings;

/// Nesting limit, counted in schema levels plus `$ref` hops.
const MAX_DEPTH: usize = 16;
/// Schema nodes one top-level schema (a response, a parameter) may expand to.
const NODE_BUDGET: usize = 1_000;

/// Reads schemas out of one document; keeps the cache of converted `$ref` targets.
pub(crate) struct SchemaReader<'a> {
    root: &'a Value,
    cache: HashMap<&'a str, Cached>,
}

struct Cached {
    schema: Schema,
    /// Nodes it cost to build (charged again on every reuse).
    nodes: usize,
    /// Tree height, so a reuse cannot exceed `MAX_DEPTH`.
    height: usize,
}

impl<'a> SchemaReader<'a> {
    pub(crate) fn new(root: &'a Value) -> Self {
        SchemaReader {
            root,
            cache: HashMap::new(),
        }
    }

    /// Converts `value`; `context` (e.g. `GET /pets: response 200`) names it in warnings.
    pub(crate) fn read(
        &mut self,
        value: &'a Value,
        context: &str,
        warnings: &mut Warnings,
    ) -> Schema {
        let mut walk = Walk {
            root: self.root,
            cache: &mut self.cache,
            warnings,
            context,
            budget: NODE_BUDGET,
            stack: Vec::new(),
            truncations: 0,
        };
        walk.convert(value, 0)
    }
}

/// State of one `read`.
struct Walk<'a, 'r> {
    root: &'a Value,
    cache: &'r mut HashMap<&'a str, Cached>,
    warnings: &'r mut Warnings,
    context: &'r str,
    budget: usize,
    /// `$ref`s being expanded, outermost first.
    stack: Vec<&'a str>,
    /// Times a cycle, the depth limit or the budget cut the tree short. A ref target whose
    /// conversion saw no cut is complete and context-free, hence cacheable.
    truncations: usize,
}

fn open() -> Schema {
    Schema {
        kind: SchemaKind::Any,
        format: None,
        open: true,
    }
}

impl<'a> Walk<'a, '_> {
    fn convert(&mut self, value: &'a Value, depth: usize) -> Schema {
        if depth > MAX_DEPTH || self.budget == 0 {
            tracing::debug!(
                context = self.context,
                depth,
                "schema depth or size limit reached"
            );
            self.truncations += 1;
            return open();
        }
        self.budget -= 1;
        let object = match value {
            Value::Object(object) => object,
            // 3.1 boolean schemas: `true` allows anything; `false` (nothing) we cannot express.
            Value::Bool(_) => return Schema::default(),
            other => {
                self.warnings.push(format!(
                    "{}: schema is {}, not an object; treated as open",
                    self.context,
                    describe(other)
                ));
                return open();
            }
        };
        if let Some(reference) = object.get("$ref") {
            return self.follow(reference, depth);
        }
        let mut schema = self.own(object, depth);
        if let Some(branches) = self.list(object, "allOf") {
            for branch in branches {
                let branch = self.convert(branch, depth + 1);
                schema = merge_all(schema, branch);
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(branches) = self.list(object, key) {
                let converted: Vec<Schema> = branches
                    .iter()
                    .filter(|b| !is_null_type(b))
                    .map(|b| self.convert(b, depth + 1))
                    .collect();
                schema = merge_all(schema, merge_alternatives(converted));
            }
        }
        schema
    }

    fn follow(&mut self, reference: &'a Value, depth: usize) -> Schema {
        let Some(reference) = reference.as_str() else {
            self.warnings.push(format!(
                "{}: `$ref` is not a string; schema treated as open",
                self.context
            ));
            return open();
        };
        if self.stack.contains(&reference) {
            self.truncations += 1;
            return open();
        }
        if let Some(cached) = self.cache.get(reference) {
            if depth + cached.height <= MAX_DEPTH && cached.nodes <= self.budget {
                self.budget -= cached.nodes;
                return cached.schema.clone();
            }
        }
        let target = match refs::lookup(self.root, reference) {
            Ok(target) => target,
            Err(err) => {
                let context = self.context;
                self.warnings.push_once(err.key(), || {
                    format!("{context}: {err}; schema treated as open")
                });
                return open();
            }
        };
        let (truncations, budget) = (self.truncations, self.budget);
        self.stack.push(reference);
        let schema = self.convert(target, depth + 1);
        self.stack.pop();
        if self.truncations == truncations {
            let cached = Cached {
                nodes: budget - self.budget,
                height: height(&schema),
                schema: schema.clone(),
            };
            self.cache.insert(reference, cached);
        }
        schema
    }

    /// The schema's own `type`, `properties`, `items` and `format`.
    fn own(&mut self, object: &'a Map<String, Value>, depth: usize) -> Schema {
        let format = object
            .get("format")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let declared = match object.get("type") {
            Some(Value::String(t)) => Some(t.as_str()),
            Some(Value::Array(types)) => {
                let mut real = types
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|t| *t != "null");
                match (real.next(), real.next()) {
                    (Some(only), None) => Some(only),
                    (None, _) => Some("null"),
                    // A mix we do not model.
                    (Some(_), Some(_)) => Some("any"),
                }
            }
            _ => None,
        };
        let declared = declared.or_else(|| {
            if object.contains_key("properties") || object.contains_key("additionalProperties") {
                Some("object")
            } else if object.contains_key("items") {
                Some("array")
            } else {
                None
            }
        });
        let kind = match declared {
            Some("object") => {
                let mut properties = BTreeMap::new();
                if let Some(props) = self.map(object, "properties") {
                    for (name, prop) in props {
                        properties.insert(name.clone(), self.convert(prop, depth + 1));
                    }
                }
                let closed = matches!(object.get("additionalProperties"), Some(Value::Bool(false)))
                    || matches!(
                        object.get("unevaluatedProperties"),
                        Some(Value::Bool(false))
                    );
                SchemaKind::Object {
                    properties,
                    additional: !closed,
                }
            }
            Some("array") => {
                let items = match object.get("items") {
                    Some(items @ (Value::Object(_) | Value::Bool(_))) => {
                        self.convert(items, depth + 1)
                    }
                    // Draft-4 tuple form: the first item is a fair stand-in.
                    Some(Value::Array(tuple)) => tuple
                        .first()
                        .map_or_else(Schema::default, |i| self.convert(i, depth + 1)),
                    _ => Schema::default(),
                };
                SchemaKind::Array(Box::new(items))
            }
            Some("string") => SchemaKind::String,
            Some("integer") => SchemaKind::Integer,
            Some("number") => SchemaKind::Number,
            Some("boolean") => SchemaKind::Boolean,
            // `null`, Swagger's `file`, mixes and unknown names.
            _ => SchemaKind::Any,
        };
        Schema {
            kind,
            format,
            open: false,
        }
    }

    /// `object[key]` as a list; warns when it is something else.
    fn list(&mut self, object: &'a Map<String, Value>, key: &str) -> Option<&'a Vec<Value>> {
        match object.get(key)? {
            Value::Array(items) => Some(items),
            other => {
                self.warnings.push(format!(
                    "{}: `{key}` is {}, not a list; ignored",
                    self.context,
                    describe(other)
                ));
                None
            }
        }
    }

    /// `object[key]` as a mapping; warns when it is something else.
    fn map(&mut self, object: &'a Map<String, Value>, key: &str) -> Option<&'a Map<String, Value>> {
        match object.get(key)? {
            Value::Object(entries) => Some(entries),
            other => {
                self.warnings.push(format!(
                    "{}: `{key}` is {}, not a mapping; ignored",
                    self.context,
                    describe(other)
                ));
                None
            }
        }
    }
}

/// A word for the JSON type of `value`, for messages.
pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn is_null_type(value: &Value) -> bool {
    value.get("type").and_then(Value::as_str) == Some("null")
}

/// Combines two schemas that must both hold (`allOf`).
fn merge_all(a: Schema, b: Schema) -> Schema {
    let mut open = a.open || b.open;
    let format = a.format.or(b.format);
    let kind = match (a.kind, b.kind) {
        (SchemaKind::Any, kind) | (kind, SchemaKind::Any) => kind,
        (
            SchemaKind::Object {
                properties: mut props,
                additional: add_a,
            },
            SchemaKind::Object {
                properties: more,
                additional: add_b,
            },
        ) => {
            for (name, schema) in more {
                let merged = match props.remove(&name) {
                    Some(existing) => merge_all(existing, schema),
                    None => schema,
                };
                props.insert(name, merged);
            }
            SchemaKind::Object {
                properties: props,
                additional: add_a && add_b,
            }
        }
        (SchemaKind::Array(x), SchemaKind::Array(y)) => {
            SchemaKind::Array(Box::new(merge_all(*x, *y)))
        }
        (SchemaKind::Integer, SchemaKind::Number) | (SchemaKind::Number, SchemaKind::Integer) => {
            SchemaKind::Integer
        }
        (x, y) if x == y => x,
        (x, _) => {
            open = true;
            x
        }
    };
    Schema { kind, format, open }
}

/// Combines the branches of a `oneOf` / `anyOf`.
fn merge_alternatives(branches: Vec<Schema>) -> Schema {
    let mut branches = branches.into_iter();
    let Some(mut merged) = branches.next() else {
        return Schema::default();
    };
    for branch in branches {
        let disagree = !same_shape(&merged.kind, &branch.kind);
        let format = if merged.format == branch.format {
            merged.format
        } else {
            None
        };
        let kind = match (merged.kind, branch.kind) {
            (
                SchemaKind::Object {
                    properties: mut props,
                    additional: add_a,
                },
                SchemaKind::Object {
                    properties: more,
                    additional: add_b,
                },
            ) => {
                for (name, schema) in more {
                    props.entry(name).or_insert(schema);
                }
                SchemaKind::Object {
                    properties: props,
                    additional: add_a || add_b,
                }
            }
            // An object branch beside a scalar one (Stripe's "ID or expanded object").
            (object @ SchemaKind::Object { .. }, _) | (_, object @ SchemaKind::Object { .. }) => {
                object
            }
            (x, y) if x == y => x,
            _ => SchemaKind::Any,
        };
        merged = Schema {
            kind,
            format,
            open: merged.open || branch.open || disagree,
        };
    }
    merged
}

/// Same kind, and for objects the same property names.
fn same_shape(a: &SchemaKind, b: &SchemaKind) -> bool {
    match (a, b) {
        (SchemaKind::Object { properties: x, .. }, SchemaKind::Object { properties: y, .. }) => {
            x.keys().eq(y.keys())
        }
        (SchemaKind::Array(x), SchemaKind::Array(y)) => x == y,
        (x, y) => std::mem::discriminant(x) == std::mem::discriminant(y),
    }
}

/// Levels of nesting in `schema` (a scalar is 1).
fn height(schema: &Schema) -> usize {
    1 + match &schema.kind {
        SchemaKind::Object { properties, .. } => properties.values().map(height).max().unwrap_or(0),
        SchemaKind::Array(items) => height(items),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(doc: &Value, pointer: &str) -> (Schema, Vec<String>) {
        let mut warnings = Warnings::default();
        let value = doc.pointer(pointer).expect("pointer");
        let schema = SchemaReader::new(doc).read(value, "test", &mut warnings);
        (schema, warnings.into_vec())
    }

    fn props(schema: &Schema) -> Vec<&str> {
        match &schema.kind {
            SchemaKind::Object { properties, .. } => {
                properties.keys().map(String::as_str).collect()
            }
            other => panic!("not an object: {other:?}"),
        }
    }

    fn prop<'s>(schema: &'s Schema, name: &str) -> &'s Schema {
        match &schema.kind {
            SchemaKind::Object { properties, .. } => &properties[name],
            other => panic!("not an object: {other:?}"),
        }
    }

    #[test]
    fn types_formats_and_inference() {
        let doc = json!({"s": {
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "n": {"type": ["integer", "null"]},
                "mix": {"type": ["integer", "string"]},
                "tags": {"items": {"type": "string"}},
                "flag": {"type": "boolean"},
                "anything": {}
            },
            "additionalProperties": false
        }});
        let (s, warnings) = read(&doc, "/s");
        assert!(warnings.is_empty());
        assert_eq!(props(&s), ["anything", "flag", "id", "mix", "n", "tags"]);
        assert!(matches!(
            s.kind,
            SchemaKind::Object {
                additional: false,
                ..
            }
        ));
        assert_eq!(prop(&s, "id").format.as_deref(), Some("uuid"));
        assert_eq!(prop(&s, "n").kind, SchemaKind::Integer);
        assert_eq!(prop(&s, "mix").kind, SchemaKind::Any);
        assert_eq!(
            prop(&s, "tags").kind,
            SchemaKind::Array(Box::new(Schema {
                kind: SchemaKind::String,
                ..Schema::default()
            }))
        );
        assert!(!s.open);
    }

    #[test]
    fn all_of_merges_into_one_object() {
        let doc = json!({
            "components": {"schemas": {
                "Base": {"type": "object", "properties": {"id": {"type": "integer"}, "meta": {"properties": {"a": {}}}}},
                "Pet": {"allOf": [
                    {"$ref": "#/components/schemas/Base"},
                    {"type": "object", "properties": {"name": {"type": "string"}, "meta": {"properties": {"b": {}}}},
                     "additionalProperties": false}
                ]}
            }}
        });
        let (s, _) = read(&doc, "/components/schemas/Pet");
        assert_eq!(props(&s), ["id", "meta", "name"]);
        assert_eq!(props(prop(&s, "meta")), ["a", "b"]);
        assert!(matches!(
            s.kind,
            SchemaKind::Object {
                additional: false,
                ..
            }
        ));
        assert!(!s.open);
    }

    #[test]
    fn all_of_with_conflicting_kinds_is_open() {
        let doc = json!({"s": {"allOf": [{"type": "string"}, {"type": "object"}]}});
        let (s, _) = read(&doc, "/s");
        assert!(s.open);
    }

    #[test]
    fn one_of_unions_properties_and_opens_on_disagreement() {
        let doc = json!({
            "same": {"oneOf": [{"properties": {"a": {}}}, {"properties": {"a": {}}}, {"type": "null"}]},
            "differ": {"anyOf": [{"properties": {"a": {}}}, {"properties": {"b": {}}}]},
            "id_or_object": {"anyOf": [{"type": "string"}, {"properties": {"id": {}}}]},
            "single": {"anyOf": [{"type": "integer"}]}
        });
        let (same, _) = read(&doc, "/same");
        assert_eq!(props(&same), ["a"]);
        assert!(!same.open);
        let (differ, _) = read(&doc, "/differ");
        assert_eq!(props(&differ), ["a", "b"]);
        assert!(differ.open);
        let (id_or_object, _) = read(&doc, "/id_or_object");
        assert_eq!(props(&id_or_object), ["id"]);
        assert!(id_or_object.open);
        let (single, _) = read(&doc, "/single");
        assert_eq!(
            single,
            Schema {
                kind: SchemaKind::Integer,
                ..Schema::default()
            }
        );
    }

    #[test]
    fn self_reference_is_open_not_a_loop() {
        let doc = json!({"components": {"schemas": {
            "A": {"$ref": "#/components/schemas/A"},
            "Node": {"properties": {"child": {"$ref": "#/components/schemas/Node"}, "v": {"type": "string"}}}
        }}});
        let (a, warnings) = read(&doc, "/components/schemas/A");
        assert_eq!(a, open());
        assert!(warnings.is_empty(), "{warnings:?}");
        // Read directly (not through its ref), `Node` unrolls once before the cycle shows.
        let (node, _) = read(&doc, "/components/schemas/Node");
        assert_eq!(props(&node), ["child", "v"]);
        let child = prop(&node, "child");
        assert_eq!(props(child), ["child", "v"]);
        assert_eq!(prop(child, "child"), &open());
    }

    #[test]
    fn missing_and_external_refs_warn_once_and_are_open() {
        let doc = json!({"s": {"properties": {
            "a": {"$ref": "#/components/schemas/Nope"},
            "b": {"$ref": "#/components/schemas/Nope"},
            "c": {"$ref": "other.yaml#/Pet"}
        }}});
        let (s, warnings) = read(&doc, "/s");
        assert_eq!(prop(&s, "a"), &open());
        assert_eq!(prop(&s, "c"), &open());
        assert_eq!(
            warnings,
            [
                "test: $ref `#/components/schemas/Nope` points to nothing; schema treated as open",
                "test: external $ref `other.yaml#/Pet` not followed; schema treated as open"
            ]
        );
    }

    #[test]
    fn long_ref_chains_hit_the_depth_limit() {
        let mut schemas = Map::new();
        for i in 0..10_000 {
            let next = format!("#/components/schemas/S{}", i + 1);
            schemas.insert(
                format!("S{i}"),
                json!({"properties": {"next": {"$ref": next}}}),
            );
        }
        let doc = json!({"components": {"schemas": schemas}});
        let (s, _) = read(&doc, "/components/schemas/S0");
        assert!(height(&s) <= MAX_DEPTH + 1);
        let mut deepest = &s;
        while let SchemaKind::Object { properties, .. } = &deepest.kind {
            deepest = &properties["next"];
        }
        assert!(deepest.open);
    }

    #[test]
    fn exponential_ref_dags_are_bounded_by_the_budget() {
        // Each level refers to the next one ten times: 10^20 nodes if fully expanded.
        let mut schemas = Map::new();
        for i in 0..20 {
            let next = json!({"$ref": format!("#/components/schemas/L{}", i + 1)});
            let props: Map<String, Value> =
                (0..10).map(|p| (format!("p{p}"), next.clone())).collect();
            schemas.insert(format!("L{i}"), json!({"properties": props}));
        }
        schemas.insert("L20".into(), json!({"type": "string"}));
        let doc = json!({"components": {"schemas": schemas}});
        let started = std::time::Instant::now();
        let (s, _) = read(&doc, "/components/schemas/L0");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(props(&s).len(), 10);
    }

    #[test]
    fn cache_reuse_gives_the_same_schema() {
        let doc = json!({
            "components": {"schemas": {"User": {"properties": {"id": {"type": "integer"}}}}},
            "a": {"$ref": "#/components/schemas/User"},
            "b": {"items": {"$ref": "#/components/schemas/User"}}
        });
        let mut warnings = Warnings::default();
        let mut reader = SchemaReader::new(&doc);
        let a = reader.read(&doc["a"], "a", &mut warnings);
        let b = reader.read(&doc["b"], "b", &mut warnings);
        assert_eq!(reader.cache.len(), 1);
        assert_eq!(b.kind, SchemaKind::Array(Box::new(a)));
    }

    #[test]
    fn non_object_schemas_warn() {
        let doc = json!({"s": "string", "t": {"properties": [1]}});
        let (s, warnings) = read(&doc, "/s");
        assert_eq!(s, open());
        assert_eq!(
            warnings,
            ["test: schema is a string, not an object; treated as open"]
        );
        let (_, warnings) = read(&doc, "/t");
        assert_eq!(
            warnings,
            ["test: `properties` is a list, not a mapping; ignored"]
        );
    }
}
