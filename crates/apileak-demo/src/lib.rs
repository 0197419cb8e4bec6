//! The bundled, deliberately leaky demo API, in three shapes: "Cadence" (a connected-fitness
//! platform, the default), "Ledgerly" (a payment-style billing API) and "Quill" (a public
//! blogging API).
//!
//! An axum JSON API started in-process, in a `Vulnerable` and a `Patched` variant serving the same
//! spec (`Shape::spec_path`); `Shape::ground_truth_path` lists the planted flaws.
//! Checks are tested against it: they must fire on one variant and stay silent on the other.

mod data;
mod error;
mod handlers;
mod jwt;
mod policy;
mod server;
mod shape;
mod shapes;

pub use data::DemoUser;
pub use policy::Variant;
pub use server::{DemoOptions, DemoServer, SPEC_PATH, SPEC_YAML};
pub use shape::{Shape, UnknownShape};
