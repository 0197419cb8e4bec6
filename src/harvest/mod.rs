//! Per-user inventory, learned from the API itself: the user's principal, the object IDs the
//! user owns, and the values of the user's own data. Also the preflight that proves the
//! identities work before any probe. Feeds `plan/` and the checks.

mod harvester;
mod inventory;
mod preflight;

pub use harvester::{find_me_operation, harvest};
pub use inventory::Inventory;
pub(crate) use inventory::{fill_path, scalar_text};
pub use preflight::{PreflightEntry, PreflightError, preflight};
