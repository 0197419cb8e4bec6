//! One integration-test binary (as ripgrep and nextest do): faster to build and link.

mod architecture;
mod check_auth;
mod check_data;
mod check_misc;
mod check_write;
mod checks;
mod ci_files;
mod cli;
mod config_file;
mod conventions;
mod coverage;
mod decoys;
mod demo_api;
mod demo_shapes;
mod fence;
mod halt;
mod identities;
mod rate;
mod report_html;
mod secrets;
mod settings;
mod shapes;
mod spec_loader;
mod support;
mod terminal;
mod transport;
