//! Reporters: one file per output format, each rendering a finished `Report`.

mod codequality;
mod coverage;
mod document;
mod format;
mod github;
mod gitlab;
mod html;
mod human;
mod json;
mod junit;
mod markdown;
mod merge;
mod public;
mod sarif;

pub use coverage::{CheckCoverage, Coverage, FamilyCoverage, ReasonCount};
pub use document::{ApiInfo, CaseResult, FORMAT_VERSION, Outcome, Report, Stats, ToolInfo};
pub use format::{Format, WriteError, write_all, write_file};
pub use github::github_actions;
pub use human::{Look, render_human};
pub use merge::merge_reports;
pub use public::{ExecStats, Halted, PreflightLine, RateStats, StageStats};
