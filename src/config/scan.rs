//! `ScanConfig`: validated, resolved settings (the CLI's raw values are checked here once).

use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use super::ConfigError;
use super::file::{FileRate, LoadedFile};
use crate::cli::parse_duration;
use crate::exec::{ExecSettings, MAX_FIXED_RATE, RateLimit, TlsSettings};
use crate::findings::{Baseline, IgnoreFile, Severity};
use crate::identity::{Credential, Identity, Role};

/// Where the spec comes from.
#[derive(Debug, Clone)]
pub enum SpecSource {
    File(PathBuf),
    /// Compiled-in text (the demo) with the repository path it was built from.
    Embedded {
        text: &'static str,
        path: PathBuf,
    },
    /// Fetched once before the scan, with its own optional credential (never an identity's).
    Url {
        url: Url,
        auth: Option<Credential>,
    },
}

/// Whether a spec argument is a URL rather than a file.
fn is_url(raw: &str) -> bool {
    raw.starts_with("http://") || raw.starts_with("https://")
}

#[derive(Debug, Clone)]
pub struct ScanConfig {
    pub spec: SpecSource,
    /// `None`: take the spec's first absolute server URL.
    pub base_url: Option<Url>,
    pub user_a: Identity,
    pub user_b: Identity,
    /// The optional admin (`--admin`, `identities.admin`).
    pub admin: Option<Identity>,
    pub gate: Gate,
    pub exec: ExecSettings,
    /// Empty: all checks.
    pub checks: Vec<String>,
    /// `(i, n)`: scan only shard i of n (1-based).
    pub shard: Option<(usize, usize)>,
    /// Operations never called (`--exclude`, `--skip`): route globs, operationIds, `tag:NAME`.
    pub exclude: Vec<String>,
    /// Operations sent although they read as unsafe (`--include`), same patterns.
    pub include: Vec<String>,
    /// The "me" operation the user named (`GET /whoami` or an operationId).
    pub me: Option<String>,
    /// Reads each identity may send during the harvest (`--harvest-requests`).
    pub harvest_requests: u16,
    /// Response fields public by design.
    pub public_fields: Vec<String>,
    /// Object IDs the user listed per identity (`identities.user_b.objects`).
    pub objects: ExplicitObjects,
    /// The repository file SARIF results point at when the spec is a URL
    /// (`--sarif-anchor`); default: the URL's last path segment.
    pub sarif_anchor: Option<PathBuf>,
}

/// Object IDs listed in the config file, per user: parameter name → IDs. They join the
/// harvested inventory as owned; user B's also as created (writable by the write-side
/// checks) when writes are allowed: the user vouches that they are B's test objects.
#[derive(Debug, Clone, Default)]
pub struct ExplicitObjects {
    /// User A's: owned only.
    pub user_a: Vec<(String, Vec<String>)>,
    /// User B's: owned, and created when writes are allowed.
    pub user_b: Vec<(String, Vec<String>)>,
}

/// The gate's inputs shared by `scan` and `merge`: threshold, baseline, ignore file.
#[derive(Debug, Clone, Default)]
pub struct Gate {
    pub fail_on: Severity,
    /// `--report-only`: findings never change the exit code.
    pub report_only: bool,
    pub baseline: Option<Baseline>,
    pub ignore: Option<IgnoreFile>,
    /// `--min-coverage`: exit 3 when a smaller share of the applicable cases was tested
    /// (whole percent, 0..=100); `None`: no minimum.
    pub min_coverage: Option<u8>,
}

impl Gate {
    pub fn from_args(args: &crate::cli::OutputArgs) -> Result<Gate, ConfigError> {
        Ok(Gate {
            fail_on: args.fail_on.unwrap_or_default(),
            report_only: args.report_only,
            baseline: args.baseline.as_deref().map(Baseline::load).transpose()?,
            ignore: args
                .ignore
                .as_deref()
                .map(|p| IgnoreFile::load(p, jiff::Zoned::now().date()))
                .transpose()?,
            min_coverage: args.min_coverage,
        })
    }
}

impl ScanConfig {
    /// Resolves the CLI flags over the config file (`--config`, else `./apileak.yaml` when
    /// present) over the defaults.
    pub fn from_args(args: crate::cli::ScanArgs) -> Result<ScanConfig, ConfigError> {
        let default_file = Path::new("apileak.yaml");
        let file_path = args
            .config
            .clone()
            .or_else(|| default_file.is_file().then(|| default_file.to_owned()));
        let file = file_path.as_deref().map(LoadedFile::load).transpose()?;
        if let Some(f) = &file {
            tracing::info!(path = %f.path.display(), "using config file");
        }
        ScanConfig::resolve(args, file.as_ref())
    }

