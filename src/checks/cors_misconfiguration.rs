//! API8: the API echoes an arbitrary `Origin` in `Access-Control-Allow-Origin`.
//!
//! CORS is nearly always one middleware for the whole API, so this is an API-wide check: one
//! authenticated read with a foreign `Origin`, judged on the CORS response headers alone.

use std::sync::Arc;

use super::{Check, CheckMeta, PlanCx, Planned, Probe};
use crate::findings::{Confidence, Finding, Match, Severity};
use crate::identity::Role;
use crate::model::{HttpMethod, Operation};
use crate::probe::fill_path;
use crate::probe::{Exchange, ProbeRequest, join_url};

/// An origin no deployment allows on purpose: `.invalid` can never resolve (RFC 2606).
pub(crate) const EVIL_ORIGIN: &str = "https://evil.apileak.invalid";

const ALLOW_ORIGIN: &str = "access-control-allow-origin";
const ALLOW_CREDENTIALS: &str = "access-control-allow-credentials";

pub(crate) struct CorsMisconfiguration {
    pub(crate) meta: CheckMeta,
}

impl Check for CorsMisconfiguration {
    fn meta(&self) -> &CheckMeta {
        &self.meta
    }

    fn plan_api(&self, cx: &PlanCx<'_>) -> Planned {
        let Some(op) = target_operation(cx) else {
            return Planned::Skipped(
                "no secured read operation that user-a's inventory or the spec's examples can fill"
                    .into(),
            );
        };
        let Some((values, _)) = cx.user_a.fill_any(op) else {
            return Planned::NotApplicable;
        };
        let url = join_url(
            cx.base_url,
            &fill_path(&op.path, &values),
            &cx.user_a.query(op),
        );
        Planned::Probes(vec![Probe {
            requests: vec![ProbeRequest::get(Role::UserA, url).header("origin", EVIL_ORIGIN)],
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
        let verdict = judge(ex.header(ALLOW_ORIGIN), ex.header(ALLOW_CREDENTIALS))?;
        let mut matches = vec![Match {
            pointer: format!("header:{ALLOW_ORIGIN}"),
            value: ex.header(ALLOW_ORIGIN).unwrap_or_default().to_owned(),
        }];
        if let Some(v) = ex.header(ALLOW_CREDENTIALS) {
            matches.push(Match {
                pointer: format!("header:{ALLOW_CREDENTIALS}"),
                value: v.to_owned(),
            });
        }
        let what = match verdict {
            Verdict::ReflectedWithCredentials => {
                "reflected the foreign origin and allowed credentials: any website can read user data with the victim's cookies"
            }
            Verdict::Reflected => "reflected the foreign origin",
            Verdict::WildcardWithCredentials => {
                "allowed every origin (`*`) together with credentials"
            }
        };
        let message = format!(
            "{} {} with `Origin: {EVIL_ORIGIN}` answered {} and {what}",
            ex.request.method,
            ex.request.url,
            ex.status.unwrap_or_default(),
        );
        let mut finding =
            super::finding(&self.meta, op, ex, matches, None, Confidence::High, message);
        if verdict == Verdict::ReflectedWithCredentials {
            finding.severity = Severity::High;
        }
        Some(finding)
    }
}

/// What the CORS headers allow a foreign page to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Reflected,
    ReflectedWithCredentials,
    /// Browsers refuse this combination, but the server plainly means "anyone, with cookies".
    WildcardWithCredentials,
}

/// The verdict on the CORS headers of an answer to a request with `Origin: EVIL_ORIGIN`.
fn judge(allow_origin: Option<&str>, allow_credentials: Option<&str>) -> Option<Verdict> {
    let origin = allow_origin?.trim();
    let credentials = allow_credentials.is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if origin.eq_ignore_ascii_case(EVIL_ORIGIN) {
        Some(if credentials {
            Verdict::ReflectedWithCredentials
        } else {
            Verdict::Reflected
        })
    } else if origin == "*" && credentials {
        Some(Verdict::WildcardWithCredentials)
    } else {
        None
    }
}

/// The secured read to send the foreign origin to: the "me" operation when there is one (its
/// answer is the data a cross-site page would want), else the first fillable secured GET.
fn target_operation<'a>(cx: &PlanCx<'a>) -> Option<&'a Operation> {
    let usable = |op: &&Operation| {
        op.method == HttpMethod::Get
            && op.requires_auth()
            && cx.user_a.unfillable(op).is_none()
            && cx.user_a.fill_any(op).is_some()
    };
    cx.me()
        .filter(usable)
        .or_else(|| cx.api.operations.iter().find(usable))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflection_and_wildcards() {
        assert_eq!(
            judge(Some(EVIL_ORIGIN), Some("true")),
            Some(Verdict::ReflectedWithCredentials)
        );
        assert_eq!(judge(Some(EVIL_ORIGIN), None), Some(Verdict::Reflected));
        assert_eq!(
            judge(Some("*"), Some("true")),
            Some(Verdict::WildcardWithCredentials)
        );
        // A public API may allow everyone as long as no cookies ride along.
        assert_eq!(judge(Some("*"), None), None);
        // An allow-list that answers with its own origin is fine.
        assert_eq!(
            judge(Some("https://app.cadence.example"), Some("true")),
            None
        );
        assert_eq!(judge(None, Some("true")), None);
    }
}
