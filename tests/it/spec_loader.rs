//! The spec loader end to end through `apileak::spec::load_file`: small fixture specs with exact
//! expectations (`fixtures/specs/`), broken and hostile inputs, and (through `load_str`, after
//! decompressing) the real-world specs in `tests/data/specs` (operation counts, source lines
//! checked against the text, load times: run `cargo test --release --test it spec_loader --
//! --nocapture` to see them).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use apileak::model::{
    HttpMethod, Operation, ParamLocation, Schema, SchemaKind, SecurityRequirementItem,
    SecuritySchemeKind,
};
use apileak::spec::{LoadedSpec, SpecError, load_file, load_str};
use serde_json::{Value, json};

use crate::support::real_spec_text;

/// Hostile inputs must fail fast; this is far above what any of them takes, even in debug.
const HOSTILE_LIMIT: Duration = Duration::from_secs(10);

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/specs")
        .join(name)
}

fn load(name: &str) -> LoadedSpec {
    load_file(&fixture(name)).unwrap_or_else(|e| panic!("{name} should load: {e}"))
}

fn load_err(name: &str) -> SpecError {
    match load_file(&fixture(name)) {
        Ok(_) => panic!("{name} should not load"),
        Err(err) => err,
    }
}

fn op<'a>(spec: &'a LoadedSpec, id: &str) -> &'a Operation {
    spec.api
        .operations
        .iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("no operation `{id}`"))
}

/// (id, "METHOD /path", line) of every operation, in order.
fn summary(spec: &LoadedSpec) -> Vec<(&str, String, usize)> {
    spec.api
        .operations
        .iter()
        .map(|o| (o.id.as_str(), o.display_name(), o.location.line))
        .collect()
}

/// (name, location, required, example) of an operation's parameters.
fn params(op: &Operation) -> Vec<(&str, ParamLocation, bool, Option<Value>)> {
    op.parameters
        .iter()
        .map(|p| (p.name.as_str(), p.location, p.required, p.example.clone()))
        .collect()
}

fn param<'a>(op: &'a Operation, name: &str) -> &'a apileak::model::Parameter {
    op.parameters
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no parameter `{name}`"))
}

fn req(items: &[(&str, &[&str])]) -> Vec<SecurityRequirementItem> {
    items
        .iter()
        .map(|(n, s)| ((*n).to_owned(), s.iter().map(|s| (*s).to_owned()).collect()))
        .collect()
}

fn properties(schema: &Schema) -> &BTreeMap<String, Schema> {
    match &schema.kind {
        SchemaKind::Object { properties, .. } => properties,
        other => panic!("expected an object schema, got {other:?}"),
    }
}

fn prop_names(schema: &Schema) -> Vec<&str> {
    properties(schema).keys().map(String::as_str).collect()
}

fn scalar(kind: SchemaKind, format: Option<&str>) -> Schema {
    Schema {
        kind,
        format: format.map(str::to_owned),
        open: false,
    }
}

/// Every operation's line holds its method key (`get:`, `'get':`, `"get":`).
fn assert_lines_point_at_method_keys(spec: &LoadedSpec, text: &str) {
    let lines: Vec<&str> = text.lines().collect();
    for op in &spec.api.operations {
        let line = lines
            .get(op.location.line.wrapping_sub(1))
            .copied()
            .unwrap_or_default()
            .trim_start();
        let key = op.method.key();
        assert!(
            [
                format!("{key}:"),
                format!("\"{key}\":"),
                format!("'{key}':")
            ]
            .iter()
            .any(|k| line.starts_with(k.as_str())),
            "{}: line {} is `{line}`",
            op.display_name(),
            op.location.line
        );
    }
}

