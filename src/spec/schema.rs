//! JSON Schema (OpenAPI flavour) → `model::Schema`, with local `$ref`s resolved.
//!
//! - `$ref`s are followed with a stack of the refs being expanded: a ref already on the stack
//!   is a cycle and becomes an open `Any` schema. A depth limit bounds the height of what we
//!   build, whatever the input.
//! - Every converted `$ref` target is memoised and shared (`model::Schema` keeps its children
//!   behind `Arc`s): a target converted without any cut is reused at any depth it fits; one
//!   that was cut (cycle or depth limit) is reused where it was entered at the same depth. Each
//!   (ref, depth) pair is thus converted at most once, so the work and the memory stay linear
//!   in the document even for ref DAGs that would expand exponentially as trees. Reusing a cut
//!   result under another stack of refs is sound: it is still a finite unrolling of the same
//!   schema, open where it was cut.
//! - `allOf` branches are merged into one schema: object properties are unioned (recursively
//!   for shared names), `additionalProperties` stays allowed only if every branch allows it,
//!   and branches of incompatible kinds mark the result `open`.
//! - `oneOf` / `anyOf`: the branches' properties are unioned too (we cannot tell which branch a
//!   response will use); if the branches disagree (different kinds, or different property
//!   names) the result is `open`. `{type: "null"}` branches are ignored; one branch is itself.
//! - 3.1 type arrays (`["string", "null"]`) drop `"null"`; a real mix becomes `Any`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::model::{Schema, SchemaKind};

use super::refs;
use super::warnings::Warnings;

/// Nesting limit, counted in schema levels plus `$ref` hops.
const MAX_DEPTH: usize = 16;

/// Reads schemas out of one document; keeps the memo of converted `$ref` targets.
pub(crate) struct SchemaReader<'a> {
    root: &'a Value,
    /// Targets converted with no cut inside: context-free, valid wherever their span fits.
    complete: HashMap<&'a str, Complete>,
    /// Targets whose conversion was cut, by the depth the `$ref` was followed at.
    partial: HashMap<(&'a str, usize), Schema>,
}

struct Complete {
    schema: Schema,
    /// Depth levels the conversion went below the `$ref` (so a reuse cannot pass `MAX_DEPTH`).
    span: usize,
}

impl<'a> SchemaReader<'a> {
    pub(crate) fn new(root: &'a Value) -> Self {
        SchemaReader {
            root,
            complete: HashMap::new(),
            partial: HashMap::new(),
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
            complete: &mut self.complete,
            partial: &mut self.partial,
            warnings,
            context,
            stack: Vec::new(),
            truncations: 0,
            deepest: 0,
        };
        walk.convert(value, 0)
    }
}

