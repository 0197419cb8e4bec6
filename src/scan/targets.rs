//! Stage 1, targets: the spec loaded and fenced, the base URL, the checks, and the identities
//! resolved against the spec once (an API key's placement and a token URL come from it).

use std::path::Path;

use url::Url;

use crate::checks::{self, Check};
use crate::config::{ConfigError, ScanConfig, SpecSource, repo_relative};
use crate::error::AppError;
use crate::identity::{Identity, Role};
use crate::model::{Api, Fence, HttpMethod, NotSent};
use crate::spec;

/// What the scan is pointed at, before anything is sent to the target.
pub struct Targets {
    pub api: Api,
    /// The spec file as reports anchor to it.
    pub spec_path: String,
    pub base_url: Url,
    pub checks: Vec<Box<dyn Check>>,
    pub user_a: Identity,
    pub user_b: Identity,
    pub admin: Option<Identity>,
    /// Operations no stage may send, with why.
    pub not_sent: Vec<NotSent>,
    /// Spec warnings and the like, for every report.
    pub warnings: Vec<String>,
}

/// Loads, fences and resolves everything the scan needs from the config and the spec.
pub(super) async fn resolve(config: &ScanConfig) -> Result<Targets, AppError> {
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
    let not_sent = fence.apply(&mut loaded.api)?;
    let base_url = resolve_base_url(config.base_url.as_ref(), &loaded.api)?;
    let checks = selected_checks(&config.checks)?;
    if let Some(me) = &config.me {
        loaded.api.me_operation = Some(me_operation(&loaded.api, me)?);
    }
    let api = loaded.api;
    let resolve = |identity: &Identity, role: Role| -> Result<Identity, AppError> {
        let mut identity = identity.clone();
        identity
            .resolve(role, &api, &base_url)
            .map_err(ConfigError::from)?;
        Ok(identity)
    };
    let user_a = resolve(&config.user_a, Role::UserA)?;
    let user_b = resolve(&config.user_b, Role::UserB)?;
    let admin = match &config.admin {
        Some(admin) => Some(resolve(admin, Role::Admin)?),
        None => None,
    };
    let warnings = config
        .exec
        .tls
        .insecure
        .then(|| crate::exec::INSECURE_WARNING.to_owned())
        .into_iter()
        .chain(loaded.warnings)
        .collect();
    Ok(Targets {
        api,
        spec_path,
        base_url,
        checks,
        user_a,
        user_b,
        admin,
        not_sent,
        warnings,
    })
}

/// The operation `--me` names: a GET without path parameters.
fn me_operation(api: &Api, me: &str) -> Result<String, AppError> {
    let wanted = me.trim();
    let op = api
        .operations
        .iter()
        .find(|op| op.id == wanted || op.display_name().eq_ignore_ascii_case(wanted))
        .ok_or_else(|| {
            AppError::Usage(format!(
                "--me `{wanted}` matches no operation (use `METHOD /path` as in the spec, or an operationId)"
            ))
        })?;
    if op.method != HttpMethod::Get || !op.path_param_names().is_empty() {
        return Err(AppError::Usage(format!(
            "--me `{wanted}` must be a GET without path parameters (it is {})",
            op.display_name()
        )));
    }
    Ok(op.id.clone())
}

fn selected_checks(ids: &[String]) -> Result<Vec<Box<dyn Check>>, AppError> {
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
