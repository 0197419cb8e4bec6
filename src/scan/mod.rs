//! The scan pipeline, one stage per module, each a function from the previous stage's value
//! to its own: targets → session → inventories → plan → outcomes → report.

mod explain;
mod inventories;
mod outcomes;
mod pipeline;
mod planning;
mod public;
mod session;
mod targets;
mod verdicts;

pub use explain::render as explain;
pub use inventories::Inventories;
pub use outcomes::Outcomes;
pub use pipeline::{plan_only, run, run_until, run_watched};
pub use planning::ScanPlan;
pub use session::Session;
pub use targets::Targets;
