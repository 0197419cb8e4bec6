//! Building a `Finding` with its evidence, as every check does.

use crate::findings::{Confidence, Evidence, Finding, Match, fingerprint};
use crate::identity::{REDACTED, Role};
use crate::model::Operation;
use crate::probe::Exchange;

/// Response bytes we keep as evidence.
const EXCERPT_CHARS: usize = 2000;

/// Builds a finding from the exchange that proves it.
pub(crate) fn finding(
    meta: &super::CheckMeta,
    op: &Operation,
    attack: &Exchange,
    matches: Vec<Match>,
    victim: Option<Role>,
    confidence: Confidence,
    message: String,
) -> Finding {
    let identity = attack.request.identity_label();
    let mut request_headers: Vec<(String, String)> =
        match (&attack.request.forge, attack.request.role.env_var()) {
            (Some(_), _) => vec![("authorization".to_owned(), format!("Bearer {REDACTED}"))],
            (None, Some(_)) => vec![(
                "credential".to_owned(),
                format!("{} {REDACTED}", attack.request.role),
            )],
            (None, None) => Vec::new(),
        };
    request_headers.extend(attack.request.headers.iter().cloned());
    let victim_name = victim.map(Role::name).unwrap_or("");
    Finding {
        check: meta.id.clone(),
        owasp: meta.owasp.clone(),
        severity: meta.severity,
        confidence,
        operation_id: op.id.clone(),
        method: op.method.to_string(),
        path: op.path.clone(),
        line: op.location.line,
        victim,
        message,
        fingerprint: fingerprint(&[
            &meta.id,
            &op.method.to_string(),
            &op.path,
            &identity,
            victim_name,
        ]),
        suppressed: None,
        evidence: Evidence {
            method: attack.request.method.to_string(),
            url: attack.request.url.to_string(),
            identity,
            request_headers,
            status: attack.status.unwrap_or_default(),
            response_headers: attack.headers.clone(),
            response_excerpt: attack.excerpt(EXCERPT_CHARS),
            matches,
            curl: attack.request.curl(),
        },
    }
}
