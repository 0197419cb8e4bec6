//! GitLab DAST report (`gl-dast-report.json`), schema 15.0.7.
//!
//! 15.0.7, not 15.2.x: GitLab 17.1/17.2 refused newer versions; timestamps carry no `Z` and no
//! fractions; no empty header values or nulls (../shared/REPORTS.md).

use serde::Serialize;

use super::Report;
use crate::checks::CheckMeta;
use crate::findings::{Finding, Severity};

#[derive(Serialize)]
struct Document<'a> {
    version: &'static str,
    scan: Scan<'a>,
    vulnerabilities: Vec<Vulnerability<'a>>,
}

#[derive(Serialize)]
struct Scan<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    status: &'static str,
    start_time: String,
    end_time: String,
    analyzer: Tool<'a>,
    scanner: Tool<'a>,
    scanned_resources: Vec<Resource>,
}

#[derive(Serialize)]
struct Tool<'a> {
    id: &'static str,
    name: &'static str,
    version: &'a str,
    vendor: Vendor,
}

#[derive(Serialize)]
struct Vendor {
    name: &'static str,
}

#[derive(Serialize)]
struct Resource {
    method: String,
    url: String,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct Vulnerability<'a> {
    id: String,
    name: &'a str,
    description: String,
    severity: &'static str,
    solution: &'static str,
    identifiers: Vec<Identifier>,
    location: Location,
    evidence: Evidence<'a>,
}

#[derive(Serialize)]
struct Identifier {
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[derive(Serialize)]
struct Location {
    hostname: String,
    method: String,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    param: Option<String>,
}

#[derive(Serialize)]
struct Evidence<'a> {
    summary: String,
    request: Request<'a>,
    response: Response,
}

#[derive(Serialize)]
struct Request<'a> {
    headers: Vec<Header>,
    method: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct Response {
    headers: Vec<Header>,
    reason_phrase: String,
    status_code: u16,
}

#[derive(Serialize)]
struct Header {
    name: String,
    value: String,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Info => "Info",
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
        Severity::Critical => "Critical",
    }
}

/// `2026-11-22T21:30:00Z` → `2026-11-22T21:30:00`.
fn gitlab_time(rfc3339: &str) -> String {
    rfc3339.chars().take(19).collect()
}

/// Our fingerprint (32 hex digits) shaped as a UUID: stable across scans.
fn uuid_from(fingerprint: &str) -> String {
    let h: String = fingerprint
        .chars()
        .chain(std::iter::repeat('0'))
        .take(32)
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn headers(pairs: &[(String, String)]) -> Vec<Header> {
    pairs
        .iter()
        .filter(|(n, v)| !n.is_empty() && !v.is_empty())
        .map(|(n, v)| Header {
            name: n.clone(),
            value: v.clone(),
        })
        .collect()
}

fn vulnerability<'a>(f: &'a Finding, meta: Option<&'a CheckMeta>) -> Vulnerability<'a> {
    let url = url::Url::parse(&f.evidence.url).ok();
    let hostname = url
        .as_ref()
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    let path = url
        .as_ref()
        .map(|u| u.path().to_owned())
        .unwrap_or_else(|| f.path.clone());
    let mut identifiers = vec![Identifier {
        kind: "apileak_check",
        name: meta.map_or_else(|| f.check.clone(), |m| m.name.clone()),
        value: f.check.clone(),
        url: None,
    }];
    identifiers.extend(meta.into_iter().flat_map(|m| &m.cwe).map(|c| Identifier {
        kind: "cwe",
        name: format!("CWE-{c}"),
        value: c.to_string(),
        url: Some(format!("https://cwe.mitre.org/data/definitions/{c}.html")),
    }));
    identifiers.push(Identifier {
        kind: "owasp",
        name: format!("OWASP {}", f.owasp),
        value: f.owasp.clone(),
        url: None,
    });
    let reason = reqwest::StatusCode::from_u16(f.evidence.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown");
    Vulnerability {
        id: uuid_from(&f.fingerprint),
        name: meta.map_or(f.check.as_str(), |m| m.name.as_str()),
        description: format!("{}\n\nReproduce: {}", f.message, f.evidence.curl),
        severity: severity(f.severity),
        solution: "See the check's remediation: `apileak checks explain <id>`.",
        identifiers,
        location: Location {
            hostname,
            method: f.method.clone(),
            path,
            param: None,
        },
        evidence: Evidence {
            summary: f
                .evidence
                .matches
                .iter()
                .map(|m| format!("{} = {}", m.pointer, m.value))
                .collect::<Vec<_>>()
                .join("\n"),
            request: Request {
                headers: headers(&f.evidence.request_headers),
                method: &f.evidence.method,
                url: &f.evidence.url,
            },
            response: Response {
                headers: headers(&f.evidence.response_headers),
                reason_phrase: reason.to_owned(),
                status_code: f.evidence.status,
            },
        },
    }
}

pub(super) fn render_gitlab(report: &Report, catalogue: &[CheckMeta]) -> Result<String, String> {
    let tool = || Tool {
        id: "apileak",
        name: "apileak",
        version: &report.tool.version,
        vendor: Vendor { name: "apileak" },
    };
    let doc = Document {
        version: "15.0.7",
        scan: Scan {
            kind: "dast",
            // An incomplete scan is not a success, whatever it found.
            status: if report.incomplete_notice().is_some() {
                "failure"
            } else {
                "success"
            },
            start_time: gitlab_time(&report.started_at),
            end_time: gitlab_time(&report.finished_at),
            analyzer: tool(),
            scanner: tool(),
            scanned_resources: report
                .scanned
                .iter()
                .map(|(method, url)| Resource {
                    method: method.clone(),
                    url: url.clone(),
                    kind: "url",
                })
                .collect(),
        },
        vulnerabilities: report
            .findings
            .iter()
            .map(|f| vulnerability(f, catalogue.iter().find(|m| m.id == f.check)))
            .collect(),
    };
    serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_ids() {
        assert_eq!(gitlab_time("2026-11-22T21:30:05Z"), "2026-11-22T21:30:05");
        assert_eq!(
            uuid_from("0123456789abcdef0123456789abcdef"),
            "01234567-89ab-cdef-0123-456789abcdef"
        );
    }
}
