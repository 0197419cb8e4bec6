//! `ScanConfig`: validated, resolved settings (the CLI's raw values are checked here once).

use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use crate::exec::ExecSettings;
use crate::findings::{Baseline, IgnoreFile, Severity, SuppressError};
use crate::identity::{Credential, CredentialError, Role};

/// Where the spec comes from.
#[derive(Debug, Clone)]
pub enum SpecSource {
    File(PathBuf),
    /// Compiled-in text (the demo) with the repository path it was built from.
    Embedded {
        text: &'static str,
        path: PathBuf,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Outputs {
    pub sarif: Option<PathBuf>,
    pub junit: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub gitlab: Option<PathBuf>,
    pub codequality: Option<PathBuf>,
    pub markdown: Option<PathBuf>,
    pub html: Option<PathBuf>,
}

impl Outputs {
    /// Every format, as `<dir>/report.<ext>` (the demo's layout).
    pub fn all_in(dir: &Path) -> Outputs {
        Outputs {
            sarif: Some(dir.join("report.sarif")),
            junit: Some(dir.join("report.junit.xml")),
            json: Some(dir.join("report.json")),
            gitlab: Some(dir.join("gl-dast-report.json")),
            codequality: Some(dir.join("gl-code-quality-report.json")),
            markdown: Some(dir.join("summary.md")),
            html: Some(dir.join("report.html")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ScanConfig {
    pub spec: SpecSource,
    /// `None`: take the spec's first absolute server URL.
    pub base_url: Option<Url>,
    pub user_a: Credential,
    pub user_b: Credential,
    pub gate: Gate,
    pub outputs: Outputs,
    pub exec: ExecSettings,
    /// Empty: all checks.
    pub checks: Vec<String>,
    /// `(i, n)`: scan only shard i of n (1-based).
    pub shard: Option<(usize, usize)>,
    /// Operations never called (`GET /logout` or operationIds).
    pub skip: Vec<String>,
    /// Response fields public by design.
    pub public_fields: Vec<String>,
}

/// The gate's inputs shared by `scan` and `merge`: threshold, baseline, ignore file.
#[derive(Debug, Clone, Default)]
pub struct Gate {
    pub fail_on: Severity,
    /// `--report-only`: findings never change the exit code.
    pub report_only: bool,
    pub baseline: Option<Baseline>,
    pub ignore: Option<IgnoreFile>,
}

impl Gate {
    pub fn from_args(args: &crate::cli::OutputArgs) -> Result<Gate, ConfigError> {
        Ok(Gate {
            fail_on: args.fail_on,
            report_only: args.report_only,
            baseline: args.baseline.as_deref().map(Baseline::load).transpose()?,
            ignore: args
                .ignore
                .as_deref()
                .map(|p| IgnoreFile::load(p, jiff::Zoned::now().date()))
                .transpose()?,
        })
    }
}

impl Outputs {
    pub fn from_args(args: &crate::cli::OutputArgs) -> Outputs {
        Outputs {
            sarif: args.sarif.clone(),
            junit: args.junit.clone(),
            json: args.json.clone(),
            gitlab: args.gitlab.clone(),
            codequality: args.codequality.clone(),
            markdown: args.markdown.clone(),
            html: args.html.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("missing {role} credential: pass --{flag} \"Header: value\" or set {var}")]
    MissingCredential {
        role: Role,
        flag: &'static str,
        var: &'static str,
    },
    #[error(transparent)]
    Credential(#[from] CredentialError),
    #[error(transparent)]
    Suppress(#[from] SuppressError),
    #[error("invalid --base-url `{url}`: {reason}")]
    BaseUrl { url: String, reason: String },
}

impl ScanConfig {
    pub fn from_args(args: crate::cli::ScanArgs) -> Result<ScanConfig, ConfigError> {
        let user_a = credential(
            Role::UserA,
            args.user_a.as_deref(),
            "user-a",
            "APILEAK_USER_A",
        )?;
        let user_b = credential(
            Role::UserB,
            args.user_b.as_deref(),
            "user-b",
            "APILEAK_USER_B",
        )?;
        let base_url = args.base_url.as_deref().map(parse_base_url).transpose()?;
        Ok(ScanConfig {
            spec: SpecSource::File(args.spec),
            base_url,
            user_a,
            user_b,
            gate: Gate::from_args(&args.output)?,
            outputs: Outputs::from_args(&args.output),
            exec: exec_settings(&args.exec),
            checks: args.output.checks,
            shard: args.shard,
            skip: args.skip,
            public_fields: args.public_fields,
        })
    }
}

pub fn exec_settings(args: &crate::cli::ExecArgs) -> ExecSettings {
    ExecSettings {
        concurrency: usize::from(args.concurrency),
        timeout: Duration::from_secs(u64::from(args.timeout)),
        rate: args.rate,
        allow_writes: args.allow_writes,
    }
}

fn credential(
    role: Role,
    value: Option<&str>,
    flag: &'static str,
    var: &'static str,
) -> Result<Credential, ConfigError> {
    let value = value.ok_or(ConfigError::MissingCredential { role, flag, var })?;
    Ok(Credential::parse(role, value)?)
}

/// Only http(s) with a host; credentials are never sent anywhere else.
pub fn parse_base_url(raw: &str) -> Result<Url, ConfigError> {
    let parsed = Url::parse(raw);
    // Never echo userinfo: it may hold a password.
    let shown = match &parsed {
        Ok(u) => {
            let mut u = u.clone();
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => raw.chars().take(80).collect(),
    };
    let err = |reason: &str| ConfigError::BaseUrl {
        url: shown.clone(),
        reason: reason.to_owned(),
    };
    let url = parsed.map_err(|e| err(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(err("expected an http:// or https:// URL with a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(err("put credentials in --user-a/--user-b, not in the URL"));
    }
    Ok(url)
}

/// The spec's path relative to the repository root, with `/` separators, for SARIF/JUnit.
/// The root is `GITHUB_WORKSPACE`, `CI_PROJECT_DIR`, or the nearest parent with `.git`.
pub fn repo_relative(spec: &Path) -> String {
    let as_given = spec.to_string_lossy().replace('\\', "/");
    let Ok(abs) = spec.canonicalize() else {
        return as_given;
    };
    let root = ["GITHUB_WORKSPACE", "CI_PROJECT_DIR"]
        .iter()
        .filter_map(std::env::var_os)
        .map(PathBuf::from)
        .find_map(|p| p.canonicalize().ok())
        .or_else(|| {
            abs.ancestors()
                .find(|a| a.join(".git").exists())
                .map(Path::to_path_buf)
        });
    match root.and_then(|r| abs.strip_prefix(&r).ok().map(Path::to_path_buf)) {
        Some(rel) => rel.to_string_lossy().replace('\\', "/"),
        None => as_given,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_validation() {
        assert!(parse_base_url("http://127.0.0.1:8080/api").is_ok());
        assert!(parse_base_url("ftp://x").is_err());
        assert!(parse_base_url("not a url").is_err());
        let e = parse_base_url("http://u:secretpw@h/").expect_err("userinfo");
        assert!(!e.to_string().contains("secretpw"), "{e}");
    }
}