    fn resolve(
        args: crate::cli::ScanArgs,
        file: Option<&LoadedFile>,
    ) -> Result<ScanConfig, ConfigError> {
        let cfg = file.map(|f| &f.config);
        let spec_auth = file.map(LoadedFile::spec_auth).transpose()?.flatten();
        let spec = match (args.spec, file) {
            (Some(spec), _) => match spec.to_str().filter(|s| is_url(s)) {
                Some(url) => SpecSource::Url {
                    url: parse_spec_url(url)?,
                    auth: spec_auth,
                },
                None => SpecSource::File(spec),
            },
            (None, Some(f)) => match f.spec_text()? {
                Some(url) if is_url(&url) => SpecSource::Url {
                    url: parse_spec_url(&url)?,
                    auth: spec_auth,
                },
                _ => SpecSource::File(f.spec()?.ok_or(ConfigError::MissingSpec)?),
            },
            (None, None) => return Err(ConfigError::MissingSpec),
        };
        if !matches!(spec, SpecSource::Url { .. }) && cfg.is_some_and(|c| c.spec_auth.is_some()) {
            tracing::info!("`spec_auth` is not used: the spec is a file");
        }
        let sarif_anchor = args
            .sarif_anchor
            .clone()
            .or(file.map(LoadedFile::sarif_anchor).transpose()?.flatten());
        let user_a = identity(Role::UserA, args.user_a.as_deref(), file)?;
        let user_b = identity(Role::UserB, args.user_b.as_deref(), file)?;
        let admin = optional_identity(Role::Admin, args.admin.as_deref(), file)?;
        let base_url = match (
            &args.base_url,
            file.zip(cfg.and_then(|c| c.base_url.as_ref())),
        ) {
            (Some(flag), _) => Some(parse_base_url(flag)?),
            (None, Some((f, url))) => Some(parse_base_url(&f.expand(url)?)?),
            (None, None) => None,
        };
        let mut gate = Gate::from_args(&args.output)?;
        gate.fail_on = args
            .output
            .fail_on
            .or(cfg.and_then(|c| c.fail_on))
            .unwrap_or_default();
        gate.min_coverage = match args.output.min_coverage {
            Some(pct) => Some(pct),
            None => cfg
                .and_then(|c| c.min_coverage)
                .map(|pct| in_range("min_coverage", Some(pct), pct, 0..=100, file))
                .transpose()?
                .and_then(|pct| u8::try_from(pct).ok()),
        };
        let pick = |flag: Vec<String>, from_file: Option<&Vec<String>>| {
            if flag.is_empty() {
                from_file.cloned().unwrap_or_default()
            } else {
                flag
            }
        };
        // `skip` is the older name of `exclude`: a file may still use either, or both.
        let file_exclude = cfg
            .filter(|c| c.exclude.is_some() || c.skip.is_some())
            .map(|c| {
                let both = c.exclude.iter().chain(c.skip.iter()).flatten();
                both.cloned().collect::<Vec<String>>()
            });
        let exec = ExecSettings {
            concurrency: usize::from(in_range(
                "concurrency",
                args.exec.concurrency.or(cfg.and_then(|c| c.concurrency)),
                8,
                1..=256,
                file,
            )?),
            timeout: Duration::from_secs(u64::from(in_range(
                "timeout",
                args.exec.timeout.or(cfg.and_then(|c| c.timeout)),
                10,
                1..=600,
                file,
            )?)),
            rate: match (args.exec.rate, cfg.and_then(|c| c.rate)) {
                (Some(rate), _) => rate,
                (None, Some(FileRate::PerSecond(n))) => {
                    RateLimit::Fixed(in_range("rate", Some(n), n, 1..=MAX_FIXED_RATE, file)?)
                }
                (None, Some(FileRate::Auto(_)) | None) => RateLimit::default(),
            },
            max_requests: match args.exec.max_requests {
                Some(n) => Some(n),
                None => cfg
                    .and_then(|c| c.max_requests)
                    .map(|n| in_range("max_requests", Some(n), n, 1..=u64::MAX, file))
                    .transpose()?,
            },
            max_duration: match args.exec.max_duration {
                Some(d) => Some(d),
                None => cfg
                    .and_then(|c| c.max_duration.as_deref())
                    .map(|s| {
                        parse_duration(s).map_err(|reason| match file {
                            Some(f) => ConfigError::File {
                                path: f.path.clone(),
                                reason: format!("`max_duration`: {reason}"),
                            },
                            None => ConfigError::Invalid(reason),
                        })
                    })
                    .transpose()?,
            },
            allow_writes: args.exec.allow_writes || cfg.and_then(|c| c.allow_writes) == Some(true),
            tls: TlsSettings::new(
                match args.exec.ca_cert {
                    Some(flag) => Some(flag),
                    None => file.map(LoadedFile::ca_cert).transpose()?.flatten(),
                }
                .as_deref(),
                args.exec.insecure || cfg.and_then(|c| c.insecure) == Some(true),
            )?,
        };
        Ok(ScanConfig {
            spec,
            sarif_anchor,
            base_url,
            user_a,
            user_b,
            admin,
            gate,
            exec,
            checks: pick(args.output.checks, cfg.and_then(|c| c.checks.as_ref())),
            shard: args.shard,
            exclude: pick(args.exclude, file_exclude.as_ref()),
            include: pick(args.include, cfg.and_then(|c| c.include.as_ref())),
            me: args.me.or_else(|| cfg.and_then(|c| c.me.clone())),
            harvest_requests: match args.harvest_requests {
                Some(n) => n,
                None => in_range(
                    "harvest_requests",
                    cfg.and_then(|c| c.harvest_requests),
                    DEFAULT_HARVEST_REQUESTS,
                    1..=10_000,
                    file,
                )?,
            },
            public_fields: pick(
                args.public_fields,
                cfg.and_then(|c| c.public_fields.as_ref()),
            ),
            objects: ExplicitObjects {
                user_a: file.map(|f| f.objects(Role::UserA)).unwrap_or_default(),
                user_b: file.map(|f| f.objects(Role::UserB)).unwrap_or_default(),
            },
        })
    }
}

