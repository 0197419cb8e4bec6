//! `apileak checks list` and `apileak checks explain ID`: the catalogue from `checks/*.yml`.

use crate::checks::{self, CheckMeta};
use crate::error::AppError;

use super::Done;

pub fn checks_list() -> Result<Done, AppError> {
    let catalogue = checks::catalogue().map_err(AppError::Usage)?;
    let mut stdout = String::new();
    for m in &catalogue {
        stdout.push_str(&format!(
            "{:<26} {:<10} {:<9} {}\n",
            m.id, m.owasp, m.severity, m.name
        ));
    }
    Ok(Done { stdout, code: 0 })
}

pub fn checks_explain(id: &str) -> Result<Done, AppError> {
    let catalogue = checks::catalogue().map_err(AppError::Usage)?;
    let m: &CheckMeta = catalogue.iter().find(|m| m.id == id).ok_or_else(|| {
        AppError::Usage(format!("unknown check `{id}` (see `apileak checks list`)"))
    })?;
    let cwe: Vec<String> = m.cwe.iter().map(|c| format!("CWE-{c}")).collect();
    Ok(Done {
        stdout: format!(
            "{} — {}\n{} {} · {} · default severity {} (CVSS {:.1})\n\n{}\n\n{}\n",
            m.id,
            m.name,
            m.owasp,
            m.owasp_name,
            cwe.join(", "),
            m.severity,
            m.cvss,
            m.summary,
            m.description.trim_end()
        ),
        code: 0,
    })
}
