//! GitLab Code Quality report: the merge-request widget on tiers without the security tab.

use serde::Serialize;

use super::Report;
use crate::findings::Severity;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: &'a str,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Low => "minor",
        Severity::Medium => "major",
        Severity::High => "critical",
        Severity::Critical => "blocker",
    }
}

pub(super) fn render_codequality(report: &Report) -> Result<String, String> {
    let issues: Vec<Issue<'_>> = report
        .findings
        .iter()
        .map(|f| Issue {
            description: format!("[{}] {} — {}", f.owasp, f.operation(), f.message),
            check_name: &f.check,
            fingerprint: &f.fingerprint,
            severity: severity(f.severity),
            location: Location {
                path: &report.api.spec_path,
                lines: Lines {
                    begin: f.line.max(1),
                },
            },
        })
        .collect();
    serde_json::to_string_pretty(&issues).map_err(|e| e.to_string())
}
