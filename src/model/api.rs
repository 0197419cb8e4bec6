//! Types of the API model. Plain data, no I/O.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// A loaded, normalised API description.
#[derive(Debug, Clone, Default)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// Server URLs from `servers` (Swagger 2.0: built from `schemes`/`host`/`basePath`), in order.
    /// May be relative (`/api/v1`).
    pub servers: Vec<String>,
    /// Every operation we could read, in spec order.
    pub operations: Vec<Operation>,
    /// Declared security schemes by name.
    pub security_schemes: BTreeMap<String, SecurityScheme>,
    /// Where the spec came from (as given on the command line, or the demo's path).
    pub source: PathBuf,
    /// The operation (its `id`) the user named as the "me" operation (`me:` in the config,
    /// `--me`), overriding the guess.
    pub me_operation: Option<String>,
}

/// One HTTP method on one path.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId`, or `"{METHOD} {path}"` when the spec gives none.
    pub id: String,
    pub method: HttpMethod,
    /// The spec's path template, e.g. `/users/{userId}` (without any server base path).
    pub path: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// Path-level and operation-level parameters merged (operation wins), `$ref`s resolved.
    pub parameters: Vec<Parameter>,
    /// Effective security: the operation's `security`, else the document's.
    /// Each entry is one alternative (OR); the names inside one entry are ANDed.
    /// An empty entry (`{}`) means "anonymous allowed".
    pub security: Vec<Vec<SecurityRequirementItem>>,
    /// Whether the operation has a request body.
    pub has_request_body: bool,
    /// Schema of the JSON request body (3.x `requestBody` JSON content, Swagger 2.0's
    /// `in: body` parameter), `$ref`s resolved like `response_schema`. `None` without one.
    pub request_schema: Option<Schema>,
    /// What the JSON request body's top-level properties say beyond their shape: enough to
    /// build a valid body and to tell which properties a client may not set.
    pub request_hints: BodyHints,
    /// Schema of the first 2xx JSON response, `$ref`s resolved (depth-limited).
    pub response_schema: Option<Schema>,
    /// OpenAPI `links` of its 2xx responses: which of another operation's parameters a
    /// value of this one's answer fills.
    pub links: Vec<Link>,
    /// Where the operation is defined (the line of the method key).
    pub location: SourceLocation,
}

/// The parts of a request body's schema that `Schema` does not model, for its top-level
/// object (`allOf` branches merged).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BodyHints {
    /// `required` property names, in spec order.
    pub required: Vec<String>,
    /// A usable value per property: its `example`, first `examples` entry, `default` or first
    /// `enum` value.
    pub examples: BTreeMap<String, serde_json::Value>,
    /// Properties with an `enum`: any other value would be refused.
    pub enumerated: Vec<String>,
    /// Properties marked `readOnly: true`: the server sets them, clients must not.
    pub read_only: Vec<String>,
    /// A whole example body: the media type's `example` (or first `examples` value), else the
    /// schema's `example`.
    pub example: Option<serde_json::Value>,
}

/// An OpenAPI link: `operation`'s parameter `parameter` takes the value at `pointer` in this
/// operation's response body (`$response.body#/id` → `/id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The target's `operationId`.
    pub operation: String,
    pub parameter: String,
    /// JSON pointer into the response body.
    pub pointer: String,
}

/// One scheme name and its scopes inside a security requirement.
pub type SecurityRequirementItem = (String, Vec<String>);

impl Operation {
    /// A bare operation for unit tests: `method path`, nothing declared.
    #[cfg(test)]
    pub(crate) fn bare(method: HttpMethod, path: &str, id: &str) -> Operation {
        Operation {
            id: id.into(),
            method,
            path: path.into(),
            ..Operation::api_wide()
        }
    }

