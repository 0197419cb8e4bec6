//! One integration-test binary (as ripgrep and nextest do): faster to build and link.

mod checks;
mod cli;
mod demo_api;
mod support;
