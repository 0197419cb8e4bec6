//! Scrubs secrets from any text that leaves the process (response bodies and headers kept as
//! evidence, error messages, log fields), so every report format inherits it.
//!
//! Two nets: secrets known by value (every credential the configuration holds and every token
//! a login returned, in their plain, JSON-escaped, URL-encoded and base64 forms), and secrets
//! known by shape (JWTs, `Bearer …`, vendor token prefixes, password hashes, private keys, and
//! the values of secret-like keys; see `vocab::secrets`). Each secret becomes one mask:
//!
//! `<redacted:KIND SHOWN…(N chars, sha256:HHHHHH)>` (or `<redacted:KIND (N chars, sha256:HHHHHH)>`)
//!
//! where SHOWN is a part that is not secret (a hash's `$2b$12$`, a JWT's `eyJ`, `sk_live_`)
//! and HHHHHH the first 24 bits of the secret's SHA-256. Masks are deterministic: the same
//! secret gives the same mask everywhere, so checks that compare values across responses still
//! see equal values as equal and different ones as different.

use std::borrow::Cow;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use aho_corasick::AhoCorasick;
use base64::Engine;
use regex::{Captures, Regex, RegexSet};
use sha2::{Digest, Sha256};

use super::Credential;
use crate::vocab::{
    AUTH_SCHEME_MIN_LEN, AUTH_SCHEME_PATTERN, SECRET_PAIR_PATTERNS, SECRET_SHAPES, is_secret_key,
};

/// Shown instead of a secret where no evidence is needed (a credential's `Debug`).
pub const REDACTED: &str = "<redacted>";
/// How every mask starts.
const MASK_START: &str = "<redacted";
/// Known secrets shorter than this are not masked at all: one or two characters cannot be told
/// from ordinary text.
const MIN_KNOWN: usize = 3;
/// Known secrets shorter than this are masked only where they are a whole value (a JSON string,
/// a `key=value` value, a whole header): anywhere else they would shred unrelated text.
const MIN_ANYWHERE: usize = 6;

/// The one mask format (see the module docs).
pub(crate) fn mask(kind: &str, shown: &str, secret: &str) -> String {
    let n = secret.chars().count();
    let digest = Sha256::digest(secret.as_bytes());
    let hex: String = digest[..3].iter().map(|b| format!("{b:02x}")).collect();
    if shown.is_empty() {
        format!("<redacted:{kind} ({n} chars, sha256:{hex})>")
    } else {
        format!("<redacted:{kind} {shown}…({n} chars, sha256:{hex})>")
    }
}

/// Whether `text` is (starts with) a mask this module made.
pub(crate) fn is_mask(text: &str) -> bool {
    text.starts_with(MASK_START)
}

struct Shape {
    kind: &'static str,
    re: Regex,
}

static SHAPES: LazyLock<Vec<Shape>> = LazyLock::new(|| {
    SECRET_SHAPES
        .iter()
        // The patterns are constants, compiled by a unit test; a bad one is skipped, not a panic.
        .filter_map(|s| {
            Regex::new(s.pattern)
                .ok()
                .map(|re| Shape { kind: s.kind, re })
        })
        .collect()
});
/// Every context pattern at once: most texts match none, and one pass says so.
static ANY_CONTEXT: LazyLock<Option<RegexSet>> =
    LazyLock::new(|| RegexSet::new(AUTH_SCHEME.iter().chain(PAIRS.iter()).map(Regex::as_str)).ok());
static AUTH_SCHEME: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(AUTH_SCHEME_PATTERN).ok());
static PAIRS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    SECRET_PAIR_PATTERNS
        .iter()
        .filter_map(|p| Regex::new(p).ok())
        .collect()
});

/// Secrets known by value, in every form they are searched for.
#[derive(Default)]
struct Known {
    /// As learned (deduplicated), to rebuild the forms.
    secrets: Vec<String>,
    /// Forms matched anywhere.
    anywhere: Option<AhoCorasick>,
    /// Short forms matched only as whole values.
    short: Vec<String>,
}