    /// Stands for "the API as a whole" in findings of API-wide checks; anchored at line 1.
    pub fn api_wide() -> Operation {
        Operation {
            id: "api".into(),
            method: HttpMethod::Get,
            path: "*".into(),
            summary: None,
            description: None,
            tags: Vec::new(),
            parameters: Vec::new(),
            security: Vec::new(),
            has_request_body: false,
            request_schema: None,
            request_hints: BodyHints::default(),
            response_schema: None,
            links: Vec::new(),
            location: SourceLocation { line: 1 },
        }
    }

    /// True when the operation declares security and does not also allow anonymous access.
    pub fn requires_auth(&self) -> bool {
        !self.security.is_empty() && self.security.iter().all(|alt| !alt.is_empty())
    }

    /// `GET /users/{userId}`: the logical name used in reports.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// Names of the path template's `{params}` in order.
    pub fn path_param_names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        let mut rest = self.path.as_str();
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            names.push(&rest[start + 1..start + len]);
            rest = &rest[start + len + 1..];
        }
        names
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HttpMethod {
    Get,
    Head,
    Options,
    Post,
    Put,
    Patch,
    Delete,
    Trace,
}

impl HttpMethod {
    pub const ALL: [HttpMethod; 8] = [
        HttpMethod::Get,
        HttpMethod::Head,
        HttpMethod::Options,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Patch,
        HttpMethod::Delete,
        HttpMethod::Trace,
    ];

    /// Lowercase key as used in OpenAPI path items.
    pub fn key(self) -> &'static str {
        match self {
            HttpMethod::Get => "get",
            HttpMethod::Head => "head",
            HttpMethod::Options => "options",
            HttpMethod::Post => "post",
            HttpMethod::Put => "put",
            HttpMethod::Patch => "patch",
            HttpMethod::Delete => "delete",
            HttpMethod::Trace => "trace",
        }
    }

    /// Methods that must not change server state; the only ones we send by default.
    pub fn is_safe(self) -> bool {
        matches!(self, HttpMethod::Get | HttpMethod::Head)
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key().to_ascii_uppercase())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub location: ParamLocation,
    pub required: bool,
    pub schema: Schema,
    /// `example`, or the first of `examples`, or the schema's `example`/`default`/first `enum`.
    pub example: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
}

/// A simplified JSON schema: enough to match IDs to parameters and to spot undeclared fields.
///
/// Children sit behind `Arc`s: a component schema that many operations (or properties) point at
/// is one shared allocation, so memory grows with the distinct schemas, not with the uses.
/// Cloning a `Schema` is therefore cheap. `Eq` lets `Arc`'s `==` short-cut on shared pointers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schema {
    pub kind: SchemaKind,
    /// `format` (`uuid`, `int64`, `email`, `date`…).
    pub format: Option<String>,
    /// True when the schema (or an `allOf`/`anyOf`/`oneOf` branch) could not be fully resolved
    /// (cycle, depth limit, external `$ref`): treat it as "anything goes".
    pub open: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SchemaKind {
    Object {
        properties: Arc<BTreeMap<String, Schema>>,
        /// `additionalProperties` allowed (true or a schema).
        additional: bool,
    },
    Array(Arc<Schema>),
    String,
    Integer,
    Number,
    Boolean,
    /// No `type`, or a mix we do not model.
    #[default]
    Any,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SecurityScheme {
    pub kind: SecuritySchemeKind,
    pub description: Option<String>,
    /// An oauth2 scheme's client-credentials `tokenUrl`, as written (may be relative).
    pub client_credentials_token_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SecuritySchemeKind {
    /// `type: http`, with its `scheme` (`bearer`, `basic`).
    Http {
        scheme: String,
    },
    /// `type: apiKey`.
    ApiKey {
        name: String,
        location: ParamLocation,
    },
    OAuth2,
    OpenIdConnect,
    Other(String),
}

/// A place in the spec file, for SARIF/JUnit anchors.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceLocation {
    /// 1-based line; 0 when unknown.
    pub line: usize,
}
