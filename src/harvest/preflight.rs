//! Preflight: before any probe, prove the credentials work and belong to two different users
//! (and, when given, that the admin is a third).

use serde_json::Value;
use url::Url;

use super::find_me_operation;
use crate::exec::Executor;
use crate::identity::Role;
use crate::model::{Api, HttpMethod, Operation};
use crate::model::{Schema, SchemaKind};
use crate::probe::{ProbeRequest, join_url};
use crate::values::judge::normalise_key;
use crate::values::records::{Principal, me_record};
use crate::vocab::USERNAME_KEYS;

/// What one identity's preflight request showed (printed and in every report).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PreflightEntry {
    pub identity: Role,
    /// Which credential kind was used, never its value: `none`, `header Authorization`,
    /// `basic`, `login POST /auth/login → bearer`.
    #[serde(default)]
    pub credential: String,
    /// `GET /me`.
    pub operation: String,
    pub status: Option<u16>,
    /// The principal's ID when the response had one.
    pub principal: Option<String>,
    pub verdict: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PreflightError {
    #[error("target unreachable: {method} {url}: {error}")]
    Unreachable {
        method: HttpMethod,
        url: String,
        error: String,
    },
    #[error(
        "{identity} was not accepted: {operation} answered {status} (check the credential's header name and value)"
    )]
    Rejected {
        identity: Role,
        operation: String,
        status: u16,
    },
    #[error(
        "user-a and user-b resolve to the same principal (id `{principal}` from {operation}): use two different test users"
    )]
    SamePrincipal {
        principal: String,
        operation: String,
    },
    #[error(
        "user-a and user-b got identical answers from {operation}: they look like the same user"
    )]
    SameAnswer { operation: String },
    #[error(
        "admin and {other} resolve to the same principal (id `{principal}` from {operation}): the admin must be a third, privileged user"
    )]
    AdminSamePrincipal {
        other: Role,
        principal: String,
        operation: String,
    },
    #[error(
        "admin and {other} got identical answers from {operation}: they look like the same user"
    )]
    AdminSameAnswer { other: Role, operation: String },
    #[error(
        "the identities could not be verified: the spec has no \"me\"-style operation (a GET without parameters that returns the caller's own record) nor another secured read without parameters; name one with `me: GET /path` in apileak.yaml or `--me \"GET /path\"`"
    )]
    Unverified,
    #[error(
        "{operation} answered {status} with data to a request without credentials, so apileak cannot tell whether the credentials are applied; point the scan at an API whose identity operation requires authentication"
    )]
    AnonymousAccepted { operation: String, status: u16 },
}

/// The operation that proves who a caller is: the "me" operation, else any secured read
/// without required parameters. The first of `identity_candidates`.
pub fn identity_operation(api: &Api) -> Option<&Operation> {
    identity_candidates(api).into_iter().next()
}

/// Operations that may prove who a caller is, best first: the configured or well-named "me"
/// operation, then secured reads without required parameters whose answer schema holds an
/// identity (an email, a login name), then other secured reads without required parameters.
pub fn identity_candidates(api: &Api) -> Vec<&Operation> {
    let named = find_me_operation(api);
    if api.me_operation.is_some() {
        return named.into_iter().collect();
    }
    let mut rest: Vec<&Operation> = api
        .operations
        .iter()
        .filter(|op| {
            op.method == HttpMethod::Get
                && op.requires_auth()
                && op.path_param_names().is_empty()
                && op.parameters.iter().all(|p| !p.required)
                && named.is_none_or(|n| !std::ptr::eq(n, *op))
        })
        .collect();
    // Stable: spec order within each group.
    rest.sort_by_key(|op| !op.response_schema.as_ref().is_some_and(holds_identity));
    named.into_iter().chain(rest).take(MAX_CANDIDATES).collect()
}

/// Identity operations tried at most before the preflight gives up.
const MAX_CANDIDATES: usize = 4;

/// Whether a response schema is one object (in envelopes) with an email or a login name.
fn holds_identity(schema: &Schema) -> bool {
    let mut current = schema;
    for _ in 0..4 {
        let SchemaKind::Object { properties, .. } = &current.kind else {
            return false;
        };
        if properties.keys().any(|k| {
            let k = normalise_key(k);
            k == "email" || USERNAME_KEYS.contains(&k.as_str())
        }) {
            return true;
        }
        let objects: Vec<&Schema> = properties
            .values()
            .filter(|s| matches!(s.kind, SchemaKind::Object { .. }))
            .collect();
        match objects.as_slice() {
            [one] => current = one,
            _ => return false,
        }
    }
    false
}

/// The operation the preflight proved the identities with.
pub fn proven_identity_operation<'a>(
    api: &'a Api,
    preflight: &[PreflightEntry],
) -> Option<&'a Operation> {
    let name = &preflight.first()?.operation;
    api.operations
        .iter()
        .find(|op| op.method == HttpMethod::Get && &op.display_name() == name)
}

