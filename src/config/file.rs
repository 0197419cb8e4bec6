//! The `apileak.yaml` config file: its serde shape (unknown keys are errors with a line),
//! `${VAR}` expansion from the environment, and conversion of identities into
//! [`Identity`] values. `ScanConfig::from_args` merges it under the CLI flags.

use std::path::{Path, PathBuf};

use regex::Regex;
use reqwest::header::HeaderName;
use secrecy::SecretString;
use serde::Deserialize;

use super::ConfigError;
use crate::findings::Severity;
use crate::identity::{
    ApiKey, Apply, Credential, Identity, LoginFlow, OAuth2Client, Role, TokenSource,
};
use crate::model::HttpMethod;

/// apileak's config file (`apileak.yaml`). String values may hold `${VAR}`, replaced from
/// the environment; command-line flags override every value.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "apileak.yaml")]
pub struct FileConfig {
    /// OpenAPI 3.0/3.1 or Swagger 2.0 file, relative to this file, or an http(s) URL to
    /// fetch it from once before the scan.
    pub spec: Option<String>,
    /// A credential for fetching a spec URL (separate from the identities).
    pub spec_auth: Option<FileSpecAuth>,
    /// The repository file SARIF results point at when the spec is a URL (relative to this
    /// file); default: the URL's last path segment.
    pub sarif_anchor: Option<String>,
    /// Target base URL with any base path; default: the spec's first absolute server.
    pub base_url: Option<String>,
    /// Exit 1 when an unsuppressed finding is at or above this severity (default low).
    #[schemars(with = "Option<SeverityName>")]
    pub fail_on: Option<Severity>,
    /// Exit 3 when less than this share (whole percent, 0..=100) of the applicable
    /// check × operation cases was really tested (default: no minimum).
    #[schemars(range(min = 0, max = 100))]
    pub min_coverage: Option<u32>,
    /// Only these checks (default: all).
    pub checks: Option<Vec<String>>,
    /// Operations never called, in any stage: `METHOD /path` (method optional or `*`; `*`
    /// matches anything), an operationId, or `tag:NAME`. Each must match an operation.
    pub exclude: Option<Vec<String>>,
    /// Older name of `exclude` (used when `exclude` is absent).
    pub skip: Option<Vec<String>>,
    /// Operations sent although they read as unsafe (`GET /createdb`, `GET /logout`, a `cmd`
    /// parameter), which are otherwise held back. Same patterns as `exclude`.
    pub include: Option<Vec<String>>,
    /// The operation that returns the caller's own record (`GET /whoami` or an
    /// operationId), when apileak does not find it by itself.
    pub me: Option<String>,
    /// Reads each identity may send while learning who owns what (1..=10000, default 150).
    #[schemars(range(min = 1, max = 10000))]
    pub harvest_requests: Option<u16>,
    /// Response fields public by design.
    pub public_fields: Option<Vec<String>>,
    /// Also run the write-side checks. Never against production.
    pub allow_writes: Option<bool>,
    /// `auto` (the default: adapts to the target, at most 200 requests per second) or a
    /// fixed number of requests per second (1..=10000).
    pub rate: Option<FileRate>,
    /// Stop the scan (incomplete, exit 3) before sending more than this many requests.
    #[schemars(range(min = 1))]
    pub max_requests: Option<u64>,
    /// Stop the scan (incomplete, exit 3) after this long: `90s`, `15m`, `1h` (plain
    /// numbers are seconds).
    pub max_duration: Option<String>,
    /// Requests in flight at once (1..=256, default 8).
    #[schemars(range(min = 1, max = 256))]
    pub concurrency: Option<u16>,
    /// Per-request timeout in seconds (1..=600, default 10).
    #[schemars(range(min = 1, max = 600))]
    pub timeout: Option<u16>,
    /// Also trust the CA certificates in this PEM file (relative to this file), e.g. an
    /// internal CA; the system's roots stay trusted.
    pub ca_cert: Option<String>,
    /// Do not verify TLS certificates or host names (warned on every run). Prefer `ca_cert`.
    pub insecure: Option<bool>,
    /// The two test users and an optional admin.
    #[serde(default)]
    pub identities: FileIdentities,
}

