//! `apileak baseline REPORT -o FILE`: the accepted findings' fingerprints.

use std::path::Path;

use crate::config::ConfigError;
use crate::error::AppError;
use crate::report;

use super::Done;

pub fn baseline(report: &Path, output: &Path) -> Result<Done, AppError> {
    let baseline = crate::findings::Baseline::load(report).map_err(ConfigError::from)?;
    let text = serde_json::to_string_pretty(&baseline).map_err(|e| report::WriteError {
        path: output.to_owned(),
        reason: e.to_string(),
    })?;
    report::write_file(output, &text)?;
    Ok(Done {
        stdout: format!(
            "baseline with {} finding(s) written to {}\n",
            baseline.findings.len(),
            output.display()
        ),
        code: 0,
    })
}
