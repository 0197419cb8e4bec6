//! apileak's entry point: parse the CLI, set up logging, run, map the outcome to an exit code.
//! The human report goes to stdout from here; everything else logs to stderr.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use apileak::cli::{ChecksCommand, Cli, Command, ConfigCommand};
use apileak::{AppError, cmd, exit};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose, cli.quiet);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: failed to start the async runtime: {e}");
            return code(exit::USAGE);
        }
    };
    let result = runtime.block_on(run(cli.command));
    match result {
        Ok(done) => {
            out(&done.stdout);
            code(done.code)
        }
        Err(e) => {
            let c = e.exit_code();
            eprintln!("{:?}", miette::Report::new(e));
            code(c)
        }
    }
}

async fn run(command: Command) -> Result<cmd::Done, AppError> {
    match command {
        Command::Scan(args) => cmd::scan(args).await,
        #[cfg(feature = "demo")]
        Command::Demo(args) => cmd::demo(&args).await,
        #[cfg(feature = "demo")]
        Command::DemoApi(args) => cmd::demo_api(&args).await,
        Command::Merge(args) => cmd::merge(&args),
        Command::Baseline { report, output } => cmd::baseline(&report, &output),
        Command::Config {
            command: ConfigCommand::Schema,
        } => Ok(cmd::config_schema()),
        Command::Config {
            command: ConfigCommand::Validate { file },
        } => cmd::config_validate(file.as_deref()),
        Command::Config {
            command: ConfigCommand::Init { spec, output },
        } => cmd::config_init(&spec, &output),
        Command::Forge(args) => cmd::forge(&args),
        Command::Completions { shell } => Ok(cmd::completions(shell)),
        Command::Man => cmd::man(),
        Command::Checks { command } => match command {
            ChecksCommand::List => cmd::checks_list(),
            ChecksCommand::Explain { id } => cmd::checks_explain(&id),
        },
    }
}

/// Writes to stdout. A reader that went away (`apileak checks list | head -1`) is not an error:
/// the output just ends there and the exit code stays what the run decided (the reports are
/// already written and the gate has already judged them). `print!` would panic instead.
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => tracing::warn!("failed to write to stdout: {e}"),
    }
}

fn code(c: i32) -> ExitCode {
    ExitCode::from(u8::try_from(c).unwrap_or(1))
}

/// Logs go to stderr; stdout is for the report.
fn init_tracing(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (_, 0) => "apileak=info",
        (_, 1) => "apileak=debug",
        _ => "apileak=trace",
    };
    let filter = EnvFilter::try_from_env("APILEAK_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only on a terminal: CI logs show them as noise.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .without_time()
        .init();
}
