//! Per-user inventory, learned from the API itself: the user's principal, the object IDs the
//! user owns, and the values of the user's own data. Also the preflight that proves the
//! identities work before any probe, and (`--allow-writes` only) the objects the scan creates
//! to test writes on. Feeds `plan/` and the checks.

mod canary;
mod create;
mod harvester;
mod health;
mod inventory;
mod preflight;

pub use canary::Canary;
pub use create::{create_objects, read_listed};
pub use harvester::{find_me_operation, harvest};
pub use health::Health;
pub use inventory::Inventory;
pub use preflight::{
    PreflightEntry, PreflightError, identity_candidates, identity_operation, preflight,
    proven_identity_operation,
};