#[test]
fn petstore_openapi_30_yaml() {
    let spec = load("petstore-3.0.yaml");
    assert_eq!(spec.version, "3.0.3");
    assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);
    assert_eq!(spec.api.title, "Petstore");
    assert_eq!(spec.api.source, fixture("petstore-3.0.yaml"));
    assert_eq!(spec.api.servers, ["https://eu.petstore.example/v1", "/api"]);
    let schemes: Vec<(&str, &SecuritySchemeKind)> = spec
        .api
        .security_schemes
        .iter()
        .map(|(n, s)| (n.as_str(), &s.kind))
        .collect();
    assert_eq!(
        schemes,
        [
            (
                "apiKey",
                &SecuritySchemeKind::ApiKey {
                    name: "X-API-Key".into(),
                    location: ParamLocation::Header
                }
            ),
            (
                "bearerAuth",
                &SecuritySchemeKind::Http {
                    scheme: "bearer".into()
                }
            ),
            ("oauth", &SecuritySchemeKind::OAuth2),
        ]
    );
    assert_eq!(
        summary(&spec),
        [
            ("listPets", "GET /pets".into(), 24),
            ("createPet", "POST /pets".into(), 49),
            ("getPet", "GET /pets/{petId}".into(), 73),
            ("DELETE /pets/{petId}", "DELETE /pets/{petId}".into(), 93),
            ("getProfile", "GET /users/{userId}/profile".into(), 100),
        ]
    );
    let text = std::fs::read_to_string(fixture("petstore-3.0.yaml")).expect("read");
    assert_lines_point_at_method_keys(&spec, &text);

    let list = op(&spec, "listPets");
    assert_eq!(list.summary.as_deref(), Some("List pets"));
    assert_eq!(list.tags, ["pets"]);
    assert_eq!(list.security, [req(&[]), req(&[("bearerAuth", &[])])]);
    assert!(!list.requires_auth(), "`{{}}` allows anonymous access");
    assert_eq!(
        params(list),
        [
            ("limit", ParamLocation::Query, false, Some(json!(10))),
            (
                "status",
                ParamLocation::Query,
                false,
                Some(json!("available"))
            )
        ]
    );
    assert_eq!(
        param(list, "limit").schema,
        scalar(SchemaKind::Integer, Some("int32"))
    );
    assert!(!list.has_request_body);
    let Some(Schema {
        kind: SchemaKind::Array(pet),
        ..
    }) = &list.response_schema
    else {
        panic!("listPets returns an array: {:?}", list.response_schema);
    };
    // allOf merged; the self-reference `parent` is cut off as an open schema.
    assert_eq!(prop_names(pet), ["id", "name", "parent", "tag"]);
    assert_eq!(
        properties(pet)["id"],
        scalar(SchemaKind::String, Some("uuid"))
    );
    assert!(properties(pet)["parent"].open);

    let create = op(&spec, "createPet");
    assert!(create.has_request_body);
    assert_eq!(create.security, [req(&[("bearerAuth", &[])])]);
    assert!(create.requires_auth());
    let new_pet = create.request_schema.as_ref().expect("JSON request body");
    assert_eq!(prop_names(new_pet), ["name", "tag"]);
    assert_eq!(create.request_hints.required, ["name"]);
    assert_eq!(list.request_schema, None);
    let created = create
        .response_schema
        .as_ref()
        .expect("201 JSON with charset");
    assert_eq!(prop_names(created), ["id", "name", "parent", "tag"]);

    let get = op(&spec, "getPet");
    assert_eq!(
        get.security,
        [req(&[("apiKey", &[])]), req(&[("oauth", &["read:pets"])])]
    );
    // Path-level parameters merged; the operation's `X-Request-Id` (required) wins.
    assert_eq!(
        params(get),
        [
            (
                "petId",
                ParamLocation::Path,
                true,
                Some(json!("0b9f6c9e-4a8e-4c1a-9d3e-1f2a3b4c5d6e"))
            ),
            ("X-Request-Id", ParamLocation::Header, true, None),
        ]
    );
    assert_eq!(
        param(get, "petId").schema,
        scalar(SchemaKind::String, Some("uuid"))
    );
    let pet = get
        .response_schema
        .as_ref()
        .expect("first 2xx with a +json type");
    assert_eq!(prop_names(pet), ["id", "name", "owner", "parent", "tag"]);
    let owner = &properties(pet)["owner"];
    assert!(matches!(
        owner.kind,
        SchemaKind::Object {
            additional: false,
            ..
        }
    ));
    assert_eq!(
        properties(owner)["email"],
        scalar(SchemaKind::String, Some("email"))
    );

    let delete = op(&spec, "DELETE /pets/{petId}");
    assert_eq!(
        delete.description.as_deref(),
        Some("Deletes a pet. get: this is still the description")
    );
    assert_eq!(
        params(delete)[1],
        ("X-Request-Id", ParamLocation::Header, false, None)
    );
    assert_eq!(delete.security, [req(&[("bearerAuth", &[])])]);
    assert_eq!(delete.response_schema, None);

    let profile = op(&spec, "getProfile");
    assert!(profile.security.is_empty());
    assert!(!profile.requires_auth());
    assert_eq!(
        params(profile),
        [
            ("userId", ParamLocation::Path, true, Some(json!(1))),
            ("session", ParamLocation::Cookie, false, None)
        ]
    );
    assert_eq!(profile.path_param_names(), ["userId"]);
    let body = profile.response_schema.as_ref().expect("profile schema");
    assert_eq!(prop_names(body), ["get", "id"]);
}

