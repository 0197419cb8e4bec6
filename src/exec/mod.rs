//! The only async stage: sends probes over HTTP with bounded concurrency, a rate limit and
//! per-request timeouts, and records what came back as `Exchange`s (transport errors are data).

mod client;
mod exchange;
mod fetch;
mod tls;

pub(crate) use client::join_url;
pub use client::{ExecError, ExecSettings, ExecStats, Executor};
pub use exchange::{CurlAuth, Exchange, ProbeRequest};
pub use fetch::{MAX_SPEC_BYTES, fetch_spec};
pub use tls::{INSECURE_WARNING, TlsError, TlsSettings};
