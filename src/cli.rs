//! Command-line types (clap derive). Converted into `ScanConfig`; never passed deeper.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::findings::Severity;

/// API security scanner for CI: finds broken object-level authorization, broken
/// authentication and data leaks from an OpenAPI spec and two test users.
#[derive(Debug, Parser)]
#[command(name = "apileak", version, after_long_help = crate::exit::HELP, after_help = crate::exit::HELP)]
pub struct Cli {
    /// More logging on stderr (-v debug, -vv trace). APILEAK_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan an API described by an OpenAPI spec, as anonymous, user A and user B.
    Scan(ScanArgs),
    /// Start the bundled leaky demo API on loopback and scan it.
    Demo(DemoArgs),
    /// Serve the bundled demo API until interrupted (to try `apileak scan` by hand).
    DemoApi(DemoApiArgs),
    /// The check catalogue.
    Checks {
        #[command(subcommand)]
        command: ChecksCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ChecksCommand {
    /// One line per check: id, OWASP category, severity, name.
    List,
    /// A check's documentation: what it sends, why it matters, how to fix.
    Explain {
        /// Check id, e.g. `bola-read`.
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// OpenAPI 3.0/3.1 or Swagger 2.0 file (YAML or JSON).
    pub spec: PathBuf,
    /// Target base URL, with any base path (`http://host:8080/api`); overrides the spec's servers.
    #[arg(long)]
    pub base_url: Option<String>,
    /// User A's credential as a header line, e.g. "Authorization: Bearer …". Prefer the env var
    /// so the secret stays out of command lines and logs.
    #[arg(long, env = "APILEAK_USER_A", hide_env_values = true)]
    pub user_a: Option<String>,
    /// User B's credential (a different user from A), same form as --user-a.
    #[arg(long, env = "APILEAK_USER_B", hide_env_values = true)]
    pub user_b: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub exec: ExecArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "low", value_parser = parse_severity)]
    pub fail_on: Severity,
    /// Write SARIF 2.1.0 (GitHub code scanning) here.
    #[arg(long, value_name = "PATH")]
    pub sarif: Option<PathBuf>,
    /// Write JUnit XML here (one test case per operation × check).
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Write the JSON report here.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Only run these checks (comma-separated ids; see `apileak checks list`).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub checks: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=600))]
    pub timeout: u16,
    /// Requests per second, at most (be gentle with shared staging).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub rate: u32,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Scan the patched variant (every planted flaw fixed): expect no findings.
    #[arg(long)]
    pub patched: bool,
    /// Directory for the reports (report.sarif, report.junit.xml, report.json).
    #[arg(long, value_name = "DIR", default_value = "apileak-report")]
    pub out_dir: PathBuf,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_name = "SEVERITY", default_value = "low", value_parser = parse_severity)]
    pub fail_on: Severity,
}

#[derive(Debug, Args)]
pub struct DemoApiArgs {
    /// Serve the patched variant.
    #[arg(long)]
    pub patched: bool,
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}
