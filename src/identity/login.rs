//! Login flows: call the API's own login operation with a username and password, take the
//! token from the response and apply it to every request. Pure parts only; the executor
//! sends the request (so the origin rule and the rate limit apply) and stores the result.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use super::{Credential, Role};
use crate::model::HttpMethod;

/// Where the token is in the login response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// JSON pointers tried in order (default `/access_token`, then `/token`).
    JsonPointer(Vec<String>),
    /// A response header.
    Header(String),
    /// A `Set-Cookie` cookie, by name.
    Cookie(String),
}

/// How the token is sent afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Apply {
    /// `name: {prefix}{token}` (default `Authorization: Bearer …`).
    Header { name: HeaderName, prefix: String },
    /// `Cookie: name=token`.
    Cookie(String),
}

/// A login operation and what to do with its answer. Body values are secrets.
#[derive(Clone)]
pub struct LoginFlow {
    /// Usually POST.
    pub method: HttpMethod,
    /// Path template joined to the base URL (`/auth/login`).
    pub path: String,
    /// An absolute URL used instead of `path` (an OAuth2 token URL).
    pub url: Option<url::Url>,
    /// `url` was written in the config file: the one case credentials may go to another
    /// origin.
    pub url_explicit: bool,
    /// Field name → value, in order; password-like fields join the redactor.
    pub body: Vec<(String, SecretString)>,
    /// `application/x-www-form-urlencoded` (OAuth2 password grants) instead of JSON.
    pub form: bool,
    /// Where the token is in the response.
    pub token: TokenSource,
    /// How the token is sent afterwards.
    pub apply: Apply,
}

impl std::fmt::Debug for LoginFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginFlow")
            .field("operation", &self.operation())
            .field(
                "fields",
                &self.body.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("form", &self.form)
            .field("token", &self.token)
            .field("apply", &self.apply)
            .finish()
    }
}

/// Why a login did not yield a credential. Never carries the password or the token.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("{role} login failed: {operation}: {error}")]
    Transport {
        role: Role,
        operation: String,
        error: String,
    },
    #[error("{role} login failed: {operation} answered {status} (check the username and password)")]
    Status {
        role: Role,
        operation: String,
        status: u16,
    },
    #[error("{role} login failed: {operation} answered {status} without a token at {looked_at}")]
    MissingToken {
        role: Role,
        operation: String,
        status: u16,
        looked_at: String,
    },
    #[error("{role} login failed: the token from {operation} cannot be sent as an HTTP header")]
    BadToken { role: Role, operation: String },
}

impl LoginFlow {
    /// `POST /auth/login` (or `POST https://idp.example/token` for an absolute URL).
    pub fn operation(&self) -> String {
        match &self.url {
            Some(url) => format!("{} {url}", self.method),
            None => format!("{} {}", self.method, self.path),
        }
    }

    /// What the preflight report shows: `login POST /auth/login → bearer`. No values.
    pub fn describe(&self) -> String {
        let applied = match &self.apply {
            Apply::Header { name, prefix }
                if name == reqwest::header::AUTHORIZATION
                    && prefix.trim().eq_ignore_ascii_case("bearer") =>
            {
                "bearer".to_owned()
            }
            Apply::Header { name, .. } => format!("header {name}"),
            Apply::Cookie(name) => format!("cookie {name}"),
        };
        format!("login {} → {applied}", self.operation())
    }

    /// Body values for the redactor: every one but known public fields (`username`,
    /// `grant_type`), so a password is secret under any field name (`pwd`, `pw`, `passcode`).
    pub(crate) fn secrets(&self) -> Vec<String> {
        self.body
            .iter()
            .filter(|(k, _)| crate::vocab::is_secret_login_field(k))
            .map(|(_, v)| v.expose_secret().to_owned())
            .collect()
    }

    /// Content type and body of the login request. Only the executor calls this.
    pub(crate) fn request_body(&self) -> (&'static str, String) {
        if self.form {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &self.body {
                form.append_pair(k, v.expose_secret());
            }
            ("application/x-www-form-urlencoded", form.finish())
        } else {
            let object: serde_json::Map<String, Value> = self
                .body
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.expose_secret().to_owned())))
                .collect();
            ("application/json", Value::Object(object).to_string())
        }
    }

    /// The token in a successful login response.
    pub(crate) fn extract(
        &self,
        role: Role,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<SecretString, LoginError> {
        if !(200..300).contains(&status) {
            return Err(LoginError::Status {
                role,
                operation: self.operation(),
                status,
            });
        }
        let missing = |looked_at: String| LoginError::MissingToken {
            role,
            operation: self.operation(),
            status,
            looked_at,
        };
        let token = match &self.token {
            TokenSource::JsonPointer(pointers) => {
                let json: Option<Value> = serde_json::from_slice(body).ok();
                pointers
                    .iter()
                    .find_map(|p| match json.as_ref()?.pointer(p)? {
                        Value::String(s) if !s.is_empty() => Some(s.clone()),
                        _ => None,
                    })
                    .ok_or_else(|| {
                        let list: Vec<String> = pointers.iter().map(|p| format!("`{p}`")).collect();
                        missing(format!("JSON pointer {}", list.join(" or ")))
                    })?
            }
            TokenSource::Header(name) => headers
                .get(name.as_str())
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| missing(format!("header `{name}`")))?,
            TokenSource::Cookie(name) => headers
                .get_all(reqwest::header::SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(|v| {
                    let pair = v.split(';').next()?;
                    let (k, value) = pair.split_once('=')?;
                    (k.trim() == name && !value.trim().is_empty()).then(|| value.trim().to_owned())
                })
                .ok_or_else(|| missing(format!("cookie `{name}`")))?,
        };
        Ok(SecretString::from(token))
    }

    /// The credential that carries `token` as [`Apply`] says.
    pub(crate) fn credential(
        &self,
        role: Role,
        token: &SecretString,
    ) -> Result<Credential, LoginError> {
        let (name, value) = match &self.apply {
            Apply::Header { name, prefix } => {
                (name.clone(), format!("{prefix}{}", token.expose_secret()))
            }
            Apply::Cookie(cookie) => (
                reqwest::header::COOKIE,
                format!("{cookie}={}", token.expose_secret()),
            ),
        };
        if HeaderValue::from_str(&value).is_err() {
            return Err(LoginError::BadToken {
                role,
                operation: self.operation(),
            });
        }
        Ok(Credential::single(name, SecretString::from(value)))
    }
}

