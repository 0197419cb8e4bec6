//! API8 (informational): response headers name the server software with its version.
//!
//! Banners come from the web server or framework, not from a route, so one anonymous request
//! (usually answered from the preflight's cache) speaks for the whole API.

use std::sync::{Arc, LazyLock};

use regex::Regex;

use super::{Check, CheckMeta, PlanCx, Planned, Probe};
use crate::findings::{Confidence, Finding, Match};
use crate::identity::Role;
use crate::model::Operation;
use crate::probe::{Exchange, ProbeRequest, join_url};
use crate::vocab::{PRODUCT_HEADERS, VERSION_HEADERS};


/// `product/1.2.3` (or `/v2`, or a bare major followed by a space, `(` or the end): a token
/// like `dcb/7F83` (a CDN node) is not a version.
static PRODUCT_VERSION: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\b[a-z][\w.+-]*/v?(\d+(?:\.\d+)+|\d+(?:[\s(;,]|$))").ok());
static BARE_VERSION: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\s*v?\d+(?:\.\d+)+\s*$").ok());

pub(crate) struct ServerBanner {
    pub(crate) meta: CheckMeta,
}

impl Check for ServerBanner {
    fn meta(&self) -> &CheckMeta {
        &self.meta
    }

    fn plan_api(&self, cx: &PlanCx<'_>) -> Planned {
        // The preflight already asked the "me" operation anonymously: usually a cache hit.
        let path = cx.me().map_or("/", |op| op.path.as_str());
        let url = join_url(cx.base_url, path, &[]);
        Planned::Probes(vec![Probe {
            requests: vec![ProbeRequest::get(Role::Anonymous, url)],
        }])
    }

    fn evaluate(
        &self,
        op: &Operation,
        _probe: &Probe,
        exchanges: &[Arc<Exchange>],
        _cx: &PlanCx<'_>,
    ) -> Option<Finding> {
        let [ex] = exchanges else {
            return None;
        };
        ex.status?;
        let matches: Vec<Match> = ex
            .headers
            .iter()
            .filter(|(name, value)| is_versioned_banner(name, value))
            .map(|(name, value)| Match {
                pointer: format!("header:{}", name.to_ascii_lowercase()),
                value: value.clone(),
            })
            .collect();
        if matches.is_empty() {
            return None;
        }
        let shown: Vec<String> = matches
            .iter()
            .map(|m| format!("`{}: {}`", m.pointer.trim_start_matches("header:"), m.value))
            .collect();
        let message = format!(
            "responses name the server software and version: {}",
            shown.join(", ")
        );
        Some(super::finding(
            &self.meta,
            op,
            ex,
            matches,
            None,
            Confidence::High,
            message,
        ))
    }
}

/// True when a response header is a banner that carries a version number.
fn is_versioned_banner(name: &str, value: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let matches = |re: &LazyLock<Option<Regex>>| re.as_ref().is_some_and(|r| r.is_match(value));
    if PRODUCT_HEADERS.contains(&name.as_str()) {
        matches(&PRODUCT_VERSION)
    } else if VERSION_HEADERS.contains(&name.as_str()) {
        matches(&BARE_VERSION) || matches(&PRODUCT_VERSION)
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        assert!(PRODUCT_VERSION.is_some() && BARE_VERSION.is_some());
    }

    #[test]
    fn banners_with_versions() {
        for (name, value) in [
            ("Server", "cadence/1.4.2 (axum)"),
            ("server", "nginx/1.25.3"),
            ("Server", "Apache/2.4.41 (Ubuntu)"),
            ("Server", "Microsoft-IIS/10.0"),
            ("Server", "Apache/2"),
            ("X-Powered-By", "PHP/8.1.2"),
            ("x-powered-by", "Express/4.18.2"),
            ("X-AspNet-Version", "4.0.30319"),
            ("X-AspNetMvc-Version", "5.2"),
        ] {
            assert!(is_versioned_banner(name, value), "{name}: {value}");
        }
    }

    #[test]
    fn banners_without_versions_and_other_headers() {
        for (name, value) in [
            ("Server", "nginx"),
            ("Server", "cloudflare"),
            ("Server", "ECS (dcb/7F83)"),
            ("X-Powered-By", "Express"),
            ("X-Powered-By", "ASP.NET"),
            ("Server", "Kestrel"),
            ("X-AspNet-Version", "hidden"),
            // Versions in other headers are not banners.
            ("X-Api-Version", "1.4.2"),
            ("Content-Type", "application/json; version=2.1"),
        ] {
            assert!(!is_versioned_banner(name, value), "{name}: {value}");
        }
    }
}
