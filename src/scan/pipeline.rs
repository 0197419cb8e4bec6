//! The stages in order.

use crate::config::ScanConfig;
use crate::error::AppError;
use crate::exec::{Halt, ProgressWatch};
use crate::report::Report;

use super::{inventories, outcomes, planning, session, targets, verdicts};

/// Scans an API and returns the finished report (nothing written yet).
pub async fn run(config: &ScanConfig) -> Result<Report, AppError> {
    run_until(config, &Halt::new()).await
}

/// [`run`] that `halt` can stop early (an interrupt); whatever stops it, its writes are
/// undone first.
pub async fn run_until(config: &ScanConfig, halt: &Halt) -> Result<Report, AppError> {
    run_watched(config, halt, &ProgressWatch::new()).await
}

/// [`run_until`] that counts its requests into `progress` as it goes.
pub async fn run_watched(
    config: &ScanConfig,
    halt: &Halt,
    progress: &ProgressWatch,
) -> Result<Report, AppError> {
    let clock = verdicts::Clock::start();
    // Milliseconds since the scan started, on the stage lines (scripts/bench reads them).
    let elapsed_ms = || u64::try_from(clock.started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let targets = targets::resolve(config).await?;
    tracing::info!(
        operations = targets.api.operations.len(),
        checks = targets.checks.len(),
        target = %targets.base_url,
        elapsed_ms = elapsed_ms(),
        "loaded {}", targets.api.title
    );
    let session = session::open(targets, config, halt, progress).await?;
    let inventories = inventories::harvest(session, config, true).await;
    tracing::info!(elapsed_ms = elapsed_ms(), "harvested");
    let plan = planning::build(inventories, config);
    tracing::info!(
        cases = plan.plan.entries.len(),
        requests = plan.plan.request_count(),
        elapsed_ms = elapsed_ms(),
        "planned"
    );
    let outcomes = outcomes::send(plan).await;
    tracing::info!(elapsed_ms = elapsed_ms(), "probes sent");
    Ok(verdicts::judge(outcomes, config, clock))
}

/// The scan up to its plan: the preflight and the harvest (reads only) are sent, nothing is
/// created and no probe is sent. `scan --dry-run` prints it (`explain::render`).
pub async fn plan_only(config: &ScanConfig, halt: &Halt) -> Result<super::ScanPlan, AppError> {
    let targets = targets::resolve(config).await?;
    let session = session::open(targets, config, halt, &ProgressWatch::new()).await?;
    let inventories = inventories::harvest(session, config, false).await;
    Ok(planning::build(inventories, config))
}
