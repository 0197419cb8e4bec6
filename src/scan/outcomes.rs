//! Stage 5, outcomes: the plan's probes sent (with the health canary beside them), every
//! write undone, and each plan entry given its own exchanges.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures::StreamExt;
use tokio::sync::Notify;

use crate::checks::Planned;
use crate::exec::{ExecStats, Executor, HaltReason, Stage};
use crate::harvest::Health;
use crate::probe::{Exchange, ProbeRequest};

use super::ScanPlan;

/// The exchanges of one probe: one per request, in order.
pub(crate) type ProbeExchanges = Vec<Arc<Exchange>>;

pub struct Outcomes {
    pub plan: ScanPlan,
    /// Per plan entry, per probe: what came back. Entries without probes have none.
    pub exchanges: Vec<Vec<ProbeExchanges>>,
    /// Writes that could not be undone.
    pub left_behind: Vec<String>,
    pub stats: ExecStats,
    /// Distinct (method, URL) pairs the probes requested.
    pub scanned: Vec<(String, String)>,
}

/// Probe requests between two health checks, about: small enough to name the culprit when
/// an identity breaks, large enough that the canary's own requests stay a few percent.
const CANARY_EVERY: usize = 50;
/// At high concurrency, as many requests are in flight as a check would wait for: a check
/// comes at most once per this many requests per concurrency slot.
const CHUNK_PER_SLOT: usize = 8;

/// Share of requests that may fail in transport (no HTTP answer) before a scan counts as
/// not having tested the API: 5%, and at least [`MIN_TRANSPORT_FAILURES`].
const MAX_TRANSPORT_FAILURE_PERCENT: u64 = 5;
const MIN_TRANSPORT_FAILURES: u64 = 3;

/// Sends every probe, re-verifies the identities, undoes the writes.
pub(super) async fn send(plan: ScanPlan) -> Outcomes {
    let session = &plan.inventories.session;
    let exec = &session.exec;
    let mut owners = Vec::new();
    let mut groups = Vec::new();
    for (i, entry) in plan.plan.entries.iter().enumerate() {
        if let Planned::Probes(probes) = &entry.planned {
            for probe in probes {
                owners.push(i);
                groups.push(probe.requests.clone());
            }
        }
    }
    let scanned: Vec<(String, String)> = groups
        .iter()
        .flatten()
        .map(|r| (r.method.to_string(), r.url.to_string()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    exec.enter(Stage::Probes);
    exec.expect(groups.iter().map(Vec::len).sum());
    let sent = send_watched(exec, &plan.inventories.health, groups).await;
    let halt = exec.halt();
    if !halt.is_stopped()
        && let Err(change) = plan
            .inventories
            .health
            .verify(exec, "after the probes")
            .await
    {
        halt.stop(HaltReason::TargetFailed { message: change });
    }
    let left_behind = exec.undo_all().await;
    let stats = exec.stats();
    if !halt.is_stopped()
        && let Some(share) = transport_failure(&stats)
    {
        halt.stop(HaltReason::TargetFailed { message: share });
    }
    let mut exchanges: Vec<Vec<ProbeExchanges>> = vec![Vec::new(); plan.plan.entries.len()];
    for (owner, got) in owners.into_iter().zip(sent) {
        exchanges[owner].push(got);
    }
    Outcomes {
        plan,
        exchanges,
        left_behind,
        stats,
        scanned,
    }
}

/// Sends the probe groups, with the health canary re-checking the identities beside them
/// after every chunk of requests (never as a barrier: sending goes on while it reads); once
/// the scan has stopped (interrupt, failed canary, dead target), the rest come back unsent.
/// One result per group, in order.
async fn send_watched(
    exec: &Executor,
    health: &Health,
    groups: Vec<Vec<ProbeRequest>>,
) -> Vec<ProbeExchanges> {
    let every = CANARY_EVERY.max(exec.concurrency() * CHUNK_PER_SLOT);
    // Probe requests handed to the executor so far; each chunk boundary they cross wakes the
    // watcher (wake-ups while it checks merge into one: at most one check waits).
    let handed = AtomicUsize::new(0);
    let kick = Notify::new();
    let finished = AtomicBool::new(false);
    let probes = async {
        let out = futures::stream::iter(groups)
            .map(|group| {
                let before = handed.fetch_add(group.len(), Ordering::Relaxed);
                if (before + group.len()) / every > before / every {
                    kick.notify_one();
                }
                exec.send_group(group)
            })
            .buffered(exec.concurrency())
            .collect::<Vec<_>>()
            .await;
        finished.store(true, Ordering::SeqCst);
        kick.notify_one();
        out
    };
    let watcher = async {
        loop {
            kick.notified().await;
            if finished.load(Ordering::SeqCst) || exec.halt().is_stopped() {
                break;
            }
            if let Err(change) = health.verify(exec, "during the probes").await {
                exec.halt()
                    .stop(HaltReason::TargetFailed { message: change });
                break;
            }
        }
    };
    futures::join!(probes, watcher).0
}

/// Why the scan's transport failures make it untrustworthy, if they do.
fn transport_failure(stats: &ExecStats) -> Option<String> {
    let failed = stats.transport_errors;
    (failed >= MIN_TRANSPORT_FAILURES
        && failed * 100 > stats.requests * MAX_TRANSPORT_FAILURE_PERCENT)
        .then(|| {
            format!(
                "too many requests got no response to call the API tested (more than {MAX_TRANSPORT_FAILURE_PERCENT}%): {}",
                super::public::stats(stats)
                    .transport_summary()
                    .unwrap_or_default()
            )
        })
}