#[test]
fn petstore_openapi_31_yaml_matches_30() {
    let spec = load("petstore-3.1.yaml");
    assert_eq!(spec.version, "3.1.0");
    assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);
    // `/pets/{petId}` is a `$ref` to `components/pathItems`: its operations get the path's line.
    assert_eq!(
        summary(&spec),
        [
            ("listPets", "GET /pets".into(), 26),
            ("createPet", "POST /pets".into(), 49),
            ("getPet", "GET /pets/{petId}".into(), 60),
            ("DELETE /pets/{petId}", "DELETE /pets/{petId}".into(), 60),
            ("getProfile", "GET /users/{userId}/profile".into(), 63),
        ]
    );
    let list = op(&spec, "listPets");
    // `type: [string, 'null']` is a string; `examples: [10]` gives the example.
    assert_eq!(param(list, "status").schema.kind, SchemaKind::String);
    assert_eq!(param(list, "limit").example, Some(json!(10)));
    assert_eq!(
        param(op(&spec, "getProfile"), "userId").example,
        Some(json!(42))
    );
    // `oneOf: [Owner, {type: 'null'}]` is just Owner.
    let pet = op(&spec, "getPet")
        .response_schema
        .as_ref()
        .expect("schema");
    let owner = &properties(pet)["owner"];
    assert!(!owner.open);
    assert_eq!(prop_names(owner), ["email", "id"]);
    assert_eq!(properties(pet)["tag"].kind, SchemaKind::String);

    // Apart from lines and examples, the 3.0 and 3.1 descriptions are the same API.
    let old = load("petstore-3.0.yaml");
    let shape = |spec: &LoadedSpec| -> Vec<String> {
        spec.api
            .operations
            .iter()
            .map(|o| {
                let ps: Vec<String> = o
                    .parameters
                    .iter()
                    .map(|p| format!("{}:{:?}:{}", p.name, p.location, p.required))
                    .collect();
                format!(
                    "{} {} {:?} {:?} {}",
                    o.id,
                    o.display_name(),
                    ps,
                    o.security,
                    o.has_request_body
                )
            })
            .collect()
    };
    assert_eq!(shape(&spec), shape(&old));
    assert_eq!(spec.api.servers, old.api.servers);
    assert_eq!(
        spec.api.security_schemes.keys().collect::<Vec<_>>(),
        old.api.security_schemes.keys().collect::<Vec<_>>()
    );
}

