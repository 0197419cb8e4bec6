//! Scrubs credentials from any text that leaves the process (reports, logs, errors).

use super::Credential;

pub const REDACTED: &str = "<redacted>";

/// Knows every secret fragment we were given and replaces it wherever it appears.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    // Longest first so a token inside a longer header value is not half-replaced.
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new<'a>(credentials: impl IntoIterator<Item = &'a Credential>) -> Redactor {
        let mut secrets: Vec<String> = credentials
            .into_iter()
            .flat_map(Credential::secret_fragments)
            .collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), REDACTED);
            }
        }
        out
    }

    /// Whether a header carries credentials by its name alone.
    pub fn is_sensitive_header(name: &str) -> bool {
        let n = name.to_ascii_lowercase();
        matches!(
            n.as_str(),
            "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
        ) || n.contains("api-key")
            || n.contains("apikey")
            || n.contains("token")
            || n.contains("secret")
            || n.contains("session")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Role;

    #[test]
    fn redacts_token_anywhere() {
        let c = Credential::parse(Role::UserA, "Authorization: Bearer tok_123456789").expect("ok");
        let r = Redactor::new([&c]);
        assert_eq!(
            r.redact("got Bearer tok_123456789 back; tok_123456789"),
            "got <redacted> back; <redacted>"
        );
    }
}
