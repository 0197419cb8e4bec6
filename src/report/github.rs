//! GitHub Actions workflow commands: `::error file=…,line=…::` annotations and step outputs.

use super::Report;

/// GitHub shows at most 10 annotations of one type per step.
const MAX_ANNOTATIONS: usize = 10;

/// Workflow-command data must escape `%`, CR and LF; properties also `:` and `,`.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Inside GitHub Actions (`GITHUB_ACTIONS=true`): appends the Markdown summary to
/// `$GITHUB_STEP_SUMMARY` and the outputs to `$GITHUB_OUTPUT`, and returns the annotations
/// for stdout. Failing to append to GitHub's files is logged, never fatal.
pub fn github_actions(report: &Report, sarif: Option<&std::path::Path>) -> Option<String> {
    if std::env::var_os("GITHUB_ACTIONS").is_none_or(|v| v != "true") {
        return None;
    }
    let append = |var: &str, text: &str| {
        let Some(path) = std::env::var_os(var) else {
            return;
        };
        let result = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
        if let Err(e) = result {
            tracing::warn!("failed to append to ${var}: {e}");
        }
    };
    append(
        "GITHUB_STEP_SUMMARY",
        &super::markdown::render_markdown(report),
    );
    let sarif = sarif.map(|p| p.to_string_lossy().into_owned());
    append("GITHUB_OUTPUT", &render_outputs(report, sarif.as_deref()));
    Some(render_annotations(report))
}

/// `::error` for findings that fail the gate, `::warning` for the rest.
pub(super) fn render_annotations(report: &Report) -> String {
    let mut out = String::new();
    for (kind, gating) in [("error", true), ("warning", false)] {
        for f in report
            .findings
            .iter()
            .filter(|f| report.is_gating(f) == gating)
            .take(MAX_ANNOTATIONS)
        {
            out.push_str(&format!(
                "::{kind} file={},line={},title={}::{}\n",
                escape_property(&report.api.spec_path),
                f.line.max(1),
                escape_property(&format!(
                    "apileak {} ({}) {}",
                    f.check,
                    f.owasp,
                    f.operation()
                )),
                escape_data(&format!("{}\nreproduce: {}", f.message, f.evidence.curl))
            ));
        }
    }
    out
}

/// Lines for `$GITHUB_OUTPUT`.
pub(super) fn render_outputs(report: &Report, sarif: Option<&str>) -> String {
    let mut out = format!(
        "findings={}\ngating-findings={}\n",
        report.findings.len(),
        report.gating_findings().count()
    );
    if let Some(path) = sarif {
        out.push_str(&format!("sarif={path}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_workflow_commands() {
        assert_eq!(escape_data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(escape_property("x:y,z"), "x%3Ay%2Cz");
    }
}
