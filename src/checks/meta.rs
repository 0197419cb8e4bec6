//! Check metadata and documentation, compiled in from `checks/<id>.yml`.

use crate::findings::Severity;

/// Every `checks/*.yml`, embedded. A test asserts each has a registered check and vice versa.
const SOURCES: &[(&str, &str)] = &[
    (
        "account-enumeration",
        include_str!("../../checks/account-enumeration.yml"),
    ),
    ("bola-read", include_str!("../../checks/bola-read.yml")),
    ("bola-write", include_str!("../../checks/bola-write.yml")),
    (
        "broken-function-level-authorization",
        include_str!("../../checks/broken-function-level-authorization.yml"),
    ),
    (
        "broken-token-validation",
        include_str!("../../checks/broken-token-validation.yml"),
    ),
    (
        "cors-misconfiguration",
        include_str!("../../checks/cors-misconfiguration.yml"),
    ),
    (
        "excessive-data-exposure",
        include_str!("../../checks/excessive-data-exposure.yml"),
    ),
    (
        "mass-assignment",
        include_str!("../../checks/mass-assignment.yml"),
    ),
    (
        "missing-cache-control",
        include_str!("../../checks/missing-cache-control.yml"),
    ),
    (
        "no-rate-limit",
        include_str!("../../checks/no-rate-limit.yml"),
    ),
    (
        "predictable-ids",
        include_str!("../../checks/predictable-ids.yml"),
    ),
    (
        "private-data-leakage",
        include_str!("../../checks/private-data-leakage.yml"),
    ),
    (
        "server-banner",
        include_str!("../../checks/server-banner.yml"),
    ),
    (
        "unauthenticated-access",
        include_str!("../../checks/unauthenticated-access.yml"),
    ),
    (
        "undocumented-endpoints",
        include_str!("../../checks/undocumented-endpoints.yml"),
    ),
    (
        "verbose-errors",
        include_str!("../../checks/verbose-errors.yml"),
    ),
];

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CheckMeta {
    /// Stable kebab-case id; the SARIF ruleId.
    pub id: String,
    pub name: String,
    /// `API1:2023`.
    pub owasp: String,
    pub owasp_name: String,
    pub cwe: Vec<u32>,
    pub severity: Severity,
    /// CVSS 3.1 base score used as SARIF `security-severity`.
    pub cvss: f32,
    pub summary: String,
    /// Markdown with the sections What it checks / Why it matters / Example / Remediation /
    /// References.
    pub description: String,
}

/// Parses the embedded catalogue, sorted by id.
pub fn catalogue() -> Result<Vec<CheckMeta>, String> {
    let mut out = Vec::with_capacity(SOURCES.len());
    for (file, text) in SOURCES {
        let meta: CheckMeta = yaml_serde::from_str(text)
            .map_err(|e| format!("built-in check file `checks/{file}.yml` is invalid: {e}"))?;
        if meta.id != *file {
            return Err(format!("`checks/{file}.yml` declares id `{}`", meta.id));
        }
        out.push(meta);
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_yml_file_is_embedded_and_parses() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/checks");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("checks dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter_map(|n| n.strip_suffix(".yml").map(str::to_owned))
            .collect();
        files.sort();
        let ids: Vec<String> = catalogue()
            .expect("parses")
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(files, ids);
        for m in catalogue().expect("parses") {
            for section in ["## What it checks", "## Why it matters", "## Remediation"] {
                assert!(m.description.contains(section), "{} lacks {section}", m.id);
            }
        }
    }
}
