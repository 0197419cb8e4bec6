//! The only async stage: sends probes over HTTP with bounded concurrency, a rate limit and
//! per-request timeouts, and records what came back as `Exchange`s (transport errors are data).

mod client;
mod exchange;
mod fetch;

pub(crate) use client::join_url;
pub use client::{ExecError, ExecSettings, ExecStats, Executor};
pub use exchange::{CurlAuth, Exchange, ProbeRequest};
pub use fetch::fetch_spec;
