//! What was sent and what came back. Holds no secrets: credentials (and tokens forged from
//! them) are materialised by the executor at send time.

use serde_json::Value;
use url::Url;

use crate::identity::{Forge, Role};
use crate::model::HttpMethod;

/// A request before credentials are attached: who sends it, what, where.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProbeRequest {
    /// Whose credential is attached (none for `Anonymous`).
    pub role: Role,
    /// Send a token forged from `role`'s credential instead of the credential itself.
    pub forge: Option<Forge>,
    pub method: HttpMethod,
    pub url: Url,
    /// Extra, non-secret headers (`Origin`, `Content-Type`…). They override same-named
    /// credential headers.
    pub headers: Vec<(String, String)>,
    /// JSON body, serialised (kept as text so requests can be cache keys).
    pub body: Option<String>,
    /// Changes server state: refused by the executor unless writes are allowed.
    pub write: bool,
    /// May be answered from the per-scan cache (safe requests whose answer is stable).
    pub cacheable: bool,
    /// How a reproduction names the credential, set by the executor when the identity is not
    /// plain header lines (`None`: `-H "$APILEAK_USER_A"`).
    pub curl_auth: Option<CurlAuth>,
    /// For a write: the request that undoes it. The executor journals it before sending the
    /// write and sends it at the end (or on an interrupt) unless it was sent already.
    pub undo: Option<Box<Undo>>,
    /// For a create: the collection URL whose item (`<url>/<created id>`) the executor deletes
    /// at the end as `role`. The ID is known only from the answer, so it is journalled the
    /// moment the answer arrives.
    pub undo_created: Option<Box<(Role, Url)>>,
}

/// The request that undoes a write, and what it restores (for messages).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Undo {
    pub request: ProbeRequest,
    /// `restore user-a's original values`, `delete the object the scan created`.
    pub what: String,
}

/// The credential part of a curl reproduction: shell variables, never values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CurlAuth {
    /// curl arguments, e.g. `-H "Authorization: Bearer $APILEAK_TOKEN_A"`.
    pub args: String,
    /// A query parameter and the variable holding its value (an API key `in: query`).
    pub query: Option<(String, String)>,
    /// Where the value comes from, as a trailing comment (`token from POST /auth/login`).
    pub note: Option<String>,
    /// The variable holding the bearer token a forgery starts from (`APILEAK_TOKEN_A` for
    /// login and OAuth2 flows; `None`: the role's own variable, e.g. `APILEAK_USER_A`).
    pub token: Option<String>,
}

impl ProbeRequest {
    pub fn get(role: Role, url: Url) -> ProbeRequest {
        ProbeRequest::new(role, HttpMethod::Get, url)
    }

    /// A request; unsafe methods are writes and uncached until said otherwise.
    pub fn new(role: Role, method: HttpMethod, url: Url) -> ProbeRequest {
        ProbeRequest {
            role,
            forge: None,
            method,
            url,
            headers: Vec::new(),
            body: None,
            write: !method.is_safe(),
            cacheable: method.is_safe(),
            curl_auth: None,
            undo: None,
            undo_created: None,
        }
    }

    /// A create whose object `role` deletes at `<collection>/<id>` after the scan.
    pub fn deleted_after(mut self, role: Role, collection: Url) -> ProbeRequest {
        self.undo_created = Some(Box::new((role, collection)));
        self
    }

