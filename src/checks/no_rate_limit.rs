//! API4: the login operation takes a burst of failed logins without slowing anyone down.
//!
//! A bounded burst of failed logins for a username that does not exist (so no real account can
//! be locked), sent one after another as anonymous. A finding needs every attempt answered as a
//! refused login, none with 429 and none with a rate-limit header.

use std::sync::Arc;

use super::login::{
    failed_login, is_the_login_operation, login_name, login_shape, nonexistent_like,
};
use super::{Check, CheckMeta, PlanCx, Planned, Probe};
use crate::findings::{Confidence, Finding};
use crate::model::Operation;
use crate::probe::Exchange;

/// Failed logins in the burst. Above the 3–10 failures after which OWASP's authentication
/// guidance expects throttling or lockout, so a working limit shows up; far below anything
/// that could load a server (and within the issue's cap of 50 requests).
pub(crate) const BURST: usize = 20;
/// Statuses that mean "these credentials were refused": the login logic really ran. A 400 may
/// only mean our body has the wrong shape, which a limiter on failed logins never sees.
const REFUSED: &[u16] = &[401, 403, 404];

pub(crate) struct NoRateLimit {
    pub(crate) meta: CheckMeta,
}

impl Check for NoRateLimit {
    fn meta(&self) -> &CheckMeta {
        &self.meta
    }

    fn plan(&self, op: &Operation, cx: &PlanCx<'_>) -> Planned {
        if !is_the_login_operation(op, cx) {
            return Planned::NotApplicable;
        }
        let shape = login_shape(op, cx.user_a);
        let real = login_name(&shape, cx.user_a);
        let name = nonexistent_like(real.as_deref(), 0);
        let attempt = failed_login(op, cx, &shape, &name).uncached();
        Planned::Probes(vec![Probe {
            requests: vec![attempt; BURST],
        }])
    }

    fn evaluate(
        &self,
        op: &Operation,
        _probe: &Probe,
        exchanges: &[Arc<Exchange>],
        _cx: &PlanCx<'_>,
    ) -> Option<Finding> {
        let last = exchanges.last()?;
        if exchanges.len() < BURST {
            return None;
        }
        let statuses: Vec<u16> = exchanges.iter().map(|e| e.status).collect::<Option<_>>()?;
        if !statuses.iter().all(|s| REFUSED.contains(s)) {
            return None;
        }
        if exchanges
            .iter()
            .any(|e| e.headers.iter().any(|(name, _)| is_rate_limit_header(name)))
        {
            return None;
        }
        let mut distinct = statuses.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let statuses_text = distinct
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join("/");
        let message = format!(
            "{} {} answered {} failed logins in a row ({statuses_text}) with no 429 and no \
             rate-limit header: passwords can be guessed as fast as requests can be sent",
            op.method,
            last.request.url,
            exchanges.len(),
        );
        Some(super::finding(
            &self.meta,
            op,
            last,
            Vec::new(),
            None,
            // A limit above the burst size would go unseen: "none within 20 attempts".
            Confidence::Medium,
            message,
        ))
    }
}

