//! Tokens forged from a user's own bearer token, to test how the API validates tokens.
//! Pure functions; only the executor calls them, at send time, so checks never see secrets.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// HMAC keys that ship in tutorials, templates and `.env.example` files.
pub const WEAK_KEYS: &[&str] = &[
    "secret",
    "changeme",
    "random",
    "password",
    "secretkey",
    "secret-key",
    "jwt-secret",
    "jwtsecret",
    "your-256-bit-secret",
    "supersecret",
    "123456",
    "key",
    "test",
    "dev",
];

/// How to forge.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Forge {
    /// A bearer token that is not a token at all.
    Garbage,
    /// The user's own token with its signature corrupted.
    BadSignature,
    /// `alg: none`, the user's own claims, no signature.
    AlgNone,
    /// The user's own claims re-signed (HS256) with this key.
    WeakKey(String),
}

impl Forge {
    pub fn label(&self) -> String {
        match self {
            Forge::Garbage => "garbage bearer token".into(),
            Forge::BadSignature => "corrupted signature".into(),
            Forge::AlgNone => "alg none".into(),
            Forge::WeakKey(k) => format!("HS256 with weak key `{k}`"),
        }
    }

    /// The `apileak forge` arguments that build this forgery, shell-quoted (reproductions run
    /// them: `FORGED=$(apileak forge alg-none "$APILEAK_USER_A")`).
    pub fn cli_args(&self) -> String {
        match self {
            Forge::Garbage => "garbage".into(),
            Forge::BadSignature => "bad-signature".into(),
            Forge::AlgNone => "alg-none".into(),
            Forge::WeakKey(k) => format!("weak-key --key '{}'", k.replace('\'', "'\\''")),
        }
    }
}

/// The bearer token in what a user holds: a bare token, `Bearer TOKEN`, or a header line
/// `Authorization: Bearer TOKEN` (the form of `$APILEAK_USER_A`).
pub(crate) fn bearer_of(input: &str) -> &str {
    let s = input.trim();
    let s = match s.split_once(':') {
        Some((name, rest)) if name.trim().eq_ignore_ascii_case("authorization") => rest.trim(),
        _ => s,
    };
    match s.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => s,
    }
}

/// The three parts of a JWT, decoded header and claims.
pub(crate) struct Jwt {
    pub(crate) header: Value,
    pub(crate) claims: Value,
    pub(crate) signing_input: String,
    pub(crate) signature: String,
}

pub(crate) fn parse_jwt(token: &str) -> Option<Jwt> {
    let mut parts = token.split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()?;
    header.get("alg")?;
    Some(Jwt {
        header,
        claims,
        signing_input: format!("{h}.{p}"),
        signature: s.to_owned(),
    })
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

fn hs256(key: &str, input: &str) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).ok()?;
    mac.update(input.as_bytes());
    Some(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// The weak key the token is really signed with, if any: proof without sending a request.
pub(crate) fn weak_key_of(token: &str) -> Option<&'static str> {
    let jwt = parse_jwt(token)?;
    if jwt.header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return None;
    }
    WEAK_KEYS
        .iter()
        .find(|k| hs256(k, &jwt.signing_input).as_deref() == Some(jwt.signature.as_str()))
        .copied()
}

/// The forged token, or `None` when this forgery needs a JWT and `token` is not one.
pub(crate) fn forge_token(token: &str, forge: &Forge) -> Option<String> {
    match forge {
        Forge::Garbage => Some("apileak.invalid.token".to_owned()),
        Forge::BadSignature => {
            let jwt = parse_jwt(token)?;
            // Flip the signature's bytes: same length, certainly wrong.
            let bad: String = jwt
                .signature
                .chars()
                .map(|c| if c == 'A' { 'B' } else { 'A' })
                .collect();
            Some(format!("{}.{bad}", jwt.signing_input))
        }
        Forge::AlgNone => {
            let jwt = parse_jwt(token)?;
            let header = serde_json::json!({"alg": "none", "typ": "JWT"});
            Some(format!("{}.{}.", b64(&header), b64(&jwt.claims)))
        }
        Forge::WeakKey(key) => {
            let jwt = parse_jwt(token)?;
            let header = serde_json::json!({"alg": "HS256", "typ": "JWT"});
            let input = format!("{}.{}", b64(&header), b64(&jwt.claims));
            let sig = hs256(key, &input)?;
            Some(format!("{input}.{sig}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token(key: &str) -> String {
        let input = format!(
            "{}.{}",
            b64(&json!({"alg": "HS256", "typ": "JWT"})),
            b64(&json!({"sub": "2", "exp": 4_000_000_000u64}))
        );
        format!("{input}.{}", hs256(key, &input).expect("mac"))
    }

    #[test]
    fn detects_weak_keys_offline() {
        assert_eq!(weak_key_of(&token("secret")), Some("secret"));
        assert_eq!(
            weak_key_of(&token("a-long-random-production-key-9f8e7d")),
            None
        );
        assert_eq!(weak_key_of("opaque-token"), None);
    }

    #[test]
    fn forgeries_keep_claims_and_change_signatures() {
        let t = token("k3y-not-in-list");
        let none = forge_token(&t, &Forge::AlgNone).expect("jwt");
        assert!(none.ends_with('.'));
        let parsed = parse_jwt(&none).expect("parses");
        assert_eq!(parsed.claims["sub"], "2");
        let bad = forge_token(&t, &Forge::BadSignature).expect("jwt");
        assert_ne!(bad, t);
        assert_eq!(bad.len(), t.len());
        let weak = forge_token(&t, &Forge::WeakKey("secret".into())).expect("jwt");
        assert_eq!(weak_key_of(&weak), Some("secret"));
        assert!(forge_token("opaque", &Forge::AlgNone).is_none());
        assert!(forge_token("opaque", &Forge::Garbage).is_some());
    }

    #[test]
    fn bearer_of_accepts_header_lines_and_bare_tokens() {
        assert_eq!(bearer_of("Authorization: Bearer a.b.c"), "a.b.c");
        assert_eq!(bearer_of("authorization:bearer  a.b.c "), "a.b.c");
        assert_eq!(bearer_of("Bearer a.b.c"), "a.b.c");
        assert_eq!(bearer_of("a.b.c"), "a.b.c");
        assert_eq!(
            Forge::WeakKey("it's".into()).cli_args(),
            "weak-key --key 'it'\\''s'"
        );
    }
}
