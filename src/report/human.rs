//! The terminal report: preflight, findings as grouped diagnostics (one entry per request, every
//! check that flagged it named), coverage per check family with the not-tested reasons, and a
//! verdict.
//! Pure: the width and the colour choice are inputs, decided by `cmd/` (cargo and ruff do the same).

use std::collections::BTreeMap;

use super::coverage::whole_percent;
use super::{Outcome, Report};
use crate::findings::{Finding, Severity, Suppression};

/// How to lay the report out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    /// Columns to wrap at (the terminal's width, or [`Look::PLAIN_WIDTH`] when piped).
    pub width: usize,
    /// ANSI colours (severity, headings).
    pub color: bool,
}

impl Look {
    /// Wide enough for a repro line in a CI log, narrow enough for a diff view.
    pub const PLAIN_WIDTH: usize = 100;
    /// Below this the layout stops making sense; narrower terminals wrap it themselves.
    const MIN_WIDTH: usize = 40;

    /// No colour, [`Look::PLAIN_WIDTH`] columns: files, pipes, tests.
    pub fn plain() -> Look {
        Look {
            width: Look::PLAIN_WIDTH,
            color: false,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "1;33",
            Severity::Low => "1;36",
            Severity::Info => "1;34",
        };
        self.paint(code, &s.to_string().to_uppercase())
    }
}

pub fn render_human(report: &Report, look: Look) -> String {
    let look = Look {
        width: look.width.max(Look::MIN_WIDTH),
        ..look
    };
    let mut out = format!(
        "{} — {} ({} operations) at {}\n",
        look.bold(&format!("apileak {}", report.tool.version)),
        report.api.title,
        report.api.operations,
        report.api.base_url
    );
    for p in &report.preflight {
        let line = format!(
            "  preflight {:<9} {} ({}): {}",
            p.identity.name(),
            p.operation,
            p.credential,
            p.verdict
        );
        // Kept whole: scripts and tests grep these lines for the identity's verdict.
        out.push_str(&line);
        out.push('\n');
    }
    if report.findings.is_empty() {
        out.push_str("\nNo findings.\n");
    } else {
        out.push_str(&findings(report, look));
    }
    out.push_str(&not_sent(report));
    if let Some(transport) = report.stats.exec.transport_summary() {
        out.push_str(&format!("\ntransport: {transport}\n"));
    }
    if let Some(rate) = &report.stats.exec.rate {
        out.push_str(&format!("\n{}\n", rate.summary()));
    }
    out.push_str(&coverage(report, look));
    if let Some(notice) = report.incomplete_notice() {
        out.push_str(&format!("\n{}\n", look.paint("1;31", &notice)));
    }
    let (passed, failed, skipped) = case_counts(report.cases.iter().map(|c| &c.outcome));
    let gating = report.gating_findings().count();
    let verdict = format!(
        "{} findings ({gating} at or above --fail-on {}); {} cases (check × operation): {passed} passed, {failed} failed, {skipped} not tested; {} requests in {} ms",
        report.findings.len(),
        report.fail_on,
        report.cases.len(),
        report.stats.exec.requests,
        report.duration_ms
    );
    out.push('\n');
    out.push_str(&look.bold(&wrap(&verdict, look.width, "")));
    out.push('\n');
    out
}

/// Findings that share one evidence request (method, URL, identity): one root cause that
/// several checks recognised. Indices into `report.findings`, in report order.
fn same_request_groups(findings: &[Finding]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut index: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        let key = (
            f.evidence.method.as_str(),
            f.evidence.url.as_str(),
            f.evidence.identity.as_str(),
        );
        match index.get(&key) {
            Some(g) => groups[*g].push(i),
            None => {
                index.insert(key, groups.len());
                groups.push(vec![i]);
            }
        }
    }
    groups
}

fn findings(report: &Report, look: Look) -> String {
    let groups = same_request_groups(&report.findings);
    let mut out = format!(
        "\n{}\n",
        look.bold(&format!(
            "Findings: {} on {} request{}",
            report.findings.len(),
            groups.len(),
            if groups.len() == 1 { "" } else { "s" }
        ))
    );
    let base = report.api.base_url.trim_end_matches('/');
    for group in groups {
        let members: Vec<&Finding> = group.iter().map(|i| &report.findings[*i]).collect();
        // Report order is most severe first, so the first member sets the entry's severity.
        let first = members[0];
        let mut checks: Vec<String> = Vec::new();
        for f in &members {
            let named = format!("{} ({})", f.check, f.owasp);
            if !checks.contains(&named) {
                checks.push(named);
            }
        }
        let suppressed = match &first.suppressed {
            None => String::new(),
            Some(Suppression::Baseline) => format!(" {}", look.dim("[baseline]")),
            Some(Suppression::Ignored { .. }) => format!(" {}", look.dim("[ignored]")),
        };
        out.push('\n');
        let head = format!("{} {}", first.operation(), checks.join(", "));
        let label = first.severity.to_string().to_uppercase();
        let wrapped = wrap(&head, look.width.saturating_sub(label.len() + 1), "");
        let mut lines = wrapped.lines();
        out.push_str(&format!(
            "{} {}{suppressed}\n",
            look.severity(first.severity),
            lines.next().unwrap_or_default()
        ));
        for rest in lines {
            out.push_str(&format!("{:w$}{rest}\n", "", w = label.len() + 1));
        }
        let ev = &first.evidence;
        let path = ev.url.strip_prefix(base).unwrap_or(&ev.url);
        let mut who = format!("as {}: {} {} → {}", ev.identity, ev.method, path, ev.status);
        if let Some(victim) = first.victim {
            who.push_str(&format!(" (victim: {})", victim.name()));
        }
        push_field(&mut out, look, "who", &who);
        push_field(&mut out, look, "what", &first.message);
        if let Some(evidence) = evidence_line(&members) {
            push_field(&mut out, look, "evidence", &evidence);
        }
        push_field(&mut out, look, "repro", &ev.curl);
    }
    out
}

