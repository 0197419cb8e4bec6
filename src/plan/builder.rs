//! Asks every check about every operation.

use crate::checks::{Check, PlanCx, Planned};

/// One check on one operation.
#[derive(Debug, Clone)]
pub struct PlanEntry {
    pub check: usize,
    pub operation: usize,
    pub planned: Planned,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Entries for applicable (check, operation) pairs, in operation then check order.
    pub entries: Vec<PlanEntry>,
}

impl Plan {
    /// Requests the plan will send (before caching).
    pub fn request_count(&self) -> usize {
        self.entries
            .iter()
            .map(|e| match &e.planned {
                Planned::Probes(p) => p.iter().map(|p| p.requests.len()).sum(),
                _ => 0,
            })
            .sum()
    }
}

pub fn build(checks: &[Box<dyn Check>], cx: &PlanCx<'_>) -> Plan {
    let mut entries = Vec::new();
    for (oi, op) in cx.api.operations.iter().enumerate() {
        for (ci, check) in checks.iter().enumerate() {
            let planned = check.plan(op, cx);
            if !matches!(planned, Planned::NotApplicable) {
                entries.push(PlanEntry {
                    check: ci,
                    operation: oi,
                    planned,
                });
            }
        }
    }
    Plan { entries }
}
