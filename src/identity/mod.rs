//! Who sends a request: anonymous, user A, user B and an optional admin. Credential kinds (header lines, basic,
//! API keys, login flows, OAuth2 client credentials) and their redaction.

mod api_key;
mod credential;
mod forge;
mod kind;
mod login;
mod oauth2;
mod redact;

pub use api_key::{ApiKey, ApiKeyError};
pub use credential::{Credential, CredentialError, Role};
pub use forge::{Forge, WEAK_KEYS};
pub(crate) use forge::{bearer_of, forge_token, parse_jwt, weak_key_of};
pub use kind::Identity;
pub use kind::ResolveError;
pub(crate) use login::jwt_expiry;
pub use login::{Apply, LoginError, LoginFlow, TokenSource};
pub use oauth2::{OAuth2Client, OAuth2Error};
pub(crate) use redact::is_mask;
pub use redact::{REDACTED, Redactor};
