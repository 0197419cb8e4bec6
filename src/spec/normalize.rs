//! The parsed document (`serde_json::Value`) → `model::Api`: servers, security, and one
//! `Operation` per method of each path item, in spec order. Swagger 2.0 and OpenAPI 3.x differ
//! only in a few places (servers, where schemas and bodies live, `produces`), switched on
//! `Dialect`. Whatever cannot be read is skipped with a warning naming it.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::{Map, Value};

use crate::model::{
    Api, HttpMethod, Link, Operation, Schema, SecurityRequirementItem, SecurityScheme,
    SourceLocation,
};

use super::lines::OperationLines;
use super::params::ParamList;
use super::refs;
use super::schema::{SchemaReader, describe};
use super::security::{read_requirements, read_schemes};
use super::warnings::Warnings;

/// The two families of description we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Swagger2,
    /// 3.0.x and 3.1.x (3.1's differences are handled wherever they appear).
    OpenApi3,
}

/// What the readers share while walking one document.
pub(crate) struct Cx<'a, 'w> {
    pub(crate) root: &'a Value,
    pub(crate) dialect: Dialect,
    pub(crate) schemas: SchemaReader<'a>,
    pub(crate) warnings: &'w mut Warnings,
}

type Requirements = Vec<Vec<SecurityRequirementItem>>;

/// Builds the `Api` of `root`; `lines` gives operations their source lines.
pub(crate) fn normalize(
    root: &Value,
    dialect: Dialect,
    lines: &OperationLines,
    source: &Path,
    warnings: &mut Warnings,
) -> Api {
    let security_schemes = read_schemes(root, dialect, warnings);
    let global_security = match root.get("security") {
        Some(value) => read_requirements(value, "document", warnings).unwrap_or_default(),
        None => Vec::new(),
    };
    let mut cx = Cx {
        root,
        dialect,
        schemas: SchemaReader::new(root),
        warnings,
    };
    let servers = cx.servers();
    let operations = cx.operations(lines, &global_security);
    cx.check_scheme_names(&operations, &security_schemes);
    cx.check_duplicate_ids(&operations);
    let title = root
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Api {
        title,
        servers,
        operations,
        security_schemes,
        source: source.to_path_buf(),
        me_operation: None,
    }
}

/// A path item, possibly `$ref`ing another; its own fields win over the referenced ones.
struct PathItem<'a> {
    own: &'a Map<String, Value>,
    base: Option<&'a Map<String, Value>>,
}

impl<'a> PathItem<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.own.get(key).or_else(|| self.base?.get(key))
    }

    /// Keys in spec order: the referenced item's, then the item's own new ones.
    fn keys(&self) -> Vec<&'a str> {
        let own = self
            .own
            .keys()
            .filter(|k| self.base.is_none_or(|b| !b.contains_key(*k)));
        self.base
            .into_iter()
            .flat_map(|b| b.keys())
            .chain(own)
            .map(String::as_str)
            .collect()
    }
}

