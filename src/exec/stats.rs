//! What the executor counts: requests, cache hits, transport errors and timeouts, per stage,
//! so a report can say where a scan lost requests (and a scan that lost too many is not clean).

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

/// The scan stage a request was sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Logins and token requests before the preflight.
    Login,
    Preflight,
    Harvest,
    /// Creating objects for the write-side checks (`--allow-writes`).
    Create,
    Probes,
    /// Re-verifying the identities during and after the scan.
    Canary,
    /// Undoing the scan's writes.
    Undo,
}

impl Stage {
    const ALL: [Stage; 7] = [
        Stage::Login,
        Stage::Preflight,
        Stage::Harvest,
        Stage::Create,
        Stage::Probes,
        Stage::Canary,
        Stage::Undo,
    ];

    fn index(self) -> usize {
        Stage::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    pub fn name(self) -> &'static str {
        match self {
            Stage::Login => "login",
            Stage::Preflight => "preflight",
            Stage::Harvest => "harvest",
            Stage::Create => "create",
            Stage::Probes => "probes",
            Stage::Canary => "canary",
            Stage::Undo => "undo",
        }
    }
}

/// One stage's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageStats {
    pub stage: Stage,
    pub requests: u64,
    /// Requests that got no HTTP response (timeouts included).
    pub transport_errors: u64,
    pub timeouts: u64,
}

/// A scan's progress at one moment, for a progress bar or a periodic log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub stage: Stage,
    /// Requests of this stage sent or answered from the cache.
    pub done: u64,
    /// What this stage expects to make, when known (the probes: the plan's request count).
    pub total: Option<u64>,
    /// Requests sent over the whole scan so far (for a rate).
    pub sent: u64,
}

/// A handle on a scan's live counters: the executor given it feeds it, the terminal
/// polls it. The engine never prints; whoever holds this decides how to show it.
#[derive(Debug, Clone, Default)]
pub struct ProgressWatch(pub(super) std::sync::Arc<Counters>);

impl ProgressWatch {
    pub fn new() -> ProgressWatch {
        ProgressWatch::default()
    }

    pub fn now(&self) -> Progress {
        self.0.progress()
    }
}

/// Counters for the report.
#[derive(Debug, Default, Clone)]
pub struct ExecStats {
    /// Requests actually sent.
    pub requests: u64,
    /// Requests answered from the per-scan cache (same identity, method and URL).
    pub cached: u64,
    /// Requests that got no HTTP response.
    pub transport_errors: u64,
    /// Of those, the ones that timed out.
    pub timeouts: u64,
    /// The same per stage, for the stages that sent anything.
    pub stages: Vec<StageStats>,
    /// What the rate did: the rate reached, 429/503 answers, back-offs. Absent in reports
    /// of older versions.
    pub rate: Option<super::RateStats>,
}

/// The live counters behind [`ExecStats`].
#[derive(Debug, Default)]
pub(super) struct Counters {
    stage: AtomicU8,
    cached: AtomicU64,
    // Per stage: sent, transport errors, timeouts.
    sent: [AtomicU64; 7],
    errors: [AtomicU64; 7],
    timeouts: [AtomicU64; 7],
    // Per stage: answered from the cache (progress counts them as done).
    hits: [AtomicU64; 7],
    // Per stage: requests it expects to make; 0 while unknown. Per stage because the canary
    // interrupts the probes and hands the stage back.
    expected: [AtomicU64; 7],
}

impl Counters {
    pub(super) fn enter(&self, stage: Stage) {
        self.stage.store(stage.index() as u8, Ordering::Relaxed);
    }

    pub(super) fn expect(&self, requests: u64) {
        self.expected[self.stage().index()].store(requests, Ordering::Relaxed);
    }

    /// Where the current stage stands: cheap enough to poll several times a second.
    pub(super) fn progress(&self) -> Progress {
        let stage = self.stage();
        let i = stage.index();
        let done = self.sent[i].load(Ordering::Relaxed) + self.hits[i].load(Ordering::Relaxed);
        let expected = self.expected[i].load(Ordering::Relaxed);
        Progress {
            stage,
            done,
            // Retries and re-logins can send a few more than planned; the total never lies below.
            total: (expected > 0).then_some(expected.max(done)),
            sent: self.sent.iter().map(|a| a.load(Ordering::Relaxed)).sum(),
        }
    }

    pub(super) fn stage(&self) -> Stage {
        Stage::ALL[usize::from(self.stage.load(Ordering::Relaxed)) % Stage::ALL.len()]
    }

    pub(super) fn sent(&self, stage: Stage) {
        self.sent[stage.index()].fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn cached(&self) {
        self.cached.fetch_add(1, Ordering::Relaxed);
        self.hits[self.stage().index()].fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn failed(&self, stage: Stage, timeout: bool) {
        self.errors[stage.index()].fetch_add(1, Ordering::Relaxed);
        if timeout {
            self.timeouts[stage.index()].fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(super) fn snapshot(&self) -> ExecStats {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let stages: Vec<StageStats> = Stage::ALL
            .iter()
            .map(|s| StageStats {
                stage: *s,
                requests: load(&self.sent[s.index()]),
                transport_errors: load(&self.errors[s.index()]),
                timeouts: load(&self.timeouts[s.index()]),
            })
            .filter(|s| s.requests > 0)
            .collect();
        ExecStats {
            requests: stages.iter().map(|s| s.requests).sum(),
            cached: load(&self.cached),
            transport_errors: stages.iter().map(|s| s.transport_errors).sum(),
            timeouts: stages.iter().map(|s| s.timeouts).sum(),
            stages,
            rate: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_land_in_the_current_stage() {
        let c = Counters::default();
        c.enter(Stage::Harvest);
        c.sent(c.stage());
        c.enter(Stage::Probes);
        c.sent(c.stage());
        c.sent(c.stage());
        c.failed(Stage::Probes, true);
        let s = c.snapshot();
        assert_eq!((s.requests, s.transport_errors, s.timeouts), (3, 1, 1));
        assert_eq!(s.stages.len(), 2);
        assert_eq!(s.stages[1].stage, Stage::Probes);
    }

    #[test]
    fn progress_counts_the_current_stage_and_cache_hits_against_its_total() {
        let c = Counters::default();
        c.enter(Stage::Harvest);
        c.sent(c.stage());
        assert_eq!(c.progress().total, None);
        c.enter(Stage::Probes);
        c.expect(4);
        c.sent(c.stage());
        c.cached();
        let p = c.progress();
        assert_eq!(
            (p.stage, p.done, p.total, p.sent),
            (Stage::Probes, 2, Some(4), 2)
        );
        // More than planned (a retry): the total grows with it instead of showing 5/4.
        for _ in 0..3 {
            c.sent(c.stage());
        }
        assert_eq!(c.progress().total, Some(5));
        // The canary interrupts the probes; back in them, their total is still known.
        c.enter(Stage::Canary);
        assert_eq!((c.progress().done, c.progress().total), (0, None));
        c.enter(Stage::Probes);
        assert_eq!(c.progress().total, Some(5));
    }
}
