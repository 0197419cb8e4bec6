//! apileak: an API security scanner (DAST) for CI.
//!
//! Pipeline: spec → model → plan → exec → findings → report (see `../shared/STYLE.md`).

pub mod checks;
pub mod cli;
pub mod cmd;
pub mod config;
mod error;
pub mod exec;
pub mod exit;
pub mod findings;
pub mod harvest;
pub mod identity;
pub mod model;
pub mod plan;
pub mod probe;
pub mod report;
pub mod scan;
pub mod spec;
mod values;
mod vocab;

pub use error::AppError;
