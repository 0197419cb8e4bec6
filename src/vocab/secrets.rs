//! What a secret looks like: the key words whose values are secrets, the words that make a key
//! merely *about* a secret, the login fields that are not secret, and the shapes (regexes) of
//! tokens, password hashes and private keys.
//!
//! Read by the redactor (`identity::redact`), which masks every text that leaves the process,
//! and by the data-exposure checks that rank and mask the fields they quote.

/// Whole key words whose values are secrets (`password`, `api_key`, `session_id`).
pub(crate) const SECRET_KEY_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "passcode",
    "secret",
    "secrets",
    "token",
    "tokens",
    "apikey",
    "session",
    "sessionid",
    "sid",
    "cookie",
    "credential",
    "credentials",
    "authorization",
    "jwt",
    "otp",
    "totp",
    "pin",
    "salt",
];

/// `key` is a secret only after one of these (`api_key`, `privateKey`): alone it is usually
/// a sort key or a map key.
pub(crate) const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "private",
    "secret",
    "access",
    "signing",
    "encryption",
    "ssh",
    "client",
];

/// Long words that mark a secret even inside run-together keys (`passwordhash`,
/// `accesstoken`, `clientsecret`).
pub(crate) const SECRET_KEY_INFIXES: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "apikey",
    "accesskey",
    "privatekey",
    "secretkey",
    "signingkey",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "authtoken",
    "sessionid",
];

/// Words that make a key *about* a secret rather than the secret itself (`token_type`,
/// `password_changed_at`, `expires_in` has no secret word at all).
pub(crate) const META_WORDS: &[&str] = &[
    "type",
    "types",
    "count",
    "expires",
    "expiry",
    "expiration",
    "ttl",
    "length",
    "policy",
    "required",
    "enabled",
    "verified",
    "changed",
    "updated",
    "format",
    "kind",
    "algorithm",
    "strength",
];

/// Words that make a key harmless for masking only (a cookie's *name*, a pagination token is
/// a cursor, not a credential). Not used to rank sensitivity.
pub(crate) const MASK_HARMLESS_WORDS: &[&str] = &["name", "names", "page", "cursor"];

/// Login body fields (normalised: lowercase, no separators) whose values are not secret; every
/// other login body value is (a password under any field name: `pwd`, `pass`, `pin`…).
pub(crate) const PUBLIC_LOGIN_FIELDS: &[&str] = &[
    "username",
    "user",
    "login",
    "email",
    "emailaddress",
    "usernameoremail",
    "name",
    "granttype",
    "scope",
    "clientid",
    "audience",
    "resource",
    "realm",
    "tenant",
    "redirecturi",
    "responsetype",
    "remember",
    "rememberme",
    "locale",
];

/// A secret recognised by its shape alone.
pub(crate) struct SecretShape {
    /// What the mask calls it (`jwt`, `bcrypt`).
    pub(crate) kind: &'static str,
    /// A regex. The group `secret` (the whole match when absent) is masked; text outside it
    /// stays (`Bearer `). The group `shown`, inside `secret`, is not secret and is shown in the
    /// mask (a hash's scheme and cost, a vendor prefix).
    pub(crate) pattern: &'static str,
}

