//! Per-user inventory, learned from the API itself: the user's principal, the object IDs the
//! user owns, and the values of the user's own data. Also the preflight that proves the
//! identities work before any probe, and (`--allow-writes` only) the objects the scan creates
//! to test writes on. Feeds `plan/` and the checks.

mod body;
mod canary;
mod create;
mod harvester;
mod health;
mod inventory;
mod preflight;

pub(crate) use body::{synthesise, text_property};
pub use canary::Canary;
pub(crate) use canary::profile_is_public;
pub use create::create_objects;
pub(crate) use create::created_slot;
pub use harvester::{find_me_operation, harvest};
pub(crate) use harvester::{record_id, record_owners, records};
pub use health::Health;
pub use inventory::Inventory;
pub(crate) use inventory::{example_for, fill_path};
pub use preflight::{PreflightEntry, PreflightError, preflight};
