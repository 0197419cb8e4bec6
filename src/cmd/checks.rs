//! `apileak checks list` and `apileak checks explain ID`: the catalogue from `checks/*.yml`.

use crate::checks::{self, CheckMeta};
use crate::error::AppError;

use super::Done;

pub fn checks_list() -> Result<Done, AppError> {
    let catalogue = checks::catalogue().map_err(AppError::Usage)?;
    // Columns as wide as their widest value, so no id or category pushes a row out of line.
    let rows: Vec<[String; 4]> = catalogue
        .iter()
        .map(|m| {
            [
                m.id.clone(),
                m.owasp.clone(),
                m.severity.to_string(),
                m.name.clone(),
            ]
        })
        .collect();
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let (w0, w1, w2) = (width(0), width(1), width(2));
    let mut stdout = String::new();
    for [id, owasp, severity, name] in &rows {
        stdout.push_str(&format!(
            "{id:<w0$}  {owasp:<w1$}  {severity:<w2$}  {name}\n"
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