impl Known {
    fn build(secrets: Vec<String>) -> Known {
        let mut long = Vec::new();
        let mut short = Vec::new();
        for form in secrets.iter().flat_map(|s| forms(s)) {
            if form.len() >= MIN_ANYWHERE {
                long.push(form);
            } else if form.len() >= MIN_KNOWN {
                short.push(form);
            }
        }
        long.sort();
        long.dedup();
        short.sort();
        short.dedup();
        Known {
            secrets,
            anywhere: (!long.is_empty())
                .then(|| AhoCorasick::new(&long).ok())
                .flatten(),
            short,
        }
    }

    /// `text` with every known secret masked; overlapping secrets become one mask.
    fn mask(&self, text: &str) -> String {
        let mut spans: Vec<(usize, usize)> = Vec::new();
        if let Some(ac) = &self.anywhere {
            spans.extend(ac.find_overlapping_iter(text).map(|m| (m.start(), m.end())));
        }
        for s in &self.short {
            spans.extend(
                text.match_indices(s.as_str())
                    .map(|(i, m)| (i, i + m.len()))
                    .filter(|&(start, end)| is_whole_value(text, start, end)),
            );
        }
        if spans.is_empty() {
            return text.to_owned();
        }
        spans.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        let mut i = 0;
        while i < spans.len() {
            let (start, mut end) = spans[i];
            while i + 1 < spans.len() && spans[i + 1].0 < end {
                i += 1;
                end = end.max(spans[i].1);
            }
            i += 1;
            // Byte offsets of matched UTF-8 text are char boundaries; guard anyway.
            let (Some(before), Some(secret)) = (text.get(at..start), text.get(start..end)) else {
                continue;
            };
            out.push_str(before);
            out.push_str(&mask("credential", "", secret));
            at = end;
        }
        out.push_str(text.get(at..).unwrap_or_default());
        out
    }
}

/// A short secret counts only as a whole value: a JSON string (`"abcd"`), a `key=value` value
/// (`pin=abcd&…`) or the whole text (a header value).
fn is_whole_value(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    match (before, after) {
        (None, None) => true,
        (Some('"'), Some('"')) => true,
        (Some('='), None) => true,
        (Some('='), Some(c)) => matches!(c, '&' | ';' | ',' | '"' | '\'') || c.is_whitespace(),
        _ => false,
    }
}

/// The forms a configured secret can take in a response: plain, JSON-escaped (also `\uXXXX`
/// and `\/` as other JSON encoders write them), URL-encoded (form, `%20`, JavaScript's
/// `encodeURIComponent`, either hex case) and base64 (standard and URL-safe, with and without
/// padding).
fn forms(secret: &str) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let mut out = vec![secret.to_owned()];
    if let Ok(json) = serde_json::to_string(secret) {
        let json = json.trim_matches('"').to_owned();
        let ascii: String = json
            .chars()
            .flat_map(|c| {
                if c.is_ascii() {
                    vec![c.to_string()]
                } else {
                    let mut units = [0u16; 2];
                    c.encode_utf16(&mut units)
                        .iter()
                        .map(|u| format!("\\u{u:04x}"))
                        .collect()
                }
            })
            .collect();
        for j in [json, ascii] {
            out.push(j.replace('/', "\\/"));
            out.push(j);
        }
    }
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let js = percent_encode(secret, "-_.!~*'()");
    for u in [form.replace('+', "%20"), form, js] {
        out.push(lower_hex(&u));
        out.push(u);
    }
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        out.push(engine.encode(secret));
    }
    out.sort();
    out.dedup();
    out
}