#[test]
fn petstore_swagger_20_json() {
    let spec = load("petstore-2.0.json");
    assert_eq!(spec.version, "2.0");
    assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);
    assert_eq!(spec.api.title, "Petstore (Swagger 2.0)");
    assert_eq!(
        spec.api.servers,
        ["https://petstore.example/v2", "http://petstore.example/v2"]
    );
    let schemes: Vec<(&str, &SecuritySchemeKind)> = spec
        .api
        .security_schemes
        .iter()
        .map(|(n, s)| (n.as_str(), &s.kind))
        .collect();
    assert_eq!(
        schemes,
        [
            (
                "apiKey",
                &SecuritySchemeKind::ApiKey {
                    name: "api_key".into(),
                    location: ParamLocation::Query
                }
            ),
            (
                "basicAuth",
                &SecuritySchemeKind::Http {
                    scheme: "basic".into()
                }
            ),
            ("oauth", &SecuritySchemeKind::OAuth2),
        ]
    );
    assert_eq!(
        summary(&spec),
        [
            ("listPets", "GET /pets".into(), 28),
            ("addPet", "POST /pets".into(), 42),
            ("getPet", "GET /pets/{petId}".into(), 53),
            ("updatePetWithForm", "POST /pets/{petId}".into(), 61),
            ("deletePet", "DELETE /pets/{petId}".into(), 71),
        ]
    );
    let text = std::fs::read_to_string(fixture("petstore-2.0.json")).expect("read");
    assert_lines_point_at_method_keys(&spec, &text);

    let list = op(&spec, "listPets");
    assert_eq!(list.security, [req(&[("apiKey", &[])])]);
    assert_eq!(
        params(list),
        [
            ("limit", ParamLocation::Query, false, Some(json!(20))),
            ("tags", ParamLocation::Query, false, None)
        ]
    );
    assert_eq!(
        param(list, "tags").schema.kind,
        SchemaKind::Array(scalar(SchemaKind::String, None).into())
    );
    let Some(Schema {
        kind: SchemaKind::Array(pet),
        ..
    }) = &list.response_schema
    else {
        panic!("listPets returns an array: {:?}", list.response_schema);
    };
    assert_eq!(prop_names(pet), ["id", "name", "status"]);
    assert_eq!(
        properties(pet)["id"],
        scalar(SchemaKind::Integer, Some("int64"))
    );

    // `in: body` is the request body, not a parameter.
    let add = op(&spec, "addPet");
    assert!(add.has_request_body);
    assert!(add.parameters.is_empty());
    assert_eq!(
        add.request_schema.as_ref().map(prop_names),
        Some(vec!["id", "name", "status"])
    );
    assert_eq!(add.request_hints.required, ["name"]);
    assert_eq!(
        add.request_hints.examples.get("name"),
        Some(&json!("doggie"))
    );
    assert_eq!(add.request_hints.enumerated, ["status"]);
    assert_eq!(add.security, [req(&[("oauth", &["write:pets"])])]);
    assert_eq!(add.response_schema, None);

    let get = op(&spec, "getPet");
    assert_eq!(params(get), [("petId", ParamLocation::Path, true, None)]);
    assert_eq!(
        param(get, "petId").schema,
        scalar(SchemaKind::Integer, Some("int64"))
    );
    assert_eq!(
        get.response_schema.as_ref().map(prop_names),
        Some(vec!["id", "name", "status"])
    );

    // `in: formData` too.
    let form = op(&spec, "updatePetWithForm");
    assert!(form.has_request_body);
    assert_eq!(form.request_schema, None, "form data is not JSON");
    assert_eq!(params(form), [("petId", ParamLocation::Path, true, None)]);
    assert_eq!(form.security, [req(&[("basicAuth", &[])]), req(&[])]);
    assert!(!form.requires_auth());

    // Produces only XML: no JSON response schema.
    let delete = op(&spec, "deletePet");
    assert_eq!(delete.response_schema, None);
    assert_eq!(
        params(delete),
        [
            ("petId", ParamLocation::Path, true, None),
            ("api_key", ParamLocation::Header, false, None)
        ]
    );
}

#[test]
fn unreadable_pieces_are_skipped_with_a_warning_each() {
    let spec = load("partial.yaml");
    assert_eq!(
        summary(&spec),
        [
            ("GET /ok", "GET /ok".into(), 9),
            ("PUT /ok", "PUT /ok".into(), 25),
            ("TRACE /ok", "TRACE /ok".into(), 28)
        ]
    );
    assert_eq!(spec.api.servers, ["https://{tenant}.example.com"]);
    let get = op(&spec, "GET /ok");
    assert_eq!(params(get), [("fine", ParamLocation::Query, false, None)]);
    assert_eq!(get.response_schema.as_ref().map(|s| s.open), Some(true));
    assert_eq!(
        spec.warnings,
        [
            "server `https://{tenant}.example.com`: variable `tenant` has no default; left as is",
            "skipped server #2: no `url`",
            "GET /ok: skipped parameter #2: it is a string, not a mapping",
            "GET /ok: skipped parameter #3 `where`: no `in`",
            "GET /ok: skipped parameter #4: external $ref `common.yaml#/components/parameters/Shared` not followed",
            "GET /ok: response `200`: external $ref `https://schemas.example.com/thing.json` not followed; schema treated as open",
            "skipped POST /ok: it is a list, not a mapping",
            "PUT /ok: `security` is a mapping, not a list; ignored",
            "skipped path `/external`: external $ref `other.yaml#/paths/~1external` not followed",
            "skipped path `/number`: it is a number, not a mapping",
        ]
    );
}

