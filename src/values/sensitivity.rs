//! The built-in sensitivity dictionary: which property names hold credentials or personal data.
//!
//! Keys are matched on their words (`last_login_ip` and `lastLoginIp` are `last`, `login`,
//! `ip`), with long, unambiguous words also found inside run-together keys (`passwordhash`).
//! Used by the data-exposure checks to rank undeclared fields and to spot personal fields in
//! another user's record.

use crate::identity::is_mask;
use crate::vocab::{CREDENTIAL_EXTRA_WORDS, PERSONAL_INFIXES, PERSONAL_WORDS};
use crate::vocab::{KEY_QUALIFIERS, META_WORDS, SECRET_KEY_INFIXES, SECRET_KEY_WORDS, key_words};

/// How sensitive a property is, least first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Sensitivity {
    /// Personal data: contact details, birthday, body metrics, precise location, money.
    Personal,
    /// Credentials and secrets: whoever holds them can act as the user.
    Credential,
}

/// The sensitivity of a property name, if any.
pub(crate) fn sensitivity(key: &str) -> Option<Sensitivity> {
    let words = words(key);
    if words.is_empty() || words.iter().any(|w| META_WORDS.contains(&w.as_str())) {
        return None;
    }
    let joined: String = words.concat();
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    let qualified_key = words
        .windows(2)
        .any(|p| p[1] == "key" && KEY_QUALIFIERS.contains(&p[0].as_str()));
    if has(SECRET_KEY_WORDS)
        || has(CREDENTIAL_EXTRA_WORDS)
        || qualified_key
        || SECRET_KEY_INFIXES.iter().any(|i| joined.contains(i))
    {
        Some(Sensitivity::Credential)
    } else if has(PERSONAL_WORDS) || PERSONAL_INFIXES.iter().any(|i| joined.contains(i)) {
        Some(Sensitivity::Personal)
    } else {
        None
    }
}

/// The start of a secret, so the report proves it without repeating it. A value the redactor
/// already masked stays as it is (its mask keeps the proof).
pub(crate) fn mask(value: &str) -> String {
    if is_mask(value) {
        return value.to_owned();
    }
    let n = value.chars().count();
    if n <= 8 {
        return "•".repeat(n);
    }
    let head: String = value.chars().take(6).collect();
    format!("{head}… ({n} chars)")
}

/// `last_login_ip`, `lastLoginIP` and `Last-Login-Ip` → `last`, `login`, `ip`.
pub(crate) fn words(key: &str) -> Vec<String> {
    key_words(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_the_most_sensitive() {
        for key in [
            "password",
            "password_hash",
            "passwordHash",
            "passwordhash",
            "api_key",
            "apiKey",
            "x-api-key",
            "client_secret",
            "refresh_token",
            "accessToken",
            "mfa_secret",
            "session_id",
        ] {
            assert_eq!(sensitivity(key), Some(Sensitivity::Credential), "{key}");
        }
    }

    #[test]
    fn personal_fields() {
        for key in [
            "email",
            "emailAddress",
            "birthday",
            "date_of_birth",
            "dob",
            "phone_number",
            "last_login_ip",
            "lastLoginIP",
            "IPAddress",
            "weight_kg",
            "home_address",
            "ssn",
            "salary",
            "location",
        ] {
            assert_eq!(sensitivity(key), Some(Sensitivity::Personal), "{key}");
        }
    }

    #[test]
    fn ordinary_and_meta_fields_are_not_sensitive() {
        for key in [
            "id",
            "username",
            "display_name",
            "city",
            "title",
            "kind",
            "zip_code_format",
            "token_type",
            "password_changed_at",
            "email_verified",
            "key",
            "sort_key",
            "description",
            "shipping",
            "tipping",
            "calories",
            "microscope",
        ] {
            assert_eq!(sensitivity(key), None, "{key}");
        }
    }

    #[test]
    fn secrets_are_masked() {
        assert_eq!(mask("$2b$12$Qm8cAdEnCe"), "$2b$12… (17 chars)");
        assert_eq!(mask("abc"), "•••");
    }

    #[test]
    fn words_split_snake_camel_and_acronyms() {
        assert_eq!(words("lastLoginIP"), ["last", "login", "ip"]);
        assert_eq!(words("IPAddress"), ["ip", "address"]);
        assert_eq!(words("x-api-key"), ["x", "api", "key"]);
    }
}
