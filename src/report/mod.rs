//! Reporters: one file per output format, each rendering a finished `Report`.

mod codequality;
mod document;
mod github;
mod gitlab;
mod html;
mod human;
mod json;
mod junit;
mod markdown;
mod merge;
mod sarif;

pub use codequality::render_codequality;
pub use document::{ApiInfo, CaseResult, FORMAT_VERSION, Outcome, Report, Stats, ToolInfo};
pub use github::{render_annotations, render_outputs};
pub use gitlab::render_gitlab;
pub use html::render_html;
pub use human::render_human;
pub use json::render_json;
pub use junit::render_junit;
pub use markdown::render_markdown;
pub use merge::merge_reports;
pub use sarif::render_sarif;
