//! apileak's entry point: parse the CLI, set up logging, run, map the outcome to an exit code.
//! The human report goes to stdout from here; everything else logs to stderr.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use apileak::cli::{ChecksCommand, Cli, Command, ConfigCommand};
use apileak::{AppError, cmd, exit};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let term = cmd::Term::decide(cli.color, cmd::Env::detect(cli.quiet));
    init_tracing(cli.verbose, cli.quiet, term);
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
    let result = runtime.block_on(run(cli.command, term));
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

async fn run(command: Command, term: cmd::Term) -> Result<cmd::Done, AppError> {
    match command {
        Command::Scan(args) => cmd::scan(args, term).await,
        #[cfg(feature = "demo")]
        Command::Demo(args) => cmd::demo(&args, term).await,
        #[cfg(feature = "demo")]
        Command::DemoApi(args) => cmd::demo_api(&args).await,
        Command::Merge(args) => cmd::merge(&args, term),
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

/// Logs go to stderr; stdout is for the report. With a progress bar, log lines go through
/// tracing-indicatif's writer so that they print above the bar instead of through it.
fn init_tracing(verbose: u8, quiet: bool, term: cmd::Term) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (_, 0) => "apileak=info",
        (_, 1) => "apileak=debug",
        _ => "apileak=trace",
    };
    let filter = EnvFilter::try_from_env("APILEAK_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let fmt = tracing_subscriber::fmt::layer()
        // Colour codes only on a terminal (and not under NO_COLOR): CI logs show them as noise.
        .with_ansi(term.stderr_color)
        .with_target(false)
        .without_time();
    let registry = tracing_subscriber::registry().with(filter);
    if term.progress == cmd::ProgressMode::Bar {
        let bars = tracing_indicatif::IndicatifLayer::new();
        registry
            .with(fmt.with_writer(bars.get_stderr_writer()))
            .with(bars)
            .init();
    } else {
        registry.with(fmt.with_writer(std::io::stderr)).init();
    }
}
