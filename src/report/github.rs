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

/// `::error` for findings that fail the gate, `::warning` for the rest.
pub fn render_annotations(report: &Report) -> String {
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
pub fn render_outputs(report: &Report, sarif: Option<&str>) -> String {
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
