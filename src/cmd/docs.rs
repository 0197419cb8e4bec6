//! `apileak completions SHELL` and `apileak man`: generated from the clap definition, so they
//! never drift from the flags.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::AppError;

use super::Done;

pub fn completions(shell: clap_complete::Shell) -> Done {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "apileak", &mut out);
    Done {
        stdout: String::from_utf8_lossy(&out).into_owned(),
        code: 0,
    }
}

/// The man page `apileak(1)`: synopsis, options and the subcommands with their summaries
/// (each subcommand's flags are in its `--help`).
pub fn man() -> Result<Done, AppError> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| AppError::Usage(format!("failed to render the man page: {e}")))?;
    Ok(Done {
        stdout: String::from_utf8_lossy(&out).into_owned(),
        code: 0,
    })
}