#[test]
fn self_referencing_and_missing_refs_terminate_with_warnings() {
    let started = Instant::now();
    let spec = load("self-ref.yaml");
    assert!(started.elapsed() < HOSTILE_LIMIT);
    assert_eq!(
        summary(&spec),
        [
            ("GET /tree", "GET /tree".into(), 8),
            ("POST /tree", "POST /tree".into(), 25)
        ]
    );
    let tree = op(&spec, "GET /tree");
    // `A` → `A` is an open schema; the recursive `Node` is cut where it repeats.
    assert_eq!(params(tree), [("depth", ParamLocation::Query, false, None)]);
    assert_eq!(
        param(tree, "depth").schema,
        Schema {
            kind: SchemaKind::Any,
            format: None,
            open: true
        }
    );
    let node = tree.response_schema.as_ref().expect("node schema");
    assert_eq!(prop_names(node), ["children", "value"]);
    assert_eq!(
        properties(node)["children"].kind,
        SchemaKind::Array(std::sync::Arc::new(Schema {
            kind: SchemaKind::Any,
            format: None,
            open: true
        }))
    );
    assert_eq!(
        op(&spec, "POST /tree")
            .response_schema
            .as_ref()
            .map(|s| s.open),
        Some(true)
    );
    assert_eq!(
        spec.warnings,
        [
            "skipped path `/loop`: $ref `#/paths/~1loop` is cyclic",
            "GET /tree: skipped parameter #1: $ref `#/components/parameters/Self` is cyclic",
            "GET /tree: skipped parameter #2: $ref `#/components/parameters/Missing` points to nothing",
            "POST /tree: response `200`: $ref `#/components/schemas/Nope` points to nothing; schema treated as open",
        ]
    );
}

#[test]
fn documents_without_readable_operations_or_not_openapi_are_errors() {
    let path = |name: &str| fixture(name).display().to_string();
    assert_eq!(
        load_err("no-operations.yaml").to_string(),
        format!(
            "spec `{}` has no readable operations (skipped: skipped path `/a`: it is a list, not a mapping; \
             skipped GET /b: it is a string, not a mapping; skipped path `/c`: external $ref `elsewhere.yaml#/c` not followed)",
            path("no-operations.yaml")
        )
    );
    assert_eq!(
        load_err("not-openapi.yaml").to_string(),
        format!(
            "spec `{}` is not an OpenAPI or Swagger document: it has no `openapi`, `swagger` or `paths` field",
            path("not-openapi.yaml")
        )
    );
    assert_eq!(
        load_err("array.json").to_string(),
        format!(
            "spec `{}` is not an OpenAPI or Swagger document: the top level is a list, not a mapping",
            path("array.json")
        )
    );
    assert_eq!(
        load_err("empty.yaml").to_string(),
        format!(
            "failed to parse spec `{}`: the file is empty",
            path("empty.yaml")
        )
    );
    let missing = fixture("does-not-exist.yaml");
    let err = load_file(&missing).expect_err("missing file");
    assert_eq!(
        err.to_string(),
        format!("failed to read spec `{}`", missing.display())
    );
    assert!(matches!(err, SpecError::Read { .. }));
}

#[test]
fn malformed_yaml_and_json_report_the_line() {
    let err = load_err("malformed.yaml");
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!(
            "failed to parse spec `{}`: line 7, column 38: ",
            fixture("malformed.yaml").display()
        )),
        "{msg}"
    );
    // The error points at the quote that never closes.
    assert!(msg.ends_with("in quoted scalar"), "{msg}");
    let err = load_err("malformed.json");
    assert_eq!(
        err.to_string(),
        format!(
            "failed to parse spec `{}`: line 5, column 20: key must be a string",
            fixture("malformed.json").display()
        )
    );
    // The miette diagnostic points into the named source.
    let SpecError::Parse {
        line,
        src: Some(src),
        span: Some(span),
        ..
    } = &err
    else {
        panic!("expected a parse error with source: {err:?}");
    };
    assert_eq!(*line, 5);
    assert_eq!(src.name(), fixture("malformed.json").display().to_string());
    assert_eq!(&src.inner()[span.offset()..=span.offset()], "]");
}

/// Writes `contents` to a temporary file and loads it, timing the attempt.
fn load_generated(name: &str, contents: &[u8]) -> (Result<LoadedSpec, SpecError>, Duration) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, contents).expect("write");
    let started = Instant::now();
    let result = load_file(&path);
    (result, started.elapsed())
}

