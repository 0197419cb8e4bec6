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
    /// Colour on stdout and stderr: auto = on a terminal unless NO_COLOR is set.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,
    #[command(subcommand)]
    pub command: Command,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
#[expect(
    clippy::large_enum_variant,
    reason = "parsed once at start-up; boxing the scan arguments buys nothing"
)]
pub enum Command {
    /// Scan an API described by an OpenAPI spec, as anonymous, user A and user B (and an optional admin).
    Scan(ScanArgs),
    /// Start a bundled leaky demo API (--shape fitness, billing or content) on loopback and scan it.
    #[cfg(feature = "demo")]
    #[cfg(feature = "demo")]
    Demo(DemoArgs),
    /// Serve a bundled demo API (--shape …) until interrupted (to try `apileak scan` by hand).
    #[cfg(feature = "demo")]
    #[cfg(feature = "demo")]
    DemoApi(DemoApiArgs),
    /// Merge the JSON reports of a sharded scan and write every requested format.
    Merge(MergeArgs),
    /// Write a baseline (accepted findings' fingerprints) from a JSON report.
    Baseline {
        /// A JSON report from `--json` (or the demo's report.json).
        report: PathBuf,
        /// Where to write the baseline.
        #[arg(
            short,
            long,
            value_name = "PATH",
            default_value = "apileak-baseline.json"
        )]
        output: PathBuf,
    },
    /// The check catalogue.
    Checks {
        #[command(subcommand)]
        command: ChecksCommand,
    },
    /// The config file (`apileak.yaml`).
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Print a token forged from a user's bearer token (what the reproductions of
    /// broken-token-validation findings run).
    Forge(ForgeArgs),
    /// Print a shell completion script, e.g. `apileak completions bash > /etc/bash_completion.d/apileak`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `apileak man > apileak.1`.
    Man,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the config file's JSON Schema (for editor validation).
    Schema,
    /// Load and check a config file as a scan would, without sending anything: exit 0 when
    /// valid, 2 with the reasons when not.
    Validate {
        /// The config file [default: ./apileak.yaml].
        file: Option<PathBuf>,
    },
    /// Write a commented starter config from a spec: its security schemes as identities and
    /// the login operation apileak would use.
    Init {
        /// OpenAPI 3.0/3.1 or Swagger 2.0 file (YAML or JSON).
        spec: PathBuf,
        /// Where to write it (`-` for stdout). An existing file is never overwritten.
        #[arg(short, long, value_name = "PATH", default_value = "apileak.yaml")]
        output: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ForgeArgs {
    /// The forgery.
    pub kind: ForgeKind,
    /// The user's token: a bare token, `Bearer TOKEN` or a header line `Authorization: Bearer
    /// TOKEN` (so `"$APILEAK_USER_A"` works as is). Read from stdin when left out (preferred:
    /// an argument shows in the process list). Not needed for `garbage`.
    pub token: Option<String>,
    /// The HMAC key for `weak-key`.
    #[arg(long, required_if_eq("kind", "weak-key"))]
    pub key: Option<String>,
}

/// How `apileak forge` forges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ForgeKind {
    /// A bearer token that is not a token at all.
    Garbage,
    /// The token with its signature corrupted.
    BadSignature,
    /// `alg: none`, the token's own claims, no signature.
    AlgNone,
    /// The token's claims re-signed (HS256) with `--key`.
    WeakKey,
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
    /// OpenAPI 3.0/3.1 or Swagger 2.0 file (YAML or JSON), or an http(s) URL to fetch it
    /// from; optional when the config file names it.
    pub spec: Option<PathBuf>,
    /// With a spec URL: the repository file SARIF results point at (default: the URL's last
    /// path segment).
    #[arg(long, value_name = "PATH")]
    pub sarif_anchor: Option<PathBuf>,
    /// Config file (see apileak.example.yaml); default `./apileak.yaml` when present. Flags
    /// override its values.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
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
    /// Optional admin credential (a user with the admin role), same form as --user-a. The
    /// function-level check then proves a leak against the admin's view.
    #[arg(long, env = "APILEAK_ADMIN", hide_env_values = true)]
    pub admin: Option<String>,
    /// Never call these operations, in any stage (repeatable): `GET /admin/*` (method optional
    /// or `*`; `*` matches anything), an operationId, or `tag:NAME`. `--skip` is an alias.
    #[arg(long = "exclude", visible_alias = "skip", value_name = "PATTERN")]
    pub exclude: Vec<String>,
    /// Send these operations although they read as unsafe (`GET /createdb`, `GET /logout`, a
    /// `cmd` parameter): held back by default, listed in the report (repeatable; same
    /// patterns as --exclude).
    #[arg(long = "include", value_name = "PATTERN")]
    pub include: Vec<String>,
    /// The operation that returns the caller's own record (`GET /api/whoami`, or an
    /// operationId), when apileak cannot find it: it proves who A and B are, before and
    /// during the scan.
    #[arg(long, value_name = "OPERATION")]
    pub me: Option<String>,
    /// A response field that is public by design (repeatable), e.g. `display_name`: it is never
    /// treated as personal or excessive data.
    #[arg(long = "public-field", value_name = "NAME")]
    pub public_fields: Vec<String>,
    /// Reads each identity (user A, user B, anonymous) may send while learning who owns what,
    /// before any probe (1..=10000) [default: 150].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=10000))]
    pub harvest_requests: Option<u16>,
    /// Scan only shard I of N (`2/4`): operations are split deterministically, so N CI jobs
    /// can scan one API in parallel; combine their JSON reports with `apileak merge`.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
    /// Send only the preflight and the harvest (reads), then print what the scan understood:
    /// the resource model (which parameter carries which kind of object's ID), what each user
    /// owns, what is public, and every probe it would send or why a case cannot run. Creates
    /// nothing, writes no report; exit 0 (2 or 3 when the scan could not get that far).
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub exec: ExecArgs,
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let err = || format!("expected I/N with 1 <= I <= N, e.g. 2/4 (got `{s}`)");
    let (i, n) = s.split_once('/').ok_or_else(err)?;
    let (i, n): (usize, usize) = (
        i.trim().parse().map_err(|_| err())?,
        n.trim().parse().map_err(|_| err())?,
    );
    if i == 0 || n == 0 || i > n {
        return Err(err());
    }
    Ok((i, n))
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON reports of the shards (`--json` of each `apileak scan --shard i/n`).
    #[arg(required = true)]
    pub reports: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Exit 1 when a finding is at or above this severity: info, low, medium, high or
    /// critical [default: low].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Exit 3 when less than PCT percent (0-100) of the applicable check × operation cases
    /// was really tested (passed with a judging probe, or failed); the reports say which
    /// were not and why [default: no minimum].
    #[arg(long, value_name = "PCT", value_parser = clap::value_parser!(u8).range(0..=100))]
    pub min_coverage: Option<u8>,
    /// Write every report format into this directory under its usual name (report.sarif,
    /// report.junit.xml, report.json, gl-dast-report.json, gl-code-quality-report.json,
    /// summary.md, report.html); a format's own flag overrides its path. Any report path may
    /// be `-` for stdout (one at most; it then replaces the terminal report).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Write SARIF 2.1.0 (GitHub code scanning) here.
    #[arg(long, value_name = "PATH")]
    pub sarif: Option<PathBuf>,
    /// Write JUnit XML here (one test case per operation × check).
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Write the JSON report here (the documented, stable shape every other format derives from).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write a GitLab DAST report here (`gl-dast-report.json`, schema 15.0.7).
    #[arg(long, value_name = "PATH")]
    pub gitlab: Option<PathBuf>,
    /// Write a GitLab Code Quality report here (for tiers without the security tab).
    #[arg(long, value_name = "PATH")]
    pub codequality: Option<PathBuf>,
    /// Write a Markdown summary here (also appended to $GITHUB_STEP_SUMMARY when set).
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<PathBuf>,
    /// Write the HTML report here: one self-contained file with the authorization matrix.
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
    /// Exit 0 even when findings are at or above --fail-on (scan errors still exit 2 or 3): for
    /// CI systems where the reports, not the job status, drive the review (GitLab's advice).
    #[arg(long)]
    pub report_only: bool,
    /// Findings in this baseline (a file from `apileak baseline`, or a JSON report) don't fail
    /// the build; only new ones do.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Accepted findings, each with a reason and an expiry date (YAML, see README). An expired
    /// entry is an error (exit 2).
    #[arg(long, value_name = "FILE")]
    pub ignore: Option<PathBuf>,
    /// Only run these checks (comma-separated ids; see `apileak checks list`).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub checks: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Requests in flight at once [default: 8].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: Option<u16>,
    /// Per-request timeout in seconds [default: 10].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=600))]
    pub timeout: Option<u16>,
    /// Requests per second: `auto` adapts to the target (starts gently, at most 200, backs
    /// off on 429/503, timeouts and rising latency, honours Retry-After); a number is a fixed
    /// rate (1..=10000) [default: auto].
    #[arg(long, value_name = "auto|N", value_parser = parse_rate)]
    pub rate: Option<crate::exec::RateLimit>,
    /// Stop before sending more than N requests: the scan ends incomplete (exit 3) and the
    /// reports list what was not tested.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_requests: Option<u64>,
    /// Stop sending after this long (`90s`, `15m`, `1h`): the scan ends incomplete (exit 3)
    /// and the reports list what was not tested.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_duration: Option<std::time::Duration>,
    /// Also run checks that change data: write-side BOLA (changes and deletes objects the scan
    /// created itself) and mass assignment (changes user A's own record, then restores it).
    /// Never point this at production.
    #[arg(long)]
    pub allow_writes: bool,
    /// Also trust the CA certificates in this PEM file (an internal CA); the system's roots
    /// stay trusted.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Do not verify TLS certificates or host names (warned on every run, and in the report).
    /// Prefer --ca-cert.
    #[arg(long)]
    pub insecure: bool,
}

