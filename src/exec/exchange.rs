//! What was sent and what came back. Holds no secrets: credentials are added by the executor.

use serde_json::Value;
use url::Url;

use crate::identity::Role;
use crate::model::HttpMethod;

/// A request before credentials are attached: who sends it, what, where.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProbeRequest {
    pub role: Role,
    pub method: HttpMethod,
    pub url: Url,
}

impl ProbeRequest {
    pub fn get(role: Role, url: Url) -> ProbeRequest {
        ProbeRequest {
            role,
            method: HttpMethod::Get,
            url,
        }
    }

    /// A copy-paste reproduction that names the credential's env var, never its value.
    pub fn curl(&self) -> String {
        let mut cmd = String::from("curl -sS -i");
        if self.method != HttpMethod::Get {
            cmd.push_str(&format!(" -X {}", self.method));
        }
        if let Some(var) = self.role.env_var() {
            cmd.push_str(&format!(" -H \"${var}\""));
        }
        cmd.push_str(&format!(" '{}'", self.url.as_str().replace('\'', "%27")));
        cmd
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
    /// Transport error (timeout, connection refused…), already redacted.
    pub error: Option<String>,
    pub elapsed_ms: u64,
}

impl Exchange {
    pub fn is_success(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
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

#[cfg(test)]
mod tests {
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
}
