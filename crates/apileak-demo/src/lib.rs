//! The bundled, deliberately leaky demo API ("Cadence", a connected-fitness platform).
//!
//! An axum JSON API started in-process, in a `Vulnerable` and a `Patched` variant serving the same
//! spec (`fixtures/demo/openapi.yaml`); `fixtures/demo/ground-truth.yaml` lists the planted flaws.
//! Checks are tested against it: they must fire on one variant and stay silent on the other.

mod data;
mod error;
mod handlers;
mod jwt;
mod policy;
mod server;

pub use data::DemoUser;
pub use policy::Variant;
pub use server::{DemoOptions, DemoServer, SPEC_PATH, SPEC_YAML};
