//! Probe planning: pure and deterministic, so the same model and inventories give the same plan.

mod builder;

pub use builder::{Plan, PlanEntry, build};