#[test]
fn hostile_inputs_fail_fast_without_panicking() {
    let started = Instant::now();
    let err = load_err("billion-laughs.yaml").to_string();
    assert!(
        err.contains("too many nodes") || err.contains("repetition limit"),
        "{err}"
    );
    assert!(started.elapsed() < HOSTILE_LIMIT);

    let deep = |open: &str, close: &str| format!("{}{}", open.repeat(10_000), close.repeat(10_000));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "deep-array.json",
            deep("[", "]").into_bytes(),
            "recursion limit exceeded",
        ),
        (
            "deep-object.json",
            format!(
                "{{\"openapi\": \"3.0.0\", \"paths\": {}}}",
                deep("{\"a\": ", "}")
            )
            .into_bytes(),
            "recursion limit exceeded",
        ),
        (
            "deep-flow.yaml",
            format!("openapi: 3.0.0\npaths: {}\n", deep("[", "]")).into_bytes(),
            "recursion limit exceeded",
        ),
        (
            "deep-flow-100k.yaml",
            format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
            "recursion limit exceeded",
        ),
        (
            "deep-block.yaml",
            (0..3_000)
                .map(|i| format!("{}- \n", " ".repeat(i)))
                .collect::<String>()
                .into_bytes(),
            "recursion limit exceeded",
        ),
        (
            "binary.bin",
            (0..4096u32)
                .map(|i| u8::try_from(i * 7919 % 251).unwrap_or(0))
                .collect(),
            "not UTF-8 text",
        ),
        (
            "controls.yaml",
            b"openapi: 3.0.0\n\x01\x02\x03: \x07\n".to_vec(),
            "control characters are not allowed",
        ),
        (
            "nul.json",
            b"{\"openapi\": \"3.0.0\"\x00}".to_vec(),
            "failed to parse spec",
        ),
    ];
    for (name, contents, expected) in cases {
        let (result, elapsed) = load_generated(name, &contents);
        let err = match result {
            Ok(_) => panic!("{name} should not load"),
            Err(err) => err.to_string(),
        };
        assert!(err.contains(expected), "{name}: {err}");
        assert!(
            err.contains(name),
            "{name}: error should name the file: {err}"
        );
        assert!(elapsed < HOSTILE_LIMIT, "{name} took {elapsed:?}");
    }
}

#[test]
fn ref_chains_and_exponential_ref_graphs_stay_bounded() {
    // 5,000 schemas each referring to the next, and a DAG that doubles at each of 60 levels.
    let mut schemas = serde_json::Map::new();
    for i in 0..5_000 {
        schemas.insert(
            format!("S{i}"),
            json!({"properties": {"next": {"$ref": format!("#/components/schemas/S{}", i + 1)}}}),
        );
    }
    for i in 0..60 {
        let next = json!({"$ref": format!("#/components/schemas/D{}", i + 1)});
        schemas.insert(
            format!("D{i}"),
            json!({"properties": {"left": next, "right": next}}),
        );
    }
    let ok = |schema: &str| json!({"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": schema}}}}});
    let doc = json!({
        "openapi": "3.0.0",
        "paths": {
            "/chain": {"get": {"responses": ok("#/components/schemas/S0")}},
            "/dag": {"get": {"responses": ok("#/components/schemas/D0")}}
        },
        "components": {"schemas": schemas}
    });
    let (result, elapsed) =
        load_generated("refs.json", &serde_json::to_vec_pretty(&doc).expect("json"));
    let spec = result.expect("loads");
    assert!(elapsed < HOSTILE_LIMIT, "took {elapsed:?}");
    assert_eq!(spec.api.operations.len(), 2);
    // `S5000` does not exist, but the depth limit cuts the chain long before it.
    assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);
    for op in &spec.api.operations {
        let mut deepest = op.response_schema.as_ref().expect("schema");
        let mut levels = 0;
        while let SchemaKind::Object { properties, .. } = &deepest.kind {
            deepest = properties.values().next().expect("a property");
            levels += 1;
        }
        assert!(
            deepest.open,
            "{}: the cut is marked open",
            op.display_name()
        );
        assert!(levels < 64, "{}: {levels} levels", op.display_name());
    }
}

/// Lines are > 1, strictly increasing within each path (JSON keeps methods in order), and
/// point at the method keys.
fn check_real_lines(spec: &LoadedSpec, text: &str, json: bool) {
    assert_lines_point_at_method_keys(spec, text);
    let mut by_path: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for op in &spec.api.operations {
        assert!(
            op.location.line > 1,
            "{} has line {}",
            op.display_name(),
            op.location.line
        );
        by_path
            .entry(op.path.as_str())
            .or_default()
            .push(op.location.line);
    }
    if json {
        for (path, lines) in by_path {
            assert!(lines.windows(2).all(|w| w[0] < w[1]), "{path}: {lines:?}");
        }
    }
}

