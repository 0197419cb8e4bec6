//! Checks: each plans probes for an operation and judges the exchanges that come back.
//! Checks are synchronous and pure; they never send requests or print.

mod bola_read;
mod check;
mod common;
pub(crate) mod judge;
mod meta;
mod registry;
mod unauthenticated_access;

pub use check::{Check, PlanCx, Planned, Probe};
pub(crate) use common::{finding, query_examples, unfillable_query};
pub use meta::{CheckMeta, catalogue};
pub use registry::registry;