    /// A write with the request that undoes it (see [`Undo`]).
    pub fn undone_by(mut self, request: ProbeRequest, what: &str) -> ProbeRequest {
        self.undo = Some(Box::new(Undo {
            request,
            what: what.to_owned(),
        }));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> ProbeRequest {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds header lines (IDs that travel in headers, `X-Org-Id`).
    pub fn with_headers(mut self, headers: &[(String, String)]) -> ProbeRequest {
        self.headers.extend(headers.iter().cloned());
        self
    }

    pub fn json(mut self, body: &Value) -> ProbeRequest {
        self.body = Some(body.to_string());
        self.headers
            .push(("content-type".to_owned(), "application/json".to_owned()));
        self
    }

    pub fn forged(mut self, forge: Forge) -> ProbeRequest {
        self.forge = Some(forge);
        self
    }

    /// Always hit the target (repeated reads, reads after a write, bursts).
    pub fn uncached(mut self) -> ProbeRequest {
        self.cacheable = false;
        self
    }

    /// A POST that changes nothing (a login attempt): allowed without `--allow-writes`.
    pub fn not_a_write(mut self) -> ProbeRequest {
        self.write = false;
        self
    }

    /// Who this request claims to be, for reports (`user-a`, `forged token (alg none, user-a)`).
    pub fn identity_label(&self) -> String {
        match &self.forge {
            Some(f) => format!("forged token ({}, from {})", f.label(), self.role),
            None => self.role.to_string(),
        }
    }

    /// A copy-paste reproduction that names the credential's env var, never its value.
    pub fn curl(&self) -> String {
        let mut cmd = String::from("curl -sS -i");
        if self.method != HttpMethod::Get {
            cmd.push_str(&format!(" -X {}", self.method));
        }
        // A forged token is built by the line itself, so the reproduction runs as printed.
        let mut prefix = String::new();
        match (&self.forge, self.role.env_var()) {
            (Some(f), var) => {
                let source = self
                    .curl_auth
                    .as_ref()
                    .and_then(|a| a.token.as_deref())
                    .or(var);
                // The token goes in on stdin: an argument would show in the process list.
                prefix = match source {
                    Some(v) => format!(
                        "FORGED=$(printf '%s' \"${v}\" | apileak forge {}) && ",
                        f.cli_args()
                    ),
                    None => format!("FORGED=$(apileak forge {}) && ", f.cli_args()),
                };
                cmd.push_str(" -H \"Authorization: Bearer $FORGED\"");
            }
            (None, Some(var)) => match &self.curl_auth {
                Some(auth) if auth.args.is_empty() => {}
                Some(auth) => cmd.push_str(&format!(" {}", auth.args)),
                None => cmd.push_str(&format!(" -H \"${var}\"")),
            },
            (None, None) => {}
        }
        for (n, v) in &self.headers {
            cmd.push_str(&format!(" -H '{n}: {}'", v.replace('\'', "'\\''")));
        }
        if let Some(body) = &self.body {
            cmd.push_str(&format!(" --data '{}'", body.replace('\'', "'\\''")));
        }
        let auth = self
            .curl_auth
            .as_ref()
            .filter(|_| self.forge.is_none() && self.role != Role::Anonymous);
        match auth.and_then(|a| a.query.as_ref()) {
            // Double quotes so the shell expands the variable; the URL's own `$`, `"`, `\`
            // and backticks are escaped.
            Some((name, var)) => {
                let url = self.url.as_str();
                let sep = if self.url.query().is_some() { '&' } else { '?' };
                let escaped: String = url
                    .chars()
                    .flat_map(|c| match c {
                        '$' | '"' | '\\' | '`' => vec!['\\', c],
                        c => vec![c],
                    })
                    .collect();
                cmd.push_str(&format!(" \"{escaped}{sep}{name}=${var}\""));
            }
            None => cmd.push_str(&format!(" '{}'", self.url.as_str().replace('\'', "%27"))),
        }
        if let Some(note) = auth.and_then(|a| a.note.as_ref()) {
            cmd.push_str(&format!("  # {note}"));
        }
        prefix + &cmd
    }
}

/// One request/response pair.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub request: ProbeRequest,
    /// `None` when no response arrived (see `error`).
    pub status: Option<u16>,
    /// Response headers, lowercase names; credential-bearing ones redacted.
    pub headers: Vec<(String, String)>,
    /// Body as text (lossy UTF-8, capped, credentials redacted).
    pub body: String,
    /// Parsed body when it is JSON.
    pub json: Option<Value>,
    /// Transport error (timeout, connection refused, refused write…), already redacted.
    pub error: Option<String>,
    pub elapsed_ms: u64,
}

impl Exchange {
    pub fn is_success(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// The ID of the object a successful create answered with (`{"id": 7}`, `{"data":
    /// {…}}`, else the `Location` header's last segment).
    pub fn created_id(&self) -> Option<String> {
        if !self.is_success() {
            return None;
        }
        self.json
            .as_ref()
            .and_then(id_in)
            .or_else(|| self.header("location").and_then(last_segment))
    }

    /// The start of the body, for evidence.
    pub fn excerpt(&self, max: usize) -> String {
        if self.body.chars().count() <= max {
            self.body.clone()
        } else {
            let cut: String = self.body.chars().take(max).collect();
            format!("{cut}…")
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The ID of the one record a body holds, in envelopes too.
fn id_in(body: &Value) -> Option<String> {
    let records = crate::values::records::records(body);
    let [record] = records.as_slice() else {
        return None;
    };
    crate::values::records::record_id(&Value::Object((*record).clone()))
}

/// `/workouts/107` → `107`.
fn last_segment(location: &str) -> Option<String> {
    let path = location.split(['?', '#']).next()?;
    path.rsplit('/').find(|s| !s.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    #[test]
    fn created_ids_from_bodies_and_locations() {
        use serde_json::json;
        assert_eq!(
            super::id_in(&json!({"id": 107, "kind": "x"})).as_deref(),
            Some("107")
        );
        assert_eq!(
            super::id_in(&json!({"object": "invoice", "data": {"id": "inv_9"}})).as_deref(),
            Some("inv_9")
        );
        assert_eq!(super::id_in(&json!({"ok": true})), None);
        assert_eq!(
            super::last_segment("/workouts/107?x=1").as_deref(),
            Some("107")
        );
        assert_eq!(super::last_segment("http://h/a/b/").as_deref(), Some("b"));
    }

    use super::*;

    #[test]
    fn curl_refers_to_env_var() {
        let url = Url::parse("http://127.0.0.1:1/members/2").expect("url");
        let r = ProbeRequest::get(Role::UserA, url);
        assert_eq!(
            r.curl(),
            "curl -sS -i -H \"$APILEAK_USER_A\" 'http://127.0.0.1:1/members/2'"
        );
        let anon = ProbeRequest::get(Role::Anonymous, r.url.clone());
        assert!(!anon.curl().contains("-H"));
    }

    #[test]
    fn curl_names_obtained_tokens_and_query_keys_by_variable() {
        let url = Url::parse("http://127.0.0.1:1/members/2?q=a").expect("url");
        let mut r = ProbeRequest::get(Role::UserA, url);
        r.curl_auth = Some(CurlAuth {
            args: "-H \"Authorization: Bearer $APILEAK_TOKEN_A\"".into(),
            query: None,
            note: Some("$APILEAK_TOKEN_A: the token from POST /auth/login".into()),
            token: Some("APILEAK_TOKEN_A".into()),
        });
        assert_eq!(
            r.curl(),
            "curl -sS -i -H \"Authorization: Bearer $APILEAK_TOKEN_A\" 'http://127.0.0.1:1/members/2?q=a'  # $APILEAK_TOKEN_A: the token from POST /auth/login"
        );
        r.curl_auth = Some(CurlAuth {
            args: String::new(),
            query: Some(("api_key".into(), "APILEAK_API_KEY_A".into())),
            note: None,
            token: None,
        });
        assert_eq!(
            r.curl(),
            "curl -sS -i \"http://127.0.0.1:1/members/2?q=a&api_key=$APILEAK_API_KEY_A\""
        );
    }

    #[test]
    fn forged_curl_builds_its_token_first() {
        let url = Url::parse("http://127.0.0.1:1/me").expect("url");
        let r = ProbeRequest::get(Role::UserA, url).forged(Forge::AlgNone);
        assert_eq!(
            r.curl(),
            "FORGED=$(printf '%s' \"$APILEAK_USER_A\" | apileak forge alg-none) && curl -sS -i -H \"Authorization: Bearer $FORGED\" 'http://127.0.0.1:1/me'"
        );
        let mut r = r.forged(Forge::WeakKey("secret".into()));
        r.curl_auth = Some(CurlAuth {
            args: "-H \"Authorization: Bearer $APILEAK_TOKEN_A\"".into(),
            note: Some("$APILEAK_TOKEN_A: the token from POST /auth/login".into()),
            token: Some("APILEAK_TOKEN_A".into()),
            query: None,
        });
        assert!(
            r.curl().starts_with(
                "FORGED=$(printf '%s' \"$APILEAK_TOKEN_A\" | apileak forge weak-key --key 'secret') && curl "
            ),
            "{}",
            r.curl()
        );
    }

    #[test]
    fn unsafe_methods_are_uncached_writes() {
        let url = Url::parse("http://h/x").expect("url");
        let r = ProbeRequest::new(Role::UserA, HttpMethod::Patch, url.clone());
        assert!(r.write && !r.cacheable);
        assert!(
            !ProbeRequest::new(Role::UserA, HttpMethod::Post, url)
                .not_a_write()
                .write
        );
    }
}
