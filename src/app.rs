//! Runs the pipeline: spec → model → preflight → harvest → plan → exec → findings → report.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use url::Url;

use crate::checks::{self, CheckMeta, PlanCx, Planned};
use crate::config::{ConfigError, Outputs, ScanConfig, SpecSource, repo_relative};
use crate::exec::{ExecError, Executor};
use crate::findings::Finding;
use crate::harvest::{self, PreflightError};
use crate::identity::Role;
use crate::model::Api;
use crate::report::{self, ApiInfo, CaseResult, Outcome, Report, Stats, ToolInfo};
use crate::spec::{self, SpecError};
use crate::{exit, plan};

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum AppError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Preflight(#[from] PreflightError),
    #[error(transparent)]
    Exec(#[from] ExecError),
    #[error("failed to write report `{path}`: {reason}")]
    Report { path: PathBuf, reason: String },
    #[error("failed to start the demo API: {0}")]
    Demo(std::io::Error),
}

impl AppError {
    /// The documented exit code for this error (see `exit.rs`).
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Spec(_)
            | AppError::Config(_)
            | AppError::Usage(_)
            | AppError::Report { .. } => exit::USAGE,
            AppError::Preflight(_) | AppError::Exec(_) | AppError::Demo(_) => exit::TARGET,
        }
    }
}