fn load_real(name: &str) -> (LoadedSpec, String) {
    let text = real_spec_text(name);
    // Timed from the text, so decompression is not counted.
    let started = Instant::now();
    let spec = load_str(&text, Path::new(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    eprintln!(
        "{name}: {} operations, {} warnings, loaded in {:?} ({profile} build)",
        spec.api.operations.len(),
        spec.warnings.len(),
        started.elapsed()
    );
    for warning in &spec.warnings {
        eprintln!("  warning: {warning}");
    }
    (spec, text)
}

fn line_of(spec: &LoadedSpec, method: HttpMethod, path: &str) -> usize {
    spec.api
        .operations
        .iter()
        .find(|o| o.method == method && o.path == path)
        .unwrap_or_else(|| panic!("no {method} {path}"))
        .location
        .line
}

#[test]
fn real_world_github_openapi_30_json() {
    let (spec, text) = load_real("github-api.github.com.json");
    assert_eq!(spec.version, "3.0.3");
    assert_eq!(spec.api.operations.len(), 1_223);
    assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);
    assert_eq!(spec.api.servers, ["https://api.github.com"]);
    // Spot checks against `grep -n`.
    assert_eq!(line_of(&spec, HttpMethod::Get, "/"), 227);
    assert_eq!(
        line_of(
            &spec,
            HttpMethod::Get,
            "/repos/{owner}/{repo}/issues/{issue_number}"
        ),
        65_612
    );
    assert_eq!(
        line_of(
            &spec,
            HttpMethod::Patch,
            "/repos/{owner}/{repo}/issues/{issue_number}"
        ),
        65_680
    );
    assert_eq!(line_of(&spec, HttpMethod::Get, "/user"), 82_761);
    assert_eq!(line_of(&spec, HttpMethod::Patch, "/user"), 82_824);
    check_real_lines(&spec, &text, true);
    let issue = op(&spec, "issues/get");
    assert_eq!(issue.path_param_names(), ["owner", "repo", "issue_number"]);
    assert_eq!(
        issue
            .parameters
            .iter()
            .map(|p| (p.name.as_str(), p.location, p.required))
            .collect::<Vec<_>>(),
        [
            ("owner", ParamLocation::Path, true),
            ("repo", ParamLocation::Path, true),
            ("issue_number", ParamLocation::Path, true)
        ]
    );
    let body = issue.response_schema.as_ref().expect("issue schema");
    assert!(prop_names(body).contains(&"user"));
}

#[test]
fn real_world_stripe_openapi_30_yaml() {
    let (spec, text) = load_real("stripe-spec3-2023-09-12.yaml");
    assert_eq!(spec.version, "3.0.0");
    assert_eq!(spec.api.operations.len(), 468);
    assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);
    assert_eq!(spec.api.servers, ["https://api.stripe.com/"]);
    assert_eq!(
        spec.api
            .security_schemes
            .values()
            .map(|s| &s.kind)
            .collect::<Vec<_>>(),
        [
            &SecuritySchemeKind::Http {
                scheme: "basic".into()
            },
            &SecuritySchemeKind::Http {
                scheme: "bearer".into()
            }
        ]
    );
    // Spot checks against `grep -n` (the second path key is quoted: `'/v1/charges/{charge}':`).
    assert_eq!(line_of(&spec, HttpMethod::Get, "/v1/account"), 40_018);
    assert_eq!(
        line_of(&spec, HttpMethod::Get, "/v1/charges/{charge}"),
        49_003
    );
    assert_eq!(
        line_of(&spec, HttpMethod::Post, "/v1/charges/{charge}"),
        49_052
    );
    check_real_lines(&spec, &text, false);
    let charge = op(&spec, "GetChargesCharge");
    assert_eq!(
        charge.security,
        [req(&[("basicAuth", &[])]), req(&[("bearerAuth", &[])])]
    );
    assert_eq!(params(charge)[0].0, "charge");
    assert!(prop_names(charge.response_schema.as_ref().expect("charge")).contains(&"amount"));
}

