//! Credentials as header lines (`Authorization: Bearer …`, `X-API-Key: …`, `Cookie: …`).

use std::fmt;

use reqwest::header::{HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

/// The identities a probe can be sent as.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Anonymous,
    UserA,
    UserB,
    /// The optional privileged user: the reference for function-level checks.
    Admin,
}

impl Role {
    /// Stable name used in reports (`user-a`).
    pub fn name(self) -> &'static str {
        match self {
            Role::Anonymous => "anonymous",
            Role::UserA => "user-a",
            Role::UserB => "user-b",
            Role::Admin => "admin",
        }
    }

    /// The environment variable a reproduction command refers to instead of the secret.
    pub fn env_var(self) -> Option<&'static str> {
        match self {
            Role::Anonymous => None,
            Role::UserA => Some("APILEAK_USER_A"),
            Role::UserB => Some("APILEAK_USER_B"),
            Role::Admin => Some("APILEAK_ADMIN"),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("{role} credential is not a header line `Name: value` (got {shape})")]
    NotHeaderLine { role: Role, shape: String },
    #[error("{role} credential has an invalid header name `{name}`")]
    BadName { role: Role, name: String },
    #[error("{role} credential header `{name}` has a value that cannot be sent in HTTP")]
    BadValue { role: Role, name: String },
}

/// One identity's headers. Values are secrets: `Debug` never shows them.
#[derive(Clone)]
pub struct Credential {
    headers: Vec<(HeaderName, SecretString)>,
    /// Query parameters added at send time (an API key `in: query`), never part of the
    /// URL a report shows.
    query: Vec<(String, SecretString)>,
    /// Secrets behind the headers (a basic-auth password) that must be scrubbed on their own.
    extra: Vec<SecretString>,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.headers
                    .iter()
                    .map(|(n, _)| format!("{n}: {}", super::REDACTED))
                    .chain(
                        self.query
                            .iter()
                            .map(|(n, _)| format!("?{n}={}", super::REDACTED)),
                    ),
            )
            .finish()
    }
}

