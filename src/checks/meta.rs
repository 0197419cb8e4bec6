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
    /// The coverage family its cases count under (required: a check file without one, or with
    /// an unknown one, fails to load, and the catalogue test with it).
    pub family: Family,
}

/// What a group of checks tests, for the coverage summary: every check belongs to exactly one.
/// Declaration order is the order reports list them in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// User A reading user B's objects (bola-read, predictable-ids).
    CrossUserReads,
    /// User A changing objects or properties it must not (bola-write, mass-assignment).
    CrossUserWrites,
    /// Callers without valid credentials, forged tokens, login behaviour.
    Authentication,
    /// Ordinary users calling administrative operations.
    FunctionLevel,
    /// Personal or undeclared data in answers.
    DataExposure,
    /// Rate limits.
    Consumption,
    /// Headers, error pages, undocumented paths.
    Configuration,
}

impl Family {
    /// Every family, in report order.
    pub const ALL: [Family; 7] = [
        Family::CrossUserReads,
        Family::CrossUserWrites,
        Family::Authentication,
        Family::FunctionLevel,
        Family::DataExposure,
        Family::Consumption,
        Family::Configuration,
    ];

    /// The stable id used in `checks/<id>.yml` and the JSON report (`cross-user-reads`).
    pub fn id(self) -> &'static str {
        match self {
            Family::CrossUserReads => "cross-user-reads",
            Family::CrossUserWrites => "cross-user-writes",
            Family::Authentication => "authentication",
            Family::FunctionLevel => "function-level",
            Family::DataExposure => "data-exposure",
            Family::Consumption => "consumption",
            Family::Configuration => "configuration",
        }
    }

    /// What people read (`cross-user reads`).
    pub fn title(self) -> &'static str {
        match self {
            Family::CrossUserReads => "cross-user reads",
            Family::CrossUserWrites => "cross-user writes",
            Family::Authentication => "authentication",
            Family::FunctionLevel => "function-level authorization",
            Family::DataExposure => "data exposure",
            Family::Consumption => "resource consumption",
            Family::Configuration => "configuration",
        }
    }
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
    fn a_check_file_without_a_known_family_does_not_load() {
        let (_, text, _) = super::super::REGISTERED[0];
        let unknown = text.replacen("\nfamily: ", "\nfamily: not-a-family-", 1);
        assert_ne!(unknown, text, "the first check file declares a family");
        assert!(yaml_serde::from_str::<CheckMeta>(&unknown).is_err());
        let missing: String = text
            .lines()
            .filter(|l| !l.starts_with("family:"))
            .map(|l| format!("{l}\n"))
            .collect();
        let err = yaml_serde::from_str::<CheckMeta>(&missing).expect_err("family is required");
        assert!(err.to_string().contains("family"), "{err}");
    }

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
        // The ids the catalogue files use are the ones `Family::id` reports.
        for family in Family::ALL {
            let parsed: Family = yaml_serde::from_str(family.id()).expect("family id parses");
            assert_eq!(parsed, family);
        }
        for m in catalogue().expect("parses") {
            for section in ["## What it checks", "## Why it matters", "## Remediation"] {
                assert!(m.description.contains(section), "{} lacks {section}", m.id);
            }
        }
    }
}
