//! The demo API's bearer tokens: HS256 JWTs with `{sub, username, iat, jti}` claims.
//!
//! Issuing and verifying only; which key signs them and whether unsigned (`alg: none`) tokens
//! pass is decided in `policy.rs`.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::data::DemoUser;

/// A fresh token for `user`, signed with `key`. The random `jti` makes tokens differ per start.
pub(crate) fn issue(key: &[u8], user: DemoUser) -> String {
    let iat = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // `typ` first: a scanner re-signing the claims with the same key (`{"alg", "typ"}`) then
    // yields a different string, so login-token expiry never applies to its forgeries.
    let header = json!({"typ": "JWT", "alg": "HS256"});
    let claims = json!({
        "sub": user.id().to_string(),
        "username": user.username(),
        "iat": iat,
        "jti": uuid::Uuid::new_v4().simple().to_string(),
    });
    let input = format!("{}.{}", encode(&header), encode(&claims));
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(mac(key, &input)))
}

/// The claims of `token` when it verifies with `key`, or, if `accept_unsigned`, when its
/// header says `alg: none` (in any case spelling, as the vulnerable libraries did).
pub(crate) fn verify(token: &str, key: &[u8], accept_unsigned: bool) -> Option<Value> {
    let mut parts = token.split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    let alg = header.get("alg")?.as_str()?;
    let trusted = if alg == "HS256" {
        let signature = URL_SAFE_NO_PAD.decode(s).ok()?;
        let mut m = Hmac::<Sha256>::new_from_slice(key).ok()?;
        m.update(format!("{h}.{p}").as_bytes());
        // `verify_slice` compares in constant time.
        m.verify_slice(&signature).is_ok()
    } else {
        accept_unsigned && alg.eq_ignore_ascii_case("none")
    };
    if !trusted {
        return None;
    }
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()
}

/// The user a verified token's claims name: `sub` and `username` must agree.
pub(crate) fn user_of(claims: &Value) -> Option<DemoUser> {
    let sub = claims.get("sub")?.as_str()?;
    let username = claims.get("username")?.as_str()?;
    DemoUser::ALL
        .into_iter()
        .find(|u| u.id().to_string() == sub && u.username() == username)
}

fn encode(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

fn mac(key: &[u8], input: &str) -> Vec<u8> {
    // HMAC takes keys of any length, so this never falls back; an empty MAC would not verify.
    Hmac::<Sha256>::new_from_slice(key)
        .map(|mut m| {
            m.update(input.as_bytes());
            m.finalize().into_bytes().to_vec()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unsigned(token: &str) -> String {
        let (_, rest) = token.split_once('.').expect("jwt");
        let (claims, _) = rest.split_once('.').expect("jwt");
        format!(
            "{}.{claims}.",
            encode(&json!({"alg": "none", "typ": "JWT"}))
        )
    }

    #[test]
    fn verifies_own_tokens_only() {
        let t = issue(b"k1", DemoUser::Bob);
        let claims = verify(&t, b"k1", false).expect("verifies");
        assert_eq!(user_of(&claims), Some(DemoUser::Bob));
        assert!(verify(&t, b"k2", true).is_none());
        assert!(verify("not.a.jwt", b"k1", true).is_none());
        assert_ne!(t, issue(b"k1", DemoUser::Bob), "jti differs per token");
    }

    #[test]
    fn unsigned_tokens_pass_only_when_accepted() {
        let t = unsigned(&issue(b"k1", DemoUser::Alice));
        assert!(verify(&t, b"k1", false).is_none());
        let claims = verify(&t, b"k1", true).expect("accepted");
        assert_eq!(user_of(&claims), Some(DemoUser::Alice));
    }

    #[test]
    fn claims_must_name_a_real_user_consistently() {
        assert_eq!(user_of(&json!({"sub": "1", "username": "bob"})), None);
        assert_eq!(user_of(&json!({"sub": 1, "username": "alice"})), None);
        assert_eq!(
            user_of(&json!({"sub": "5", "username": "erin"})),
            Some(DemoUser::Erin)
        );
    }
}