/// Shapes, masked in this order (a private key before the base64 inside it). A mask's shown
/// part must never match a shape again (a private key shows nothing: its `BEGIN` line would).
pub(crate) const SECRET_SHAPES: &[SecretShape] = &[
    SecretShape {
        kind: "private-key",
        pattern: r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----[A-Za-z0-9+/=\s\\:,.-]*?-----END[A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----",
    },
    // A key cut short (an excerpt, a capped body): everything that can belong to it.
    SecretShape {
        kind: "private-key",
        pattern: r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----[A-Za-z0-9+/=\s\\:,.]*",
    },
    // JWS (three segments, the last empty for `alg: none`) and JWE (five): the whole token,
    // header segment included, so it cannot be put back together.
    SecretShape {
        kind: "jwt",
        pattern: r"\b(?P<shown>eyJ)[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){0,2}",
    },
    SecretShape {
        kind: "bcrypt",
        pattern: r"(?P<shown>\$2[abxy]?\$\d{2}\$)[./A-Za-z0-9]{50,53}",
    },
    SecretShape {
        kind: "argon2",
        pattern: r"(?P<shown>\$argon2(?:id|i|d)\$)(?:v=\d+\$)?m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+",
    },
    SecretShape {
        kind: "scrypt",
        pattern: r"(?P<shown>\$scrypt\$)[A-Za-z0-9+/=.,$:-]{16,}",
    },
    SecretShape {
        kind: "scrypt",
        pattern: r"(?P<shown>\$7\$)[./A-Za-z0-9$]{30,}",
    },
    SecretShape {
        kind: "sha-crypt",
        pattern: r"(?P<shown>\$[56]\$)(?:rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{43,86}",
    },
    SecretShape {
        kind: "md5-crypt",
        pattern: r"(?P<shown>\$1\$)[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}",
    },
    SecretShape {
        kind: "pbkdf2",
        pattern: r"(?P<shown>pbkdf2_sha(?:1|256|512)\$)\d+\$[A-Za-z0-9./+=]+\$[A-Za-z0-9./+=]+",
    },
    SecretShape {
        kind: "pbkdf2",
        pattern: r"(?P<shown>\$pbkdf2(?:-sha(?:1|256|512))?\$)\d+\$[A-Za-z0-9./+=]+\$[A-Za-z0-9./+=]+",
    },
    SecretShape {
        kind: "github",
        pattern: r"\b(?P<shown>gh[pousr]_|github_pat_)[A-Za-z0-9_]{30,}",
    },
    SecretShape {
        kind: "gitlab",
        pattern: r"\b(?P<shown>glpat-)[A-Za-z0-9_-]{20,}",
    },
    SecretShape {
        kind: "stripe-key",
        pattern: r"\b(?P<shown>(?:sk|rk)_(?:live|test)_|whsec_)[A-Za-z0-9]{10,}",
    },
    SecretShape {
        kind: "slack",
        pattern: r"\b(?P<shown>xox[abposr]-)[A-Za-z0-9-]{10,}",
    },
    SecretShape {
        kind: "aws-key",
        pattern: r"\b(?P<shown>AKIA|ASIA)[0-9A-Z]{16}\b",
    },
    SecretShape {
        kind: "google-api-key",
        pattern: r"\b(?P<shown>AIza)[0-9A-Za-z_-]{35}",
    },
    SecretShape {
        kind: "npm",
        pattern: r"\b(?P<shown>npm_)[A-Za-z0-9]{36}\b",
    },
    SecretShape {
        kind: "api-key",
        pattern: r"\b(?P<shown>sk-(?:proj-|ant-)?)[A-Za-z0-9_-]{32,}",
    },
    // The password of a URL with credentials (`postgres://app:PASSWORD@db`).
    SecretShape {
        kind: "url-password",
        pattern: r#"\b[a-z][a-z0-9+.-]*://[^:/@\s"'<>]+:(?P<secret>[^@\s"'<>/]+)@"#,
    },
];

/// `Bearer x`, `Token x`, `Basic x`, `Digest x` in any text; the redactor keeps only values that
/// look like credentials (see `AUTH_SCHEME_MIN_LEN`), so `Token expired` stays.
pub(crate) const AUTH_SCHEME_PATTERN: &str =
    r"(?i)\b(?P<scheme>bearer|token|basic|digest)(?:\s+|%20|\+)(?P<secret>[A-Za-z0-9._~+/=-]{6,})";
/// A scheme's value counts when it has a digit or is at least this long (plain words are
/// shorter).
pub(crate) const AUTH_SCHEME_MIN_LEN: usize = 20;

/// Key/value pairs whose value the redactor masks when the key reads like a secret: JSON (any
/// depth), JSON escaped inside a JSON string, `key=value` (query, form, cookie, `.env`) and
/// `key: value` (headers, YAML, logs).
pub(crate) const SECRET_PAIR_PATTERNS: &[&str] = &[
    r#""(?P<key>[^"\\]{1,64})"\s*:\s*"(?P<secret>(?:[^"\\]|\\.)*)""#,
    r#"\\"(?P<key>[^"\\]{1,64})\\"\s*:\s*\\"(?P<secret>(?:[^"\\]|\\[^"])*)\\""#,
    r#"(?m)(?:^|[?&;,\s"'{(])(?P<key>[A-Za-z][A-Za-z0-9_.-]{0,63})=(?P<secret>[^&;,\s"'<>]+)"#,
    r#"(?m)(?:^|[\s,{(])(?P<key>[A-Za-z][A-Za-z0-9_-]{0,63}):[ \t]+(?P<secret>[^\s"',;}<>]+)"#,
];

/// `last_login_ip`, `lastLoginIP` and `Last-Login-Ip` → `last`, `login`, `ip`.
pub(crate) fn key_words(key: &str) -> Vec<String> {
    super::words(key)
}

/// Whether a key's value is a secret: `password`, `access_token`, `X-Api-Key`, `session_id`,
/// but not `token_type`, `password_changed_at`, `expires_in` or `cookie_name`.
pub(crate) fn is_secret_key(key: &str) -> bool {
    let words = key_words(key);
    if words.is_empty()
        || words
            .iter()
            .any(|w| META_WORDS.contains(&w.as_str()) || MASK_HARMLESS_WORDS.contains(&w.as_str()))
    {
        return false;
    }
    let joined = words.concat();
    words.iter().any(|w| SECRET_KEY_WORDS.contains(&w.as_str()))
        || words
            .windows(2)
            .any(|p| p[1] == "key" && KEY_QUALIFIERS.contains(&p[0].as_str()))
        || SECRET_KEY_INFIXES.iter().any(|i| joined.contains(i))
}

/// Whether a login body field holds a secret: anything but a known public field.
pub(crate) fn is_secret_login_field(name: &str) -> bool {
    !PUBLIC_LOGIN_FIELDS.contains(&key_words(name).concat().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_and_harmless_neighbours() {
        for key in [
            "token",
            "access_token",
            "refresh_token",
            "id_token",
            "secret",
            "client_secret",
            "password",
            "passwd",
            "pwd",
            "password_hash",
            "passwordHash",
            "api_key",
            "apikey",
            "X-Api-Key",
            "session",
            "session_id",
            "sessionid",
            "cookie",
            "private_key",
            "privateKey",
            "authorization",
            "X-Auth-Token",
            "jwt_secret",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in [
            "token_type",
            "expires_in",
            "password_changed_at",
            "passwordPolicy",
            "cookie_name",
            "next_page_token",
            "key",
            "sort_key",
            "id",
            "username",
            "email",
            "commit_hash",
            "description",
        ] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn login_fields_are_secret_unless_known_public() {
        for f in [
            "password",
            "pwd",
            "pass",
            "pin",
            "passcode",
            "client_secret",
        ] {
            assert!(is_secret_login_field(f), "{f}");
        }
        for f in ["username", "email", "grant_type", "client_id", "scope"] {
            assert!(!is_secret_login_field(f), "{f}");
        }
    }

    #[test]
    fn every_pattern_compiles() {
        for s in SECRET_SHAPES {
            assert!(regex::Regex::new(s.pattern).is_ok(), "{}", s.kind);
        }
        for p in SECRET_PAIR_PATTERNS.iter().chain([&AUTH_SCHEME_PATTERN]) {
            assert!(regex::Regex::new(p).is_ok(), "{p}");
        }
    }
}
