//! API5: an administrative read operation answers an ordinary user (or nobody at all) with data.
//!
//! Which operations are administrative is decided by `classify::is_admin_operation`, shared with
//! the data-leak checks so that an admin listing full of other users' records is reported once,
//! here, as the function-level flaw it is.

use std::collections::HashSet;
use std::sync::Arc;

use super::judge::{has_data, is_distinctive, leaves, shared_values};
use super::{Check, CheckMeta, PlanCx, Planned, Probe, is_admin_operation};
use crate::exec::{Exchange, ProbeRequest, join_url};
use crate::findings::{Confidence, Finding, Match};
use crate::harvest::fill_path;
use crate::identity::Role;
use crate::model::Operation;

/// Values quoted as evidence when user B's own record is not among them.
const MAX_OTHER_VALUES: usize = 8;

pub(crate) struct BrokenFunctionLevelAuthorization {
    pub(crate) meta: CheckMeta,
}

impl Check for BrokenFunctionLevelAuthorization {
    fn meta(&self) -> &CheckMeta {
        &self.meta
    }

    fn plan(&self, op: &Operation, cx: &PlanCx<'_>) -> Planned {
        if !is_admin_operation(op) {
            return Planned::NotApplicable;
        }
        if !op.method.is_safe() {
            // Calling an admin write as a normal user could really delete or re-role something.
            return Planned::Skipped(
                "administrative write operation: this check only sends reads".into(),
            );
        }
        if let Some(p) = super::unfillable_query(op) {
            return Planned::Skipped(format!("required {p} parameter has no example in the spec"));
        }
        let Some((values, all_owned)) = cx.user_a.fill_any(op) else {
            return Planned::Skipped(
                "no value for a path parameter: none harvested and no example in the spec".into(),
            );
        };
        if all_owned && !values.is_empty() {
            // `/repos/{owner}/{repo}/settings` on A's own repository: A is that object's admin,
            // so an answer proves nothing about function-level authorization.
            return Planned::Skipped(
                "every path parameter is user-a's own object, which user-a may administer".into(),
            );
        }
        let url = join_url(
            cx.base_url,
            &fill_path(&op.path, &values),
            &super::query_examples(op),
        );
        // Anonymous first: when both get in, the anonymous request is the one to report.
        Planned::Probes(vec![Probe {
            requests: vec![
                ProbeRequest::new(Role::Anonymous, op.method, url.clone()),
                ProbeRequest::new(Role::UserA, op.method, url),
            ],
        }])
    }

    fn evaluate(
        &self,
        op: &Operation,
        _probe: &Probe,
        exchanges: &[Arc<Exchange>],
        cx: &PlanCx<'_>,
    ) -> Option<Finding> {
        let (attack, (matches, from_b)) = exchanges
            .iter()
            .find_map(|ex| admin_data(ex, cx).map(|m| (ex, m)))?;
        let confidence = if from_b {
            Confidence::High
        } else {
            Confidence::Medium
        };
        let who = if attack.request.role == Role::Anonymous {
            "without credentials"
        } else {
            "to user-a, an ordinary user"
        };
        let message = format!(
            "administrative operation {} {} answered {} with data {who} ({} values{})",
            op.method,
            attack.request.url,
            attack.status.unwrap_or_default(),
            matches.len(),
            if from_b { ", user-b's among them" } else { "" },
        );
        Some(super::finding(
            &self.meta,
            op,
            attack,
            matches,
            from_b.then_some(Role::UserB),
            confidence,
            message,
        ))
    }
}

/// The values proving that `ex` handed out data that is not only user A's own, and whether they
/// are user B's personal values; `None` when it did not.
fn admin_data(ex: &Exchange, cx: &PlanCx<'_>) -> Option<(Vec<Match>, bool)> {
    if !ex.is_success() {
        return None;
    }
    let json = ex.json.as_ref()?;
    if !has_data(json) {
        return None;
    }
    let own = &cx.user_a.own_values;
    // B's personal values are the clearest proof; any other distinctive values will do.
    let mut matches = cx
        .user_b
        .me
        .as_ref()
        .map(|b| shared_values(json, b, own))
        .unwrap_or_default();
    let from_b = !matches.is_empty();
    if !from_b {
        let mut seen = HashSet::new();
        matches = leaves(json)
            .into_iter()
            .filter(|(_, v)| is_distinctive(v) && !own.contains(v) && seen.insert(v.clone()))
            .take(MAX_OTHER_VALUES)
            .map(|(pointer, value)| Match { pointer, value })
            .collect();
    }
    // Only user A's own record back (an admin-flavoured "me") is nobody else's data.
    (!matches.is_empty()).then_some((matches, from_b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HttpMethod, Operation};

    fn op(path: &str, id: &str) -> Operation {
        Operation::bare(HttpMethod::Get, path, id)
    }

    #[test]
    fn admin_by_tag_scope_and_description() {
        let tagged = Operation {
            tags: vec!["Admin".into()],
            ..op("/members", "listMembers")
        };
        assert!(is_admin_operation(&tagged));
        let scoped = Operation {
            security: vec![vec![("oauth".into(), vec!["admin:read".into()])]],
            ..op("/members", "listMembers")
        };
        assert!(is_admin_operation(&scoped));
        let plain_scope = Operation {
            security: vec![vec![("oauth".into(), vec!["members:read".into()])]],
            ..op("/members", "listMembers")
        };
        assert!(!is_admin_operation(&plain_scope));
        let described = Operation {
            description: Some("Admin-only. Callers without the admin role get 403.".into()),
            ..op("/members", "listMembers")
        };
        assert!(is_admin_operation(&described));
    }

    #[test]
    fn admin_words_must_be_whole_words() {
        assert!(is_admin_operation(&op("/internal/jobs", "listJobs")));
        assert!(is_admin_operation(&op("/v1/Admin/users", "x")));
        assert!(is_admin_operation(&op("/users", "staffListUsers")));
        // Substrings of ordinary words are not hits.
        assert!(!is_admin_operation(&op("/shops/{shopId}", "getShop")));
        assert!(!is_admin_operation(&op(
            "/administrative-regions",
            "listRegions"
        )));
        assert!(!is_admin_operation(&op(
            "/internationalization",
            "getLocales"
        )));
        // A description that merely mentions admins is not "admin only".
        let mentions = Operation {
            description: Some("Lists members; admins see more fields.".into()),
            ..op("/members", "listMembers")
        };
        assert!(!is_admin_operation(&mentions));
    }

    #[test]
    fn root_in_an_ordinary_name_is_not_admin() {
        // File and category APIs talk about root folders all the time.
        assert!(!is_admin_operation(&op("/folders/root", "getRootFolder")));
    }
}
