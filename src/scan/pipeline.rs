//! The stages in order.

use crate::config::ScanConfig;
use crate::error::AppError;
use crate::exec::Halt;
use crate::report::Report;

use super::{inventories, outcomes, planning, session, targets, verdicts};

/// Scans an API and returns the finished report (nothing written yet).
pub async fn run(config: &ScanConfig) -> Result<Report, AppError> {
    run_until(config, &Halt::new()).await
}

/// [`run`] that `halt` can stop early (an interrupt); whatever stops it, its writes are
/// undone first.
pub async fn run_until(config: &ScanConfig, halt: &Halt) -> Result<Report, AppError> {
    let clock = verdicts::Clock::start();
    let targets = targets::resolve(config).await?;
    let session = session::open(targets, config, halt).await?;
    let inventories = inventories::harvest(session, config).await;
    let plan = planning::build(inventories, config);
    let outcomes = outcomes::send(plan).await;
    Ok(verdicts::judge(outcomes, config, clock))
}
