//! The shared vocabulary of probes: requests before credentials are attached, the exchanges
//! that come back, URL building and path filling, request bodies built from a schema. Harvest,
//! checks and the executor all speak it; none of them owns it.

mod body;
mod exchange;
mod url;

pub(crate) use body::{synthesise, text_property};
pub use exchange::{CurlAuth, Exchange, ProbeRequest, Undo};
pub(crate) use url::{fill_path, join_url};
