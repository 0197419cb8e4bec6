//! Check metadata and documentation, compiled in from `checks/<id>.yml`.

use crate::findings::Severity;

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
    /// The column of the HTML authorization matrix its cases go in (default `other`).
    #[serde(default)]
    pub matrix: MatrixColumn,
}

/// An attacker's point of view: the columns of the HTML authorization matrix, in order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatrixColumn {
    /// No credentials.
    Anonymous,
    /// A forged or tampered token.
    ForgedToken,
    /// User A on user B's objects.
    AOnB,
    /// Guessing neighbouring IDs.
    Enumeration,
    /// Personal or extra data in answers.
    PrivateData,
    /// Everything else (function-level authorization, misconfiguration, …).
    #[default]
    Other,
}

/// Parses the embedded catalogue, sorted by id.
pub fn catalogue() -> Result<Vec<CheckMeta>, String> {
    let mut out = Vec::with_capacity(super::REGISTERED.len());
    for (file, text, _) in super::REGISTERED {
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
