//! API9: paths the spec does not document (debug handlers, internal routes, older versions)
//! answer with data.
//!
//! A short, fixed list of shadow paths plus a few derived from the spec (its main resource under
//! `/internal`, the previous version of its prefix), each requested anonymously and as user A.
//! A nonsense path is requested first as the baseline, so catch-all pages (single-page apps
//! answer every path with the same HTML) never count. Findings name the probed path, which is
//! not in the spec, anchored at line 1.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use regex::Regex;
use serde_json::Value;
use url::Url;

use super::judge::{has_data, is_distinctive, leaves, normalise_key};
use super::{Check, CheckMeta, PlanCx, Planned, Probe};
use crate::findings::{Confidence, Finding, Match};
use crate::identity::{Role, is_mask};
use crate::model::{Api, HttpMethod, Operation, SourceLocation};
use crate::probe::{Exchange, ProbeRequest, join_url};
use crate::vocab::is_secret_key;
use crate::vocab::DEBUG_TELLING_KEYS;

/// A path no API serves on purpose: what the target answers here is its "not a route" answer.
const BASELINE_PATH: &str = "/apileak-no-such-path-7c1f4e92";
/// Shadow paths per scan, at most: with two identities and two baselines, 20 requests.
const MAX_PATHS: usize = 9;
/// Values quoted as evidence.
const MAX_MATCHES: usize = 8;
/// `KEY=value` lines of a `.env` file.
static ENV_LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^(?:export\s+)?([A-Z][A-Z0-9_]{1,63})=(.*)$").ok());
/// The password of a URL with credentials (`postgres://user:PASSWORD@host`).
static URL_PASSWORD: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]+:)([^@\s]+)(@)").ok());

pub(crate) struct UndocumentedEndpoints {
    pub(crate) meta: CheckMeta,
}

impl Check for UndocumentedEndpoints {
    fn meta(&self) -> &CheckMeta {
        &self.meta
    }

    fn plan_api(&self, cx: &PlanCx<'_>) -> Planned {
        let candidates = candidates(cx.api, cx.base_url);
        if candidates.is_empty() {
            return Planned::NotApplicable;
        }
        let baseline = join_url(cx.base_url, BASELINE_PATH, &[]);
        // The baselines repeat in every probe but are sent once (the executor caches them).
        let probes = candidates
            .into_iter()
            .map(|url| Probe {
                requests: vec![
                    ProbeRequest::get(Role::Anonymous, baseline.clone()),
                    ProbeRequest::get(Role::UserA, baseline.clone()),
                    ProbeRequest::get(Role::Anonymous, url.clone()),
                    ProbeRequest::get(Role::UserA, url),
                ],
            })
            .collect();
        Planned::Probes(probes)
    }