/// Reads per identity in the harvest unless configured: enough for a few hundred operations.
pub const DEFAULT_HARVEST_REQUESTS: u16 = 150;

/// A number from a flag or the file, checked against the flag's range (clap checks flags).
fn in_range<T: PartialOrd + Copy + std::fmt::Display>(
    key: &str,
    value: Option<T>,
    default: T,
    range: std::ops::RangeInclusive<T>,
    file: Option<&LoadedFile>,
) -> Result<T, ConfigError> {
    let value = value.unwrap_or(default);
    if range.contains(&value) {
        return Ok(value);
    }
    let reason = format!(
        "`{key}` must be between {} and {} (got {value})",
        range.start(),
        range.end()
    );
    Err(match file {
        Some(f) => ConfigError::File {
            path: f.path.clone(),
            reason,
        },
        None => ConfigError::Invalid(reason),
    })
}

/// A required identity: the flag (or its env var) wins over the file's.
fn identity(
    role: Role,
    flag: Option<&str>,
    file: Option<&LoadedFile>,
) -> Result<Identity, ConfigError> {
    if let Some(identity) = optional_identity(role, flag, file)? {
        return Ok(identity);
    }
    let (flag, var, key) = match role {
        Role::UserB => ("user-b", "APILEAK_USER_B", "user_b"),
        _ => ("user-a", "APILEAK_USER_A", "user_a"),
    };
    Err(ConfigError::MissingCredential {
        role,
        flag,
        var,
        key,
    })
}

/// The flag (or its env var), else the file's identity, else none.
fn optional_identity(
    role: Role,
    flag: Option<&str>,
    file: Option<&LoadedFile>,
) -> Result<Option<Identity>, ConfigError> {
    if let Some(value) = flag {
        if file.is_some_and(|f| f.declares(role)) {
            tracing::info!("{role}: the --{role} flag (or its env var) overrides the config file");
        }
        return Ok(Some(Identity::Header(Credential::parse(role, value)?)));
    }
    file.map(|f| f.identity(role))
        .transpose()
        .map(Option::flatten)
}

/// A spec URL: http(s), no credentials in it (they go in `spec_auth`).
fn parse_spec_url(raw: &str) -> Result<Url, ConfigError> {
    parse_base_url(raw).map_err(|e| match e {
        ConfigError::BaseUrl { url, reason } => ConfigError::SpecUrl {
            url,
            reason: reason.replace("--user-a/--user-b", "`spec_auth`"),
        },
        other => other,
    })
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
    fn durations_take_seconds_minutes_and_hours() {
        let secs = |s: &str| parse_duration(s).map(|d| d.as_secs());
        assert_eq!(secs("90"), Ok(90));
        assert_eq!(secs("90s"), Ok(90));
        assert_eq!(secs(" 15m "), Ok(900));
        assert_eq!(secs("1h"), Ok(3600));
        for bad in ["", "0", "5d", "m", "1.5m", "-3s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn base_url_validation() {
        assert!(parse_base_url("http://127.0.0.1:8080/api").is_ok());
        assert!(parse_base_url("ftp://x").is_err());
        assert!(parse_base_url("not a url").is_err());
        let e = parse_base_url("http://u:secretpw@h/").expect_err("userinfo");
        assert!(!e.to_string().contains("secretpw"), "{e}");
    }
}
