//! Who sends a request: anonymous, user A, user B. Credentials and their redaction.

mod credential;
mod forge;
mod redact;

pub use credential::{Credential, CredentialError, Role};
pub use forge::{Forge, WEAK_KEYS};
pub(crate) use forge::{forge_token, parse_jwt, weak_key_of};
pub use redact::{REDACTED, Redactor};
