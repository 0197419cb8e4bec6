//! The documented, stable exit codes (listed in `--help` and README).

/// Scan completed; no finding at or above the `--fail-on` threshold.
pub const CLEAN: i32 = 0;
/// Scan completed; at least one finding at or above the threshold.
pub const FINDINGS: i32 = 1;
/// Usage, configuration or spec error: nothing was scanned.
pub const USAGE: i32 = 2;
/// The target was unreachable, authentication/preflight failed, the identities could not be
/// verified, an identity or owned object changed mid-scan, too many requests got no answer,
/// a `--max-requests`/`--max-duration` budget ran out, a write could not be undone, or less
/// than `--min-coverage` percent of the applicable cases was tested: not enough of the API
/// was tested to trust a verdict.
pub const TARGET: i32 = 3;
/// Interrupted by SIGINT (Ctrl-C): writes undone, reports written and marked incomplete.
pub const SIGINT: i32 = 130;
/// Interrupted by SIGTERM (CI job cancelled): as for SIGINT.
pub const SIGTERM: i32 = 143;

/// Text for `--help`.
pub const HELP: &str = "\
Exit codes:
  0  scan completed, no finding at or above --fail-on
  1  scan completed, findings at or above --fail-on (never with --report-only)
  2  usage, configuration or spec error (nothing scanned)
  3  target unreachable or stopped answering; authentication/preflight failed; the
     identities could not be verified (no \"me\" operation: name one with --me); an
     identity or an owned object changed mid-scan; more than 5% of requests got no
     answer; a --max-requests/--max-duration budget ran out; a write
     could not be undone; or less than --min-coverage percent of the
     applicable cases was tested
  130/143  interrupted by SIGINT/SIGTERM: writes undone, reports marked incomplete";