    fn evaluate(
        &self,
        _op: &Operation,
        _probe: &Probe,
        exchanges: &[Arc<Exchange>],
        _cx: &PlanCx<'_>,
    ) -> Option<Finding> {
        let [base_anon, base_a, anon, user_a] = exchanges else {
            return None;
        };
        // Anonymous first: an open shadow endpoint is the one to report.
        let (attack, proof) = [(anon, base_anon), (user_a, base_a)]
            .into_iter()
            .find_map(|(ex, baseline)| shadow_data(ex, baseline).map(|p| (ex, p)))?;
        let path = attack.request.url.path().to_owned();
        let shadow = Operation {
            id: format!("GET {path}"),
            method: HttpMethod::Get,
            path,
            location: SourceLocation { line: 1 },
            ..Operation::api_wide()
        };
        let what = match proof.kind {
            Kind::Json => "JSON data",
            Kind::EnvFile => "`KEY=VALUE` configuration lines",
        };
        let message = format!(
            "undocumented path {} answered {} {} with {what} ({} values quoted); the spec does not declare it",
            attack.request.url,
            attack.status.unwrap_or_default(),
            if attack.request.role == Role::Anonymous {
                "without credentials"
            } else {
                "to user-a"
            },
            proof.matches.len()
        );
        let mut finding = super::finding(
            &self.meta,
            &shadow,
            attack,
            proof.matches,
            None,
            if proof.kind == Kind::EnvFile || proof.sensitive {
                Confidence::High
            } else {
                Confidence::Medium
            },
            message,
        );
        for (secret, masked) in &proof.masks {
            finding.evidence.response_excerpt =
                finding.evidence.response_excerpt.replace(secret, masked);
        }
        Some(finding)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Json,
    EnvFile,
}

/// Why a shadow answer counts, with its (masked) evidence.
#[derive(Debug)]
struct Proof {
    kind: Kind,
    matches: Vec<Match>,
    /// A value under a sensitive key was among the matches.
    sensitive: bool,
    /// (secret as sent, masked) pairs to scrub from the excerpt.
    masks: Vec<(String, String)>,
}

/// Data in a shadow path's answer that the baseline (a nonsense path) does not also give.
fn shadow_data(ex: &Exchange, baseline: &Exchange) -> Option<Proof> {
    if !ex.is_success() {
        return None;
    }
    // A catch-all: every path, real or not, gets this answer.
    if baseline.is_success()
        && (baseline.body == ex.body || (baseline.json.is_some() && baseline.json == ex.json))
    {
        return None;
    }
    match &ex.json {
        Some(json) if has_data(json) => Some(json_proof(json)),
        Some(_) => None,
        None => env_proof(&ex.body),
    }
}

fn json_proof(json: &Value) -> Proof {
    let mut masks = Vec::new();
    // (rank, match): the rank is the position of the key word, emails beside `email`.
    let mut ranked: Vec<(usize, Match)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (pointer, value) in leaves(json) {
        if !is_distinctive(&value) || !seen.insert(value.clone()) {
            continue;
        }
        let raw_key = pointer
            .rsplit('/')
            .find(|s| !s.chars().all(|c| c.is_ascii_digit()))
            .unwrap_or("");
        let key = normalise_key(raw_key);
        let shown = mask(raw_key, &value);
        if shown != value {
            masks.push((value.clone(), shown.clone()));
        }
        let m = Match {
            pointer,
            value: shown,
        };
        let email = value.contains('@') && value.contains('.') && !value.contains("://");
        let rank = DEBUG_TELLING_KEYS
            .iter()
            .position(|k| key.contains(k) || (email && *k == "email"))
            .unwrap_or(DEBUG_TELLING_KEYS.len());
        ranked.push((rank, m));
    }
    // Stable: equally telling values keep their order in the response.
    ranked.sort_by_key(|(rank, _)| *rank);
    Proof {
        kind: Kind::Json,
        sensitive: ranked
            .first()
            .is_some_and(|(r, _)| *r < DEBUG_TELLING_KEYS.len()),
        matches: ranked
            .into_iter()
            .take(MAX_MATCHES)
            .map(|(_, m)| m)
            .collect(),
        masks,
    }
}

/// A `.env`-style body: at least two `KEY=VALUE` lines making up most of the non-empty lines
/// (an HTML page that happens to contain one is not a config file).
fn env_proof(body: &str) -> Option<Proof> {
    let re = ENV_LINE.as_ref()?;
    let lines: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let mut matches = Vec::new();
    let mut masks = Vec::new();
    for (i, line) in body.lines().enumerate() {
        let Some(c) = re.captures(line.trim()) else {
            continue;
        };
        let (key, value) = (&c[1], &c[2]);
        let shown = mask(key, value);
        if shown != value && !value.is_empty() {
            masks.push((value.to_owned(), shown.clone()));
        }
        matches.push(Match {
            pointer: format!("line {}", i + 1),
            value: format!("{key}={shown}"),
        });
    }
    if matches.len() < 2 || matches.len() * 2 < lines.len() {
        return None;
    }
    matches.truncate(MAX_MATCHES);
    Some(Proof {
        kind: Kind::EnvFile,
        matches,
        sensitive: true,
        masks,
    })
}

/// The value as evidence shows it: passwords in URLs and values of secret keys (`jwt_secret`,
/// `APP_SECRET`, any `…key`) masked. A value the redactor already masked stays as it is: its
/// mask is the proof.
fn mask(key: &str, value: &str) -> String {
    if is_mask(value) {
        return value.to_owned();
    }
    if is_secret_key(key) || normalise_key(key).ends_with("key") {
        let head: String = value.chars().take(2).collect();
        return format!("{head}***");
    }
    match URL_PASSWORD.as_ref() {
        Some(re) => re.replace_all(value, "${1}***${3}").into_owned(),
        None => value.to_owned(),
    }
}

/// The shadow URLs to request, most telling first, none of them documented.
fn candidates(api: &Api, base: &Url) -> Vec<Url> {
    let resource = main_resource(api);
    let mut urls: Vec<Url> = Vec::new();
    let mut relative: Vec<String> = Vec::new();

    // The previous version of a versioned spec (`/v2/users` → `/v1/users`).
    let spec_version = api
        .operations
        .iter()
        .filter(|op| op.method == HttpMethod::Get && !op.path.contains('{'))
        .find_map(|op| {
            let (n, rest) = split_version(&op.path)?;
            Some(format!("/v{}{rest}", n.checked_sub(1)?))
        });
    // The previous version in the server's base path (`/api/v2` → `/api/v1`).
    let base_version = previous_base(base).map(|mut sibling| {
        let first_get = api
            .operations
            .iter()
            .find(|op| op.method == HttpMethod::Get && !op.path.contains('{'));
        if let Some(op) = first_get {
            let p = format!("{}{}", sibling.path().trim_end_matches('/'), op.path);
            sibling.set_path(&p);
        }
        sibling
    });
    let versioned = spec_version.is_some() || base_version.is_some();
    relative.extend(spec_version);
    urls.extend(base_version);

    relative.extend(
        ["/.env", "/_debug", "/_debug/config"]
            .into_iter()
            .map(str::to_owned),
    );
    if let Some(r) = &resource {
        relative.push(format!("/internal/{r}"));
    }
    relative.extend(
        ["/debug", "/actuator/env", "/admin"]
            .into_iter()
            .map(str::to_owned),
    );
    if let (false, Some(r)) = (versioned, &resource) {
        relative.push(format!("/v0/{r}"));
    }
    relative.extend(["/internal", "/actuator"].into_iter().map(str::to_owned));

    for path in relative {
        if !is_documented(api, &path) {
            urls.push(join_url(base, &path, &[]));
        }
    }
    let mut seen = std::collections::HashSet::new();
    urls.retain(|u| seen.insert(u.clone()));
    urls.truncate(MAX_PATHS);
    urls
}

/// `/v2/users` → (2, "/users").
fn split_version(path: &str) -> Option<(u32, &str)> {
    let rest = path.strip_prefix("/v")?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let n = rest[..digits].parse().ok()?;
    let tail = &rest[digits..];
    (tail.is_empty() || tail.starts_with('/')).then_some((n, tail))
}

/// The base URL with its last `vN` path segment lowered by one, if it has one and N > 0.
fn previous_base(base: &Url) -> Option<Url> {
    let segments: Vec<&str> = base.path().split('/').collect();
    let i = segments
        .iter()
        .rposition(|s| split_version(&format!("/{s}")).is_some())?;
    let (n, _) = split_version(&format!("/{}", segments[i]))?;
    let mut out: Vec<String> = segments.iter().map(|s| (*s).to_owned()).collect();
    out[i] = format!("v{}", n.checked_sub(1)?);
    let mut url = base.clone();
    url.set_path(&out.join("/"));
    url.set_query(None);
    Some(url)
}

/// The spec's most common first path segment (`members` for `/members/...`), past any version.
fn main_resource(api: &Api) -> Option<String> {
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for (order, op) in api.operations.iter().enumerate() {
        let path = split_version(&op.path).map_or(op.path.as_str(), |(_, rest)| rest);
        let Some(first) = path.split('/').find(|s| !s.is_empty()) else {
            continue;
        };
        if first.starts_with('{') {
            continue;
        }
        counts.entry(first).or_insert((0, order)).0 += 1;
    }
    counts
        .into_iter()
        .max_by(|(_, (ca, oa)), (_, (cb, ob))| ca.cmp(cb).then(ob.cmp(oa)))
        .map(|(s, _)| s.to_owned())
}

/// True when some spec path template matches `path` (any method): probing it would test a
/// documented route, not a shadow one.
fn is_documented(api: &Api, path: &str) -> bool {
    let want: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    api.operations.iter().any(|op| {
        let have: Vec<&str> = op.path.split('/').filter(|s| !s.is_empty()).collect();
        have.len() == want.len()
            && have
                .iter()
                .zip(&want)
                .all(|(h, w)| h == w || (h.starts_with('{') && h.ends_with('}')))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn api_of(paths: &[&str]) -> Api {
        Api {
            operations: paths
                .iter()
                .map(|p| Operation {
                    id: (*p).into(),
                    method: HttpMethod::Get,
                    path: (*p).into(),
                    ..Operation::api_wide()
                })
                .collect(),
            ..Api::default()
        }
    }

    fn paths(api: &Api, base: &str) -> Vec<String> {
        let base = Url::parse(base).expect("url");
        candidates(api, &base)
            .into_iter()
            .map(|u| u.path().to_owned())
            .collect()
    }

    #[test]
    fn candidates_for_an_unversioned_api() {
        let api = api_of(&[
            "/me",
            "/members/{memberId}",
            "/members/search",
            "/admin/members",
        ]);
        assert_eq!(
            paths(&api, "http://h"),
            [
                "/.env",
                "/_debug",
                "/_debug/config",
                "/internal/members",
                "/debug",
                "/actuator/env",
                "/admin",
                "/v0/members",
                "/internal",
            ]
        );
    }

    #[test]
    fn candidates_for_versioned_apis_and_documented_paths() {
        let api = api_of(&["/v2/users", "/v2/users/{id}", "/_debug", "/{page}"]);
        let got = paths(&api, "http://h/");
        assert_eq!(got[0], "/v1/users");
        // `/_debug` is documented; `/admin` matches the `/{page}` template.
        assert!(
            !got.iter().any(|p| p == "/_debug" || p == "/admin"),
            "{got:?}"
        );
        assert!(got.contains(&"/internal/users".to_owned()), "{got:?}");
        assert!(got.len() <= MAX_PATHS);

        let plain = api_of(&["/users"]);
        let got = paths(&plain, "http://h/api/v3");
        assert_eq!(got[0], "/api/v2/users");
        assert!(
            got[1..].iter().all(|p| p.starts_with("/api/v3/")),
            "{got:?}"
        );
        assert!(!got.iter().any(|p| p.contains("/v0/")));
    }

    fn exchange(status: u16, body: &str) -> Exchange {
        let url = Url::parse("http://127.0.0.1:1/x").expect("url");
        Exchange {
            request: ProbeRequest::get(Role::Anonymous, url),
            status: Some(status),
            headers: Vec::new(),
            body: body.to_owned(),
            json: serde_json::from_str(body).ok(),
            error: None,
            elapsed_ms: 0,
        }
    }

    #[test]
    fn catch_all_pages_and_errors_are_quiet() {
        let spa = "<!doctype html><div id=app></div>";
        assert!(shadow_data(&exchange(200, spa), &exchange(200, spa)).is_none());
        let not_found = exchange(404, r#"{"error":"not found"}"#);
        assert!(shadow_data(&not_found, &not_found).is_none());
        let soft = exchange(200, r#"{"error":"not found","code":404}"#);
        assert!(shadow_data(&soft, &not_found).is_none());
        // HTML that is not the catch-all is still not data.
        assert!(shadow_data(&exchange(200, "<h1>Admin login</h1>"), &not_found).is_none());
        let data = exchange(200, r#"{"members":["bob@example.test"]}"#);
        assert!(shadow_data(&data, &exchange(200, spa)).is_some());
    }

    #[test]
    fn json_evidence_puts_sensitive_values_first_and_masks_secrets() {
        let body = json!({
            "service": "cadence-api",
            "database_url": "postgres://app:hunter2-long@10.0.0.1:5432/prod",
            "jwt_secret": "s3cr3t-signing-key",
            "members": ["bob@example.test"]
        });
        let proof = json_proof(&body);
        assert!(proof.sensitive);
        let m: HashMap<&str, &str> = proof
            .matches
            .iter()
            .map(|m| (m.pointer.as_str(), m.value.as_str()))
            .collect();
        assert_eq!(m["/database_url"], "postgres://app:***@10.0.0.1:5432/prod");
        assert_eq!(m["/jwt_secret"], "s3***");
        assert_eq!(m["/members/0"], "bob@example.test");
        assert_eq!(
            proof.matches.last().map(|m| m.pointer.as_str()),
            Some("/service")
        );
        assert!(proof.masks.iter().any(|(s, _)| s == "s3cr3t-signing-key"));
    }

    #[test]
    fn env_files_need_mostly_key_value_lines() {
        let env =
            "# prod\nDATABASE_URL=postgres://u:pw-1234@db/prod\nAPP_SECRET=abcdef\nDEBUG=true\n";
        let proof = env_proof(env).expect("env file");
        let values: Vec<&str> = proof.matches.iter().map(|m| m.value.as_str()).collect();
        assert_eq!(
            values,
            [
                "DATABASE_URL=postgres://u:***@db/prod",
                "APP_SECRET=ab***",
                "DEBUG=true"
            ]
        );
        assert_eq!(proof.matches[0].pointer, "line 2");
        assert!(env_proof("<html>\nA=1\n<body>\n<p>hello</p>\n</body>\n</html>").is_none());
        assert!(env_proof("ONLY=one").is_none());
    }
}