impl Credential {
    /// Parses one or more header lines (separated by newlines, as an env var may hold).
    pub fn parse(role: Role, lines: &str) -> Result<Credential, CredentialError> {
        let mut headers = Vec::new();
        for line in lines.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let Some((name, value)) = line.split_once(':') else {
                // Never echo the line itself: it is probably a bare token.
                return Err(CredentialError::NotHeaderLine {
                    role,
                    shape: format!("{} characters without a colon", line.chars().count()),
                });
            };
            let name = name.trim();
            let header =
                HeaderName::from_bytes(name.as_bytes()).map_err(|_| CredentialError::BadName {
                    role,
                    name: name.chars().take(40).collect(),
                })?;
            let value = value.trim();
            if HeaderValue::from_str(value).is_err() || value.is_empty() {
                return Err(CredentialError::BadValue {
                    role,
                    name: header.to_string(),
                });
            }
            headers.push((header, SecretString::from(value.to_owned())));
        }
        if headers.is_empty() {
            return Err(CredentialError::NotHeaderLine {
                role,
                shape: "an empty value".into(),
            });
        }
        Ok(Credential {
            headers,
            query: Vec::new(),
            extra: Vec::new(),
        })
    }

    /// `Authorization: Basic base64(username:password)`; the password is also scrubbed alone.
    pub fn basic(
        role: Role,
        username: &str,
        password: &SecretString,
    ) -> Result<Credential, CredentialError> {
        use base64::Engine;
        if username.contains(':') {
            return Err(CredentialError::BadValue {
                role,
                name: "authorization (basic username contains `:`)".into(),
            });
        }
        let encoded = base64::engine::general_purpose::STANDARD
            .encode(format!("{username}:{}", password.expose_secret()));
        Ok(Credential {
            headers: vec![(
                reqwest::header::AUTHORIZATION,
                SecretString::from(format!("Basic {encoded}")),
            )],
            query: Vec::new(),
            extra: vec![password.clone()],
        })
    }

    /// One header carrying an obtained token (a login flow's result).
    pub(crate) fn single(name: HeaderName, value: SecretString) -> Credential {
        Credential {
            headers: vec![(name, value)],
            query: Vec::new(),
            extra: Vec::new(),
        }
    }

    /// One query parameter (an API key `in: query`), added by the executor at send time.
    pub(crate) fn query(name: String, value: SecretString) -> Credential {
        Credential {
            headers: Vec::new(),
            query: vec![(name, value)],
            extra: Vec::new(),
        }
    }

    /// Query parameters to add when sending. Only the executor calls this, for the target's
    /// own origin.
    pub(crate) fn query_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.query
            .iter()
            .map(|(n, v)| (n.as_str(), v.expose_secret()))
    }

    /// Header names only, for reports.
    pub fn header_names(&self) -> Vec<String> {
        self.headers.iter().map(|(n, _)| n.to_string()).collect()
    }

    /// Headers to put on a request. Only the executor calls this, for the target's own origin.
    pub(crate) fn header_pairs(&self) -> impl Iterator<Item = (&HeaderName, &str)> {
        self.headers.iter().map(|(n, v)| (n, v.expose_secret()))
    }

    /// The bearer token, when the credential is `Authorization: Bearer …`.
    pub(crate) fn bearer_token(&self) -> Option<&str> {
        self.headers.iter().find_map(|(n, v)| {
            let v = v.expose_secret();
            (n == reqwest::header::AUTHORIZATION)
                .then(|| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
                .flatten()
                .map(str::trim)
        })
    }

    /// Whether the bearer token is a JWT (not secret: decides which forgeries apply).
    pub fn has_jwt(&self) -> bool {
        self.bearer_token().and_then(super::parse_jwt).is_some()
    }

    /// The `sub` claim of the bearer token when it is a JWT: who the token says the user is.
    pub fn jwt_subject(&self) -> Option<String> {
        let jwt = self.bearer_token().and_then(super::parse_jwt)?;
        match jwt.claims.get("sub")? {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// The weak HMAC key the bearer token is signed with, if any.
    pub fn weak_signing_key(&self) -> Option<&'static str> {
        self.bearer_token().and_then(super::weak_key_of)
    }

    /// Secret parts to scrub from any text we output: whole values and, for `Bearer x` /
    /// `Basic x` / `a=b; c=d` shapes, the token and each cookie value on their own.
    pub(crate) fn secret_fragments(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (_, v) in &self.headers {
            let v = v.expose_secret();
            out.push(v.to_owned());
            if let Some((_, token)) = v.split_once(' ') {
                out.push(token.trim().to_owned());
            }
            // A forged token reuses a JWT's header and claims: scrub each part on its own.
            if let Some((_, token)) = v.split_once(' ') {
                out.extend(token.trim().split('.').map(str::to_owned));
            }
            for part in v.split(';') {
                if let Some((_, cookie)) = part.split_once('=') {
                    out.push(cookie.trim().to_owned());
                }
            }
        }
        out.extend(self.query.iter().flat_map(|(_, v)| {
            let v = v.expose_secret();
            // The percent-encoded form is what a URL in an error or log would show.
            let encoded: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
            [v.to_owned(), encoded]
        }));
        out.extend(self.extra.iter().map(|s| s.expose_secret().to_owned()));
        // Short fragments too: the redactor masks them only where they are a whole value.
        out.retain(|s| !s.trim().is_empty());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jwt_subject_says_who_the_token_is_for() {
        use base64::Engine as _;
        let part = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let jwt = format!(
            "{}.{}.sig",
            part(r#"{"alg":"HS256"}"#),
            part(r#"{"sub":"usr_42","name":"Ann"}"#)
        );
        let c =
            Credential::parse(Role::UserA, &format!("Authorization: Bearer {jwt}")).expect("valid");
        assert_eq!(c.jwt_subject().as_deref(), Some("usr_42"));
        let opaque =
            Credential::parse(Role::UserA, "Authorization: Bearer abc.def").expect("valid");
        assert_eq!(opaque.jwt_subject(), None);
    }

    #[test]
    fn parses_header_lines_and_hides_values_in_debug() {
        let c = Credential::parse(Role::UserA, "Authorization: Bearer abcdef123\nX-Extra: 1")
            .expect("valid");
        assert_eq!(c.header_names(), ["authorization", "x-extra"]);
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("abcdef123"), "{dbg}");
        assert!(c.secret_fragments().contains(&"abcdef123".to_owned()));
    }

    #[test]
    fn bare_token_is_rejected_without_echoing_it() {
        let err = Credential::parse(Role::UserB, "supersecrettoken").expect_err("no colon");
        assert!(!err.to_string().contains("supersecrettoken"));
        assert!(err.to_string().contains("user-b"));
    }

    #[test]
    fn basic_encodes_and_scrubs_the_password() {
        let c = Credential::basic(Role::UserA, "alice", &SecretString::from("alice-demo-pass"))
            .expect("valid");
        assert_eq!(c.header_names(), ["authorization"]);
        let fragments = c.secret_fragments();
        assert!(fragments.contains(&"alice-demo-pass".to_owned()));
        assert!(fragments.contains(&"YWxpY2U6YWxpY2UtZGVtby1wYXNz".to_owned()));
    }

    #[test]
    fn cookie_values_are_fragments() {
        let c = Credential::parse(Role::UserA, "Cookie: session=s3cr3tvalue; theme=dark")
            .expect("valid");
        assert!(c.secret_fragments().contains(&"s3cr3tvalue".to_owned()));
    }
}
