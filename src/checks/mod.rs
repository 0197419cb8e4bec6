//! Checks: each plans probes for an operation and judges the exchanges that come back.
//! Checks are synchronous and pure; they never send requests or print.

mod check;
mod classify;
mod common;
mod facts;
mod login;
mod meta;
mod reach;
mod references;
mod registry;
mod writes;

pub(crate) use crate::values::params::{query_examples, unfillable_query};
pub(crate) use crate::values::{judge, sensitivity};
pub use check::{Check, CheckSettings, PlanCx, Planned, Probe};
pub(crate) use classify::{is_admin_operation, search_params};
pub(crate) use common::finding;
pub use facts::ApiFacts;
pub use login::find_login_operation;
pub use meta::{CheckMeta, Family, MatrixColumn, catalogue};
pub use registry::registry;

registry::register_checks! {
    "account-enumeration" => account_enumeration::AccountEnumeration,
    "bola-read" => bola_read::BolaRead,
    "bola-write" => bola_write::BolaWrite,
    "broken-function-level-authorization" => broken_function_level_authorization::BrokenFunctionLevelAuthorization,
    "broken-token-validation" => broken_token_validation::BrokenTokenValidation,
    "cors-misconfiguration" => cors_misconfiguration::CorsMisconfiguration,
    "excessive-data-exposure" => excessive_data_exposure::ExcessiveDataExposure,
    "mass-assignment" => mass_assignment::MassAssignment,
    "missing-cache-control" => missing_cache_control::MissingCacheControl,
    "no-rate-limit" => no_rate_limit::NoRateLimit,
    "predictable-ids" => predictable_ids::PredictableIds,
    "private-data-leakage" => private_data_leakage::PrivateDataLeakage,
    "server-banner" => server_banner::ServerBanner,
    "unauthenticated-access" => unauthenticated_access::UnauthenticatedAccess,
    "undocumented-endpoints" => undocumented_endpoints::UndocumentedEndpoints,
    "verbose-errors" => verbose_errors::VerboseErrors,
}
