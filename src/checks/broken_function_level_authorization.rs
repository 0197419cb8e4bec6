//! API5: an administrative read operation answers an ordinary user (or nobody at all) with data.
//!
//! Which operations are administrative is decided by `classify::is_admin_operation`, shared with
//! the data-leak checks so that an admin listing full of other users' records is reported once,
//! here, as the function-level flaw it is.
//!
//! With an admin identity (`--admin`), each such read is also sent as the admin, and a finding
//! needs the ordinary user's answer to carry the admin's view: at least [`MIN_SHARED`]
//! distinctive values of the admin's answer that are not user A's own. That tells the
//! privileged data apart from a user-scoped view of the same path. When the admin gets no data
//! either, there is no view to compare with and the check judges as it does without an admin.

use std::collections::HashSet;
use std::sync::Arc;

use super::judge::{has_data, is_distinctive, leaves, shared_values};
use super::{Check, CheckMeta, PlanCx, Planned, Probe, is_admin_operation};
use crate::findings::{Confidence, Finding, Match};
use crate::identity::Role;
use crate::model::Operation;
use crate::probe::fill_path;
use crate::probe::{Exchange, ProbeRequest, join_url};

/// Values quoted as evidence when user B's own record is not among them.
const MAX_OTHER_VALUES: usize = 8;
/// Distinctive values an answer must share with the admin's to prove it is the admin's view:
/// one could be a coincidence (a shared class name), two are not.
const MIN_SHARED: usize = 2;

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
        if let Some(p) = cx.user_a.unfillable(op) {
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
            &cx.user_a.query(op),
        );
        // Anonymous first: when both get in, the anonymous request is the one to report.
        let mut requests = vec![
            ProbeRequest::new(Role::Anonymous, op.method, url.clone()),
            ProbeRequest::new(Role::UserA, op.method, url.clone()),
        ];
        if cx.settings.admin {
            // The reference: what the privileged user sees at the same URL.
            requests.push(ProbeRequest::new(Role::Admin, op.method, url));
        }
        Planned::Probes(vec![Probe { requests }])
    }

    fn evaluate(
        &self,
        op: &Operation,
        _probe: &Probe,
        exchanges: &[Arc<Exchange>],
        cx: &PlanCx<'_>,
    ) -> Option<Finding> {
        let admin_view = exchanges
            .iter()
            .find(|ex| ex.request.role == Role::Admin)
            .filter(|ex| ex.is_success())
            .and_then(|ex| ex.json.as_ref())
            .filter(|json| has_data(json));
        let mut attacks = exchanges.iter().filter(|ex| ex.request.role != Role::Admin);
        let (attack, (matches, from_b)) = match admin_view {
            Some(view) => {
                attacks.find_map(|ex| shares_admin_view(ex, view, cx).map(|m| (ex, m)))?
            }
            None => attacks.find_map(|ex| admin_data(ex, cx).map(|m| (ex, m)))?,
        };
        let confidence = if from_b || admin_view.is_some() {
            Confidence::High
        } else {
            Confidence::Medium
        };
        let who = if attack.request.role == Role::Anonymous {
            "without credentials"
        } else {
            "to user-a, an ordinary user"
        };
        let message = match admin_view {
            Some(_) => format!(
                "administrative operation {} {} answered {} {who}, with the admin's view ({} values the admin's answer also has{})",
                op.method,
                attack.request.url,
                attack.status.unwrap_or_default(),
                matches.len(),
                if from_b { ", user-b's among them" } else { "" },
            ),
            None => format!(
                "administrative operation {} {} answered {} with data {who} ({} values{})",
                op.method,
                attack.request.url,
                attack.status.unwrap_or_default(),
                matches.len(),
                if from_b { ", user-b's among them" } else { "" },
            ),
        };
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

/// The admin's values that `ex` (a 2xx answer) also carries, not counting user A's own, and
/// whether user B's personal values are among them; `None` below [`MIN_SHARED`].
fn shares_admin_view(
    ex: &Exchange,
    admin_view: &serde_json::Value,
    cx: &PlanCx<'_>,
) -> Option<(Vec<Match>, bool)> {
    if !ex.is_success() {
        return None;
    }
    let json = ex.json.as_ref()?;
    let own = &cx.user_a.own_values;
    let matches = shared_values(json, admin_view, own);
    if matches.len() < MIN_SHARED {
        return None;
    }
    let from_b = cx
        .user_b
        .me
        .as_ref()
        .is_some_and(|b| !shared_values(json, b, own).is_empty());
    Some((matches, from_b))
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
    use crate::checks::CheckSettings;
    use crate::findings::Severity;
    use crate::harvest::Inventory;
    use crate::model::{Api, HttpMethod, Operation};
    use serde_json::{Value, json};

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

    fn check() -> BrokenFunctionLevelAuthorization {
        BrokenFunctionLevelAuthorization {
            meta: CheckMeta {
                id: "broken-function-level-authorization".into(),
                name: String::new(),
                owasp: "API5:2023".into(),
                owasp_name: String::new(),
                cwe: vec![285],
                severity: Severity::High,
                cvss: 7.5,
                summary: String::new(),
                description: String::new(),
                matrix: Default::default(),
                family: crate::checks::Family::FunctionLevel,
            },
        }
    }

    fn answer(role: Role, body: Value) -> Arc<Exchange> {
        let url = url::Url::parse("http://127.0.0.1:1/admin/members").expect("url");
        Arc::new(Exchange {
            request: ProbeRequest::new(role, HttpMethod::Get, url),
            status: Some(200),
            headers: Vec::new(),
            body: body.to_string(),
            json: Some(body),
            error: None,
            elapsed_ms: 1,
        })
    }

    /// The finding's message and matched values, judged with an admin identity present.
    fn judge(user_a: Value, admin: Value) -> Option<(String, Vec<String>)> {
        let api = Api::default();
        let base = url::Url::parse("http://127.0.0.1:1").expect("url");
        let mut a = Inventory::bare(Role::UserA);
        a.absorb_own(&json!({"id": 1, "email": "alice@example.test", "name": "Alice Liddell"}));
        let b = Inventory::bare(Role::UserB);
        let settings = CheckSettings {
            admin: true,
            ..CheckSettings::default()
        };
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
        let op = op("/admin/members", "adminListMembers");
        let Planned::Probes(probes) = check().plan(&op, &cx) else {
            panic!("planned");
        };
        let roles: Vec<Role> = probes[0].requests.iter().map(|r| r.role).collect();
        assert_eq!(roles, [Role::Anonymous, Role::UserA, Role::Admin]);
        let exchanges = [answer(Role::UserA, user_a), answer(Role::Admin, admin)];
        check().evaluate(&op, &probes[0], &exchanges, &cx).map(|f| {
            (
                f.message,
                f.evidence.matches.into_iter().map(|m| m.value).collect(),
            )
        })
    }

    #[test]
    fn with_an_admin_only_the_admins_view_is_a_finding() {
        let admin_view = json!([
            {"id": 1, "email": "alice@example.test", "name": "Alice Liddell"},
            {"id": 2, "email": "bob@example.test", "name": "Bob Okonkwo"},
        ]);
        // A user-scoped answer (only A's own record) shares nothing but A's own values.
        let scoped = json!([{"id": 1, "email": "alice@example.test", "name": "Alice Liddell"}]);
        assert_eq!(judge(scoped, admin_view.clone()), None);
        // Data the admin does not see is not the admin's view, however distinctive.
        let other = json!([{"email": "someone@example.test", "name": "Some One Else"}]);
        assert_eq!(judge(other, admin_view.clone()), None);
        // One shared value could be a coincidence.
        let one = json!([{"email": "bob@example.test", "name": "Robert Other"}]);
        assert_eq!(judge(one, admin_view.clone()), None);
        let (message, values) = judge(admin_view.clone(), admin_view).expect("admin's view");
        assert!(message.contains("with the admin's view"), "{message}");
        assert_eq!(values, ["bob@example.test", "Bob Okonkwo"]);
    }

    #[test]
    fn without_an_admin_the_probe_has_no_admin_request() {
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
        let Planned::Probes(probes) = check().plan(&op("/admin/members", "x"), &cx) else {
            panic!("planned");
        };
        assert!(probes[0].requests.iter().all(|r| r.role != Role::Admin));
    }
}
