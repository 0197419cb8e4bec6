//! Stage 6, verdicts: each case judged from its own exchanges (failed, passed with the probes
//! that really judged something, or not tested with why), findings deduplicated and sorted,
//! suppressions applied: the finished report.

use std::collections::HashMap;

use crate::checks::{self, CheckMeta, Planned};
use crate::config::ScanConfig;
use crate::findings::Finding;
use crate::model::Operation;
use crate::report::{
    ApiInfo, CaseResult, Coverage, FORMAT_VERSION, Outcome, Report, Stats, ToolInfo,
};

use super::Outcomes;

/// When the scan started, for the report.
pub(super) struct Clock {
    pub(super) started: std::time::Instant,
    pub(super) started_at: String,
}

impl Clock {
    pub(super) fn start() -> Clock {
        Clock {
            started: std::time::Instant::now(),
            started_at: now_seconds(),
        }
    }
}

/// Judges every case and builds the report.
pub(super) fn judge(outcomes: Outcomes, config: &ScanConfig, clock: Clock) -> Report {
    let Outcomes {
        plan,
        exchanges,
        left_behind,
        stats,
        scanned,
    } = outcomes;
    let cx = plan.cx();
    let session = &plan.inventories.session;
    let targets = &session.targets;
    let api = &targets.api;
    let api_wide = Operation::api_wide();
    let mut findings: Vec<Finding> = Vec::new();
    let mut by_fingerprint: HashMap<String, usize> = HashMap::new();
    let mut cases = Vec::with_capacity(plan.plan.entries.len());
    let mut probes_sent = 0;
    for (entry, got_all) in plan.plan.entries.iter().zip(&exchanges) {
        let check = &targets.checks[entry.check];
        let op = entry.operation.map_or(&api_wide, |i| &api.operations[i]);
        let outcome = match &entry.planned {
            Planned::NotApplicable => continue,
            Planned::Skipped(reason) => Outcome::Skipped {
                reason: reason.clone(),
            },
            Planned::Probes(probes) => {
                let mut hits = Vec::new();
                let mut judged = 0;
                let mut unanswered = None;
                for (probe, got) in probes.iter().zip(got_all) {
                    probes_sent += 1;
                    // A probe judges only when every request of it got an answer.
                    match got.iter().find(|ex| ex.status.is_none()) {
                        Some(ex) => {
                            unanswered.get_or_insert_with(|| {
                                ex.error.clone().unwrap_or_else(|| "no response".into())
                            });
                        }
                        None if !got.is_empty() => judged += 1,
                        None => {}
                    }
                    if let Some(f) = check.evaluate(op, probe, got, &cx) {
                        // Same root cause reached twice (two of B's objects): one finding.
                        let index =
                            *by_fingerprint
                                .entry(f.fingerprint.clone())
                                .or_insert_with(|| {
                                    findings.push(f);
                                    findings.len() - 1
                                });
                        if !hits.contains(&index) {
                            hits.push(index);
                        }
                    }
                }
                if !hits.is_empty() {
                    Outcome::Failed {
                        probes: probes.len(),
                        findings: hits,
                    }
                } else if judged == 0 {
                    Outcome::Skipped {
                        reason: format!(
                            "not tested: {}",
                            unanswered.unwrap_or_else(|| "no probe was sent".into())
                        ),
                    }
                } else {
                    Outcome::Passed { probes: judged }
                }
            }
        };
        cases.push(CaseResult {
            check: check.meta().id.clone(),
            operation_id: op.id.clone(),
            method: op.method.to_string(),
            path: op.path.clone(),
            line: op.location.line,
            outcome,
        });
    }
    let mut not_sent = targets.not_sent.clone();
    not_sent.extend(crate::model::needs_allow_writes(
        api,
        config.exec.allow_writes,
        checks::find_login_operation(api, plan.settings.login_operation.as_ref()),
    ));
    let mut report = Report {
        format_version: FORMAT_VERSION,
        tool: ToolInfo {
            name: "apileak".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        api: ApiInfo {
            title: api.title.clone(),
            spec_path: targets.spec_path.clone(),
            base_url: targets.base_url.to_string(),
            operations: api.operations.len(),
        },
        started_at: clock.started_at,
        finished_at: now_seconds(),
        scanned,
        duration_ms: u64::try_from(clock.started.elapsed().as_millis()).unwrap_or(u64::MAX),
        fail_on: config.gate.fail_on,
        preflight: super::public::preflight(&session.preflight),
        cases,
        findings,
        stats: Stats {
            exec: super::public::stats(&stats),
            probes: probes_sent,
        },
        warnings: targets.warnings.clone(),
        halted: session.exec.halt().reason().map(super::public::halted),
        left_behind,
        not_sent,
        coverage: Coverage::default(),
    };
    let metas: Vec<CheckMeta> = targets.checks.iter().map(|c| c.meta().clone()).collect();
    report.coverage = Coverage::of(&report.cases, &metas).with_minimum(config.gate.min_coverage);
    // Freeing every exchange, probe and inventory takes a while on a large API; nothing waits
    // for it, so it happens beside the report instead of before it.
    std::thread::spawn(move || drop((plan, exchanges)));
    report.sort_findings();
    crate::findings::apply_suppressions(
        &mut report.findings,
        config.gate.baseline.as_ref(),
        config.gate.ignore.as_ref(),
    );
    report
}

/// RFC 3339 UTC, whole seconds (GitLab's schema allows no fractions).
fn now_seconds() -> String {
    let now = jiff::Timestamp::now();
    now.round(jiff::Unit::Second).unwrap_or(now).to_string()
}
