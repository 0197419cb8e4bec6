//! Checks: each plans probes for an operation and judges the exchanges that come back.
//! Checks are synchronous and pure; they never send requests or print.

mod account_enumeration;
mod bola_read;
mod bola_write;
mod broken_function_level_authorization;
mod broken_token_validation;
mod check;
mod classify;
mod common;
mod cors_misconfiguration;
mod excessive_data_exposure;
mod login;
mod mass_assignment;
mod meta;
mod missing_cache_control;
mod no_rate_limit;
mod predictable_ids;
mod private_data_leakage;
mod reach;
mod registry;
mod server_banner;
mod unauthenticated_access;
mod undocumented_endpoints;
mod verbose_errors;
mod writes;

pub(crate) use crate::values::params::{query_examples, unfillable_query};
pub(crate) use crate::values::{judge, sensitivity};
pub use check::{Check, CheckSettings, PlanCx, Planned, Probe};
pub(crate) use classify::{is_admin_operation, search_params};
pub(crate) use common::finding;
pub use login::find_login_operation;
pub use meta::{CheckMeta, catalogue};
pub use registry::registry;