impl<'a> Cx<'a, '_> {
    fn operations(
        &mut self,
        lines: &OperationLines,
        global_security: &Requirements,
    ) -> Vec<Operation> {
        let mut operations = Vec::new();
        let Some(paths) = self.root.get("paths") else {
            self.warnings.push("the document has no `paths`".into());
            return operations;
        };
        let Some(paths) = paths.as_object() else {
            self.warnings.push(format!(
                "`paths` is {}, not a mapping; ignored",
                describe(paths)
            ));
            return operations;
        };
        for (path, item) in paths {
            if path.starts_with("x-") {
                continue;
            }
            let Some(item) = self.path_item(path, item) else {
                continue;
            };
            let path_params = self.parameters(item.get("parameters"), &format!("path `{path}`"));
            for key in item.keys() {
                // Other keys (`summary`, `servers`, `x-…`, unsupported methods) are not operations.
                let Some(method) = HttpMethod::ALL.into_iter().find(|m| m.key() == key) else {
                    continue;
                };
                let Some(value) = item.get(key) else { continue };
                if let Some(op) =
                    self.operation(path, method, value, &path_params, lines, global_security)
                {
                    operations.push(op);
                }
            }
        }
        operations
    }

    fn path_item(&mut self, path: &str, item: &'a Value) -> Option<PathItem<'a>> {
        let Some(own) = item.as_object() else {
            self.warnings.push(format!(
                "skipped path `{path}`: it is {}, not a mapping",
                describe(item)
            ));
            return None;
        };
        if !own.contains_key("$ref") {
            return Some(PathItem { own, base: None });
        }
        let has_methods = HttpMethod::ALL.iter().any(|m| own.contains_key(m.key()));
        match refs::resolve(self.root, item).map(Value::as_object) {
            Ok(Some(base)) => Some(PathItem {
                own,
                base: Some(base),
            }),
            Ok(None) => {
                self.warnings.push(format!(
                    "skipped path `{path}`: its $ref target is not a mapping"
                ));
                None
            }
            Err(err) if has_methods => {
                self.warnings
                    .push(format!("path `{path}`: {err}; read without it"));
                Some(PathItem { own, base: None })
            }
            Err(err) => {
                self.warnings.push(format!("skipped path `{path}`: {err}"));
                None
            }
        }
    }

    fn operation(
        &mut self,
        path: &str,
        method: HttpMethod,
        value: &'a Value,
        path_params: &ParamList<'a>,
        lines: &OperationLines,
        global_security: &Requirements,
    ) -> Option<Operation> {
        let name = format!("{method} {path}");
        let Some(op) = value.as_object() else {
            self.warnings.push(format!(
                "skipped {name}: it is {}, not a mapping",
                describe(value)
            ));
            return None;
        };
        // Operation-level parameters win over path-level ones with the same name and location.
        let own = self.parameters(op.get("parameters"), &name);
        let mut parameters = path_params.params.clone();
        for param in own.params {
            match parameters
                .iter_mut()
                .find(|p| p.name == param.name && p.location == param.location)
            {
                Some(existing) => *existing = param,
                None => parameters.push(param),
            }
        }
        let has_request_body = path_params.has_body || own.has_body || self.request_body(op, &name);
        let security = match op.get("security") {
            Some(value) => read_requirements(value, &name, self.warnings)
                .unwrap_or_else(|| global_security.clone()),
            None => global_security.clone(),
        };
        let response_schema = self.response_schema(op, &name);
        let links = self.links(op);
        let body_param = own.body.or(path_params.body);
        let (request_schema, request_hints) = self.request_schema(op, &name, body_param).unzip();
        let text = |key: &str| op.get(key).and_then(Value::as_str).map(str::to_owned);
        let tags = match op.get("tags") {
            Some(Value::Array(tags)) => tags
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        Some(Operation {
            id: text("operationId").unwrap_or_else(|| name.clone()),
            method,
            path: path.to_owned(),
            summary: text("summary"),
            description: text("description"),
            tags,
            parameters,
            security,
            has_request_body,
            request_schema,
            request_hints: request_hints.unwrap_or_default(),
            response_schema,
            links,
            location: SourceLocation {
                line: line_of(lines, path, method),
            },
        })
    }

    /// Whether a 3.x `requestBody` is declared (a broken `$ref` still means there is a body).
    fn request_body(&mut self, op: &'a Map<String, Value>, name: &str) -> bool {
        let Some(body) = op.get("requestBody") else {
            return false;
        };
        if let Err(err) = refs::resolve(self.root, body) {
            self.warnings.push(format!("{name}: request body: {err}"));
        }
        true
    }

    /// The schema of the first 2xx response with a JSON-ish body (resolved).
    fn response_schema(&mut self, op: &'a Map<String, Value>, name: &str) -> Option<Schema> {
        let responses = match op.get("responses")? {
            Value::Object(responses) => responses,
            other => {
                self.warnings.push(format!(
                    "{name}: `responses` is {}, not a mapping; ignored",
                    describe(other)
                ));
                return None;
            }
        };
        // Swagger 2.0 declares media types once per operation (or document) in `produces`.
        let produces_json = self.dialect == Dialect::OpenApi3
            || allows_json(op.get("produces").or_else(|| self.root.get("produces")));
        for (code, response) in responses {
            if !is_success(code) {
                continue;
            }
            let context = format!("{name}: response `{code}`");
            let response = match refs::resolve(self.root, response) {
                Ok(response) => response,
                Err(err) => {
                    self.warnings.push(format!("{context}: {err}; ignored"));
                    continue;
                }
            };
            match self.dialect {
                Dialect::Swagger2 => {
                    if let (Some(schema), true) = (response.get("schema"), produces_json) {
                        return Some(self.schemas.read(schema, &context, self.warnings));
                    }
                }
                Dialect::OpenApi3 => {
                    let content = response.get("content").and_then(Value::as_object);
                    let json = content
                        .into_iter()
                        .flatten()
                        .find(|(media_type, _)| is_json(media_type));
                    if let Some((_, media)) = json {
                        return Some(match media.get("schema") {
                            Some(schema) => self.schemas.read(schema, &context, self.warnings),
                            // JSON of unknown shape.
                            None => Schema::default(),
                        });
                    }
                }
            }
        }
        None
    }

    /// The `links` of 2xx responses that name their target by `operationId` and fill a
    /// parameter from the response body (`$response.body#/id`); others are ignored.
    fn links(&self, op: &'a Map<String, Value>) -> Vec<Link> {
        let mut out = Vec::new();
        let Some(Value::Object(responses)) = op.get("responses") else {
            return out;
        };
        for (code, response) in responses {
            if !is_success(code) {
                continue;
            }
            let Ok(response) = refs::resolve(self.root, response) else {
                continue;
            };
            let Some(Value::Object(links)) = response.get("links") else {
                continue;
            };
            for link in links.values() {
                let Ok(link) = refs::resolve(self.root, link) else {
                    continue;
                };
                let (Some(target), Some(Value::Object(params))) = (
                    link.get("operationId").and_then(Value::as_str),
                    link.get("parameters"),
                ) else {
                    continue;
                };
                for (parameter, expr) in params {
                    let Some(pointer) = expr
                        .as_str()
                        .and_then(|e| e.strip_prefix("$response.body#"))
                    else {
                        continue;
                    };
                    // `path.id` / `query.id` name the location; the name is what matters here.
                    let parameter = parameter
                        .split_once('.')
                        .map_or(parameter.as_str(), |(_, n)| n);
                    out.push(Link {
                        operation: target.to_owned(),
                        parameter: parameter.to_owned(),
                        pointer: pointer.to_owned(),
                    });
                }
            }
        }
        out
    }

    /// Server URLs: 3.x `servers` with variables set to their defaults; Swagger 2.0's
    /// `schemes` × `host` + `basePath` (a bare `basePath` when there is no host).
    fn servers(&mut self) -> Vec<String> {
        if self.dialect == Dialect::Swagger2 {
            let text = |key: &str| self.root.get(key).and_then(Value::as_str);
            let base = text("basePath").unwrap_or_default();
            let Some(host) = text("host") else {
                return if base.is_empty() {
                    Vec::new()
                } else {
                    vec![base.to_owned()]
                };
            };
            let mut schemes: Vec<&str> = match self.root.get("schemes") {
                Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if schemes.is_empty() {
                schemes.push("https");
            }
            return schemes
                .iter()
                .map(|scheme| format!("{scheme}://{host}{base}"))
                .collect();
        }
        let Some(list) = self.root.get("servers") else {
            return Vec::new();
        };
        let Some(list) = list.as_array() else {
            self.warnings.push(format!(
                "`servers` is {}, not a list; ignored",
                describe(list)
            ));
            return Vec::new();
        };
        let mut servers = Vec::with_capacity(list.len());
        for (i, server) in list.iter().enumerate() {
            let Some(url) = server.get("url").and_then(Value::as_str) else {
                self.warnings
                    .push(format!("skipped server #{}: no `url`", i + 1));
                continue;
            };
            servers.push(self.substitute(url, server.get("variables")));
        }
        servers
    }

    /// Replaces `{name}` in a server URL with the variable's default.
    fn substitute(&mut self, url: &str, variables: Option<&Value>) -> String {
        let mut out = String::with_capacity(url.len());
        let mut rest = url;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            let name = &rest[start + 1..start + len];
            out.push_str(&rest[..start]);
            match variables
                .and_then(|v| v.get(name))
                .and_then(|v| v.get("default"))
                .and_then(Value::as_str)
            {
                Some(default) => out.push_str(default),
                None => {
                    self.warnings.push(format!(
                        "server `{url}`: variable `{name}` has no default; left as is"
                    ));
                    out.push_str(&rest[start..=start + len]);
                }
            }
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        out
    }

    /// Requirements naming schemes that are not declared cannot be satisfied; say so once each.
    fn check_scheme_names(
        &mut self,
        operations: &[Operation],
        schemes: &BTreeMap<String, SecurityScheme>,
    ) {
        for op in operations {
            for (scheme, _) in op.security.iter().flatten() {
                if !schemes.contains_key(scheme) {
                    self.warnings.push_once(&format!("scheme {scheme}"), || {
                        format!(
                            "{}: security requirement names undeclared scheme `{scheme}`",
                            op.display_name()
                        )
                    });
                }
            }
        }
    }

    fn check_duplicate_ids(&mut self, operations: &[Operation]) {
        let mut first: HashMap<&str, &Operation> = HashMap::new();
        for op in operations {
            if let Some(earlier) = first.insert(&op.id, op) {
                self.warnings.push(format!(
                    "duplicate operationId `{}`: {} and {}",
                    op.id,
                    earlier.display_name(),
                    op.display_name()
                ));
            }
        }
    }
}

/// The line of the operation's method key, else its path key's, else 1.
fn line_of(lines: &OperationLines, path: &str, method: HttpMethod) -> usize {
    if let Some(line) = lines.method_line(path, method) {
        return line;
    }
    if let Some(line) = lines.path_line(path) {
        tracing::debug!(%method, path, "no line for the method key; using the path's line");
        return line;
    }
    tracing::debug!(%method, path, "no line for the operation; using line 1");
    1
}

/// `200`…`299`, `2XX`.
fn is_success(code: &str) -> bool {
    let bytes = code.as_bytes();
    bytes.len() == 3
        && bytes[0] == b'2'
        && (bytes[1..].iter().all(u8::is_ascii_digit) || bytes[1..].eq_ignore_ascii_case(b"xx"))
}

/// `application/json`, `application/*+json` (with or without parameters).
pub(crate) fn is_json(media_type: &str) -> bool {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

/// Whether a Swagger 2.0 `produces` / `consumes` list admits JSON (absent or empty: it does).
pub(crate) fn allows_json(media_types: Option<&Value>) -> bool {
    match media_types.and_then(Value::as_array) {
        Some(types) => types.is_empty() || types.iter().filter_map(Value::as_str).any(is_json),
        None => true,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::{ParamLocation, SchemaKind};

    /// Normalises a test document (shared with the other loader tests).
    pub(in crate::spec) fn api(doc: &Value, dialect: Dialect) -> (Api, Vec<String>) {
        let mut warnings = Warnings::default();
        let api = normalize(
            doc,
            dialect,
            &OperationLines::default(),
            Path::new("t.yaml"),
            &mut warnings,
        );
        (api, warnings.into_vec())
    }

    #[test]
    fn success_codes_and_json_types() {
        assert!(is_success("200") && is_success("204") && is_success("2XX") && is_success("2xx"));
        assert!(
            !is_success("20") && !is_success("300") && !is_success("default") && !is_success("2x1")
        );
        assert!(is_json("application/json") && is_json("application/JSON; charset=utf-8"));
        assert!(is_json("application/vnd.github+json") && is_json("application/problem+json"));
        assert!(!is_json("text/plain") && !is_json("*/*") && !is_json("application/xml"));
    }

    #[test]
    fn openapi3_operations() {
        let doc = json!({
            "openapi": "3.0.3",
            "info": {"title": "T"},
            "servers": [{"url": "https://{env}.example.com:{port}/v1", "variables": {"env": {"default": "api"}, "port": {"default": "443"}}},
                        {"url": "/relative/{nodefault}"}],
            "security": [{"bearer": []}],
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                           "responses": {"Ok": {"description": "ok", "content": {"application/json": {"schema": {"properties": {"id": {"type": "integer"}}}}}}}},
            "paths": {
                "x-internal": {"get": {}},
                "/users/{id}": {
                    "parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}},
                                   {"name": "verbose", "in": "query", "schema": {"type": "boolean"}}],
                    "summary": "not an operation",
                    "get": {
                        "operationId": "getUser",
                        "tags": ["users"],
                        "parameters": [{"name": "id", "in": "path", "schema": {"type": "integer"}}],
                        "responses": {"404": {"description": "no"}, "200": {"$ref": "#/components/responses/Ok"}}
                    },
                    "delete": {"security": [], "responses": {"204": {"description": "gone"}}},
                    "put": {"security": [{}, {"bearer": ["write"]}], "requestBody": {"content": {}},
                            "responses": {"200": {"content": {"text/plain": {}}}, "201": {"content": {"application/json": {}}}}},
                    "GET": {"responses": {}}
                },
                "/broken": "nope",
                "/odd": {"get": [1]}
            }
        });
        let (api, warnings) = api(&doc, Dialect::OpenApi3);
        assert_eq!(api.title, "T");
        assert_eq!(
            api.servers,
            ["https://api.example.com:443/v1", "/relative/{nodefault}"]
        );
        let ids: Vec<&str> = api.operations.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["getUser", "DELETE /users/{id}", "PUT /users/{id}"]);

        let get = &api.operations[0];
        assert_eq!(get.tags, ["users"]);
        let params: Vec<(&str, ParamLocation, &SchemaKind)> = get
            .parameters
            .iter()
            .map(|p| (p.name.as_str(), p.location, &p.schema.kind))
            .collect();
        assert_eq!(
            params,
            [
                ("id", ParamLocation::Path, &SchemaKind::Integer),
                ("verbose", ParamLocation::Query, &SchemaKind::Boolean)
            ]
        );
        assert_eq!(get.security, vec![vec![("bearer".to_owned(), vec![])]]);
        assert!(get.requires_auth());
        assert!(!get.has_request_body);
        let Some(SchemaKind::Object { properties, .. }) =
            get.response_schema.as_ref().map(|s| &s.kind)
        else {
            panic!("expected an object response schema");
        };
        assert_eq!(properties.keys().collect::<Vec<_>>(), ["id"]);

        let delete = &api.operations[1];
        assert!(delete.security.is_empty());
        assert!(!delete.requires_auth());
        assert_eq!(delete.response_schema, None);

        let put = &api.operations[2];
        assert_eq!(
            put.security,
            vec![
                vec![],
                vec![("bearer".to_owned(), vec!["write".to_owned()])]
            ]
        );
        assert!(!put.requires_auth());
        assert!(put.has_request_body);
        assert_eq!(put.response_schema, Some(Schema::default()));

        assert_eq!(
            warnings,
            [
                "server `/relative/{nodefault}`: variable `nodefault` has no default; left as is",
                "skipped path `/broken`: it is a string, not a mapping",
                "skipped GET /odd: it is a list, not a mapping",
            ]
        );
    }

    #[test]
    fn path_item_refs() {
        let doc = json!({
            "components": {"pathItems": {"Shared": {"get": {"operationId": "shared"}, "post": {}}}},
            "paths": {
                "/a": {"$ref": "#/components/pathItems/Shared", "post": {"operationId": "own"}},
                "/b": {"$ref": "other.yaml#/paths/~1b"},
                "/c": {"$ref": "#/nowhere", "get": {}}
            }
        });
        let (api, warnings) = api(&doc, Dialect::OpenApi3);
        let ids: Vec<&str> = api.operations.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["shared", "own", "GET /c"]);
        assert_eq!(
            warnings,
            [
                "skipped path `/b`: external $ref `other.yaml#/paths/~1b` not followed",
                "path `/c`: $ref `#/nowhere` points to nothing; read without it",
            ]
        );
    }

    #[test]
    fn swagger2_normalisation() {
        let doc = json!({
            "swagger": "2.0",
            "host": "api.example.com",
            "basePath": "/v2",
            "schemes": ["https", "http"],
            "produces": ["application/json"],
            "securityDefinitions": {"key": {"type": "apiKey", "name": "X-Key", "in": "header"}},
            "security": [{"key": []}],
            "definitions": {"Pet": {"properties": {"id": {"type": "integer", "format": "int64"}}}},
            "paths": {"/pets/{id}": {
                "parameters": [{"name": "id", "in": "path", "type": "integer"}],
                "get": {"responses": {"200": {"schema": {"$ref": "#/definitions/Pet"}}}},
                "put": {"parameters": [{"name": "pet", "in": "body", "schema": {"$ref": "#/definitions/Pet"}}],
                        "produces": ["application/xml"],
                        "responses": {"200": {"schema": {"$ref": "#/definitions/Pet"}}}},
                "post": {"consumes": ["multipart/form-data"], "security": [{"nope": []}],
                         "parameters": [{"name": "file", "in": "formData", "type": "file"}], "responses": {}}
            }}
        });
        let (api, warnings) = api(&doc, Dialect::Swagger2);
        assert_eq!(
            api.servers,
            ["https://api.example.com/v2", "http://api.example.com/v2"]
        );
        assert_eq!(api.operations.len(), 3);
        let get = &api.operations[0];
        assert_eq!(get.parameters.len(), 1);
        assert_eq!(get.parameters[0].schema.kind, SchemaKind::Integer);
        assert!(get.parameters[0].required);
        assert_eq!(get.security, vec![vec![("key".to_owned(), vec![])]]);
        let Some(SchemaKind::Object { properties, .. }) =
            get.response_schema.as_ref().map(|s| &s.kind)
        else {
            panic!("expected the Pet schema");
        };
        assert_eq!(properties["id"].format.as_deref(), Some("int64"));
        let put = &api.operations[1];
        assert!(put.has_request_body);
        assert_eq!(put.response_schema, None, "produces only XML");
        assert!(api.operations[2].has_request_body);
        assert_eq!(
            warnings,
            ["POST /pets/{id}: security requirement names undeclared scheme `nope`"]
        );
    }

    #[test]
    fn swagger2_servers_without_host_or_schemes() {
        let (api, _) = api(&json!({"basePath": "/api", "paths": {}}), Dialect::Swagger2);
        assert_eq!(api.servers, ["/api"]);
        let (api, _) = api_host_only();
        assert_eq!(api.servers, ["https://h.example"]);
    }

    fn api_host_only() -> (Api, Vec<String>) {
        api(
            &json!({"host": "h.example", "paths": {}}),
            Dialect::Swagger2,
        )
    }

    #[test]
    fn duplicate_operation_ids_warn() {
        let doc = json!({"paths": {"/a": {"get": {"operationId": "x"}}, "/b": {"get": {"operationId": "x"}}}});
        let (api, warnings) = api(&doc, Dialect::OpenApi3);
        assert_eq!(api.operations.len(), 2);
        assert_eq!(warnings, ["duplicate operationId `x`: GET /a and GET /b"]);
    }
}
