//! Scrubs credentials from any text that leaves the process (reports, logs, errors).

use std::sync::{PoisonError, RwLock};

use super::Credential;

pub const REDACTED: &str = "<redacted>";

/// Knows every secret fragment we were given (or learned at runtime: login passwords and the
/// tokens logins return) and replaces it wherever it appears.
#[derive(Debug, Default)]
pub struct Redactor {
    // Longest first so a token inside a longer header value is not half-replaced.
    secrets: RwLock<Vec<String>>,
}

impl Redactor {
    pub fn new<'a>(credentials: impl IntoIterator<Item = &'a Credential>) -> Redactor {
        let redactor = Redactor::default();
        redactor.learn(
            credentials
                .into_iter()
                .flat_map(Credential::secret_fragments),
        );
        redactor
    }

    /// Adds secrets found at runtime. Fragments under 6 characters are ignored: they would
    /// shred unrelated text and are not real secrets.
    pub fn learn(&self, fragments: impl IntoIterator<Item = String>) {
        // Nothing can be left half-updated by a panic here: keep using a poisoned lock.
        let mut secrets = self.secrets.write().unwrap_or_else(PoisonError::into_inner);
        secrets.extend(fragments.into_iter().filter(|s| s.len() >= 6));
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
    }

    /// `text` with every known secret replaced by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let secrets = self.secrets.read().unwrap_or_else(PoisonError::into_inner);
        let mut out = text.to_owned();
        for s in secrets.iter() {
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
        r.learn(["learned-at-runtime".to_owned(), "short".to_owned()]);
        assert_eq!(r.redact("learned-at-runtime short"), "<redacted> short");
    }
}