/// Percent-encodes every byte but ASCII alphanumerics and `keep`.
fn percent_encode(s: &str, keep: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || keep.as_bytes().contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `%2F` → `%2f` (some encoders write lowercase hex).
fn lower_hex(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut after_percent = 0;
    for c in s.chars() {
        if c == '%' {
            after_percent = 2;
            out.push(c);
        } else if after_percent > 0 {
            after_percent -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Masks secrets recognised by their shape alone (see `vocab::secrets`): before known secrets,
/// so a fresh JWT that starts with a known header segment is masked whole.
fn mask_shapes(text: &str) -> String {
    let mut out = text.to_owned();
    for shape in SHAPES.iter() {
        if !shape.re.is_match(&out) {
            continue;
        }
        if let Cow::Owned(replaced) = shape.re.replace_all(&out, |c: &Captures<'_>| {
            let shown = c.name("shown").map_or("", |m| m.as_str());
            replace_group(c, "secret", |secret| mask(shape.kind, shown, secret))
        }) {
            out = replaced;
        }
    }
    out
}

/// Masks secrets recognised by their context: the value after `Bearer`, and values of
/// secret-like keys. After known secrets, so those keep their own masks.
fn mask_in_context(text: &str) -> String {
    let mut out = text.to_owned();
    if ANY_CONTEXT.as_ref().is_some_and(|set| !set.is_match(&out)) {
        return out;
    }
    if let Some(re) = AUTH_SCHEME.as_ref() {
        out = re
            .replace_all(&out, |c: &Captures<'_>| {
                let scheme = c.name("scheme").map_or("", |m| m.as_str());
                let value = c.name("secret").map_or("", |m| m.as_str());
                if looks_like_credential(scheme, value) {
                    replace_group(c, "secret", |secret| mask("credential", "", secret))
                } else {
                    c[0].to_owned()
                }
            })
            .into_owned();
    }
    for re in PAIRS.iter() {
        out = re
            .replace_all(&out, |c: &Captures<'_>| {
                let key = c.name("key").map_or("", |m| m.as_str());
                let value = c.name("secret").map_or("", |m| m.as_str());
                if is_secret_key(key) && is_maskable_value(value) {
                    replace_group(c, "secret", |secret| mask("secret", "", secret))
                } else {
                    c[0].to_owned()
                }
            })
            .into_owned();
    }
    out
}

/// The whole match with the named group (the whole match when absent) replaced.
fn replace_group(c: &Captures<'_>, group: &str, f: impl FnOnce(&str) -> String) -> String {
    let whole = c.get(0).map_or((0, ""), |m| (m.start(), m.as_str()));
    match c.name(group) {
        Some(g) => {
            let (s, e) = (g.start() - whole.0, g.end() - whole.0);
            format!("{}{}{}", &whole.1[..s], f(g.as_str()), &whole.1[e..])
        }
        None => f(whole.1),
    }
}

/// `Bearer x`: a credential when it has a digit or is long (`Token expired` is prose); `Basic
/// x` also when it decodes to `user:password`.
fn looks_like_credential(scheme: &str, value: &str) -> bool {
    let basic_pair = scheme.eq_ignore_ascii_case("basic")
        && base64::engine::general_purpose::STANDARD
            .decode(value)
            .is_ok_and(|d| d.contains(&b':'));
    basic_pair || value.len() >= AUTH_SCHEME_MIN_LEN || value.chars().any(|c| c.is_ascii_digit())
}

/// A value under a secret-like key that is worth masking: not empty, not already a mask, not a
/// number, boolean or null, not an auth scheme word (`Authorization: Bearer <mask>`).
fn is_maskable_value(value: &str) -> bool {
    let v = value.trim();
    !(v.is_empty()
        || is_mask(v)
        || v.parse::<f64>().is_ok()
        || [
            "true", "false", "null", "bearer", "basic", "token", "digest",
        ]
        .iter()
        .any(|w| v.eq_ignore_ascii_case(w)))
}

/// Knows every secret we were given (or learned at runtime: login passwords and the tokens
/// logins return) and masks them, and every secret-shaped value, wherever they appear.
#[derive(Default)]
pub struct Redactor {
    known: RwLock<Arc<Known>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor").finish_non_exhaustive()
    }
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

    /// Adds secrets found at runtime (and their encoded forms). Secrets under 3 characters
    /// are ignored; under 6 they are masked only as whole values (see [`is_whole_value`]).
    pub fn learn(&self, fragments: impl IntoIterator<Item = String>) {
        let fresh: Vec<String> = fragments
            .into_iter()
            .filter(|s| s.len() >= MIN_KNOWN)
            .collect();
        if fresh.is_empty() {
            return;
        }
        // Nothing can be left half-updated by a panic here: keep using a poisoned lock.
        let mut known = self.known.write().unwrap_or_else(PoisonError::into_inner);
        let mut secrets = known.secrets.clone();
        let before = secrets.len();
        secrets.extend(fresh);
        secrets.sort();
        secrets.dedup();
        if secrets.len() != before {
            *known = Arc::new(Known::build(secrets));
        }
    }

    /// `text` with every known secret and every secret-shaped value masked.
    pub fn redact(&self, text: &str) -> String {
        let known = Arc::clone(&self.known.read().unwrap_or_else(PoisonError::into_inner));
        mask_in_context(&known.mask(&mask_shapes(text)))
    }

    /// A response header's value as evidence keeps it: credential-bearing headers keep their
    /// structure (`Bearer <mask>`, `session=<mask>; Path=/`) and lose every secret.
    pub fn redact_header(&self, name: &str, value: &str) -> String {
        let value = self.redact(value);
        if !Redactor::is_sensitive_header(name) {
            return value;
        }
        let name = name.to_ascii_lowercase();
        let masked = |v: &str| {
            let v = v.trim();
            if v.is_empty() || is_mask(v) {
                v.to_owned()
            } else {
                mask("credential", "", v)
            }
        };
        if name == "cookie" || name == "set-cookie" {
            // Every pair of a Cookie header; only the first of a Set-Cookie (then attributes).
            return value
                .split(';')
                .enumerate()
                .map(|(i, part)| match part.split_once('=') {
                    Some((k, v)) if name == "cookie" || i == 0 => format!("{k}={}", masked(v)),
                    _ => part.to_owned(),
                })
                .collect::<Vec<_>>()
                .join(";");
        }
        match value.trim().split_once(' ') {
            Some((scheme, rest)) if scheme.chars().all(|c| c.is_ascii_alphabetic()) => {
                format!("{scheme} {}", masked(rest))
            }
            _ => masked(&value),
        }
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

    const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIyIiwiaWF0IjoxNzEyMzQ1Njc4fQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi0xMjM0NQ";

    fn assert_masked(text: &str, secret: &str) -> String {
        let out = Redactor::default().redact(text);
        assert!(!out.contains(secret), "{secret} survived in {out}");
        assert!(out.contains("<redacted:"), "{out}");
        out
    }

    #[test]
    fn redacts_known_secrets_in_every_form() {
        let c = Credential::parse(Role::UserA, "Authorization: Bearer tok_123456789").expect("ok");
        let r = Redactor::new([&c]);
        let out = r.redact("got Bearer tok_123456789 back; tok_123456789");
        assert!(!out.contains("tok_123456789"), "{out}");
        assert_eq!(out.matches("<redacted:").count(), 2, "{out}");

        let pw = "p@ss wörd/\"1";
        r.learn([pw.to_owned()]);
        for (shape, text) in [
            ("plain", format!("debug: {pw}!")),
            ("json", serde_json::json!({ "echo": pw }).to_string()),
            ("json-ascii", r#"{"echo":"p@ss w\u00f6rd\/\"1"}"#.to_owned()),
            (
                "form",
                "user=bob&password=p%40ss+w%C3%B6rd%2F%221".to_owned(),
            ),
            ("percent", "q=p%40ss%20w%c3%b6rd%2f%221".to_owned()),
            (
                "base64",
                base64::engine::general_purpose::STANDARD.encode(pw),
            ),
            (
                "base64url",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(pw),
            ),
        ] {
            let out = r.redact(&text);
            assert!(out.contains("<redacted:credential"), "{shape}: {out}");
            assert!(
                !out.contains("w\\u00f6rd") && !out.contains("wörd"),
                "{shape}: {out}"
            );
        }
    }

    #[test]
    fn short_secrets_are_masked_as_whole_values_only() {
        let r = Redactor::default();
        r.learn(["b0b1".to_owned(), "ab".to_owned()]);
        let out = r.redact(r#"{"note":"b0b1","n":"b0b1x","q":"pin=b0b1&x=1"}"#);
        assert_eq!(out.matches("<redacted:credential").count(), 2, "{out}");
        assert!(out.contains("b0b1x"), "{out}");
        // Short text elsewhere, and secrets of two characters, are left alone.
        assert_eq!(r.redact("tab: ab, about"), "tab: ab, about");
        assert!(
            r.redact("b0b1").starts_with("<redacted:"),
            "a whole header value"
        );
    }

    #[test]
    fn overlapping_secrets_leave_no_tail() {
        let r = Redactor::default();
        r.learn(["abcdef123".to_owned(), "123xyz789".to_owned()]);
        let out = r.redact("[abcdef123xyz789]");
        assert!(out.starts_with("[<redacted:credential (15 chars"), "{out}");
        assert!(!out.contains("xyz"), "{out}");
    }

    #[test]
    fn every_shape_is_masked_with_its_proof() {
        let bcrypt = "$2b$12$Qm8cAdEnCeAlIcE0demoSaLtuV3kq9Zt1xWc7rB2nYp4LhGs6dJfe";
        let cases: &[(&str, &str, &str)] = &[
            (JWT, JWT, "<redacted:jwt eyJ…(114 chars, sha256:"),
            (
                "Authorization: Bearer 9f8e7d6c5b4a",
                "9f8e7d6c5b4a",
                "Bearer <redacted:credential",
            ),
            (
                "token abcdefghijklmnopqrstuvwxyz",
                "abcdefghijklmnopqrstuvwxyz",
                "token <redacted:credential",
            ),
            (
                "Basic Ym9iOmh1bnRlcjI=",
                "Ym9iOmh1bnRlcjI=",
                "Basic <redacted:",
            ),
            (
                "ghp_aB3dE6fG9hJ2kL5mN8pQ1rS4tU7vW0xY3z6A",
                "aB3dE6fG9hJ2kL5mN8pQ",
                "<redacted:github ghp_…",
            ),
            (
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
                "11ABCDEFG0123456789",
                "github github_pat_",
            ),
            (
                "sk_live_51HxYzAbCdEfGhIjKlMn",
                "51HxYzAbCdEfGhIjKlMn",
                "stripe-key sk_live_",
            ),
            (
                "rk_test_51HxYzAbCdEfGh",
                "51HxYzAbCdEfGh",
                "stripe-key rk_test_",
            ),
            (
                "xoxb-1234567890-abcdefghij",
                "1234567890-abcdefghij",
                "slack xoxb-",
            ),
            ("AKIAIOSFODNN7EXAMPLE", "IOSFODNN7EXAMPLE", "aws-key AKIA…"),
            (
                "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
                "SyA1b2C3d4E5f6G7h8I9",
                "google-api-key AIza…",
            ),
            (
                bcrypt,
                "Qm8cAdEnCeAlIcE0demo",
                "<redacted:bcrypt $2b$12$…(60 chars, sha256:",
            ),
            (
                "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
                "c2FsdHNhbHRzYWx0",
                "argon2 $argon2id$…",
            ),
            (
                "$scrypt$ln=16,r=8,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
                "c2FsdHNhbHQ",
                "scrypt $scrypt$…",
            ),
            (
                "$7$C6..../....SodiumChloride$kBGj9fHznVYFQMEn/qDCfrDevf9YDtcDdKvEqHJLV8D",
                "SodiumChloride",
                "scrypt $7$…",
            ),
            (
                "$6$rounds=5000$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
                "qFmFH.bQmmtXzyBY0s9v7",
                "sha-crypt $6$…",
            ),
            (
                "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZF4wM9w1/",
                "5B8vYYiY.CVt1RlTTf8K",
                "sha-crypt $5$…",
            ),
            (
                "pbkdf2_sha256$600000$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA=",
                "aGFzaGhhc2hoYXNo",
                "pbkdf2 pbkdf2_sha256$…",
            ),
            (
                "$pbkdf2-sha256$29000$N2bMOQcg5HwPQ$Fu8BOqa6Ka3XgzrBnPmCAhIy9Z0",
                "Fu8BOqa6Ka3XgzrBnPm",
                "pbkdf2 $pbkdf2-sha256$…",
            ),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx4Jd\nq9Zt1xWc==\n-----END RSA PRIVATE KEY-----",
                "MIIEowIBAAKCAQEAx4Jd",
                "<redacted:private-key (",
            ),
            (
                r#"{"key":"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B"#,
                "MIIEvQIBADANBgkqhkiG9w0B",
                "<redacted:private-key (",
            ),
            (
                "postgres://app:hunter2-long@db:5432/prod",
                "hunter2-long",
                "postgres://app:<redacted:url-password (12 chars",
            ),
        ];
        for (text, secret, proof) in cases {
            let out = assert_masked(text, secret);
            assert!(out.contains(proof), "{text} → {out}");
        }
    }

    #[test]
    fn values_of_secret_keys_are_masked_but_not_their_neighbours() {
        let body = serde_json::json!({
            "access_token": "opaque-value-1",
            "token_type": "Bearer",
            "expires_in": 3600,
            "password_changed_at": "2024-01-02",
            "has_password": true,
            "pin": 1234,
            "user": {"session": {"token": "deep-value-2"}, "api_key": "k3"},
            "nested": "{\"client_secret\":\"escaped-value-3\"}",
        })
        .to_string();
        let out = Redactor::default().redact(&body);
        for secret in [
            "opaque-value-1",
            "deep-value-2",
            "\"k3\"",
            "escaped-value-3",
        ] {
            assert!(!out.contains(secret), "{secret}: {out}");
        }
        for kept in [
            r#""token_type":"Bearer""#,
            r#""expires_in":3600"#,
            r#""password_changed_at":"2024-01-02""#,
            r#""has_password":true"#,
            r#""pin":1234"#,
        ] {
            assert!(out.contains(kept), "{kept}: {out}");
        }
        let json: serde_json::Value = serde_json::from_str(&out).expect("still JSON");
        assert!(
            json["user"]["session"]["token"]
                .as_str()
                .is_some_and(is_mask)
        );

        for (text, secret) in [
            ("/cb?code=1&access_token=opaque77&state=x", "opaque77"),
            ("session=s3ss10nval; Path=/; HttpOnly", "s3ss10nval"),
            ("DB_PASSWORD=swordfish\nDEBUG=true", "swordfish"),
            ("x-auth-token: abcdef0123\n", "abcdef0123"),
        ] {
            let out = assert_masked(text, secret);
            assert!(
                out.contains("Path=/")
                    || out.contains("state=x")
                    || out.contains("DEBUG=true")
                    || out.contains("x-auth-token: "),
                "{out}"
            );
        }
    }

    #[test]
    fn ids_and_ordinary_values_are_not_secrets() {
        let decoys = serde_json::json!({
            "id": "3f2b8c1e-9a4d-4e6f-b2c1-7d8e9f0a1b2c",
            "member_id": 1042,
            "customer": "cus_NffrFeUfNV2Hib",
            "invoice": "inv_0042",
            "slug": "morning-run-5k-2024",
            "email": "bob.builder@example.test",
            "username": "bob_the_builder",
            "display_name": "Bob Builder",
            "commit": "9f3e2c1a7b5d",
            "commit_hash": "9f3e2c1a7b5d4e6f8a9b0c1d2e3f4a5b6c7d8e9f",
            "next_page_token": "cGFnZToy",
            "token_type": "Bearer",
            "note": "Token expired, please sign in again. Basic plan.",
            "cursor": "eyJpZCI6MTB9",
            "url": "https://example.test/members/7?sort=name",
        })
        .to_string();
        let r = Redactor::default();
        r.learn(["alice-demo-pass".to_owned()]);
        assert_eq!(r.redact(&decoys), decoys);
    }

    #[test]
    fn masks_are_deterministic_and_tell_secrets_apart() {
        let r = Redactor::default();
        let a = r.redact(JWT);
        assert_eq!(a, Redactor::default().redact(JWT));
        let other = JWT.replace("c2ln", "c2lo");
        assert_ne!(a, r.redact(&other));
        // Masking twice changes nothing.
        let body = format!(r#"{{"password":"hunter22","token":"{JWT}"}}"#);
        let once = r.redact(&body);
        assert_eq!(r.redact(&once), once);
    }

    #[test]
    fn sensitive_headers_keep_their_structure() {
        let r = Redactor::default();
        let cookie = r.redact_header("Set-Cookie", "sid=abc123; Path=/; HttpOnly");
        assert!(cookie.starts_with("sid=<redacted:"), "{cookie}");
        assert!(cookie.ends_with("; Path=/; HttpOnly"), "{cookie}");
        let jwt = r.redact_header("x-auth-token", JWT);
        assert!(jwt.starts_with("<redacted:jwt eyJ…"), "{jwt}");
        let bearer = r.redact_header("authorization", "Bearer opaque");
        assert!(
            bearer.starts_with("Bearer <redacted:credential"),
            "{bearer}"
        );
        assert_eq!(r.redact_header("content-type", "text/plain"), "text/plain");
    }
}
