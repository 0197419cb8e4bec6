//! SARIF 2.1.0 for GitHub code scanning, as a small typed model (as ruff does).
//!
//! GitHub rejects a whole file when one result lacks a location or points at an `http(s)://`
//! URI, so every result is anchored at the spec file (repository-relative) and the
//! operation's line (../shared/REPORTS.md).

use serde::Serialize;

use super::{Coverage, Report};
use crate::checks::CheckMeta;
use crate::findings::Severity;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'a str,
    version: &'a str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    automation_details: AutomationDetails,
    results: Vec<SarifResult<'a>>,
    /// Present when the scan stopped early or left writes behind: not a successful run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invocations: Vec<Invocation>,
    #[serde(skip_serializing_if = "RunProperties::is_empty")]
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

/// What the scan did not send: operations held back or excluded, and a count of writes
/// refused without `--allow-writes` (a property bag: GitHub ignores it, other viewers show it).
#[derive(Serialize)]
struct RunProperties<'a> {
    #[serde(rename = "apileak/notSent", skip_serializing_if = "Vec::is_empty")]
    not_sent: Vec<NotSentEntry<'a>>,
    #[serde(rename = "apileak/writesNotSent", skip_serializing_if = "is_zero")]
    writes_not_sent: usize,
    /// The report's coverage figures as they are (tested, applicable, percent, per family):
    /// a run without results may still have tested little.
    #[serde(rename = "apileak/coverage", skip_serializing_if = "Option::is_none")]
    coverage: Option<&'a Coverage>,
}

impl RunProperties<'_> {
    fn is_empty(&self) -> bool {
        self.not_sent.is_empty() && self.writes_not_sent == 0 && self.coverage.is_none()
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotSentEntry<'a> {
    operation: String,
    operation_id: &'a str,
    line: usize,
    why: &'a str,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'a str,
    version: &'a str,
    /// Where to learn about the tool (the SARIF multitool warns without it, SARIF2005).
    information_uri: &'a str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: String,
    short_description: Text<'a>,
    full_description: Text<'a>,
    help: Help<'a>,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct Help<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    #[serde(rename = "security-severity")]
    security_severity: String,
    precision: &'static str,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: OwnedText,
    locations: Vec<Location<'a>>,
    partial_fingerprints: Fingerprints<'a>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
struct OwnedText {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation<'a>,
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation<'a>,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct Fingerprints<'a> {
    #[serde(rename = "apileak/v1")]
    apileak: &'a str,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    method: &'a str,
    path: &'a str,
    owasp: &'a str,
    severity: Severity,
    confidence: crate::findings::Confidence,
    url: &'a str,
    status: u16,
    identity: &'a str,
    reproduce: &'a str,
    evidence: &'a [crate::findings::Match],
}

/// critical/high → error, medium → warning, low/info → note.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// `bola-read` → `BolaRead`.
fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `apileak/cadence-fitness-api/`: one category per API, so uploads of different APIs don't
/// replace each other.
fn automation_id(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    format!("apileak/{}/", if slug.is_empty() { "api" } else { slug })
}

pub(super) fn render_sarif(report: &Report, catalogue: &[CheckMeta]) -> Result<String, String> {
    let rules: Vec<Rule<'_>> = catalogue
        .iter()
        .map(|m| Rule {
            id: &m.id,
            name: pascal(&m.id),
            short_description: Text { text: &m.name },
            full_description: Text { text: &m.summary },
            help: Help {
                text: &m.summary,
                markdown: &m.description,
            },
            default_configuration: Configuration {
                level: level(m.severity),
            },
            properties: RuleProperties {
                tags: std::iter::once("security".to_owned())
                    .chain(std::iter::once(format!(
                        "owasp-api-{}",
                        m.owasp
                            .split(':')
                            .next()
                            .unwrap_or_default()
                            .to_ascii_lowercase()
                    )))
                    .chain(m.cwe.iter().map(|c| format!("external/cwe/cwe-{c}")))
                    .collect(),
                security_severity: format!("{:.1}", m.cvss),
                precision: "high",
            },
        })
        .collect();
    let mut results = Vec::with_capacity(report.findings.len());
    for f in &report.findings {
        let rule_index = catalogue
            .iter()
            .position(|m| m.id == f.check)
            .ok_or_else(|| format!("finding for unknown check `{}`", f.check))?;
        results.push(SarifResult {
            rule_id: &f.check,
            rule_index,
            level: level(f.severity),
            message: OwnedText {
                text: f.message.clone(),
            },
            locations: vec![Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation {
                        uri: &report.api.spec_path,
                    },
                    region: Region {
                        start_line: f.line.max(1),
                    },
                },
                logical_locations: vec![LogicalLocation {
                    name: f.operation(),
                    fully_qualified_name: format!("{}/{}", report.api.title, f.operation()),
                    kind: "function",
                }],
            }],
            partial_fingerprints: Fingerprints {
                apileak: &f.fingerprint,
            },
            properties: ResultProperties {
                method: &f.method,
                path: &f.path,
                owasp: &f.owasp,
                severity: f.severity,
                confidence: f.confidence,
                url: &f.evidence.url,
                status: f.evidence.status,
                identity: &f.evidence.identity,
                reproduce: &f.evidence.curl,
                evidence: &f.evidence.matches,
            },
        });
    }
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "apileak",
                    version: &report.tool.version,
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules,
                },
            },
            automation_details: AutomationDetails {
                id: automation_id(&report.api.title),
            },
            results,
            invocations: report
                .incomplete_notice()
                .map(|notice| Invocation {
                    execution_successful: false,
                    tool_execution_notifications: notice
                        .lines()
                        .map(|line| Notification {
                            level: "error",
                            message: Message {
                                text: line.to_owned(),
                            },
                        })
                        .collect(),
                })
                .into_iter()
                .collect(),
            properties: RunProperties {
                not_sent: report
                    .held_back()
                    .map(|n| NotSentEntry {
                        operation: n.operation(),
                        operation_id: &n.operation_id,
                        line: n.line,
                        why: &n.why,
                    })
                    .collect(),
                writes_not_sent: report.writes_not_sent(),
                coverage: Some(&report.coverage).filter(|c| c.applicable > 0),
            },
        }],
    };
    serde_json::to_string_pretty(&log).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids() {
        assert_eq!(pascal("bola-read"), "BolaRead");
        assert_eq!(
            automation_id("Cadence Fitness API"),
            "apileak/cadence-fitness-api/"
        );
        assert_eq!(automation_id("!!"), "apileak/api/");
        assert_eq!(level(Severity::Medium), "warning");
    }
}
