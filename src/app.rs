//! Runs the pipeline: spec → model → preflight → harvest → plan → exec → findings → report.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use url::Url;

use crate::checks::{self, CheckMeta, CheckSettings, PlanCx, Planned};
use crate::config::{ConfigError, Outputs, ScanConfig, SpecSource, repo_relative};
use crate::exec::{ExecError, Executor, Halt, HaltReason, Stage};
use crate::findings::Finding;
use crate::harvest::{self, PreflightError};
use crate::identity::Identity;
use crate::identity::Role;
use crate::model::{Api, Fence, FenceError, HttpMethod, Operation};
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
    Fence(#[from] FenceError),
    #[error(transparent)]
    Preflight(#[from] PreflightError),
    #[error(transparent)]
    Exec(#[from] ExecError),
    #[error(transparent)]
    Login(#[from] crate::identity::LoginError),
    #[error("failed to write report `{path}`: {reason}")]
    Report { path: PathBuf, reason: String },
    #[error("failed to start the demo API: {0}")]
    Demo(std::io::Error),
    /// Exit 2: the spec is an input like a file that cannot be read.
    #[error("failed to fetch spec `{url}`: {reason}")]
    SpecFetch { url: String, reason: String },
}

impl AppError {
    /// The documented exit code for this error (see `exit.rs`).
    pub fn exit_code(&self) -> i32 {
        match self {
            AppError::Spec(_)
            | AppError::Config(_)
            | AppError::Usage(_)
            | AppError::Fence(_)
            | AppError::Report { .. }
            | AppError::SpecFetch { .. } => exit::USAGE,
            AppError::Preflight(_) | AppError::Exec(_) | AppError::Login(_) | AppError::Demo(_) => {
                exit::TARGET
            }
        }
    }
}

/// Adds the object IDs the user listed to a harvested inventory: owned, and with `writable`
/// (user B with writes allowed) also created, after the scan's own creations.
fn add_explicit_objects(
    inv: &mut harvest::Inventory,
    objects: &[(String, Vec<String>)],
    writable: bool,
) {
    for (param, ids) in objects {
        for id in ids {
            tracing::info!(identity = %inv.role, param, id, "object listed in the config file");
            if writable {
                inv.add_created(param, id.clone());
            } else {
                inv.add_owned(param, id.clone());
            }
        }
    }
}

/// Scans an API and returns the finished report (nothing written yet).
pub async fn scan(config: &ScanConfig) -> Result<Report, AppError> {
    scan_until(config, &Halt::new()).await
}

/// [`scan`] that `halt` can stop early (an interrupt); whatever stops it, its writes are
/// undone first.
pub async fn scan_until(config: &ScanConfig, halt: &Halt) -> Result<Report, AppError> {
    let started = Instant::now();
    // Milliseconds since the scan started, on the stage lines (scripts/bench reads them).
    let elapsed_ms = || u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let started_at = now_seconds();
    // Loud on every run, before the first request (the spec download included).
    if config.exec.tls.insecure {
        tracing::warn!("{}", crate::exec::INSECURE_WARNING);
    }
    let (mut loaded, mut spec_path) = match &config.spec {
        SpecSource::File(path) => (spec::load_file(path)?, repo_relative(path)),
        SpecSource::Embedded { text, path } => (
            spec::load_str(text, path)?,
            path.to_string_lossy().replace('\\', "/"),
        ),
        SpecSource::Url { url, auth } => {
            let text = crate::exec::fetch_spec(url, auth.as_ref(), &config.exec)
                .await
                .map_err(|reason| AppError::SpecFetch {
                    url: url.to_string(),
                    reason,
                })?;
            tracing::info!(%url, "fetched the spec");
            let segment = url
                .path_segments()
                .and_then(|mut s| s.next_back())
                .filter(|s| !s.is_empty())
                .unwrap_or("openapi.yaml")
                .to_owned();
            if config.sarif_anchor.is_none() {
                tracing::info!(
                    "SARIF results point at `{segment}` (the spec URL's last path segment); pass --sarif-anchor PATH to point them at a repository file"
                );
            }
            (spec::load_str(&text, Path::new(url.as_str()))?, segment)
        }
    };
    if let Some(anchor) = &config.sarif_anchor {
        spec_path = repo_relative(anchor);
    }
    for w in &loaded.warnings {
        tracing::warn!("{w}");
    }
    // Before anything is sent: no stage may call what the fence holds back.
    let fence = Fence {
        exclude: config.exclude.clone(),
        include: config.include.clone(),
    };
    let mut not_sent = fence.apply(&mut loaded.api)?;
    let base_url = resolve_base_url(config.base_url.as_ref(), &loaded.api)?;
    let checks = selected_checks(&config.checks)?;
    tracing::info!(
        operations = loaded.api.operations.len(),
        checks = checks.len(),
        target = %base_url,
        elapsed_ms = elapsed_ms(),
        "loaded {}", loaded.api.title
    );

    if let Some(me) = &config.me {
        let wanted = me.trim();
        let op = loaded
            .api
            .operations
            .iter()
            .find(|op| op.id == wanted || op.display_name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                AppError::Usage(format!(
                    "--me `{wanted}` matches no operation (use `METHOD /path` as in the spec, or an operationId)"
                ))
            })?;
        if op.method != crate::model::HttpMethod::Get || !op.path_param_names().is_empty() {
            return Err(AppError::Usage(format!(
                "--me `{wanted}` must be a GET without path parameters (it is {})",
                op.display_name()
            )));
        }
        loaded.api.me_operation = Some(op.id.clone());
    }
    let api = &loaded.api;

    // An API key's placement and a token URL come from the spec, known only now.
    let mut user_a_identity = config.user_a.clone();
    let mut user_b_identity = config.user_b.clone();
    user_a_identity
        .resolve(Role::UserA, api, &base_url)
        .map_err(ConfigError::from)?;
    user_b_identity
        .resolve(Role::UserB, api, &base_url)
        .map_err(ConfigError::from)?;
    let mut exec = Executor::new(
        &config.exec,
        &base_url,
        Some(user_a_identity),
        Some(user_b_identity),
    )?
    .with_halt(halt.clone());
    if let Some(admin) = &config.admin {
        let mut admin = admin.clone();
        admin
            .resolve(Role::Admin, api, &base_url)
            .map_err(ConfigError::from)?;
        exec = exec.with_admin(admin);
    }
    if let SpecSource::Url {
        auth: Some(auth), ..
    } = &config.spec
    {
        exec.redactor().learn(auth.secret_fragments());
    }
    exec.enter(Stage::Login);
    exec.authenticate().await?;
    exec.enter(Stage::Preflight);
    let preflight = harvest::preflight(api, &exec, &base_url).await?;
    exec.mark();
    exec.enter(Stage::Harvest);
    let (mut user_a, mut user_b) = tokio::join!(
        harvest::harvest(api, &exec, &base_url, Role::UserA),
        harvest::harvest(api, &exec, &base_url, Role::UserB)
    );
    tracing::info!(elapsed_ms = elapsed_ms(), "harvested");
    let health = harvest::Health::new(api, &base_url, &preflight, [&user_a, &user_b]);
    if let Err(change) = health.verify(&exec, "after the harvest").await {
        halt.stop(HaltReason::TargetFailed { message: change });
    }
    // After the read-only harvest, so what other checks learn is the same with or without
    // writes; only checks that write to them make the scan create anything.
    if config.exec.allow_writes
        && !halt.is_stopped()
        && checks.iter().any(|c| c.writes_created_objects())
    {
        exec.enter(Stage::Create);
        harvest::create_objects(api, &exec, &base_url, &mut user_b).await;
    }
    add_explicit_objects(&mut user_a, &config.objects.user_a, false);
    add_explicit_objects(
        &mut user_b,
        &config.objects.user_b,
        config.exec.allow_writes,
    );
    // After login: a login identity's token is only known now.
    let user_a_credential = exec.credential(Role::UserA);
    let settings = CheckSettings {
        allow_writes: config.exec.allow_writes,
        user_a_jwt: user_a_credential.as_ref().is_some_and(|c| c.has_jwt()),
        user_a_weak_key: user_a_credential
            .as_ref()
            .and_then(|c| c.weak_signing_key()),
        public_fields: config
            .public_fields
            .iter()
            .map(|f| crate::values::judge::normalise_key(f))
            .collect(),
        admin: exec.has_admin(),
        login_operation: configured_login(config),
    };
    let cx = PlanCx {
        api,
        base_url: &base_url,
        user_a: &user_a,
        user_b: &user_b,
        settings: &settings,
    };
    let plan = plan::build(&checks, &cx, config.shard);
    tracing::info!(
        cases = plan.entries.len(),
        requests = plan.request_count(),
        elapsed_ms = elapsed_ms(),
        "planned"
    );
    let groups: Vec<Vec<_>> = plan
        .entries
        .iter()
        .flat_map(|e| match &e.planned {
            Planned::Probes(p) => p.iter().map(|p| p.requests.clone()).collect(),
            _ => Vec::new(),
        })
        .collect();
    let scanned: Vec<(String, String)> = groups
        .iter()
        .flatten()
        .map(|r| (r.method.to_string(), r.url.to_string()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    not_sent.extend(crate::model::needs_allow_writes(
        api,
        config.exec.allow_writes,
        checks::find_login_operation(api, settings.login_operation.as_ref()),
    ));
    exec.enter(Stage::Probes);
    let mut exchanges = send_watched(&exec, &health, groups).await.into_iter();
    tracing::info!(elapsed_ms = elapsed_ms(), "probes sent");
    if !halt.is_stopped()
        && let Err(change) = health.verify(&exec, "after the probes").await
    {
        halt.stop(HaltReason::TargetFailed { message: change });
    }
    let left_behind = exec.undo_all().await;
    let stats = exec.stats();
    if !halt.is_stopped()
        && let Some(share) = transport_failure(&stats)
    {
        halt.stop(HaltReason::TargetFailed { message: share });
    }
    let api_wide = Operation::api_wide();

    let mut findings: Vec<Finding> = Vec::new();
    let mut by_fingerprint: HashMap<String, usize> = HashMap::new();
    let mut cases = Vec::with_capacity(plan.entries.len());
    let mut probes_sent = 0;
    for entry in &plan.entries {
        let check = &checks[entry.check];
        let op = entry.operation.map_or(&api_wide, |i| &api.operations[i]);
        let outcome = match &entry.planned {
            Planned::NotApplicable => continue,
            Planned::Skipped(reason) => Outcome::Skipped {
                reason: reason.clone(),
            },
            Planned::Probes(probes) => {
                let mut hits = Vec::new();
                let mut judged = 0;
                let mut unanswered = None;
                for probe in probes {
                    let got = exchanges.next().unwrap_or_default();
                    probes_sent += 1;
                    // A probe judges only when every request of it got an answer.
                    match got.iter().find(|ex| ex.status.is_none()) {
                        Some(ex) => {
                            unanswered.get_or_insert_with(|| {
                                ex.error.clone().unwrap_or_else(|| "no response".into())
                            });
                        }
                        None if !got.is_empty() => judged += 1,
                        None => {}
                    }
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
                if !hits.is_empty() {
                    Outcome::Failed {
                        probes: probes.len(),
                        findings: hits,
                    }
                } else if judged == 0 {
                    Outcome::Skipped {
                        reason: format!(
                            "not tested: {}",
                            unanswered.unwrap_or_else(|| "no probe was sent".into())
                        ),
                    }
                } else {
                    Outcome::Passed { probes: judged }
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
    crate::findings::apply_suppressions(
        &mut findings,
        config.gate.baseline.as_ref(),
        config.gate.ignore.as_ref(),
    );

    Ok(Report {
        format_version: report::FORMAT_VERSION,
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
        finished_at: now_seconds(),
        scanned,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        fail_on: config.gate.fail_on,
        preflight,
        cases,
        findings,
        stats: Stats {
            exec: stats,
            probes: probes_sent,
        },
        warnings: config
            .exec
            .tls
            .insecure
            .then(|| crate::exec::INSECURE_WARNING.to_owned())
            .into_iter()
            .chain(loaded.warnings.iter().cloned())
            .collect(),
        halted: halt.reason().cloned(),
        left_behind,
        not_sent,
    })
}

/// Probe requests between two health checks, about: small enough to name the culprit when
/// an identity breaks, large enough that the canary's own requests stay a few percent.
const CANARY_EVERY: usize = 50;

/// Sends the probe groups in chunks with the health canary in between; once the scan has
/// stopped (interrupt, failed canary, dead target), the rest come back unsent.
async fn send_watched(
    exec: &Executor,
    health: &harvest::Health,
    groups: Vec<Vec<crate::exec::ProbeRequest>>,
) -> Vec<Vec<std::sync::Arc<crate::exec::Exchange>>> {
    let mut out = Vec::with_capacity(groups.len());
    let mut chunk = Vec::new();
    let mut requests = 0;
    let total = groups.len();
    for (i, group) in groups.into_iter().enumerate() {
        requests += group.len();
        chunk.push(group);
        if requests < CANARY_EVERY && i + 1 < total {
            continue;
        }
        out.extend(exec.send_groups(std::mem::take(&mut chunk)).await);
        requests = 0;
        if !exec.halt().is_stopped()
            && i + 1 < total
            && let Err(change) = health.verify(exec, "during the probes").await
        {
            exec.halt()
                .stop(HaltReason::TargetFailed { message: change });
        }
    }
    out
}

/// Share of requests that may fail in transport (no HTTP answer) before a scan counts as
/// not having tested the API: 5%, and at least [`MIN_TRANSPORT_FAILURES`].
const MAX_TRANSPORT_FAILURE_PERCENT: u64 = 5;
const MIN_TRANSPORT_FAILURES: u64 = 3;

/// Why the scan's transport failures make it untrustworthy, if they do.
fn transport_failure(stats: &crate::exec::ExecStats) -> Option<String> {
    let failed = stats.transport_errors;
    (failed >= MIN_TRANSPORT_FAILURES
        && failed * 100 > stats.requests * MAX_TRANSPORT_FAILURE_PERCENT)
        .then(|| {
            format!(
                "too many requests got no response to call the API tested (more than {MAX_TRANSPORT_FAILURE_PERCENT}%): {}",
                stats.transport_summary().unwrap_or_default()
            )
        })
}

/// The operation user A's (else user B's) login identity calls, when it is on the target's
/// own API (a path, not an absolute token URL).
fn configured_login(config: &ScanConfig) -> Option<(HttpMethod, String)> {
    [&config.user_a, &config.user_b]
        .into_iter()
        .find_map(|identity| match identity {
            Identity::Login(flow) if flow.url.is_none() => Some((flow.method, flow.path.clone())),
            _ => None,
        })
}

/// RFC 3339 UTC, whole seconds (GitLab's schema allows no fractions).
fn now_seconds() -> String {
    let now = jiff::Timestamp::now();
    now.round(jiff::Unit::Second).unwrap_or(now).to_string()
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
    if let Some(path) = &outputs.gitlab {
        let catalogue = checks::catalogue().map_err(AppError::Usage)?;
        write_report(path, report::render_gitlab(report, &catalogue))?;
    }
    if let Some(path) = &outputs.codequality {
        write_report(path, report::render_codequality(report))?;
    }
    if let Some(path) = &outputs.markdown {
        write_report(path, Ok(report::render_markdown(report)))?;
    }
    if let Some(path) = &outputs.html {
        write_report(path, Ok(report::render_html(report)))?;
    }
    Ok(())
}

/// Inside GitHub Actions: the step summary, step outputs and annotations (returned, for
/// stdout). Failing to append to GitHub's files is logged, never fatal.
pub fn github_actions(report: &Report, outputs: &Outputs) -> Option<String> {
    if std::env::var_os("GITHUB_ACTIONS").is_none_or(|v| v != "true") {
        return None;
    }
    let append = |var: &str, text: &str| {
        let Some(path) = std::env::var_os(var) else {
            return;
        };
        let result = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
        if let Err(e) = result {
            tracing::warn!("failed to append to ${var}: {e}");
        }
    };
    append("GITHUB_STEP_SUMMARY", &report::render_markdown(report));
    let sarif = outputs
        .sarif
        .as_ref()
        .map(|p| p.to_string_lossy().into_owned());
    append(
        "GITHUB_OUTPUT",
        &report::render_outputs(report, sarif.as_deref()),
    );
    Some(report::render_annotations(report))
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
pub async fn demo(args: &crate::cli::DemoArgs, halt: &Halt) -> Result<Report, AppError> {
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
            .map_err(ConfigError::from)?
            .into(),
        user_b: crate::identity::Credential::parse(Role::UserB, &header(DemoUser::Bob))
            .map_err(ConfigError::from)?
            .into(),
        admin: None,
        gate: crate::config::Gate {
            fail_on: args.fail_on,
            ..Default::default()
        },
        outputs: Outputs::all_in(&args.out_dir),
        exec: crate::exec::ExecSettings {
            concurrency: 8,
            timeout: std::time::Duration::from_secs(10),
            rate: crate::exec::RateLimit::Fixed(200),
            max_requests: None,
            max_duration: None,
            // Our own throwaway server: the write-side checks run too.
            allow_writes: true,
            tls: crate::exec::TlsSettings::default(),
        },
        checks: Vec::new(),
        shard: None,
        exclude: Vec::new(),
        include: Vec::new(),
        me: None,
        public_fields: Vec::new(),
        objects: Default::default(),
        sarif_anchor: None,
    };
    let report = scan_until(&config, halt).await;
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
    // Erin has the admin role: the optional `--admin` identity.
    for user in [DemoUser::Alice, DemoUser::Bob, DemoUser::Erin] {
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

/// `apileak baseline REPORT -o FILE`.
pub fn write_baseline(report: &Path, output: &Path) -> Result<usize, AppError> {
    let baseline = crate::findings::Baseline::load(report).map_err(ConfigError::from)?;
    let text = serde_json::to_string_pretty(&baseline).map_err(|e| AppError::Report {
        path: output.to_owned(),
        reason: e.to_string(),
    })?;
    write_file(output, &text)?;
    Ok(baseline.findings.len())
}

/// `apileak merge`: combine shard reports, apply the gate, write the outputs.
pub fn merge(args: &crate::cli::MergeArgs) -> Result<Report, AppError> {
    let mut reports = Vec::with_capacity(args.reports.len());
    for path in &args.reports {
        let text = std::fs::read_to_string(path).map_err(|e| {
            AppError::Usage(format!("failed to read report `{}`: {e}", path.display()))
        })?;
        let report: Report = serde_json::from_str(&text).map_err(|e| {
            AppError::Usage(format!(
                "`{}` is not an apileak JSON report: {e}",
                path.display()
            ))
        })?;
        reports.push(report);
    }
    let mut merged = report::merge_reports(reports).map_err(AppError::Usage)?;
    sort_findings(&mut merged.findings, &mut merged.cases);
    let gate = crate::config::Gate::from_args(&args.output)?;
    merged.fail_on = gate.fail_on;
    for f in &mut merged.findings {
        f.suppressed = None;
    }
    crate::findings::apply_suppressions(
        &mut merged.findings,
        gate.baseline.as_ref(),
        gate.ignore.as_ref(),
    );
    write_outputs(&merged, &Outputs::from_args(&args.output))?;
    Ok(merged)
}
