//! Findings: what a check concluded, with severity, confidence and evidence; and the gate.

mod finding;
mod severity;

pub use finding::{Evidence, Finding, Match, fingerprint};
pub use severity::{Confidence, Severity};
