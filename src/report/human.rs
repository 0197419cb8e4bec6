//! The terminal report: preflight, a findings table and a one-line verdict.

use tabled::settings::peaker::Priority;
use tabled::settings::{Style, Width};
use tabled::{Table, Tabled};

use super::{Outcome, Report};
use crate::findings::Suppression;

/// Fits a CI log and an 80-column-plus terminal without wrapping every cell.
const TABLE_WIDTH: usize = 120;

#[derive(Tabled)]
struct Row {
    #[tabled(rename = "severity")]
    severity: String,
    #[tabled(rename = "check")]
    check: String,
    #[tabled(rename = "operation")]
    operation: String,
    #[tabled(rename = "as")]
    identity: String,
    #[tabled(rename = "evidence")]
    evidence: String,
}

pub fn render_human(report: &Report) -> String {
    let mut out = format!(
        "apileak {} — {} ({} operations) at {}\n",
        report.tool.version, report.api.title, report.api.operations, report.api.base_url
    );
    for p in &report.preflight {
        out.push_str(&format!(
            "  preflight {:<9} {} ({}): {}\n",
            p.identity.name(),
            p.operation,
            p.credential,
            p.verdict
        ));
    }
    if report.findings.is_empty() {
        out.push_str("\nNo findings.\n");
    } else {
        let rows = report.findings.iter().map(|f| Row {
            severity: match &f.suppressed {
                None => f.severity.to_string(),
                Some(Suppression::Baseline) => format!("{}\n(baseline)", f.severity),
                Some(Suppression::Ignored { .. }) => format!("{}\n(ignored)", f.severity),
            },
            check: format!("{}\n{}", f.check, f.owasp),
            // The concrete request without scheme and host: the header line names the target.
            operation: format!(
                "{}\n{}",
                f.operation(),
                f.evidence
                    .url
                    .strip_prefix(report.api.base_url.trim_end_matches('/'))
                    .unwrap_or(&f.evidence.url)
            ),
            identity: f.evidence.identity.clone(),
            evidence: {
                let mut e = format!("{} ", f.evidence.status);
                let shown: Vec<String> = f
                    .evidence
                    .matches
                    .iter()
                    .take(3)
                    .map(|m| format!("{}={}", m.pointer, shorten(&m.value)))
                    .collect();
                e.push_str(&shown.join(", "));
                if f.evidence.matches.len() > 3 {
                    e.push_str(&format!(" (+{})", f.evidence.matches.len() - 3));
                }
                e
            },
        });
        let mut table = Table::new(rows);
        // Shrink the widest column first so short ones (severity, check) stay readable.
        table.with(Style::sharp()).with(
            Width::wrap(TABLE_WIDTH)
                .priority(Priority::max(true))
                .keep_words(true),
        );
        out.push('\n');
        out.push_str(&table.to_string());
        out.push('\n');
    }
    out.push_str(&not_sent(report));
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for c in &report.cases {
        match c.outcome {
            Outcome::Passed { .. } => passed += 1,
            Outcome::Failed { .. } => failed += 1,
            Outcome::Skipped { .. } => skipped += 1,
        }
    }
    if let Some(transport) = report.stats.exec.transport_summary() {
        out.push_str(&format!("\ntransport: {transport}\n"));
    }
    if let Some(rate) = &report.stats.exec.rate {
        out.push_str(&format!("\n{}\n", rate.summary()));
    }
    if let Some(notice) = report.incomplete_notice() {
        out.push_str(&format!("\n{notice}\n"));
    }
    out.push_str(&format!(
        "\n{} findings ({} at or above --fail-on {}); checks: {passed} passed, {failed} failed, {skipped} skipped; {} requests in {} ms\n",
        report.findings.len(),
        report.gating_findings().count(),
        report.fail_on,
        report.stats.exec.requests,
        report.duration_ms
    ));
    out
}

/// Operations no stage sent: held back or excluded ones by name, writes as a count.
fn not_sent(report: &Report) -> String {
    /// Enough to read on a terminal; the JSON report lists them all.
    const MAX_LINES: usize = 25;
    let held: Vec<_> = report.held_back().collect();
    let writes = report.writes_not_sent();
    let mut out = String::new();
    if !held.is_empty() {
        out.push_str(&format!(
            "\nNot sent ({}; --include PATTERN sends one anyway):\n",
            held.len()
        ));
        let width = held
            .iter()
            .take(MAX_LINES)
            .map(|n| n.operation().chars().count())
            .max()
            .unwrap_or(0);
        for n in held.iter().take(MAX_LINES) {
            out.push_str(&format!("  {:<width$}  {}\n", n.operation(), n.why));
        }
        if held.len() > MAX_LINES {
            out.push_str(&format!(
                "  …and {} more (see the JSON report)\n",
                held.len() - MAX_LINES
            ));
        }
    }
    if writes > 0 {
        out.push_str(&format!(
            "\nNot sent: {writes} write operation{} (POST/PUT/PATCH/DELETE): {} --allow-writes.\n",
            if writes == 1 { "" } else { "s" },
            if writes == 1 { "needs" } else { "need" }
        ));
    }
    out
}

/// Long values (stack traces, URLs) would swamp the table; the JSON report has them whole.
fn shorten(value: &str) -> String {
    const MAX: usize = 40;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        format!("{}…", value.chars().take(MAX).collect::<String>())
    }
}