/// `Retry-After`, the IETF draft's `RateLimit`/`RateLimit-*` and the common `X-RateLimit-*`.
fn is_rate_limit_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "retry-after"
        || n == "ratelimit"
        || n.starts_with("ratelimit-")
        || n.starts_with("x-ratelimit")
        || n.starts_with("x-rate-limit")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckSettings;
    use crate::findings::Severity;
    use crate::harvest::Inventory;
    use crate::identity::Role;
    use crate::model::{Api, HttpMethod};
    use crate::probe::ProbeRequest;

    fn check() -> NoRateLimit {
        NoRateLimit {
            meta: CheckMeta {
                id: "no-rate-limit".into(),
                name: String::new(),
                owasp: "API4:2023".into(),
                owasp_name: String::new(),
                cwe: vec![307],
                severity: Severity::Medium,
                cvss: 5.3,
                summary: String::new(),
                description: String::new(),
                matrix: Default::default(),
                family: crate::checks::Family::Consumption,
            },
        }
    }

    fn login_op() -> Operation {
        Operation {
            id: "login".into(),
            method: HttpMethod::Post,
            path: "/auth/login".into(),
            has_request_body: true,
            request_schema: Some(crate::model::Schema {
                kind: crate::model::SchemaKind::Object {
                    properties: ["username", "password"]
                        .map(|p| (p.to_owned(), crate::model::Schema::default()))
                        .into_iter()
                        .collect::<std::collections::BTreeMap<_, _>>()
                        .into(),
                    additional: false,
                },
                ..crate::model::Schema::default()
            }),
            ..Operation::api_wide()
        }
    }

    fn answer(status: u16, headers: &[(&str, &str)]) -> Arc<Exchange> {
        let url = url::Url::parse("http://127.0.0.1:1/auth/login").expect("url");
        Arc::new(Exchange {
            request: ProbeRequest::new(Role::Anonymous, HttpMethod::Post, url).not_a_write(),
            status: Some(status),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: r#"{"error":"invalid credentials"}"#.into(),
            json: None,
            error: None,
            elapsed_ms: 1,
        })
    }

    fn judge(burst: Vec<Arc<Exchange>>) -> bool {
        let api = Api::default();
        let base = url::Url::parse("http://127.0.0.1:1").expect("url");
        let (a, b) = (Inventory::bare(Role::UserA), Inventory::bare(Role::UserB));
        let settings = CheckSettings::default();
        let cx = PlanCx {
            api: &api,
            // The spec's "me" read, as the planning stage finds it.
            facts: &crate::checks::ApiFacts::build(
                &api,
                api.operations.iter().find(|o| o.method == crate::model::HttpMethod::Get && o.path == "/me"),
                &settings,
            ),
            base_url: &base,
            user_a: &a,
            user_b: &b,
            public: &Default::default(),
            settings: &settings,
        };
        let probe = Probe {
            requests: Vec::new(),
        };
        check().evaluate(&login_op(), &probe, &burst, &cx).is_some()
    }

    #[test]
    fn fires_only_when_every_attempt_was_refused_unthrottled() {
        assert!(judge(vec![answer(401, &[]); BURST]));
        let mut limited = vec![answer(401, &[]); BURST];
        limited[12] = answer(429, &[]);
        assert!(!judge(limited));
        let mut announced = vec![answer(401, &[]); BURST];
        announced[0] = answer(401, &[("ratelimit-remaining", "9")]);
        assert!(!judge(announced));
        // A wrongly shaped body (400) never reached the login logic a limiter watches.
        assert!(!judge(vec![answer(400, &[]); BURST]));
        assert!(!judge(vec![answer(401, &[]); BURST - 1]));
        let mut lost = vec![answer(401, &[]); BURST];
        lost[3] = Arc::new(Exchange {
            status: None,
            error: Some("timed out".into()),
            ..(*answer(401, &[])).clone()
        });
        assert!(!judge(lost));
    }

    #[test]
    fn quiet_without_a_login_operation() {
        let not_login = Operation {
            path: "/members".into(),
            id: "createMember".into(),
            ..login_op()
        };
        let api = Api {
            operations: vec![not_login.clone()],
            ..Api::default()
        };
        let base = url::Url::parse("http://127.0.0.1:1").expect("url");
        let (a, b) = (Inventory::bare(Role::UserA), Inventory::bare(Role::UserB));
        let settings = CheckSettings::default();
        let cx = PlanCx {
            api: &api,
            // The spec's "me" read, as the planning stage finds it.
            facts: &crate::checks::ApiFacts::build(
                &api,
                api.operations.iter().find(|o| o.method == crate::model::HttpMethod::Get && o.path == "/me"),
                &settings,
            ),
            base_url: &base,
            user_a: &a,
            user_b: &b,
            public: &Default::default(),
            settings: &settings,
        };
        assert!(matches!(
            check().plan(&not_login, &cx),
            Planned::NotApplicable
        ));
        let with_login = Api {
            operations: vec![not_login, login_op()],
            ..Api::default()
        };
        let facts = crate::checks::ApiFacts::build(&with_login, None, &settings);
        let cx = PlanCx {
            api: &with_login,
            facts: &facts,
            ..cx
        };
        let Planned::Probes(probes) = check().plan(&login_op(), &cx) else {
            panic!("the login operation is probed");
        };
        assert_eq!(probes.len(), 1);
        assert_eq!(probes[0].requests.len(), BURST);
        assert!(probes[0].requests.iter().all(|r| {
            !r.write
                && !r.cacheable
                && r.role == Role::Anonymous
                && r.body
                    .as_deref()
                    .is_some_and(|b| b.contains("apileak-nonexistent-"))
        }));
    }

    #[test]
    fn rate_limit_headers_by_name() {
        for h in [
            "Retry-After",
            "RateLimit-Remaining",
            "ratelimit-policy",
            "RateLimit",
            "X-RateLimit-Limit",
            "x-rate-limit-reset",
        ] {
            assert!(is_rate_limit_header(h), "{h}");
        }
        for h in ["content-type", "x-request-id", "cache-control"] {
            assert!(!is_rate_limit_header(h), "{h}");
        }
    }
}
