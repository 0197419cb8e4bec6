//! API2: a secured read operation answers without credentials with the data a user gets.

use std::collections::HashSet;
use std::sync::Arc;

use super::judge::{has_data, shared_values};
use super::{Check, CheckMeta, PlanCx, Planned, Probe};
use crate::findings::Finding;
use crate::identity::Role;
use crate::model::Operation;
use crate::probe::fill_path;
use crate::probe::{Exchange, ProbeRequest, join_url};

pub(crate) struct UnauthenticatedAccess {
    pub(crate) meta: CheckMeta,
}

impl Check for UnauthenticatedAccess {
    fn meta(&self) -> &CheckMeta {
        &self.meta
    }

    fn plan(&self, op: &Operation, cx: &PlanCx<'_>) -> Planned {
        // Admin operations reached without credentials are reported once, by the
        // function-level authorization check.
        if !op.method.is_safe() || !op.requires_auth() || super::is_admin_operation(op) {
            return Planned::NotApplicable;
        }
        if let Some(p) = cx.user_a.unfillable(op) {
            return Planned::Skipped(format!("required {p} parameter has no example in the spec"));
        }
        // B's own objects first: then the reference view is B's, a real user's data.
        let filled = [cx.user_b, cx.user_a]
            .into_iter()
            .find_map(|inv| inv.fill_any(op).map(|(values, _)| (inv.role, values)));
        let Some((role, values)) = filled else {
            return Planned::Skipped(
                "no value for a path parameter: none harvested and no example in the spec".into(),
            );
        };
        let url = join_url(
            cx.base_url,
            &fill_path(&op.path, &values),
            &cx.user_a.query(op),
        );
        Planned::Probes(vec![Probe {
            requests: vec![
                ProbeRequest::get(Role::Anonymous, url.clone()),
                ProbeRequest::get(role, url),
            ],
        }])
    }

    fn evaluate(
        &self,
        op: &Operation,
        _probe: &Probe,
        exchanges: &[Arc<Exchange>],
        _cx: &PlanCx<'_>,
    ) -> Option<Finding> {
        let [attack, reference] = exchanges else {
            return None;
        };
        if !attack.is_success() || !reference.is_success() {
            return None;
        }
        let (attack_json, reference_json) = (attack.json.as_ref()?, reference.json.as_ref()?);
        if !has_data(attack_json) {
            return None;
        }
        let matches = shared_values(attack_json, reference_json, &HashSet::new());
        if matches.len() < 2 && attack_json != reference_json {
            return None;
        }
        let message = format!(
            "{} {} answered {} without credentials and returned the same data as {} ({} matching values)",
            op.method,
            attack.request.url,
            attack.status.unwrap_or_default(),
            reference.request.role,
            matches.len()
        );
        Some(super::finding(
            &self.meta,
            op,
            attack,
            matches,
            None,
            crate::findings::Confidence::High,
            message,
        ))
    }
}
