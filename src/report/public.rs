//! The report's own types for what earlier stages observed (preflight, transport, rate, why a
//! scan stopped): the JSON report is a public, versioned format (`docs/report-json.md`), so it
//! does not embed the executor's or the harvest's internal types. `scan/` converts them.

use crate::identity::Role;

/// What one identity's preflight request showed (printed and in every report).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PreflightLine {
    pub identity: Role,
    /// Which credential kind was used, never its value: `none`, `header Authorization`,
    /// `basic`, `login POST /auth/login → bearer`.
    #[serde(default)]
    pub credential: String,
    /// `GET /me`.
    pub operation: String,
    pub status: Option<u16>,
    /// The principal's ID when the response had one.
    pub principal: Option<String>,
    pub verdict: String,
}

/// Why a scan stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum Halted {
    /// A signal: `SIGINT` (Ctrl-C) or `SIGTERM` (CI cancellation).
    Interrupted { signal: String },
    /// The target or an identity failed; the message says what was seen.
    TargetFailed { message: String },
    /// `--max-requests` or `--max-duration` ran out.
    Budget { message: String },
}

impl Halted {
    pub fn message(&self) -> String {
        match self {
            Halted::Interrupted { signal } => format!("interrupted by {signal}"),
            Halted::TargetFailed { message } | Halted::Budget { message } => message.clone(),
        }
    }
}

/// Requests per stage.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StageStats {
    /// `login`, `preflight`, `harvest`, `create`, `probes`, `canary`, `undo`.
    pub stage: String,
    pub requests: u64,
    /// Requests that got no HTTP response (timeouts included).
    pub transport_errors: u64,
    pub timeouts: u64,
}

/// What the rate did during the scan.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RateStats {
    /// `auto` or `fixed`.
    pub mode: String,
    /// The fixed rate, or auto's ceiling (requests per second).
    pub limit: u32,
    /// The rate in force at the end (auto), or the fixed rate.
    pub reached: u32,
    /// The highest rate auto allowed (the fixed rate for `fixed`).
    pub peak: u32,
    /// Answers with 429 or 503.
    pub throttled: u64,
    /// Times auto slowed down (429/503, timeouts, rising latency).
    pub backoffs: u64,
}

impl RateStats {
    /// `rate auto: reached 120 req/s (peak 160, ceiling 200); 3 answers 429/503, 1 back-off`.
    pub fn summary(&self) -> String {
        let head = if self.mode == "auto" {
            format!(
                "rate auto: reached {} req/s (peak {}, ceiling {})",
                self.reached, self.peak, self.limit
            )
        } else {
            format!("rate fixed: {} req/s", self.limit)
        };
        format!(
            "{head}; {} answer(s) 429/503, {} back-off(s)",
            self.throttled, self.backoffs
        )
    }
}

/// Counters for the report.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct ExecStats {
    /// Requests actually sent.
    pub requests: u64,
    /// Requests answered from the per-scan cache (same identity, method and URL).
    pub cached: u64,
    /// Requests that got no HTTP response.
    pub transport_errors: u64,
    /// Of those, the ones that timed out.
    #[serde(default)]
    pub timeouts: u64,
    /// The same per stage, for the stages that sent anything.
    #[serde(default)]
    pub stages: Vec<StageStats>,
    /// What the rate did. Absent in reports of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<RateStats>,
}

impl ExecStats {
    /// Adds another scan's counts (merging shards).
    pub fn add(&mut self, other: &ExecStats) {
        self.requests += other.requests;
        self.cached += other.cached;
        self.transport_errors += other.transport_errors;
        self.timeouts += other.timeouts;
        for s in &other.stages {
            match self.stages.iter_mut().find(|m| m.stage == s.stage) {
                Some(m) => {
                    m.requests += s.requests;
                    m.transport_errors += s.transport_errors;
                    m.timeouts += s.timeouts;
                }
                None => self.stages.push(s.clone()),
            }
        }
        self.rate = match (self.rate.take(), &other.rate) {
            (Some(a), Some(b)) => Some(RateStats {
                reached: a.reached.min(b.reached),
                peak: a.peak.max(b.peak),
                throttled: a.throttled + b.throttled,
                backoffs: a.backoffs + b.backoffs,
                ..a
            }),
            (a, b) => a.or_else(|| b.clone()),
        };
    }

    /// `2 of 149 requests failed in transport (1 timed out): probes 2`, or `None` when none did.
    pub fn transport_summary(&self) -> Option<String> {
        if self.transport_errors == 0 {
            return None;
        }
        let stages: Vec<String> = self
            .stages
            .iter()
            .filter(|s| s.transport_errors > 0)
            .map(|s| format!("{} {}", s.stage, s.transport_errors))
            .collect();
        Some(format!(
            "{} of {} requests failed in transport ({} timed out): {}",
            self.transport_errors,
            self.requests,
            self.timeouts,
            stages.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_summary_and_merge() {
        let stage = |stage: &str, requests, errors| StageStats {
            stage: stage.into(),
            requests,
            transport_errors: errors,
            timeouts: errors,
        };
        let s = ExecStats {
            requests: 3,
            transport_errors: 1,
            timeouts: 1,
            stages: vec![stage("harvest", 1, 0), stage("probes", 2, 1)],
            ..ExecStats::default()
        };
        assert_eq!(
            s.transport_summary().as_deref(),
            Some("1 of 3 requests failed in transport (1 timed out): probes 1")
        );
        let mut merged = s.clone();
        merged.add(&s);
        assert_eq!(merged.stages.len(), 2);
        assert_eq!(merged.stages[1].requests, 4);
    }
}
