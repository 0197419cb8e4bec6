//! From what the executor and the harvest observed to the report's own public types.

use crate::exec::{self, HaltReason};
use crate::harvest::PreflightEntry;
use crate::report::{ExecStats, Halted, PreflightLine, RateStats, StageStats};

pub(super) fn stats(s: &exec::ExecStats) -> ExecStats {
    ExecStats {
        requests: s.requests,
        cached: s.cached,
        transport_errors: s.transport_errors,
        timeouts: s.timeouts,
        stages: s
            .stages
            .iter()
            .map(|st| StageStats {
                stage: st.stage.name().to_owned(),
                requests: st.requests,
                transport_errors: st.transport_errors,
                timeouts: st.timeouts,
            })
            .collect(),
        rate: s.rate.as_ref().map(|r| RateStats {
            mode: r.mode.clone(),
            limit: r.limit,
            reached: r.reached,
            peak: r.peak,
            throttled: r.throttled,
            backoffs: r.backoffs,
        }),
    }
}

pub(super) fn preflight(entries: &[PreflightEntry]) -> Vec<PreflightLine> {
    entries
        .iter()
        .map(|e| PreflightLine {
            identity: e.identity,
            credential: e.credential.clone(),
            operation: e.operation.clone(),
            status: e.status,
            principal: e.principal.clone(),
            verdict: e.verdict.clone(),
        })
        .collect()
}

pub(super) fn halted(reason: &HaltReason) -> Halted {
    match reason {
        HaltReason::Interrupted { signal } => Halted::Interrupted {
            signal: signal.clone(),
        },
        HaltReason::TargetFailed { message } => Halted::TargetFailed {
            message: message.clone(),
        },
        HaltReason::Budget { message } => Halted::Budget {
            message: message.clone(),
        },
    }
}
