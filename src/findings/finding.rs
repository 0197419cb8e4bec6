//! A finding and the evidence that proves it.

use sha2::{Digest, Sha256};

use super::{Confidence, Severity};
use crate::identity::Role;

/// One JSON value in the attacker's response that belongs to the victim.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Match {
    /// JSON pointer into the attacker's response (`/email`, `/0/owner/display_name`).
    pub pointer: String,
    pub value: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    pub method: String,
    pub url: String,
    /// Who sent the request that leaked (`user-a`, `anonymous`, `forged token (alg none, from user-a)`).
    pub identity: String,
    /// Request headers we sent, credential values redacted.
    pub request_headers: Vec<(String, String)>,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    /// The start of the response body (credentials redacted).
    pub response_excerpt: String,
    /// The values that prove the leak, with where they were found.
    pub matches: Vec<Match>,
    /// Reproduction that names credentials as `$APILEAK_USER_A`, never their values.
    pub curl: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    /// Check id (`bola-read`); the SARIF ruleId.
    pub check: String,
    pub owasp: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub operation_id: String,
    pub method: String,
    /// The spec's path template.
    pub path: String,
    /// Line of the operation in the spec file.
    pub line: usize,
    /// Whose data came back, when it is another user's.
    pub victim: Option<Role>,
    /// One sentence: what happened, for humans.
    pub message: String,
    pub evidence: Evidence,
    /// Stable across scans of an unchanged API: check, method, path template, identities.
    pub fingerprint: String,
    /// Set when the baseline or the ignore file accepts this finding: it no longer gates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<super::Suppression>,
}

impl Finding {
    /// `GET /users/{userId}`.
    pub fn operation(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Hash of the parts that identify a root cause (never the concrete URL, IDs or port).
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_stable_and_separates_parts() {
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["ab", ""]), fingerprint(&["a", "b"]));
        assert_eq!(fingerprint(&["x"]).len(), 32);
    }
}
