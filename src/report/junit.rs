//! JUnit XML: one `<testcase>` per operation × check, passing and skipped ones included.
//! `<failure>` means exactly "this fails the gate"; below-threshold findings go to system-out
//! (see ../shared/REPORTS.md: GitLab reads only the failure text, not its message attribute).

use std::time::Duration;

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use super::{Outcome, Report};
use crate::findings::Finding;

pub(super) fn render_junit(report: &Report) -> Result<String, String> {
    let mut suite = TestSuite::new(format!("apileak: {}", report.api.title));
    for case in &report.cases {
        let status = match &case.outcome {
            Outcome::Passed { .. } => TestCaseStatus::success(),
            Outcome::Skipped { reason } => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(reason.clone());
                s
            }
            Outcome::Failed { findings, .. } => {
                let found: Vec<&Finding> = findings
                    .iter()
                    .filter_map(|i| report.findings.get(*i))
                    .collect();
                if found.iter().any(|f| report.is_gating(f)) {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_type(found[0].owasp.clone());
                    s.set_message(found[0].message.clone());
                    s.set_description(
                        found
                            .iter()
                            .map(|f| describe(f))
                            .collect::<Vec<_>>()
                            .join("\n\n"),
                    );
                    s
                } else {
                    TestCaseStatus::success()
                }
            }
        };
        let mut tc = TestCase::new(format!("{} [{}]", case.operation(), case.check), status);
        // Jenkins splits classname at the last dot; keep dots out of it.
        tc.set_classname(format!("apileak.{}", case.check.replace('.', "_")));
        tc.set_time(Duration::ZERO);
        tc.extra
            .insert("file".into(), report.api.spec_path.clone().into());
        tc.extra.insert("line".into(), case.line.to_string().into());
        if let Outcome::Failed { findings, .. } = &case.outcome {
            let below: Vec<String> = findings
                .iter()
                .filter_map(|i| report.findings.get(*i))
                .filter(|f| !report.is_gating(f))
                .map(describe)
                .collect();
            if !below.is_empty() {
                tc.set_system_out(format!(
                    "not gating (below --fail-on {}, or accepted by the baseline / ignore file):\n{}",
                    report.fail_on,
                    below.join("\n\n")
                ));
            }
        }
        suite.add_test_case(tc);
    }
    // Not tested at all: skipped cases, one per held-back operation (writes only counted).
    for n in report.held_back() {
        let mut status = TestCaseStatus::skipped();
        status.set_message(format!("not sent: {}", n.why));
        let mut tc = TestCase::new(format!("{} [not-sent]", n.operation()), status);
        tc.set_classname("apileak.not-sent");
        tc.set_time(Duration::ZERO);
        tc.extra
            .insert("file".into(), report.api.spec_path.clone().into());
        tc.extra.insert("line".into(), n.line.to_string().into());
        suite.add_test_case(tc);
    }
    let writes = report.writes_not_sent();
    if writes > 0 {
        suite.add_property(quick_junit::Property::new(
            "apileak.writes-not-sent",
            format!("{writes} (need --allow-writes)"),
        ));
    }
    suite.set_time(Duration::from_millis(report.duration_ms));
    let mut junit = quick_junit::Report::new("apileak");
    junit.set_time(Duration::from_millis(report.duration_ms));
    junit.add_test_suite(suite);
    junit.to_string().map_err(|e| e.to_string())
}

fn describe(f: &Finding) -> String {
    let mut out = format!(
        "[{} {}] {}\n{} {} -> {}\nreproduce: {}",
        f.severity,
        f.owasp,
        f.message,
        f.evidence.method,
        f.evidence.url,
        f.evidence.status,
        f.evidence.curl
    );
    for m in &f.evidence.matches {
        out.push_str(&format!("\n  {} = {}", m.pointer, m.value));
    }
    out
}