/// Runs the preflight on the identity candidates in turn until one proves two different
/// users; `Ok` carries what was observed for the report.
pub async fn preflight(
    api: &Api,
    exec: &Executor,
    base: &Url,
) -> Result<Vec<PreflightEntry>, PreflightError> {
    let candidates = identity_candidates(api);
    // An unverified identity is never a clean scan: every verdict would rest on it.
    let mut first_error = None;
    for (i, op) in candidates.iter().enumerate() {
        let last = i + 1 == candidates.len();
        match prove(op, exec, base).await {
            Ok(entries) if last || entries[1..3].iter().all(|e| e.principal.is_some()) => {
                return Ok(entries);
            }
            Ok(entries) => {
                tracing::debug!(operation = %op.display_name(), "no principal in the answer; trying the next identity candidate");
                first_error.get_or_insert(Ok(entries));
            }
            Err(e @ PreflightError::Unreachable { .. }) => return Err(e),
            Err(e) => {
                tracing::debug!(operation = %op.display_name(), error = %e, "identity candidate refused");
                first_error.get_or_insert(Err(e));
            }
        }
    }
    first_error.unwrap_or(Err(PreflightError::Unverified))
}

async fn prove(
    op: &Operation,
    exec: &Executor,
    base: &Url,
) -> Result<Vec<PreflightEntry>, PreflightError> {
    let url = join_url(base, &op.path, &[]);
    let mut roles = vec![Role::Anonymous, Role::UserA, Role::UserB];
    if exec.has_admin() {
        roles.push(Role::Admin);
    }
    let exchanges = exec
        .send_all(
            roles
                .iter()
                .map(|r| ProbeRequest::get(*r, url.clone()))
                .collect(),
        )
        .await;
    let mut entries = Vec::new();
    for (role, ex) in roles.iter().zip(&exchanges) {
        let Some(status) = ex.status else {
            return Err(PreflightError::Unreachable {
                method: op.method,
                url: url.to_string(),
                error: ex.error.clone().unwrap_or_default(),
            });
        };
        let principal = ex
            .json
            .as_ref()
            .and_then(me_record)
            .and_then(|r| Principal::from_record(&r).label().map(str::to_owned));
        let verdict = match role {
            Role::Anonymous if ex.is_success() && op.requires_auth() => {
                if ex
                    .json
                    .as_ref()
                    .is_some_and(|v| !crate::values::judge::is_error_shaped(v))
                {
                    return Err(PreflightError::AnonymousAccepted {
                        operation: op.display_name(),
                        status,
                    });
                }
                "accepted without credentials, but returned no data".to_owned()
            }
            Role::Anonymous => format!("refused without credentials ({status})"),
            _ if !ex.is_success() => {
                return Err(PreflightError::Rejected {
                    identity: *role,
                    operation: op.display_name(),
                    status,
                });
            }
            _ => match &principal {
                Some(p) => format!("authenticated as principal `{p}`"),
                None => "authenticated (no id in the response)".to_owned(),
            },
        };
        entries.push(PreflightEntry {
            identity: *role,
            credential: exec.credential_kind(*role),
            operation: op.display_name(),
            status: Some(status),
            principal,
            verdict,
        });
    }
    let (a, b) = (&exchanges[1], &exchanges[2]);
    match (&entries[1].principal, &entries[2].principal) {
        (Some(pa), Some(pb)) if pa == pb => {
            return Err(PreflightError::SamePrincipal {
                principal: pa.clone(),
                operation: op.display_name(),
            });
        }
        (None, None) if same_json(a.json.as_ref(), b.json.as_ref()) && a.body == b.body => {
            return Err(PreflightError::SameAnswer {
                operation: op.display_name(),
            });
        }
        _ => {}
    }
    if let (Some(admin), Some(admin_ex)) = (entries.get(3), exchanges.get(3)) {
        for (other, other_ex) in [(&entries[1], a), (&entries[2], b)] {
            match (&admin.principal, &other.principal) {
                (Some(p), Some(o)) if p == o => {
                    return Err(PreflightError::AdminSamePrincipal {
                        other: other.identity,
                        principal: p.clone(),
                        operation: op.display_name(),
                    });
                }
                (None, None)
                    if same_json(admin_ex.json.as_ref(), other_ex.json.as_ref())
                        && admin_ex.body == other_ex.body =>
                {
                    return Err(PreflightError::AdminSameAnswer {
                        other: other.identity,
                        operation: op.display_name(),
                    });
                }
                _ => {}
            }
        }
    }
    Ok(entries)
}

fn same_json(a: Option<&Value>, b: Option<&Value>) -> bool {
    a == b
}