/// Scans an API and returns the finished report (nothing written yet).
pub async fn scan(config: &ScanConfig) -> Result<Report, AppError> {
    let started = Instant::now();
    let started_at = jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or_else(|_| jiff::Timestamp::now())
        .to_string();
    let (loaded, spec_path) = match &config.spec {
        SpecSource::File(path) => (spec::load_file(path)?, repo_relative(path)),
        SpecSource::Embedded { text, path } => (
            spec::load_str(text, path)?,
            path.to_string_lossy().replace('\\', "/"),
        ),
    };
    for w in &loaded.warnings {
        tracing::warn!("{w}");
    }
    let api = &loaded.api;
    let base_url = resolve_base_url(config.base_url.as_ref(), api)?;
    let checks = selected_checks(&config.checks)?;
    tracing::info!(
        operations = api.operations.len(),
        checks = checks.len(),
        target = %base_url,
        "loaded {}", api.title
    );

    let exec = Executor::new(
        &config.exec,
        &base_url,
        Some(config.user_a.clone()),
        Some(config.user_b.clone()),
    )?;
    let preflight = harvest::preflight(api, &exec, &base_url).await?;
    let (user_a, user_b) = tokio::join!(
        harvest::harvest(api, &exec, &base_url, Role::UserA),
        harvest::harvest(api, &exec, &base_url, Role::UserB)
    );
    let cx = PlanCx {
        api,
        base_url: &base_url,
        user_a: &user_a,
        user_b: &user_b,
    };
    let plan = plan::build(&checks, &cx);
    tracing::info!(
        cases = plan.entries.len(),
        requests = plan.request_count(),
        "planned"
    );
    let requests = plan
        .entries
        .iter()
        .flat_map(|e| match &e.planned {
            Planned::Probes(p) => p.iter().flat_map(|p| p.requests.clone()).collect(),
            _ => Vec::new(),
        })
        .collect();
    let mut exchanges = exec.send_all(requests).await.into_iter();

    let mut findings: Vec<Finding> = Vec::new();
    let mut by_fingerprint: HashMap<String, usize> = HashMap::new();
    let mut cases = Vec::with_capacity(plan.entries.len());
    let mut probes_sent = 0;
    for entry in &plan.entries {
        let check = &checks[entry.check];
        let op = &api.operations[entry.operation];
        let outcome = match &entry.planned {
            Planned::NotApplicable => continue,
            Planned::Skipped(reason) => Outcome::Skipped {
                reason: reason.clone(),
            },
            Planned::Probes(probes) => {
                let mut hits = Vec::new();
                for probe in probes {
                    let got: Vec<_> = exchanges.by_ref().take(probe.requests.len()).collect();
                    probes_sent += 1;
                    if let Some(f) = check.evaluate(op, probe, &got, &cx) {
                        // Same root cause reached twice (two of B's objects): one finding.
                        let index =
                            *by_fingerprint
                                .entry(f.fingerprint.clone())
                                .or_insert_with(|| {
                                    findings.push(f);
                                    findings.len() - 1
                                });
                        if !hits.contains(&index) {
                            hits.push(index);
                        }
                    }
                }
                if hits.is_empty() {
                    Outcome::Passed {
                        probes: probes.len(),
                    }
                } else {
                    Outcome::Failed {
                        probes: probes.len(),
                        findings: hits,
                    }
                }
            }
        };
        cases.push(CaseResult {
            check: check.meta().id.clone(),
            operation_id: op.id.clone(),
            method: op.method.to_string(),
            path: op.path.clone(),
            line: op.location.line,
            outcome,
        });
    }
    sort_findings(&mut findings, &mut cases);

    Ok(Report {
        tool: ToolInfo {
            name: "apileak".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        api: ApiInfo {
            title: api.title.clone(),
            spec_path,
            base_url: base_url.to_string(),
            operations: api.operations.len(),
        },
        started_at,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        fail_on: config.fail_on,
        preflight,
        cases,
        findings,
        stats: Stats {
            exec: exec.stats(),
            probes: probes_sent,
        },
        warnings: loaded.warnings.clone(),
    })
}

/// Most severe first; case outcomes follow the new order.
fn sort_findings(findings: &mut Vec<Finding>, cases: &mut [CaseResult]) {
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by(|a, b| {
        findings[*b]
            .severity
            .cmp(&findings[*a].severity)
            .then_with(|| findings[*a].operation().cmp(&findings[*b].operation()))
    });
    let mut new_index = vec![0; findings.len()];
    for (new, old) in order.iter().enumerate() {
        new_index[*old] = new;
    }
    for case in cases {
        if let Outcome::Failed { findings: f, .. } = &mut case.outcome {
            for i in f.iter_mut() {
                *i = new_index[*i];
            }
        }
    }
    let mut old: Vec<Option<Finding>> = findings.drain(..).map(Some).collect();
    findings.extend(order.iter().filter_map(|i| old[*i].take()));
}

fn selected_checks(ids: &[String]) -> Result<Vec<Box<dyn checks::Check>>, AppError> {
    let all = checks::registry().map_err(AppError::Usage)?;
    if ids.is_empty() {
        return Ok(all);
    }
    for id in ids {
        if !all.iter().any(|c| &c.meta().id == id) {
            return Err(AppError::Usage(format!(
                "unknown check `{id}` (see `apileak checks list`)"
            )));
        }
    }
    Ok(all
        .into_iter()
        .filter(|c| ids.contains(&c.meta().id))
        .collect())
}

/// `--base-url`, else the spec's first absolute http(s) server.
fn resolve_base_url(flag: Option<&Url>, api: &Api) -> Result<Url, AppError> {
    if let Some(url) = flag {
        return Ok(url.clone());
    }
    for server in &api.servers {
        if let Ok(url) = crate::config::parse_base_url(server) {
            return Ok(url);
        }
    }
    Err(AppError::Usage(if api.servers.is_empty() {
        "the spec declares no servers: pass --base-url".to_owned()
    } else {
        format!(
            "the spec's servers ({}) are not absolute http(s) URLs: pass --base-url",
            api.servers.join(", ")
        )
    }))
}

/// Writes every requested report file.
pub fn write_outputs(report: &Report, outputs: &Outputs) -> Result<(), AppError> {
    if let Some(path) = &outputs.sarif {
        let catalogue = checks::catalogue().map_err(AppError::Usage)?;
        write_report(path, report::render_sarif(report, &catalogue))?;
    }
    if let Some(path) = &outputs.junit {
        write_report(path, report::render_junit(report))?;
    }
    if let Some(path) = &outputs.json {
        write_report(path, report::render_json(report))?;
    }
    Ok(())
}

fn write_report(path: &Path, rendered: Result<String, String>) -> Result<(), AppError> {
    let text = rendered.map_err(|reason| AppError::Report {
        path: path.to_owned(),
        reason,
    })?;
    write_file(path, &text)?;
    tracing::info!(path = %path.display(), "wrote report");
    Ok(())
}

fn write_file(path: &Path, text: &str) -> Result<(), AppError> {
    let err = |e: std::io::Error| AppError::Report {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    std::fs::write(path, text).map_err(err)
}

/// `apileak checks list`.
pub fn checks_list() -> Result<String, AppError> {
    let catalogue = checks::catalogue().map_err(AppError::Usage)?;
    let mut out = String::new();
    for m in &catalogue {
        out.push_str(&format!(
            "{:<26} {:<10} {:<9} {}\n",
            m.id, m.owasp, m.severity, m.name
        ));
    }
    Ok(out)
}

/// `apileak checks explain ID`.
pub fn checks_explain(id: &str) -> Result<String, AppError> {
    let catalogue = checks::catalogue().map_err(AppError::Usage)?;
    let m: &CheckMeta = catalogue.iter().find(|m| m.id == id).ok_or_else(|| {
        AppError::Usage(format!("unknown check `{id}` (see `apileak checks list`)"))
    })?;
    let cwe: Vec<String> = m.cwe.iter().map(|c| format!("CWE-{c}")).collect();
    Ok(format!(
        "{} — {}\n{} {} · {} · default severity {} (CVSS {:.1})\n\n{}\n\n{}",
        m.id,
        m.name,
        m.owasp,
        m.owasp_name,
        cwe.join(", "),
        m.severity,
        m.cvss,
        m.summary,
        m.description.trim_end()
    ))
}

/// `apileak demo`: serve the demo API on loopback, scan it as alice (A) and bob (B), write
/// every report into `out_dir`.
pub async fn demo(args: &crate::cli::DemoArgs) -> Result<Report, AppError> {
    use crate::demo::{DemoServer, DemoUser, SPEC_PATH, SPEC_YAML, Variant};
    let variant = if args.patched {
        Variant::Patched
    } else {
        Variant::Vulnerable
    };
    let server = DemoServer::start(variant).await.map_err(AppError::Demo)?;
    tracing::info!(url = %server.base_url(), ?variant, "demo API started");
    let header = |u: DemoUser| format!("Authorization: Bearer {}", server.token(u));
    let config = ScanConfig {
        spec: SpecSource::Embedded {
            text: SPEC_YAML,
            path: PathBuf::from(SPEC_PATH),
        },
        base_url: Some(crate::config::parse_base_url(&server.base_url())?),
        user_a: crate::identity::Credential::parse(Role::UserA, &header(DemoUser::Alice))
            .map_err(ConfigError::from)?,
        user_b: crate::identity::Credential::parse(Role::UserB, &header(DemoUser::Bob))
            .map_err(ConfigError::from)?,
        fail_on: args.fail_on,
        outputs: Outputs {
            sarif: Some(args.out_dir.join("report.sarif")),
            junit: Some(args.out_dir.join("report.junit.xml")),
            json: Some(args.out_dir.join("report.json")),
        },
        exec: crate::exec::ExecSettings {
            concurrency: 8,
            timeout: std::time::Duration::from_secs(10),
            rate: 200,
        },
        checks: Vec::new(),
    };
    let report = scan(&config).await;
    server.shutdown().await;
    let report = report?;
    write_outputs(&report, &config.outputs)?;
    Ok(report)
}

/// `apileak demo-api`: serve the demo API until Ctrl-C, printing how to scan it.
pub async fn serve_demo(args: &crate::cli::DemoApiArgs) -> Result<(), AppError> {
    use crate::demo::{DemoServer, DemoUser, Variant};
    let variant = if args.patched {
        Variant::Patched
    } else {
        Variant::Vulnerable
    };
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
    let server = DemoServer::start_on(variant, addr)
        .await
        .map_err(AppError::Demo)?;
    // Printed on stderr: these are demo-only tokens, issued fresh at each start.
    tracing::info!("demo API ({variant:?}) listening on {}", server.base_url());
    for user in [DemoUser::Alice, DemoUser::Bob] {
        tracing::info!(
            "{}: Authorization: Bearer {}",
            user.username(),
            server.token(user)
        );
    }
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    Ok(())
}