/// `  who:      text`, continuation lines under the text.
fn push_field(out: &mut String, look: Look, name: &str, text: &str) {
    const INDENT: usize = 12;
    let indent = " ".repeat(INDENT);
    let body = wrap(text, look.width.saturating_sub(INDENT), "");
    for (i, line) in body.lines().enumerate() {
        if i == 0 {
            let label = format!("  {name}:");
            out.push_str(&format!(
                "{}{}{line}\n",
                look.dim(&label),
                " ".repeat(INDENT.saturating_sub(label.len()))
            ));
        } else {
            out.push_str(&format!("{indent}{line}\n"));
        }
    }
}

/// The values that prove it, from every check in the entry, each once.
fn evidence_line(members: &[&Finding]) -> Option<String> {
    const SHOWN: usize = 3;
    let mut all: Vec<String> = Vec::new();
    for f in members {
        for m in &f.evidence.matches {
            let item = format!("{}={}", m.pointer, shorten(&m.value));
            if !all.contains(&item) {
                all.push(item);
            }
        }
    }
    if all.is_empty() {
        return None;
    }
    let mut line = all
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if all.len() > SHOWN {
        line.push_str(&format!(" (+{} more in the reports)", all.len() - SHOWN));
    }
    Some(line)
}

fn case_counts<'a>(outcomes: impl Iterator<Item = &'a Outcome>) -> (usize, usize, usize) {
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for o in outcomes {
        match o {
            Outcome::Passed { .. } => passed += 1,
            Outcome::Failed { .. } => failed += 1,
            Outcome::Skipped { .. } => skipped += 1,
        }
    }
    (passed, failed, skipped)
}

/// Per family: cases tested of those that applied, then why the rest was not tested (the
/// reason often names what would unlock it). The per-check detail is in Markdown and HTML.
fn coverage(report: &Report, look: Look) -> String {
    let cov = &report.coverage;
    if cov.applicable == 0 {
        return String::new();
    }
    let mut out = format!(
        "\n{}\n",
        look.bold(&format!(
            "Coverage: {} of {} cases tested ({}%)",
            cov.tested,
            cov.applicable,
            whole_percent(cov.tested, cov.applicable)
        ))
    );
    for family in &cov.families {
        let head = format!(
            "{}: {} of {} case{} tested ({}%){}",
            family.title,
            family.tested,
            family.applicable,
            if family.applicable == 1 { "" } else { "s" },
            whole_percent(family.tested, family.applicable),
            if family.not_tested.is_empty() {
                ""
            } else {
                "; not tested:"
            }
        );
        push_wrapped(&mut out, look, "  ", "    ", &head);
        let count_width = family
            .not_tested
            .iter()
            .map(|r| r.count.to_string().len())
            .max()
            .unwrap_or(1);
        for r in &family.not_tested {
            let first = format!("    {:>count_width$} × ", r.count);
            let rest = " ".repeat(first.chars().count());
            push_wrapped(&mut out, look, &first, &rest, &r.reason);
        }
    }
    out
}

/// `text` wrapped to the width after `first` (on line one) or `rest` (after that).
fn push_wrapped(out: &mut String, look: Look, first: &str, rest: &str, text: &str) {
    let body = wrap(text, look.width.saturating_sub(rest.chars().count()), "");
    for (i, line) in body.lines().enumerate() {
        out.push_str(if i == 0 { first } else { rest });
        out.push_str(line);
        out.push('\n');
    }
}

/// Wraps at spaces to `width` columns; a word longer than a line (a URL) keeps its own line
/// whole rather than being cut. `indent` starts each continuation line.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    for (n, paragraph) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        // A line that fits keeps its own spacing (aligned columns).
        if paragraph.chars().count() <= width {
            out.push_str(paragraph);
            continue;
        }
        let lead = paragraph.len() - paragraph.trim_start().len();
        out.push_str(&paragraph[..lead]);
        let mut line_len = lead;
        let mut first = true;
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let len = word.chars().count();
            if first {
                first = false;
            } else if line_len + 1 + len > width {
                out.push('\n');
                out.push_str(indent);
                line_len = indent.chars().count();
            } else {
                out.push(' ');
                line_len += 1;
            }
            out.push_str(word);
            line_len += len;
        }
    }
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

/// Long values (stack traces, URLs) would swamp the line; the JSON report has them whole.
fn shorten(value: &str) -> String {
    const MAX: usize = 40;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        format!("{}…", value.chars().take(MAX).collect::<String>())
    }
}
