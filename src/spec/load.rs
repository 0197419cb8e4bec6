//! The entry points: read a spec file (or text), parse it, detect its version, and normalise it
//! into the `model::Api` that planning consumes.

use std::path::Path;
use std::time::Instant;

use serde_json::Value;

use crate::model::Api;

use super::error::SpecError;
use super::normalize::{Dialect, normalize};
use super::parse::{Parsed, parse};
use super::schema::describe;
use super::warnings::Warnings;

/// A spec turned into our model, with everything that had to be skipped.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    pub api: Api,
    /// One message per skipped or doubtful piece (`skipped GET /x: it is a list, not a mapping`).
    pub warnings: Vec<String>,
    /// The declared version as written: `3.0.3`, `3.1.0`, `2.0`; empty when none is declared.
    pub version: String,
}

/// Reads and loads the spec at `path` (YAML or JSON, whatever the extension says).
pub fn load_file(path: &Path) -> Result<LoadedSpec, SpecError> {
    let text = read_text(path)?;
    let started = Instant::now();
    // A JSON document is parsed from the file once its lines are known, with the text freed:
    // the peak then holds the document, not the document and its text (GitHub's 13 MB
    // description: ~13 MB less). Anything else, or JSON that fails, takes the general path.
    if let Some((lines, bom)) = super::parse::plain_json_lines(&text) {
        drop(text);
        let reader =
            std::fs::File::open(path).map(|f| std::io::BufReader::with_capacity(1 << 16, f));
        if let Ok(mut reader) = reader
            && std::io::Read::read_exact(&mut reader, &mut vec![0; bom]).is_ok()
            && let Some(parsed) = super::parse::parse_json_reader(reader, lines)
        {
            return build(parsed, path, started);
        }
        return load_text(read_text(path)?, path, Instant::now());
    }
    load_text(text, path, started)
}

/// The file at `path` as text.
fn read_text(path: &Path) -> Result<String, SpecError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| SpecError::Read {
        name: name.clone(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|_| SpecError::NotText { name })
}

fn load_text(text: String, path: &Path, started: Instant) -> Result<LoadedSpec, SpecError> {
    let parsed = parse(&text, &path.display().to_string())?;
    // The text is no longer needed (the lines are in `parsed`): free it before the model is
    // built, so the peak holds the document once, not twice.
    drop(text);
    build(parsed, path, started)
}

/// Loads a spec from `text`; `source` names it in errors and becomes `Api::source`.
pub fn load_str(text: &str, source: &Path) -> Result<LoadedSpec, SpecError> {
    let started = Instant::now();
    let parsed = parse(text, &source.display().to_string())?;
    build(parsed, source, started)
}

/// Parsed document → model. Takes `parsed` by value so the raw document is dropped as soon as
/// the model is built.
fn build(mut parsed: Parsed, source: &Path, started: Instant) -> Result<LoadedSpec, SpecError> {
    let name = source.display().to_string();
    let parse_time = started.elapsed();
    let mut warnings = Warnings::default();
    if let Some(warning) = parsed.warning.take() {
        warnings.push(warning);
    }
    let (dialect, version) = detect(&parsed.value, &name, &mut warnings)?;
    let api = normalize(&parsed.value, dialect, &parsed.lines, source, &mut warnings);
    let format = parsed.format;
    drop(parsed);
    if api.operations.is_empty() {
        return Err(SpecError::NoOperations {
            name,
            skipped: warnings.into_vec(),
        });
    }
    tracing::debug!(
        spec = %name,
        version,
        ?format,
        operations = api.operations.len(),
        ?parse_time,
        total = ?started.elapsed(),
        "loaded spec"
    );
    Ok(LoadedSpec {
        api,
        warnings: warnings.into_vec(),
        version,
    })
}

