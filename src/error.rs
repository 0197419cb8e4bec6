//! The top-level error: every stage's error, and the exit code each one calls for.

use crate::config::ConfigError;
use crate::exec::ExecError;
use crate::exit;
use crate::harvest::PreflightError;
use crate::model::FenceError;
use crate::spec::SpecError;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum AppError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Fence(#[from] FenceError),
    #[error(transparent)]
    Preflight(#[from] PreflightError),
    #[error(transparent)]
    Exec(#[from] ExecError),
    #[error(transparent)]
    Login(#[from] crate::identity::LoginError),
    #[error(transparent)]
    Report(#[from] crate::report::WriteError),
    #[error("failed to start the demo API: {0}")]
    Demo(std::io::Error),
    /// Exit 2: the spec is an input like a file that cannot be read.
    #[error("failed to fetch spec `{url}`: {reason}")]
    SpecFetch { url: String, reason: String },
}

impl AppError {
    /// The documented exit code for this error (see `exit.rs`).
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Spec(_)
            | AppError::Config(_)
            | AppError::Usage(_)
            | AppError::Fence(_)
            | AppError::Report(_)
            | AppError::SpecFetch { .. } => exit::USAGE,
            AppError::Preflight(_) | AppError::Exec(_) | AppError::Login(_) | AppError::Demo(_) => {
                exit::TARGET
            }
        }
    }
}