/// The `exp` claim of a JWT (seconds since the epoch), to log in again before it passes.
pub(crate) fn jwt_expiry(token: &str) -> Option<u64> {
    super::parse_jwt(token)?.claims.get("exp")?.as_u64()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(token: TokenSource, form: bool) -> LoginFlow {
        LoginFlow {
            method: HttpMethod::Post,
            path: "/auth/login".into(),
            url: None,
            url_explicit: false,
            body: vec![
                ("username".into(), SecretString::from("alice")),
                ("password".into(), SecretString::from("p@ss word&1")),
            ],
            form,
            token,
            apply: Apply::Header {
                name: reqwest::header::AUTHORIZATION,
                prefix: "Bearer ".into(),
            },
        }
    }

    #[test]
    fn bodies_are_json_or_form_and_only_passwords_are_secret() {
        let json = flow(
            TokenSource::JsonPointer(vec!["/access_token".into()]),
            false,
        );
        let (ct, body) = json.request_body();
        assert_eq!(ct, "application/json");
        assert_eq!(body, r#"{"username":"alice","password":"p@ss word&1"}"#);
        let (ct, body) = flow(TokenSource::Header("x".into()), true).request_body();
        assert_eq!(ct, "application/x-www-form-urlencoded");
        assert_eq!(body, "username=alice&password=p%40ss+word%261");
        assert_eq!(json.secrets(), ["p@ss word&1"]);
        assert_eq!(json.describe(), "login POST /auth/login → bearer");
        assert!(!format!("{json:?}").contains("p@ss"));
    }

    #[test]
    fn a_password_is_secret_under_any_field_name() {
        // B's password leaked because its field was `pwd`: only names containing `pass`,
        // `secret`, `token`, `key`, `pin` or `otp` were learned.
        let mut f = flow(TokenSource::Header("x".into()), false);
        f.body = vec![
            ("login".into(), SecretString::from("bob")),
            ("pwd".into(), SecretString::from("b0b-pw")),
            ("grant_type".into(), SecretString::from("password")),
        ];
        assert_eq!(f.secrets(), ["b0b-pw"]);
    }

    #[test]
    fn extracts_tokens_and_says_what_was_missing() {
        let pointers = flow(
            TokenSource::JsonPointer(vec!["/access_token".into(), "/token".into()]),
            false,
        );
        let t = pointers
            .extract(
                Role::UserA,
                200,
                &HeaderMap::new(),
                br#"{"token":"abc-123-xyz"}"#,
            )
            .expect("second pointer");
        assert_eq!(t.expose_secret(), "abc-123-xyz");
        let e = pointers
            .extract(
                Role::UserA,
                200,
                &HeaderMap::new(),
                br#"{"tok":"abc-123-xyz"}"#,
            )
            .expect_err("missing");
        assert_eq!(
            e.to_string(),
            "user-a login failed: POST /auth/login answered 200 without a token at JSON pointer `/access_token` or `/token`"
        );
        let e = pointers
            .extract(Role::UserB, 401, &HeaderMap::new(), b"{}")
            .expect_err("status");
        assert!(e.to_string().contains("answered 401"), "{e}");

        let mut headers = HeaderMap::new();
        headers.append(
            reqwest::header::SET_COOKIE,
            HeaderValue::from_static("theme=dark; Path=/"),
        );
        headers.append(
            reqwest::header::SET_COOKIE,
            HeaderValue::from_static("session=s3ss10n-value; HttpOnly"),
        );
        let cookie = flow(TokenSource::Cookie("session".into()), false);
        let t = cookie
            .extract(Role::UserA, 200, &headers, b"")
            .expect("cookie");
        assert_eq!(t.expose_secret(), "s3ss10n-value");
        let cred = LoginFlow {
            apply: Apply::Cookie("session".into()),
            ..cookie
        }
        .credential(Role::UserA, &t)
        .expect("cookie credential");
        assert_eq!(cred.header_names(), ["cookie"]);
        assert!(
            cred.secret_fragments()
                .contains(&"s3ss10n-value".to_owned())
        );
    }
}
