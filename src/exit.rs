//! The documented, stable exit codes (listed in `--help` and README).

/// Scan completed; no finding at or above the `--fail-on` threshold.
pub const CLEAN: i32 = 0;
/// Scan completed; at least one finding at or above the threshold.
pub const FINDINGS: i32 = 1;
/// Usage, configuration or spec error: nothing was scanned.
pub const USAGE: i32 = 2;
/// The target was unreachable or authentication/preflight failed.
pub const TARGET: i32 = 3;

/// Text for `--help`.
pub const HELP: &str = "\
Exit codes:
  0  scan completed, no finding at or above --fail-on
  1  scan completed, findings at or above --fail-on (never with --report-only)
  2  usage, configuration or spec error (nothing scanned)
  3  target unreachable, or authentication/preflight failed";
