//! The finished scan: the one structure every output format is rendered from.

use super::coverage::Coverage;
use super::public::{ExecStats, Halted, PreflightLine};
use crate::exit;
use crate::findings::{Finding, Severity};
use crate::model::{NotSent, NotSentReason};

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Report {
    /// Version of this JSON shape (docs/report-json.md); bumped on incompatible changes.
    pub format_version: u32,
    pub tool: ToolInfo,
    pub api: ApiInfo,
    /// RFC 3339, UTC, whole seconds.
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: u64,
    /// The gate threshold this scan ran with.
    pub fail_on: Severity,
    pub preflight: Vec<PreflightLine>,
    /// One entry per applicable check × operation, passing ones included.
    pub cases: Vec<CaseResult>,
    /// Deduplicated findings, most severe first.
    pub findings: Vec<Finding>,
    pub stats: Stats,
    /// Distinct (method, URL) pairs the probes requested.
    pub scanned: Vec<(String, String)>,
    /// Things the scan skipped or could not read (spec warnings included).
    pub warnings: Vec<String>,
    /// Why the scan stopped before its end (an interrupt, a failed identity or object, a dead
    /// target, too many requests without an answer); `None` when it ran to the end. A halted
    /// scan is incomplete: it never passes the gate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub halted: Option<Halted>,
    /// Writes the scan could not undo (each with what it got): check them by hand.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_behind: Vec<String>,
    /// Operations no stage sent, each with its reason: excluded, unsafe by their words or a
    /// command-like parameter (held back unless included), or a write without
    /// `--allow-writes`. Absent in reports of older versions.
    #[serde(default)]
    pub not_sent: Vec<NotSent>,
    /// Tested and applicable cases, overall and per check family, with the not-tested reasons
    /// and the minimum the scan ran with. Absent (all zero) in reports of older versions.
    #[serde(default)]
    pub coverage: Coverage,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ApiInfo {
    pub title: String,
    /// The spec file as a forward-slash path relative to the repository root (or as given when
    /// it lies outside); SARIF and JUnit anchor findings to it.
    pub spec_path: String,
    pub base_url: String,
    pub operations: usize,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CaseResult {
    pub check: String,
    pub operation_id: String,
    pub method: String,
    pub path: String,
    pub line: usize,
    pub outcome: Outcome,
}

impl CaseResult {
    pub fn operation(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    Passed {
        probes: usize,
    },
    /// Indices into `Report::findings`.
    Failed {
        probes: usize,
        findings: Vec<usize>,
    },
    Skipped {
        reason: String,
    },
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    #[serde(flatten)]
    pub exec: ExecStats,
    pub probes: usize,
}

/// The `format_version` this build writes.
pub const FORMAT_VERSION: u32 = 1;

impl Report {
    /// Unsuppressed findings at or above the threshold: these fail the build.
    pub fn gating_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| self.is_gating(f))
    }

    /// At or above `--fail-on` and not accepted by the baseline or the ignore file.
    pub fn is_gating(&self, f: &Finding) -> bool {
        f.severity >= self.fail_on && f.suppressed.is_none()
    }

    /// Most severe first; case outcomes follow the new order.
    pub fn sort_findings(&mut self) {
        let (findings, cases) = (&mut self.findings, &mut self.cases);
        let mut order: Vec<usize> = (0..findings.len()).collect();
        order.sort_by(|a, b| {
            findings[*b]
                .severity
                .cmp(&findings[*a].severity)
                .then_with(|| findings[*a].operation().cmp(&findings[*b].operation()))
        });
        let mut new_index = vec![0; findings.len()];
        for (new, old) in order.iter().enumerate() {
            new_index[*old] = new;
        }
        for case in cases {
            if let Outcome::Failed { findings: f, .. } = &mut case.outcome {
                for i in f.iter_mut() {
                    *i = new_index[*i];
                }
            }
        }
        let mut old: Vec<Option<Finding>> = findings.drain(..).map(Some).collect();
        findings.extend(order.iter().filter_map(|i| old[*i].take()));
    }

    pub fn gate_failed(&self) -> bool {
        self.gating_findings().next().is_some()
    }

    /// The exit code this report calls for (see `exit.rs`): an interrupted scan 130 (SIGINT)
    /// or 143 (SIGTERM); a scan the target failed, that ran out of budget (`--max-requests`,
    /// `--max-duration`), that left writes behind or that tested less than `--min-coverage`,
    /// 3; otherwise the gate (1 with gating findings unless `report_only`, else 0).
    pub fn exit_code(&self, report_only: bool) -> i32 {
        match &self.halted {
            Some(Halted::Interrupted { signal }) if signal == "SIGTERM" => exit::SIGTERM,
            Some(Halted::Interrupted { .. }) => exit::SIGINT,
            Some(Halted::TargetFailed { .. } | Halted::Budget { .. }) => exit::TARGET,
            None if !self.left_behind.is_empty() => exit::TARGET,
            None if self.coverage.below_minimum.is_some() => exit::TARGET,
            None if !report_only && self.gate_failed() => exit::FINDINGS,
            None => exit::CLEAN,
        }
    }

    /// One line saying why the scan is incomplete, for every format.
    pub fn incomplete_notice(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(h) = &self.halted {
            parts.push(format!(
                "INCOMPLETE: the scan stopped early: {}",
                h.message()
            ));
        }
        if !self.left_behind.is_empty() {
            parts.push(format!(
                "NOT UNDONE: {} write(s) could not be undone: {}",
                self.left_behind.len(),
                self.left_behind.join("; ")
            ));
        }
        if let Some(why) = &self.coverage.below_minimum {
            parts.push(format!("NOT ENOUGH TESTED: {why}"));
        }
        (!parts.is_empty()).then(|| parts.join("\n"))
    }

    /// Operations held back by the fence or excluded by the user: listed one by one in every
    /// format (write methods without `--allow-writes` are only counted, see
    /// [`Report::writes_not_sent`]).
    pub fn held_back(&self) -> impl Iterator<Item = &NotSent> {
        self.not_sent
            .iter()
            .filter(|n| n.reason != NotSentReason::NeedsAllowWrites)
    }

    /// Write operations not sent because writes were not allowed.
    pub fn writes_not_sent(&self) -> usize {
        self.not_sent
            .iter()
            .filter(|n| n.reason == NotSentReason::NeedsAllowWrites)
            .count()
    }
}
