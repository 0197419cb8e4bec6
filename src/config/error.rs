//! What can be wrong with a scan's configuration (flags, environment, `apileak.yaml`): exit 2.

use std::path::PathBuf;

use crate::exec::TlsError;
use crate::findings::SuppressError;
use crate::identity::{CredentialError, ResolveError, Role};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "missing {role} credential: pass --{flag} \"Header: value\", set {var}, or declare identities.{key} in apileak.yaml"
    )]
    MissingCredential {
        role: Role,
        flag: &'static str,
        var: &'static str,
        key: &'static str,
    },
    #[error("missing spec: pass it as the first argument or set `spec` in apileak.yaml")]
    MissingSpec,
    #[error("invalid config `{}`: {reason}", path.display())]
    File { path: PathBuf, reason: String },
    #[error("environment variable `{var}` is not set (used in `{}`)", path.display())]
    UnsetVar { var: String, path: PathBuf },
    #[error("invalid config `{}`: identities.{key} {reason}", path.display())]
    Identity {
        path: PathBuf,
        key: &'static str,
        reason: String,
    },
    /// A config value out of range; wrapped with the file by the caller when it has one.
    #[error("invalid config: {0}")]
    Invalid(String),
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// An identity the spec cannot complete (an API key's placement, a token URL).
    #[error(transparent)]
    Resolve(#[from] ResolveError),
    #[error(transparent)]
    Suppress(#[from] SuppressError),
    #[error("invalid --base-url `{url}`: {reason}")]
    BaseUrl { url: String, reason: String },
    #[error("invalid spec URL `{url}`: {reason}")]
    SpecUrl { url: String, reason: String },
    #[error(transparent)]
    Tls(#[from] TlsError),
}
