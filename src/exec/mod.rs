//! The only async stage: sends probes over HTTP with bounded concurrency, a rate limit and
//! per-request timeouts, and records what came back as `Exchange`s (transport errors are data).

mod client;
mod fetch;
mod halt;
mod rate;
mod stats;
mod tls;

pub use client::{ExecError, ExecSettings, Executor};
pub use fetch::{MAX_SPEC_BYTES, fetch_spec};
pub use halt::{Halt, HaltReason, UndoEntry, UndoJournal};
pub use rate::{AUTO_CEILING, MAX_FIXED_RATE, MAX_RETRY_AFTER, RateLimit, RateStats};
pub use stats::{ExecStats, Progress, ProgressWatch, Stage, StageStats};
pub use tls::{INSECURE_WARNING, TlsError, TlsSettings};