#[test]
fn real_world_stripe_swagger_20_json() {
    let (spec, text) = load_real("stripe-spec2-2020-04-23.json");
    assert_eq!(spec.version, "2.0");
    assert_eq!(spec.api.operations.len(), 350);
    assert!(spec.warnings.is_empty(), "{:?}", spec.warnings);
    assert_eq!(spec.api.servers, ["https://api.stripe.com"]);
    assert_eq!(
        line_of(&spec, HttpMethod::Get, "/v1/charges/{charge}"),
        25_462
    );
    assert_eq!(
        line_of(&spec, HttpMethod::Post, "/v1/charges/{charge}"),
        25_495
    );
    check_real_lines(&spec, &text, true);
    let charge = op(&spec, "GetChargesCharge");
    assert!(prop_names(charge.response_schema.as_ref().expect("charge")).contains(&"amount"));
    assert!(op(&spec, "PostChargesCharge").has_request_body);
}

fn load_text_err(text: &str, name: &str) -> String {
    match apileak::spec::load_str(text, Path::new(name)) {
        Ok(_) => panic!("{text:?} should not load"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn duplicate_keys_are_errors_naming_both_lines() {
    // YAML: a repeated operation, a repeated path, a key repeated inside a list item, and a
    // repeat after a nested mapping that has the same key (which is not a repeat).
    let yaml = "openapi: 3.0.0\n\
                paths:\n\
                \x20 /a:\n\
                \x20   get:\n\
                \x20     description: first\n\
                \x20     responses:\n\
                \x20       '200': {description: ok}\n\
                \x20   get: {}\n";
    assert_eq!(
        load_text_err(yaml, "api.yaml"),
        "failed to parse spec `api.yaml`: line 8: duplicate key `get` (first on line 4, again on line 8)"
    );
    let yaml = "openapi: 3.0.0\npaths:\n  /a:\n    get: {}\n  # again\n\n  \"/a\":\n    post: {}\n";
    assert!(
        load_text_err(yaml, "api.yaml")
            .contains("duplicate key `/a` (first on line 3, again on line 7)"),
        "{}",
        load_text_err(yaml, "api.yaml")
    );
    let yaml = "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      parameters:\n        - name: id\n          in: path\n          name: other\n";
    assert!(
        load_text_err(yaml, "api.yaml")
            .contains("duplicate key `name` (first on line 6, again on line 8)"),
        "{}",
        load_text_err(yaml, "api.yaml")
    );
    let yaml = "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      description: x\n      responses:\n        '200':\n          description: ok\n      description: y\n";
    assert!(
        load_text_err(yaml, "api.yaml")
            .contains("duplicate key `description` (first on line 5, again on line 9)"),
        "{}",
        load_text_err(yaml, "api.yaml")
    );
    // Flow style: the key and where its mapping starts.
    let yaml = "openapi: 3.0.0\npaths: {/a: {get: {}}, /a: {post: {}}}\n";
    assert!(
        load_text_err(yaml, "api.yaml")
            .ends_with("line 2, column 8: duplicate key `/a` in the mapping that starts here"),
        "{}",
        load_text_err(yaml, "api.yaml")
    );

    // JSON, pretty and minified; the same key in different objects is fine.
    let json = "{\n  \"openapi\": \"3.0.0\",\n  \"paths\": {\n    \"/a\": {\"get\": {}},\n    \"/b\": {\"get\": {}},\n    \"/a\": {\"post\": {}}\n  }\n}\n";
    assert_eq!(
        load_text_err(json, "api.json"),
        "failed to parse spec `api.json`: line 6, column 5: duplicate key `/a` (first on line 4, again on line 6)"
    );
    let json =
        r#"{"openapi":"3.0.0","paths":{"/a":{"get":{"description":"x","description":"y"}}}}"#;
    assert_eq!(
        load_text_err(json, "api.json"),
        "failed to parse spec `api.json`: line 1, column 60: duplicate key `description` (first on line 1, again on line 1)"
    );
    // An escaped key is the same key.
    let json = r#"{"openapi":"3.0.0","paths":{"/a":{"get":{}},"\/a":{"get":{}}}}"#;
    assert!(load_text_err(json, "api.json").contains("duplicate key `/a`"));
    let fine = r#"{"openapi":"3.0.0","paths":{"/a":{"get":{"description":"x"}},"/b":{"get":{"description":"[\"{:\""}}}}"#;
    apileak::spec::load_str(fine, Path::new("api.json")).expect("no duplicates");
}