/// `rate:`: `auto` or a fixed number of requests per second.
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum FileRate {
    PerSecond(#[schemars(range(min = 1, max = 10_000))] u32),
    Auto(AutoWord),
}

/// The word `auto`.
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
pub enum AutoWord {
    #[serde(rename = "auto")]
    Auto,
}

/// Severity names, for the schema (the real type lives in `findings`).
#[derive(schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
#[expect(
    dead_code,
    reason = "only describes the accepted values in the JSON Schema"
)]
enum SeverityName {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

/// The JSON Schema of the config file (`apileak config schema`), for editors.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(FileConfig);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

/// The identities the scan uses.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileIdentities {
    /// The user whose access is tested against user B's data.
    pub user_a: Option<FileIdentity>,
    /// A different ordinary user.
    pub user_b: Option<FileIdentity>,
    /// Optional: a user with the admin role. Function-level checks compare an ordinary user's
    /// answer with the admin's view of the same operation.
    pub admin: Option<FileIdentity>,
}

/// One user: exactly one of `header`, `basic`, `login`, `api_key`, `oauth2`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileIdentity {
    /// Header line(s): `Authorization: Bearer ${TOKEN}`.
    pub header: Option<OneOrMany>,
    /// HTTP basic authentication.
    pub basic: Option<FileBasic>,
    /// Log in through the API's own login operation.
    pub login: Option<FileLogin>,
    /// An API key, placed (header, query or cookie) as the spec's apiKey scheme says.
    pub api_key: Option<FileApiKey>,
    /// OAuth2 client credentials: a bearer token from the token URL.
    pub oauth2: Option<FileOAuth2>,
    /// Object IDs this user owns, by parameter name (`workoutId: [103]`), for APIs where
    /// harvesting finds none. User B's are also written to by the write-side checks when
    /// writes are allowed: list only test objects you are willing to lose.
    #[serde(default)]
    pub objects: std::collections::BTreeMap<String, Vec<ObjectId>>,
}

/// The spec URL's credential.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileSpecAuth {
    /// A header line: `Authorization: Bearer ${SPEC_TOKEN}`; redacted everywhere.
    pub header: String,
}

/// An OAuth2 client-credentials grant.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileOAuth2 {
    /// Default: the spec's oauth2 `clientCredentials` `tokenUrl`, resolved against the base
    /// URL (it must be on the target's origin). Written here it may be on another origin.
    pub token_url: Option<String>,
    /// The client's ID (not a secret).
    pub client_id: String,
    /// Usually `${VAR}`; redacted everywhere.
    pub client_secret: String,
    /// Space-separated scopes.
    pub scope: Option<String>,
}

/// One object ID: a number or a string.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum ObjectId {
    /// `103`
    Number(i64),
    /// `"w_9f2c"`
    Text(String),
}

/// An API key and the spec's `securitySchemes` entry that says where it goes.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileApiKey {
    /// The key, usually `${VAR}`.
    pub value: String,
    /// The apiKey scheme's name; optional when the spec declares exactly one.
    pub scheme: Option<String>,
}

/// One header line or several.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// HTTP basic credentials.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileBasic {
    pub username: String,
    pub password: String,
}

/// A login operation whose response carries the token.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileLogin {
    /// `POST /auth/login`, or a path (then POST).
    pub operation: String,
    /// Field → value; the order is kept.
    #[serde(default)]
    pub body: serde_json::Map<String, serde_json::Value>,
    /// Form-encoded body (OAuth2 password grants) instead of JSON.
    #[serde(default)]
    pub form: bool,
    pub token: Option<FileToken>,
    pub apply: Option<FileApply>,
}

/// Where the token is in the login response (default JSON pointer `/access_token`, then `/token`).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileToken {
    pub json_pointer: Option<String>,
    pub header: Option<String>,
    pub cookie: Option<String>,
}

/// How the token is sent (default `Authorization: Bearer …`; a cookie token as that cookie).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileApply {
    pub header: Option<String>,
    pub prefix: Option<String>,
    pub cookie: Option<String>,
}

/// A loaded config file and where it came from (relative paths in it are relative to it).
#[derive(Debug)]
pub struct LoadedFile {
    pub path: PathBuf,
    pub config: FileConfig,
}