/// Which dialect `root` is written in, and its declared version.
fn detect(
    root: &Value,
    name: &str,
    warnings: &mut Warnings,
) -> Result<(Dialect, String), SpecError> {
    let not_openapi = |reason: String| SpecError::NotOpenApi {
        name: name.to_owned(),
        reason,
    };
    let Some(object) = root.as_object() else {
        return Err(not_openapi(match root {
            Value::Null => "the document is empty".into(),
            other => format!("the top level is {}, not a mapping", describe(other)),
        }));
    };
    // YAML reads `openapi: 3.0` and `swagger: 2.0` as numbers.
    let version_of = |key: &str, value: &Value| match value {
        Value::String(text) => Ok(text.clone()),
        Value::Number(number) => Ok(number.to_string()),
        other => Err(not_openapi(format!(
            "`{key}` is {}, not a version",
            describe(other)
        ))),
    };
    let unsupported =
        |field: &'static str, version: String, hint: &'static str| SpecError::UnsupportedVersion {
            name: name.to_owned(),
            field,
            version,
            hint,
        };
    if let Some(value) = object.get("openapi") {
        let version = version_of("openapi", value)?;
        let minor = |m: &str| version == m || version.starts_with(&format!("{m}."));
        if minor("3.0") || minor("3.1") {
            return Ok((Dialect::OpenApi3, version));
        }
        // 3.2 only adds to 3.1: reading it as 3.1 loses the additions, not the rest.
        if minor("3.2") {
            let warning = format!(
                "openapi version `{version}` is newer than apileak knows; reading it as 3.1 (3.2 additions are ignored)"
            );
            tracing::warn!("{warning}");
            warnings.push(warning);
            return Ok((Dialect::OpenApi3, version));
        }
        // Any other version may mean anything: guessing could scan the wrong operations.
        return Err(unsupported("openapi", version, ""));
    }
    if let Some(value) = object.get("swagger") {
        let version = version_of("swagger", value)?;
        if version == "2.0" || version == "2" {
            return Ok((Dialect::Swagger2, version));
        }
        let hint = if version.starts_with('3') {
            " (OpenAPI 3 declares `openapi: 3.x.y`, not `swagger`)"
        } else {
            ""
        };
        return Err(unsupported("swagger", version, hint));
    }
    if object.contains_key("paths") {
        warnings.push("no `openapi` or `swagger` version field; reading it as OpenAPI 3".into());
        return Ok((Dialect::OpenApi3, String::new()));
    }
    Err(not_openapi(
        "it has no `openapi`, `swagger` or `paths` field".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<LoadedSpec, SpecError> {
        load_str(text, Path::new("api.yaml"))
    }

    fn error(text: &str) -> String {
        load(text).expect_err("must fail").to_string()
    }

    /// `load_file` parses a plain JSON file from the file, not its text: the outcome must be
    /// what loading the text gives, for JSON, a BOM, a duplicate key and JSON-looking YAML.
    #[test]
    fn a_file_loads_as_its_text_does() {
        let ops = r#""paths": {"/a/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true, "example": "u-1"}]},
                   "post": {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}}}}"#;
        let dir = tempfile::tempdir().expect("tmp");
        for text in [
            format!("{{\"openapi\": \"3.0.3\",\n {ops}}}"),
            format!("\u{feff}  {{\"openapi\": \"3.0.3\",\n\n {ops}}}"),
            format!("{{\"openapi\": \"3.0.3\", \"openapi\": \"3.1.0\", {ops}}}"),
            format!("{{openapi: 3.0.3, {ops},}}"),
            "{\"openapi\": \"3.0.3\", \"paths\": ".to_owned(),
        ] {
            let path = dir.path().join("api.json");
            std::fs::write(&path, &text).expect("write");
            let from_file = format!("{:?}", load_file(&path));
            let from_text = format!("{:?}", load_str(&text, &path));
            assert_eq!(from_file, from_text, "{text}");
        }
    }

    #[test]
    fn versions() {
        let ops = "paths:\n  /a:\n    get: {}\n";
        let spec = load(&format!("openapi: 3.1.0\n{ops}")).expect("loads");
        assert_eq!((spec.version.as_str(), spec.warnings.len()), ("3.1.0", 0));
        let spec = load(&format!("openapi: 3.0\n{ops}")).expect("loads");
        assert_eq!(spec.version, "3.0");
        let spec = load(&format!("swagger: '2.0'\n{ops}")).expect("loads");
        assert_eq!(spec.version, "2.0");
        let spec = load(&format!("openapi: 3.2.0\n{ops}")).expect("loads");
        assert_eq!(
            spec.warnings,
            [
                "openapi version `3.2.0` is newer than apileak knows; reading it as 3.1 (3.2 additions are ignored)"
            ]
        );
        let spec = load(ops).expect("loads");
        assert_eq!(spec.version, "");
        assert_eq!(
            spec.warnings,
            ["no `openapi` or `swagger` version field; reading it as OpenAPI 3"]
        );
    }

    #[test]
    fn unknown_versions_are_errors_naming_the_version() {
        let ops = "paths:\n  /a:\n    get: {}\n";
        for (field, version, hint) in [
            ("openapi", "4.0.0", ""),
            ("openapi", "2.9.9", ""),
            ("openapi", "3.10.0", ""),
            ("openapi", "'3'", ""),
            ("swagger", "'1.2'", ""),
            (
                "swagger",
                "'3.0'",
                " (OpenAPI 3 declares `openapi: 3.x.y`, not `swagger`)",
            ),
        ] {
            let shown = version.trim_matches('\'');
            assert_eq!(
                error(&format!("{field}: {version}\n{ops}")),
                format!(
                    "spec `api.yaml` declares {field} version `{shown}`, which apileak cannot read{hint}"
                )
            );
        }
    }

    #[test]
    fn lines_come_from_the_original_text() {
        let spec = load(
            "\u{feff}openapi: 3.0.0\npaths:\n  /a:\n    get: {}\n    post:\n      summary: x\n",
        )
        .expect("loads");
        let lines: Vec<usize> = spec
            .api
            .operations
            .iter()
            .map(|o| o.location.line)
            .collect();
        assert_eq!(lines, [4, 5]);
        assert_eq!(spec.api.source, Path::new("api.yaml"));
    }

    #[test]
    fn not_openapi_documents() {
        assert_eq!(
            error("- a\n- b\n"),
            "spec `api.yaml` is not an OpenAPI or Swagger document: the top level is a list, not a mapping"
        );
        assert_eq!(
            error("[1, 2]"),
            "spec `api.yaml` is not an OpenAPI or Swagger document: the top level is a list, not a mapping"
        );
        assert_eq!(
            error("name: my-app\nversion: 1.0\n"),
            "spec `api.yaml` is not an OpenAPI or Swagger document: it has no `openapi`, `swagger` or `paths` field"
        );
        assert_eq!(
            error("# only a comment\n"),
            "spec `api.yaml` is not an OpenAPI or Swagger document: the document is empty"
        );
        assert_eq!(
            error("just a string"),
            "spec `api.yaml` is not an OpenAPI or Swagger document: the top level is a string, not a mapping"
        );
        assert_eq!(
            error("openapi: [3]\npaths: {}\n"),
            "spec `api.yaml` is not an OpenAPI or Swagger document: `openapi` is a list, not a version"
        );
    }

    #[test]
    fn no_readable_operations_names_what_was_skipped() {
        assert_eq!(
            error("openapi: 3.0.0\npaths:\n  /a: 1\n  /b:\n    get: nope\n"),
            "spec `api.yaml` has no readable operations (skipped: skipped path `/a`: it is a number, not a mapping; \
             skipped GET /b: it is a string, not a mapping)"
        );
        assert_eq!(
            error("openapi: 3.0.0\ninfo: {title: x}\n"),
            "spec `api.yaml` has no readable operations (skipped: the document has no `paths`)"
        );
        assert_eq!(
            error("openapi: 3.0.0\npaths: {}\n"),
            "spec `api.yaml` has no readable operations"
        );
    }

    #[test]
    fn response_links_are_read() {
        let text = r##"openapi: 3.0.3
info: {title: t, version: "1"}
components:
  links:
    RepoByName:
      operationId: getRepo
      parameters: {path.ref: "$response.body#/full_name", q: "$request.query.x"}
paths:
  /repositories:
    get:
      responses:
        "200":
          description: ok
          links: {Repo: {$ref: "#/components/links/RepoByName"}, Other: {operationRef: "#/x"}}
        "404": {description: no, links: {Never: {operationId: getRepo, parameters: {ref: "$response.body#/id"}}}}
  /r/{ref}:
    get:
      operationId: getRepo
      parameters: [{name: ref, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
"##;
        let spec = load_str(text, Path::new("links.yaml")).expect("loads");
        let links = &spec.api.operations[0].links;
        assert_eq!(
            links,
            &[crate::model::Link {
                operation: "getRepo".into(),
                parameter: "ref".into(),
                pointer: "/full_name".into(),
            }],
            "only 2xx links that fill a parameter from the response body"
        );
    }

    #[test]
    fn self_referencing_everything_terminates() {
        let text = r##"{"openapi": "3.0.0",
          "components": {
            "schemas": {"A": {"$ref": "#/components/schemas/A"}},
            "parameters": {"P": {"$ref": "#/components/parameters/P"}},
            "responses": {"R": {"$ref": "#/components/responses/R"}}},
          "paths": {
            "/loop": {"$ref": "#/paths/~1loop"},
            "/a": {"get": {"parameters": [{"$ref": "#/components/parameters/P"}],
                           "responses": {"200": {"$ref": "#/components/responses/R"},
                                         "201": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}}}"##;
        let spec = load_str(text, Path::new("loop.json")).expect("loads");
        assert_eq!(spec.api.operations.len(), 1);
        let op = &spec.api.operations[0];
        assert!(op.parameters.is_empty());
        assert!(op.response_schema.as_ref().is_some_and(|s| s.open));
        assert_eq!(
            spec.warnings,
            [
                "skipped path `/loop`: $ref `#/paths/~1loop` is cyclic",
                "GET /a: skipped parameter #1: $ref `#/components/parameters/P` is cyclic",
                "GET /a: response `200`: $ref `#/components/responses/R` is cyclic; ignored",
            ]
        );
    }
}
