//! Stage 2, session: the authenticated executor (logins done) and the preflight that proved
//! the identities are who they claim to be.

use crate::config::{ScanConfig, SpecSource};
use crate::error::AppError;
use crate::exec::{Executor, Halt, ProgressWatch, Stage};
use crate::harvest::{self, PreflightEntry};

use super::Targets;

pub struct Session {
    pub targets: Targets,
    pub exec: Executor,
    pub preflight: Vec<PreflightEntry>,
}

/// Builds the executor, logs the identities in and runs the preflight.
pub(super) async fn open(
    targets: Targets,
    config: &ScanConfig,
    halt: &Halt,
    progress: &ProgressWatch,
) -> Result<Session, AppError> {
    let mut exec = Executor::new(
        &config.exec,
        &targets.base_url,
        Some(targets.user_a.clone()),
        Some(targets.user_b.clone()),
    )?
    .with_halt(halt.clone())
    .with_progress(progress);
    if let Some(admin) = &targets.admin {
        exec = exec.with_admin(admin.clone());
    }
    if let SpecSource::Url {
        auth: Some(auth), ..
    } = &config.spec
    {
        exec.redactor().learn(auth.secret_fragments());
    }
    exec.enter(Stage::Login);
    exec.authenticate().await?;
    exec.enter(Stage::Preflight);
    let preflight = harvest::preflight(&targets.api, &exec, &targets.base_url).await?;
    // What is sent from here on is a suspect when an identity breaks.
    exec.mark();
    Ok(Session {
        targets,
        exec,
        preflight,
    })
}