impl LoadedFile {
    /// Reads and parses `path`; unknown keys and wrong types name the file and line.
    pub fn load(path: &Path) -> Result<LoadedFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
            path: path.to_owned(),
            reason: format!("cannot read it: {e}"),
        })?;
        let config = parse(&text).map_err(|reason| ConfigError::File {
            path: path.to_owned(),
            reason,
        })?;
        Ok(LoadedFile {
            path: path.to_owned(),
            config,
        })
    }

    /// `${VAR}` in `value` replaced from the environment; an unset variable is an error
    /// naming it (and never showing any value).
    pub fn expand(&self, value: &str) -> Result<String, ConfigError> {
        expand_with(value, |v| std::env::var(v).ok()).map_err(|var| ConfigError::UnsetVar {
            var,
            path: self.path.clone(),
        })
    }

    /// The `spec` value, expanded (a URL or a path as written).
    pub fn spec_text(&self) -> Result<Option<String>, ConfigError> {
        self.config
            .spec
            .as_deref()
            .map(|s| self.expand(s))
            .transpose()
    }

    /// The spec URL's credential, as a header (never shown: errors name only the key).
    pub fn spec_auth(&self) -> Result<Option<Credential>, ConfigError> {
        let Some(auth) = &self.config.spec_auth else {
            return Ok(None);
        };
        let line = self.expand(&auth.header)?;
        let invalid = || ConfigError::File {
            path: self.path.clone(),
            reason: "`spec_auth.header` must be one header line `Name: value`".into(),
        };
        let (name, value) = line.split_once(':').ok_or_else(invalid)?;
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| invalid())?;
        let value = value.trim();
        if value.is_empty() || reqwest::header::HeaderValue::from_str(value).is_err() {
            return Err(invalid());
        }
        Ok(Some(Credential::single(
            name,
            SecretString::from(value.to_owned()),
        )))
    }

    /// `sarif_anchor`, relative to the config file's directory.
    pub fn sarif_anchor(&self) -> Result<Option<PathBuf>, ConfigError> {
        let Some(anchor) = &self.config.sarif_anchor else {
            return Ok(None);
        };
        let anchor = PathBuf::from(self.expand(anchor)?);
        let dir = self.path.parent().unwrap_or(Path::new(""));
        Ok(Some(if anchor.is_absolute() {
            anchor
        } else {
            dir.join(anchor)
        }))
    }

    /// The `ca_cert` path: relative to the config file's directory.
    pub fn ca_cert(&self) -> Result<Option<PathBuf>, ConfigError> {
        let Some(ca_cert) = &self.config.ca_cert else {
            return Ok(None);
        };
        let ca_cert = PathBuf::from(self.expand(ca_cert)?);
        let dir = self.path.parent().unwrap_or(Path::new(""));
        Ok(Some(if ca_cert.is_absolute() {
            ca_cert
        } else {
            dir.join(ca_cert)
        }))
    }

    /// The spec path: relative to the config file's directory.
    pub fn spec(&self) -> Result<Option<PathBuf>, ConfigError> {
        let Some(spec) = &self.config.spec else {
            return Ok(None);
        };
        let spec = PathBuf::from(self.expand(spec)?);
        let dir = self.path.parent().unwrap_or(Path::new(""));
        Ok(Some(if spec.is_absolute() {
            spec
        } else {
            dir.join(spec)
        }))
    }

    /// Whether the file declares an identity for `role`.
    pub fn declares(&self, role: Role) -> bool {
        match role {
            Role::UserA => self.config.identities.user_a.is_some(),
            Role::UserB => self.config.identities.user_b.is_some(),
            Role::Admin => self.config.identities.admin.is_some(),
            Role::Anonymous => false,
        }
    }

    /// The object IDs listed for `role` (parameter name → IDs as text).
    pub fn objects(&self, role: Role) -> Vec<(String, Vec<String>)> {
        let raw = match role {
            Role::UserA => &self.config.identities.user_a,
            Role::UserB => &self.config.identities.user_b,
            // The admin's objects are never read: `identity` rejects them.
            Role::Admin | Role::Anonymous => &None,
        };
        raw.iter()
            .flat_map(|i| &i.objects)
            .map(|(param, ids)| {
                let ids = ids
                    .iter()
                    .map(|id| match id {
                        ObjectId::Number(n) => n.to_string(),
                        ObjectId::Text(t) => t.clone(),
                    })
                    .collect();
                (param.clone(), ids)
            })
            .collect()
    }

    /// The identity for `role`, when the file declares one.
    pub fn identity(&self, role: Role) -> Result<Option<Identity>, ConfigError> {
        let (key, raw) = match role {
            Role::UserA => ("user_a", &self.config.identities.user_a),
            Role::UserB => ("user_b", &self.config.identities.user_b),
            Role::Admin => ("admin", &self.config.identities.admin),
            Role::Anonymous => return Ok(None),
        };
        let Some(raw) = raw else { return Ok(None) };
        let invalid = |reason: String| ConfigError::Identity {
            path: self.path.clone(),
            key,
            reason,
        };
        if role == Role::Admin && !raw.objects.is_empty() {
            // Nothing harvests or attacks as the admin: listed objects would be silently unused.
            return Err(invalid(
                "`objects` is not used: only user_a and user_b own test objects".into(),
            ));
        }
        let kinds = [
            raw.header.is_some(),
            raw.basic.is_some(),
            raw.login.is_some(),
            raw.api_key.is_some(),
            raw.oauth2.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            return Err(invalid(
                "needs exactly one of `header`, `basic`, `login`, `api_key`, `oauth2`".into(),
            ));
        }
        if let Some(key) = &raw.api_key {
            return Ok(Some(Identity::ApiKey(ApiKey::new(
                SecretString::from(self.expand(&key.value)?),
                key.scheme.clone(),
            ))));
        }
        if let Some(client) = &raw.oauth2 {
            return Ok(Some(Identity::OAuth2(OAuth2Client::new(
                client
                    .token_url
                    .as_deref()
                    .map(|u| self.expand(u))
                    .transpose()?,
                self.expand(&client.client_id)?,
                SecretString::from(self.expand(&client.client_secret)?),
                client
                    .scope
                    .as_deref()
                    .map(|s| self.expand(s))
                    .transpose()?,
            ))));
        }
        let identity = match (&raw.header, &raw.basic, &raw.login) {
            (Some(lines), None, None) => {
                let lines = match lines {
                    OneOrMany::One(l) => self.expand(l)?,
                    OneOrMany::Many(ls) => ls
                        .iter()
                        .map(|l| self.expand(l))
                        .collect::<Result<Vec<_>, _>>()?
                        .join("\n"),
                };
                Identity::Header(Credential::parse(role, &lines)?)
            }
            (None, Some(basic), None) => Identity::Basic(Credential::basic(
                role,
                &self.expand(&basic.username)?,
                &SecretString::from(self.expand(&basic.password)?),
            )?),
            (None, None, Some(login)) => {
                Identity::Login(self.login(login).map_err(|e| match e {
                    ConfigError::Invalid(reason) => invalid(reason),
                    other => other,
                })?)
            }
            _ => {
                return Err(invalid(
                    "needs exactly one of `header`, `basic`, `login`, `api_key`, `oauth2`".into(),
                ));
            }
        };
        Ok(Some(identity))
    }

    fn login(&self, raw: &FileLogin) -> Result<LoginFlow, ConfigError> {
        let op = raw.operation.trim();
        let (method, path) = match op.split_once(' ') {
            Some((m, p)) => (
                HttpMethod::ALL
                    .into_iter()
                    .find(|x| x.key().eq_ignore_ascii_case(m))
                    .ok_or_else(|| {
                        ConfigError::Invalid(format!(
                            "login operation `{op}` has an unknown method"
                        ))
                    })?,
                p.trim(),
            ),
            None => (HttpMethod::Post, op),
        };
        if !path.starts_with('/') {
            return Err(ConfigError::Invalid(format!(
                "login operation `{op}` must be `METHOD /path` or `/path`"
            )));
        }
        let mut body = Vec::new();
        for (k, v) in &raw.body {
            let text = match v {
                serde_json::Value::String(s) => self.expand(s)?,
                serde_json::Value::Number(_) | serde_json::Value::Bool(_) => v.to_string(),
                _ => {
                    return Err(ConfigError::Invalid(format!(
                        "login body field `{k}` must be a string"
                    )));
                }
            };
            body.push((k.clone(), SecretString::from(text)));
        }
        let token = match &raw.token {
            None => TokenSource::JsonPointer(vec!["/access_token".into(), "/token".into()]),
            Some(FileToken {
                json_pointer: Some(p),
                header: None,
                cookie: None,
            }) => TokenSource::JsonPointer(vec![p.clone()]),
            Some(FileToken {
                json_pointer: None,
                header: Some(h),
                cookie: None,
            }) => TokenSource::Header(h.clone()),
            Some(FileToken {
                json_pointer: None,
                header: None,
                cookie: Some(c),
            }) => TokenSource::Cookie(c.clone()),
            Some(_) => {
                return Err(ConfigError::Invalid(
                    "login `token` needs exactly one of `json_pointer`, `header`, `cookie`".into(),
                ));
            }
        };
        let bearer = || Apply::Header {
            name: reqwest::header::AUTHORIZATION,
            prefix: "Bearer ".into(),
        };
        let apply = match &raw.apply {
            // A session cookie goes back as the same cookie; anything else as a bearer token.
            None => match &token {
                TokenSource::Cookie(c) => Apply::Cookie(c.clone()),
                _ => bearer(),
            },
            Some(FileApply {
                header: Some(h),
                cookie: None,
                prefix,
            }) => Apply::Header {
                name: HeaderName::from_bytes(h.as_bytes()).map_err(|_| {
                    ConfigError::Invalid(format!("login `apply.header` `{h}` is not a header name"))
                })?,
                prefix: prefix.clone().unwrap_or_default(),
            },
            Some(FileApply {
                header: None,
                cookie: Some(c),
                prefix: None,
            }) => Apply::Cookie(c.clone()),
            Some(_) => {
                return Err(ConfigError::Invalid(
                    "login `apply` needs `header` (with an optional `prefix`) or `cookie`".into(),
                ));
            }
        };
        Ok(LoginFlow {
            method,
            path: path.to_owned(),
            url: None,
            url_explicit: false,
            body,
            form: raw.form,
            token,
            apply,
        })
    }
}

