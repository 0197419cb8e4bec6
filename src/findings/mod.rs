//! Findings: what a check concluded, with severity, confidence and evidence; and the gate.

mod finding;
mod severity;
mod suppress;

pub use finding::{Evidence, Finding, Match, fingerprint};
pub use severity::{Confidence, Severity};
pub use suppress::{
    Baseline, BaselineEntry, IgnoreEntry, IgnoreFile, SuppressError, Suppression,
    apply as apply_suppressions,
};
