//! apileak's entry point: parse the CLI, set up logging, run, map the outcome to an exit code.
//! The human report goes to stdout from here; everything else logs to stderr.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use apileak::app::{self, AppError};
use apileak::cli::{ChecksCommand, Cli, Command, ConfigCommand};
use apileak::config::ScanConfig;
use apileak::exec::{Halt, HaltReason};
use apileak::{exit, report};

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
        Ok(c) => code(c),
        Err(e) => {
            let c = e.exit_code();
            eprintln!("{:?}", miette::Report::new(e));
            code(c)
        }
    }
}

async fn run(command: Command) -> Result<i32, AppError> {
    match command {
        Command::Scan(args) => {
            let config = ScanConfig::from_args(args)?;
            let report_only = config.gate.report_only;
            let halt = watch_signals();
            let report = app::scan_until(&config, &halt).await?;
            app::write_outputs(&report, &config.outputs)?;
            out(&report::render_human(&report));
            if let Some(annotations) = app::github_actions(&report, &config.outputs) {
                out(&annotations);
            }
            Ok(report.exit_code(report_only))
        }
        Command::Demo(args) => {
            let halt = watch_signals();
            let report = app::demo(&args, &halt).await?;
            out(&report::render_human(&report));
            out(&format!("reports written to {}/\n", args.out_dir.display()));
            Ok(report.exit_code(false))
        }
        Command::DemoApi(args) => {
            app::serve_demo(&args).await?;
            Ok(exit::CLEAN)
        }
        Command::Merge(args) => {
            let report = app::merge(&args)?;
            out(&report::render_human(&report));
            Ok(report.exit_code(args.output.report_only))
        }
        Command::Baseline { report, output } => {
            let n = app::write_baseline(&report, &output)?;
            out(&format!(
                "baseline with {n} finding(s) written to {}\n",
                output.display()
            ));
            Ok(exit::CLEAN)
        }
        Command::Config {
            command: ConfigCommand::Schema,
        } => {
            out(&format!("{}\n", apileak::config_file::json_schema()));
            Ok(exit::CLEAN)
        }
        Command::Checks { command } => {
            match command {
                ChecksCommand::List => out(&app::checks_list()?),
                ChecksCommand::Explain { id } => out(&format!("{}\n", app::checks_explain(&id)?)),
            }
            Ok(exit::CLEAN)
        }
    }
}

/// The first SIGINT/SIGTERM stops the scan (it then undoes its writes and writes its reports
/// marked incomplete); a second one exits at once, naming the writes still not undone.
fn watch_signals() -> Halt {
    let halt = Halt::new();
    let watched = halt.clone();
    tokio::spawn(async move {
        loop {
            let Some(signal) = next_signal().await else {
                return;
            };
            if watched.stop(HaltReason::Interrupted {
                signal: signal.to_owned(),
            }) {
                eprintln!(
                    "{signal}: stopping; undoing the scan's writes and writing the reports (send it again to exit at once)"
                );
                continue;
            }
            let pending = watched.journal().pending();
            if pending.is_empty() {
                eprintln!("second {signal}: exiting now; no write was left to undo");
            } else {
                eprintln!(
                    "second {signal}: exiting now; NOT undone ({}): {}",
                    pending.len(),
                    pending.join("; ")
                );
            }
            std::process::exit(if signal == "SIGTERM" {
                exit::SIGTERM
            } else {
                exit::SIGINT
            });
        }
    });
    halt
}

/// Waits for SIGINT or SIGTERM; `None` when signals cannot be watched.
async fn next_signal() -> Option<&'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).ok()?;
        let mut int = signal(SignalKind::interrupt()).ok()?;
        tokio::select! {
            _ = int.recv() => Some("SIGINT"),
            _ = term.recv() => Some("SIGTERM"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.ok().map(|()| "SIGINT")
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
