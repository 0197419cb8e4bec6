//! The gate's memory: a baseline of accepted findings, and an ignore file whose entries need a
//! reason and an expiry date. Only new, unsuppressed findings fail the build.

use std::path::{Path, PathBuf};

use super::Finding;

/// Why a finding does not fail the gate.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "by", rename_all = "lowercase")]
pub enum Suppression {
    /// Present in `--baseline`.
    Baseline,
    /// Matched an ignore-file entry.
    Ignored { reason: String, expires: String },
}

#[derive(Debug, thiserror::Error)]
pub enum SuppressError {
    #[error("failed to read `{path}`: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("invalid {what} `{path}`: {reason}")]
    Invalid {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error(
        "ignore entry #{index} in `{path}` ({target}) expired on {expires}: fix the finding, or renew the entry with a new date and reason"
    )]
    Expired {
        path: PathBuf,
        index: usize,
        target: String,
        expires: String,
    },
}

/// A baseline file: the fingerprints of findings accepted at some point.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub fingerprint: String,
    /// For humans reading the file.
    pub check: String,
    pub operation: String,
}

impl Baseline {
    /// The baseline that accepts every finding of a report (from its JSON `findings`).
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        Baseline {
            version: 1,
            findings: findings
                .iter()
                .map(|f| BaselineEntry {
                    fingerprint: f.fingerprint.clone(),
                    check: f.check.clone(),
                    operation: f.operation(),
                })
                .collect(),
        }
    }

    /// Reads a baseline file, or a JSON report (its `findings` become the baseline).
    pub fn load(path: &Path) -> Result<Baseline, SuppressError> {
        let text = read(path)?;
        let invalid = |reason: String| SuppressError::Invalid {
            what: "baseline",
            path: path.to_owned(),
            reason,
        };
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        if value.get("tool").is_some() {
            // A JSON report: take its findings.
            let findings = value
                .get("findings")
                .and_then(serde_json::Value::as_array)
                .ok_or_else(|| invalid("report has no `findings` list".into()))?;
            let entries = findings
                .iter()
                .map(|f| {
                    let s = |k: &str| {
                        f.get(k)
                            .and_then(serde_json::Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    BaselineEntry {
                        fingerprint: s("fingerprint"),
                        check: s("check"),
                        operation: format!("{} {}", s("method"), s("path")),
                    }
                })
                .filter(|e| !e.fingerprint.is_empty())
                .collect();
            return Ok(Baseline {
                version: 1,
                findings: entries,
            });
        }
        serde_json::from_value(value).map_err(|e| invalid(e.to_string()))
    }

    fn contains(&self, f: &Finding) -> bool {
        self.findings.iter().any(|e| e.fingerprint == f.fingerprint)
    }
}

/// `apileak-ignore.yaml`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreFile {
    pub ignore: Vec<IgnoreEntry>,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreEntry {
    /// Matches one finding exactly…
    pub fingerprint: Option<String>,
    /// …or every finding of this check on this operation (`GET /users/{id}`).
    pub check: Option<String>,
    pub operation: Option<String>,
    /// Why this is accepted (required).
    pub reason: String,
    /// `YYYY-MM-DD` (required); after it the scan fails until the entry is renewed.
    pub expires: String,
}

impl IgnoreEntry {
    fn matches(&self, f: &Finding) -> bool {
        match (&self.fingerprint, &self.check, &self.operation) {
            (Some(fp), _, _) => *fp == f.fingerprint,
            (None, Some(check), Some(op)) => *check == f.check && *op == f.operation(),
            (None, Some(check), None) => *check == f.check,
            _ => false,
        }
    }

    fn target(&self) -> String {
        match (&self.fingerprint, &self.check, &self.operation) {
            (Some(fp), _, _) => format!("fingerprint {fp}"),
            (None, Some(c), Some(o)) => format!("{c} on {o}"),
            (None, Some(c), None) => c.clone(),
            _ => "nothing".into(),
        }
    }
}

impl IgnoreFile {
    /// Reads and validates an ignore file against `today` (`YYYY-MM-DD`). Any expired or
    /// malformed entry is an error: silence must be renewed on purpose.
    pub fn load(path: &Path, today: jiff::civil::Date) -> Result<IgnoreFile, SuppressError> {
        let text = read(path)?;
        let invalid = |reason: String| SuppressError::Invalid {
            what: "ignore file",
            path: path.to_owned(),
            reason,
        };
        let file: IgnoreFile = yaml_serde::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        for (i, e) in file.ignore.iter().enumerate() {
            let index = i + 1;
            if e.reason.trim().is_empty() {
                return Err(invalid(format!("entry #{index} has an empty `reason`")));
            }
            if e.fingerprint.is_none() && e.check.is_none() {
                return Err(invalid(format!(
                    "entry #{index} needs `fingerprint`, or `check` (and optionally `operation`)"
                )));
            }
            let expires: jiff::civil::Date = e.expires.parse().map_err(|err| {
                invalid(format!(
                    "entry #{index}: `expires: {}` is not a YYYY-MM-DD date ({err})",
                    e.expires
                ))
            })?;
            if expires < today {
                return Err(SuppressError::Expired {
                    path: path.to_owned(),
                    index,
                    target: e.target(),
                    expires: e.expires.clone(),
                });
            }
        }
        Ok(file)
    }
}

/// Marks findings covered by the ignore file or the baseline (ignore wins: it has a reason).
pub fn apply(findings: &mut [Finding], baseline: Option<&Baseline>, ignore: Option<&IgnoreFile>) {
    for f in findings {
        if let Some(e) = ignore.and_then(|i| i.ignore.iter().find(|e| e.matches(f))) {
            f.suppressed = Some(Suppression::Ignored {
                reason: e.reason.clone(),
                expires: e.expires.clone(),
            });
        } else if baseline.is_some_and(|b| b.contains(f)) {
            f.suppressed = Some(Suppression::Baseline);
        }
    }
}

fn read(path: &Path) -> Result<String, SuppressError> {
    std::fs::read_to_string(path).map_err(|e| SuppressError::Read {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> jiff::civil::Date {
        jiff::civil::date(2026, 11, 22)
    }

    fn write(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().expect("tmp");
        std::fs::write(f.path(), text).expect("write");
        f
    }

    #[test]
    fn expired_entries_fail_loudly() {
        let f = write(
            "ignore:\n  - check: bola-read\n    operation: GET /a/{id}\n    reason: accepted\n    expires: 2026-11-21\n",
        );
        let err = IgnoreFile::load(f.path(), today()).expect_err("expired");
        assert!(err.to_string().contains("expired on 2026-11-21"), "{err}");
        assert!(
            err.to_string().contains("bola-read on GET /a/{id}"),
            "{err}"
        );
        let f =
            write("ignore:\n  - check: bola-read\n    reason: accepted\n    expires: 2026-11-22\n");
        assert!(
            IgnoreFile::load(f.path(), today()).is_ok(),
            "valid through its expiry day"
        );
    }

    #[test]
    fn entries_need_reason_target_and_date() {
        for bad in [
            "ignore:\n  - check: x\n    reason: ''\n    expires: 2030-01-01\n",
            "ignore:\n  - reason: r\n    expires: 2030-01-01\n",
            "ignore:\n  - check: x\n    reason: r\n    expires: someday\n",
            "ignore:\n  - check: x\n    reason: r\n",
            "ignore:\n  - check: x\n    reason: r\n    expires: 2030-01-01\n    typo: 1\n",
        ] {
            assert!(
                IgnoreFile::load(write(bad).path(), today()).is_err(),
                "{bad}"
            );
        }
    }
}
