//! The JSON report: the `Report` structure as is.

use super::Report;

pub(super) fn render_json(report: &Report) -> Result<String, String> {
    serde_json::to_string_pretty(report).map_err(|e| e.to_string())
}
