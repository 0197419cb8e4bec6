//! Who sends a request: anonymous, user A, user B. Credentials and their redaction.

mod credential;
mod redact;

pub use credential::{Credential, CredentialError, Role};
pub use redact::{REDACTED, Redactor};