#[cfg(feature = "demo")]
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Scan the patched variant (every planted flaw fixed): expect no findings.
    #[arg(long)]
    pub patched: bool,
    /// Which demo API: fitness (bearer JWTs, integer IDs), billing (API keys, envelopes,
    /// prefixed IDs in paths, queries and bodies, cursor pages) or content (`Token` auth,
    /// slugs, public-by-design articles with one private leak among them).
    #[arg(long, value_name = "SHAPE", default_value = "fitness", value_parser = parse_shape)]
    pub shape: apileak_demo::Shape,
    /// Directory for the reports: report.sarif, report.junit.xml, report.json,
    /// gl-dast-report.json, gl-code-quality-report.json, summary.md and report.html.
    #[arg(long, value_name = "DIR", default_value = "apileak-report")]
    pub out_dir: PathBuf,
    /// Exit 1 when a finding is at or above this severity: info, low, medium, high or critical.
    #[arg(long, value_name = "SEVERITY", default_value = "low", value_parser = parse_severity)]
    pub fail_on: Severity,
}

#[cfg(feature = "demo")]
#[derive(Debug, Args)]
pub struct DemoApiArgs {
    /// Serve the patched variant.
    #[arg(long)]
    pub patched: bool,
    /// Which demo API: fitness, billing or content (see `apileak demo --help`).
    #[arg(long, value_name = "SHAPE", default_value = "fitness", value_parser = parse_shape)]
    pub shape: apileak_demo::Shape,
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
}

fn parse_rate(s: &str) -> Result<crate::exec::RateLimit, String> {
    s.parse()
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

#[cfg(feature = "demo")]
fn parse_shape(s: &str) -> Result<apileak_demo::Shape, String> {
    s.parse()
        .map_err(|e: apileak_demo::UnknownShape| e.to_string())
}

/// `--max-duration`: `90`, `90s`, `15m` or `1h` (at least one second).
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (number, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let scale = match unit.trim() {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => 0,
    };
    match number.parse::<u64>() {
        Ok(n) if n > 0 && scale > 0 => Ok(std::time::Duration::from_secs(n.saturating_mul(scale))),
        _ => Err(format!(
            "`{s}` is not a duration: use seconds (`90`, `90s`), minutes (`15m`) or hours (`1h`)"
        )),
    }
}
