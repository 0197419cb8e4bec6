//! Markdown summary, for `$GITHUB_STEP_SUMMARY` and merge-request comments.

use super::coverage::whole_percent;
use super::{Outcome, Report};

/// GitHub caps a step summary at 1 MiB; stay far below it.
const MAX_ROWS: usize = 200;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub(super) fn render_markdown(report: &Report) -> String {
    let gating = report.gating_findings().count();
    let verdict = if let Some(notice) = report.incomplete_notice() {
        format!("⚠️ **{}**", cell(&notice))
    } else if gating > 0 {
        format!(
            "❌ **{gating} finding(s) at or above `{}`**",
            report.fail_on
        )
    } else {
        format!("✅ no finding at or above `{}`", report.fail_on)
    };
    let mut out = format!(
        "## apileak: {}\n\n{verdict} · {} finding(s) in total · {} operations · {} requests\n\n",
        cell(&report.api.title),
        report.findings.len(),
        report.api.operations,
        report.stats.exec.requests
    );
    if !report.findings.is_empty() {
        out.push_str("| severity | check | operation | as | evidence |\n|---|---|---|---|---|\n");
        for f in report.findings.iter().take(MAX_ROWS) {
            let evidence: Vec<String> = f
                .evidence
                .matches
                .iter()
                .take(3)
                .map(|m| format!("`{}`", cell(&m.pointer)))
                .collect();
            out.push_str(&format!(
                "| {} | `{}` ({}) | `{}` | {} | {} {} |\n",
                f.severity,
                f.check,
                f.owasp,
                cell(&f.operation()),
                cell(&f.evidence.identity),
                f.evidence.status,
                evidence.join(", ")
            ));
        }
        if report.findings.len() > MAX_ROWS {
            out.push_str(&format!(
                "\n…and {} more; see the JSON report.\n",
                report.findings.len() - MAX_ROWS
            ));
        }
    }
    out.push_str(&coverage(report));
    let skipped: Vec<String> = report
        .cases
        .iter()
        .filter_map(|c| match &c.outcome {
            Outcome::Skipped { reason } => Some(format!(
                "- `{}` on `{}`: {}",
                c.check,
                cell(&c.operation()),
                cell(reason)
            )),
            _ => None,
        })
        .take(MAX_ROWS)
        .collect();
    if !skipped.is_empty() {
        out.push_str(&format!(
            "\n<details><summary>{} skipped check(s)</summary>\n\n{}\n\n</details>\n",
            skipped.len(),
            skipped.join("\n")
        ));
    }
    let held: Vec<String> = report
        .held_back()
        .take(MAX_ROWS)
        .map(|n| format!("- `{}`: {}", cell(&n.operation()), cell(&n.why)))
        .collect();
    let writes = report.writes_not_sent();
    if !held.is_empty() || writes > 0 {
        let mut lines = held.join("\n");
        if writes > 0 {
            if !lines.is_empty() {
                lines.push('\n');
            }
            lines.push_str(&format!(
                "- {writes} write operation(s) (POST/PUT/PATCH/DELETE): need `--allow-writes`"
            ));
        }
        out.push_str(&format!(
            "\n<details><summary>{} operation(s) not sent</summary>\n\n{lines}\n\n</details>\n",
            report.held_back().count() + writes
        ));
    }
    if !report.preflight.is_empty() {
        out.push_str("\n<details><summary>preflight</summary>\n\n");
        for p in &report.preflight {
            out.push_str(&format!(
                "- {} ({}) `{}`: {}\n",
                p.identity.name(),
                cell(&p.credential),
                p.operation,
                cell(&p.verdict)
            ));
        }
        out.push_str("\n</details>\n");
    }
    out
}

/// Per family, then per check: cases tested of those that applied; then the not-tested
/// reasons per family.
fn coverage(report: &Report) -> String {
    let cov = &report.coverage;
    if cov.applicable == 0 {
        return String::new();
    }
    let mut out = format!(
        "\n### Coverage: {} of {} cases tested ({}%)\n\n",
        cov.tested,
        cov.applicable,
        whole_percent(cov.tested, cov.applicable)
    );
    if let Some(why) = &cov.below_minimum {
        out.push_str(&format!("❌ **{}**\n\n", cell(why)));
    }
    out.push_str(
        "| family / check | tested | passed | failed | not tested |\n|---|---|---|---|---|\n",
    );
    for family in &cov.families {
        out.push_str(&format!(
            "| **{}** | **{} of {} ({}%)** | | | {} |\n",
            cell(&family.title),
            family.tested,
            family.applicable,
            whole_percent(family.tested, family.applicable),
            family.not_tested_count()
        ));
        for c in &family.checks {
            out.push_str(&format!(
                "| `{}` | {} of {} | {} | {} | {} |\n",
                cell(&c.check),
                c.passed + c.failed,
                c.passed + c.failed + c.not_tested,
                c.passed,
                c.failed,
                c.not_tested
            ));
        }
    }
    let untested: Vec<_> = cov
        .families
        .iter()
        .filter(|f| !f.not_tested.is_empty())
        .collect();
    if !untested.is_empty() {
        out.push_str("\nNot tested, by reason:\n\n");
        for family in untested {
            out.push_str(&format!("- {}:\n", cell(&family.title)));
            for r in &family.not_tested {
                out.push_str(&format!("  - {} × {}\n", r.count, cell(&r.reason)));
            }
        }
    }
    out
}