/// Parses the YAML; the error says where (`line 3: unknown field …`).
fn parse(text: &str) -> Result<FileConfig, String> {
    // An empty file is an empty config, not an error.
    if text.trim().is_empty() {
        return Ok(FileConfig::default());
    }
    yaml_serde::from_str(text).map_err(|e| {
        let message = e.to_string();
        // The message may already end with "at line L column C"; keep one location, first.
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_owned();
        match e.location() {
            Some(l) => format!("line {}: {message}", l.line()),
            None => message,
        }
    })
}

/// `${VAR}` expansion; `Err` names the first unset variable.
fn expand_with(value: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    static VAR: std::sync::OnceLock<Option<Regex>> = std::sync::OnceLock::new();
    let Some(re) = VAR
        .get_or_init(|| Regex::new(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}").ok())
        .as_ref()
    else {
        return Ok(value.to_owned());
    };
    let mut out = String::with_capacity(value.len());
    let mut last = 0;
    for caps in re.captures_iter(value) {
        let (Some(all), Some(name)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        out.push_str(&value[last..all.start()]);
        out.push_str(&lookup(name.as_str()).ok_or_else(|| name.as_str().to_owned())?);
        last = all.end();
    }
    out.push_str(&value[last..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_variables_and_names_the_unset_one() {
        let env = |v: &str| (v == "A_PASS").then(|| "s3cret-value".to_owned());
        assert_eq!(
            expand_with("x ${A_PASS} y", env).as_deref(),
            Ok("x s3cret-value y")
        );
        assert_eq!(
            expand_with("plain $HOME", env).as_deref(),
            Ok("plain $HOME")
        );
        assert_eq!(expand_with("${NOPE}", env), Err("NOPE".to_owned()));
    }

    #[test]
    fn rate_is_auto_or_a_number() {
        let rate = |text: &str| parse(text).map(|c| c.rate);
        assert!(matches!(
            rate("rate: auto\n"),
            Ok(Some(FileRate::Auto(AutoWord::Auto)))
        ));
        assert!(matches!(
            rate("rate: 30\n"),
            Ok(Some(FileRate::PerSecond(30)))
        ));
        assert!(rate("rate: fast\n").is_err());
        let schema = json_schema();
        assert!(schema.contains("\"auto\""), "{schema}");
    }

    #[test]
    fn unknown_keys_name_the_line() {
        let e = parse("spec: a.yaml\nrate: 5\ntimeot: 3\n").expect_err("unknown key");
        assert!(e.starts_with("line 3: unknown field `timeot`"), "{e}");
        let e = parse("identities:\n  user_a:\n    login:\n      operation: /x\n      bodyy: {}\n")
            .expect_err("nested unknown key");
        assert!(
            e.starts_with("line 5: identities.user_a.login: unknown field `bodyy`"),
            "{e}"
        );
    }

    #[test]
    fn api_keys_oauth2_clients_and_objects_parse_and_kinds_are_exclusive() {
        let loaded = LoadedFile {
            path: "apileak.yaml".into(),
            config: parse(
                "identities:\n  user_a:\n    api_key: {value: k3y-value-1, scheme: apiKeyAuth}\n    objects: {workoutId: [103, w-9]}\n  user_b:\n    oauth2: {client_id: bob-client, client_secret: s3cret-value}\n",
            )
            .expect("valid"),
        };
        let a = loaded.identity(Role::UserA).expect("ok").expect("declared");
        assert_eq!(a.describe(), "api key");
        assert_eq!(
            loaded.objects(Role::UserA),
            [(
                "workoutId".to_owned(),
                vec!["103".to_owned(), "w-9".to_owned()]
            )]
        );
        assert!(loaded.objects(Role::UserB).is_empty());
        let Some(Identity::OAuth2(client)) = loaded.identity(Role::UserB).expect("ok") else {
            panic!("oauth2 identity expected");
        };
        assert_eq!(client.client_id, "bob-client");
        assert!(!format!("{client:?}").contains("s3cret"));

        let both = LoadedFile {
            path: "apileak.yaml".into(),
            config: parse(
                "identities:\n  user_a:\n    header: 'X-A: 1'\n    api_key: {value: k}\n",
            )
            .expect("valid yaml"),
        };
        let e = both.identity(Role::UserA).expect_err("two kinds");
        assert!(e.to_string().contains("needs exactly one of"), "{e}");
    }

    #[test]
    fn an_admin_takes_any_kind_but_no_objects() {
        let loaded = LoadedFile {
            path: "apileak.yaml".into(),
            config: parse(
                "identities:\n  admin:\n    login:\n      operation: /auth/login\n      body: {username: erin, password: pw}\n",
            )
            .expect("valid"),
        };
        assert!(loaded.declares(Role::Admin));
        let admin = loaded.identity(Role::Admin).expect("ok").expect("declared");
        assert_eq!(admin.describe(), "login POST /auth/login → bearer");
        assert!(loaded.identity(Role::UserA).expect("ok").is_none());

        let with_objects = LoadedFile {
            path: "apileak.yaml".into(),
            config: parse(
                "identities:\n  admin:\n    header: 'Authorization: Bearer adm1n-token'\n    objects: {memberId: [5]}\n",
            )
            .expect("valid yaml"),
        };
        let e = with_objects.identity(Role::Admin).expect_err("objects");
        assert!(
            e.to_string()
                .contains("identities.admin `objects` is not used"),
            "{e}"
        );
    }

    #[test]
    fn login_defaults_are_bearer_from_access_token_or_token() {
        let loaded = LoadedFile {
            path: "apileak.yaml".into(),
            config: parse(
                "identities:\n  user_a:\n    login:\n      operation: /auth/login\n      body: {username: alice, password: pw}\n  user_b:\n    basic: {username: bob, password: bob-demo-pass}\n",
            )
            .expect("valid"),
        };
        let Some(Identity::Login(flow)) = loaded.identity(Role::UserA).expect("ok") else {
            panic!("login identity expected");
        };
        assert_eq!(flow.method, HttpMethod::Post);
        assert_eq!(
            flow.token,
            TokenSource::JsonPointer(vec!["/access_token".into(), "/token".into()])
        );
        assert_eq!(flow.describe(), "login POST /auth/login → bearer");
        let b = loaded.identity(Role::UserB).expect("ok").expect("declared");
        assert_eq!(b.describe(), "basic");
    }
}
