//! Reporters: one file per output format, each rendering a finished `Report`.

mod document;
mod human;
mod json;
mod junit;
mod sarif;

pub use document::{ApiInfo, CaseResult, Outcome, Report, Stats, ToolInfo};
pub use human::render_human;
pub use json::render_json;
pub use junit::render_junit;
pub use sarif::render_sarif;
