//! API1: user A reads objects that user B owns.

use std::sync::Arc;

use super::judge::{distinctive_values, shared_values};
use super::{Check, CheckMeta, PlanCx, Planned, Probe};
use crate::findings::{Confidence, Finding};
use crate::identity::Role;
use crate::model::Operation;
use crate::probe::fill_path;
use crate::probe::{Exchange, ProbeRequest, join_url};

/// Probes per operation: two of B's objects are enough to prove a pattern.
const MAX_PROBES: usize = 2;

pub(crate) struct BolaRead {
    pub(crate) meta: CheckMeta,
}

impl Check for BolaRead {
    fn meta(&self) -> &CheckMeta {
        &self.meta
    }

    fn plan(&self, op: &Operation, cx: &PlanCx<'_>) -> Planned {
        let params = op.path_param_names();
        if !op.method.is_safe() || params.is_empty() {
            return Planned::NotApplicable;
        }
        if let Some(p) = super::unfillable_query(op) {
            return Planned::Skipped(format!("required {p} parameter has no example in the spec"));
        }
        let (a, b) = (cx.user_a, cx.user_b);
        let Some(base) = b.fill_owned(op) else {
            let missing = params
                .iter()
                .find(|p| b.owned_values(p).is_empty())
                .copied()
                .unwrap_or_default();
            return Planned::Skipped(format!("no object of user-b harvested for `{{{missing}}}`"));
        };
        // Vary one parameter over B's objects that A does not also own or see as its own:
        // shared objects (a public class) prove nothing.
        let mut probes = Vec::new();
        for p in &params {
            for value in b.owned_values(p) {
                if a.owned_values(p).contains(value) || probes.len() >= MAX_PROBES {
                    continue;
                }
                let values: Vec<(String, String)> = base
                    .iter()
                    .map(|(n, v)| (n.clone(), if n == p { value.clone() } else { v.clone() }))
                    .collect();
                let url = join_url(
                    cx.base_url,
                    &fill_path(&op.path, &values),
                    &super::query_examples(op),
                );
                probes.push(Probe {
                    requests: vec![
                        ProbeRequest::get(Role::UserA, url.clone()),
                        ProbeRequest::get(Role::UserB, url),
                    ],
                });
            }
        }
        if probes.is_empty() {
            return Planned::Skipped("every harvested object of user-b is also user-a's".into());
        }
        Planned::Probes(probes)
    }

    fn evaluate(
        &self,
        op: &Operation,
        _probe: &Probe,
        exchanges: &[Arc<Exchange>],
        cx: &PlanCx<'_>,
    ) -> Option<Finding> {
        let [attack, reference] = exchanges else {
            return None;
        };
        // Without B's own view there is nothing to compare with: stay quiet.
        if !attack.is_success() || !reference.is_success() {
            return None;
        }
        let (attack_json, reference_json) = (attack.json.as_ref()?, reference.json.as_ref()?);
        let matches = shared_values(attack_json, reference_json, &cx.user_a.own_values);
        if matches.len() < 2 {
            return None;
        }
        // B's personal values (from B's own record) make the proof unambiguous.
        let personal = cx
            .user_b
            .me
            .as_ref()
            .map(distinctive_values)
            .unwrap_or_default();
        let confidence =
            if matches.iter().any(|m| personal.contains(&m.value)) || matches.len() >= 4 {
                Confidence::High
            } else {
                Confidence::Medium
            };
        let message = format!(
            "user-a read user-b's object: {} {} answered {} with {} values from user-b's own view",
            op.method,
            attack.request.url,
            attack.status.unwrap_or_default(),
            matches.len()
        );
        Some(super::finding(
            &self.meta,
            op,
            attack,
            matches,
            Some(Role::UserB),
            confidence,
            message,
        ))
    }
}
