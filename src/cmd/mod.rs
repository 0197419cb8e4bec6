//! One module per subcommand. Each returns what to print on stdout and the exit code;
//! `main` prints and exits.

mod baseline;
mod checks;
mod config;
#[cfg(feature = "demo")]
mod demo;
mod docs;
mod forge;
mod merge;
mod progress;
mod scan;
mod signals;
mod term;

pub use baseline::baseline;
pub use checks::{checks_explain, checks_list};
pub use config::{config_init, config_schema, config_validate};
#[cfg(feature = "demo")]
pub use demo::{demo, demo_api};
pub use docs::{completions, man};
pub use forge::forge;
pub use merge::merge;
pub use scan::scan;
pub use term::{Env, ProgressMode, Term};

/// What a subcommand leaves for `main`: text for stdout and the exit code.
#[derive(Debug)]
pub struct Done {
    pub stdout: String,
    pub code: i32,
}