/// State of one `read`.
struct Walk<'a, 'r> {
    root: &'a Value,
    complete: &'r mut HashMap<&'a str, Complete>,
    partial: &'r mut HashMap<(&'a str, usize), Schema>,
    warnings: &'r mut Warnings,
    context: &'r str,
    /// `$ref`s being expanded, outermost first.
    stack: Vec<&'a str>,
    /// Times a cycle or the depth limit cut the tree short. A ref target whose conversion saw
    /// no cut is complete and context-free.
    truncations: usize,
    /// The deepest `depth` reached so far, to measure a complete target's span.
    deepest: usize,
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
        self.deepest = self.deepest.max(depth);
        if depth > MAX_DEPTH {
            tracing::debug!(context = self.context, depth, "schema depth limit reached");
            self.truncations += 1;
            return open();
        }
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
        if let Some(done) = self.complete.get(reference) {
            if depth + done.span <= MAX_DEPTH {
                self.deepest = self.deepest.max(depth + done.span);
                return done.schema.clone();
            }
        }
        if let Some(schema) = self.partial.get(&(reference, depth)) {
            // It holds a cut, so whatever contains it is not complete either.
            self.truncations += 1;
            return schema.clone();
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
        let (truncations, deepest) = (self.truncations, self.deepest);
        self.deepest = depth;
        self.stack.push(reference);
        let schema = self.convert(target, depth + 1);
        self.stack.pop();
        let span = self.deepest - depth;
        self.deepest = self.deepest.max(deepest);
        if self.truncations == truncations {
            let done = Complete {
                schema: schema.clone(),
                span,
            };
            self.complete.insert(reference, done);
        } else {
            self.partial.insert((reference, depth), schema.clone());
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
                    properties: Arc::new(properties),
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
                SchemaKind::Array(Arc::new(items))
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
            // Copies the (shallow) map only when it is shared.
            let target = Arc::make_mut(&mut props);
            for (name, schema) in Arc::unwrap_or_clone(more) {
                let merged = match target.remove(&name) {
                    Some(existing) => merge_all(existing, schema),
                    None => schema,
                };
                target.insert(name, merged);
            }
            SchemaKind::Object {
                properties: props,
                additional: add_a && add_b,
            }
        }
        (SchemaKind::Array(x), SchemaKind::Array(y)) => SchemaKind::Array(Arc::new(merge_all(
            Arc::unwrap_or_clone(x),
            Arc::unwrap_or_clone(y),
        ))),
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
                if more.keys().any(|name| !props.contains_key(name)) {
                    let target = Arc::make_mut(&mut props);
                    for (name, schema) in more.iter() {
                        target.entry(name.clone()).or_insert_with(|| schema.clone());
                    }
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
#[cfg(test)]
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
            SchemaKind::Array(Arc::new(Schema {
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

    /// Components `L0`..`L{levels-1}`, each with ten properties referring to the next level;
    /// the last level refers to `last`.
    fn ref_dag(levels: usize, last: Value) -> Value {
        let mut schemas = Map::new();
        for i in 0..levels {
            let next = json!({"$ref": format!("#/components/schemas/L{}", i + 1)});
            let props: Map<String, Value> =
                (0..10).map(|p| (format!("p{p}"), next.clone())).collect();
            schemas.insert(format!("L{i}"), json!({"properties": props}));
        }
        schemas.insert(format!("L{levels}"), last);
        json!({"components": {"schemas": schemas}})
    }

    #[test]
    fn exponential_ref_dags_are_shared_not_expanded() {
        // 10^20 nodes as a tree. No node budget cuts it any more: it unrolls to the depth limit
        // with every property of every level, each level one shared allocation.
        let doc = ref_dag(20, json!({"type": "string"}));
        let mut warnings = Warnings::default();
        let mut reader = SchemaReader::new(&doc);
        let started = std::time::Instant::now();
        let s = reader.read(&doc["components"]["schemas"]["L0"], "t", &mut warnings);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        let mut level = &s;
        let mut levels = 0;
        while let SchemaKind::Object { properties, .. } = &level.kind {
            assert_eq!(properties.len(), 10);
            let (
                SchemaKind::Object { properties: p0, .. },
                SchemaKind::Object { properties: p9, .. },
            ) = (&properties["p0"].kind, &properties["p9"].kind)
            else {
                break;
            };
            assert!(Arc::ptr_eq(p0, p9), "siblings share one schema");
            level = &properties["p0"];
            levels += 1;
        }
        // Each level costs a property level and a `$ref` hop.
        assert_eq!(levels, MAX_DEPTH / 2);
        // One conversion per (ref, depth) at most.
        assert!(reader.complete.len() + reader.partial.len() <= 21);
    }

    #[test]
    fn cyclic_ref_dags_convert_each_ref_and_depth_once() {
        // The same DAG closed into a cycle: nothing in it is complete, so without the memo of
        // cut conversions every path would be walked again (10^8 of them to the depth limit).
        let doc = ref_dag(20, json!({"$ref": "#/components/schemas/L0"}));
        let mut warnings = Warnings::default();
        let mut reader = SchemaReader::new(&doc);
        let started = std::time::Instant::now();
        for i in 0..=20 {
            let name = format!("L{i}");
            let s = reader.read(&doc["components"]["schemas"][&name], "t", &mut warnings);
            assert!(s.open || props(&s).len() == 10, "{name}");
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(reader.complete.is_empty());
        assert!(reader.partial.len() <= 21 * (MAX_DEPTH + 1));
        assert!(warnings.into_vec().is_empty());
    }

    #[test]
    fn reused_ref_targets_are_one_allocation() {
        let doc = json!({
            "components": {"schemas": {"User": {"properties": {"id": {"type": "integer"}}}}},
            "a": {"$ref": "#/components/schemas/User"},
            "b": {"items": {"$ref": "#/components/schemas/User"}}
        });
        let mut warnings = Warnings::default();
        let mut reader = SchemaReader::new(&doc);
        let a = reader.read(&doc["a"], "a", &mut warnings);
        let b = reader.read(&doc["b"], "b", &mut warnings);
        assert_eq!(reader.complete.len(), 1);
        let SchemaKind::Array(item) = &b.kind else {
            panic!("not an array: {b:?}");
        };
        assert_eq!(**item, a);
        let (SchemaKind::Object { properties: x, .. }, SchemaKind::Object { properties: y, .. }) =
            (&a.kind, &item.kind)
        else {
            panic!("not objects");
        };
        assert!(Arc::ptr_eq(x, y));
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
