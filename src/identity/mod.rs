//! Who sends a request: anonymous, user A, user B. Credential kinds (header lines, basic,
//! login flows) and their redaction.

mod credential;
mod forge;
mod kind;
mod login;
mod redact;

pub use credential::{Credential, CredentialError, Role};
pub use forge::{Forge, WEAK_KEYS};
pub(crate) use forge::{forge_token, parse_jwt, weak_key_of};
pub use kind::Identity;
pub(crate) use login::jwt_expiry;
pub use login::{Apply, LoginError, LoginFlow, TokenSource};
pub use redact::{REDACTED, Redactor};
