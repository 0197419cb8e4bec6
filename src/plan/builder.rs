//! Asks every check about every operation.

use crate::checks::{Check, PlanCx, Planned};

/// One check on one operation.
#[derive(Debug, Clone)]
pub struct PlanEntry {
    pub check: usize,
    /// `None` for API-wide probes.
    pub operation: Option<usize>,
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

/// Plans every check; with `shard = Some((i, n))` only the operations of shard `i` (API-wide
/// probes go to shard 1), so `n` runners together cover exactly the unsharded plan.
pub fn build(checks: &[Box<dyn Check>], cx: &PlanCx<'_>, shard: Option<(usize, usize)>) -> Plan {
    let mut entries = Vec::new();
    let in_shard = |op: &crate::model::Operation| {
        shard.is_none_or(|(i, n)| shard_of(&op.display_name(), n) == i)
    };
    for (ci, check) in checks
        .iter()
        .enumerate()
        .filter(|_| shard.is_none_or(|(i, _)| i == 1))
    {
        let planned = check.plan_api(cx);
        if !matches!(planned, Planned::NotApplicable) {
            entries.push(PlanEntry {
                check: ci,
                operation: None,
                planned,
            });
        }
    }
    for (oi, op) in cx
        .api
        .operations
        .iter()
        .enumerate()
        .filter(|(_, op)| in_shard(op))
    {
        for (ci, check) in checks.iter().enumerate() {
            let planned = check.plan(op, cx);
            if !matches!(planned, Planned::NotApplicable) {
                entries.push(PlanEntry {
                    check: ci,
                    operation: Some(oi),
                    planned,
                });
            }
        }
    }
    Plan { entries }
}

/// 1-based shard of an operation: a hash of `METHOD /path`, so it does not depend on spec order.
fn shard_of(name: &str, n: usize) -> usize {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(name.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    usize::try_from(u64::from_be_bytes(first) % n as u64).unwrap_or(0) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_and_are_stable() {
        let names: Vec<String> = (0..200).map(|i| format!("GET /r{i}/{{id}}")).collect();
        let mut counts = [0usize; 3];
        for name in &names {
            let s = shard_of(name, 3);
            assert!((1..=3).contains(&s));
            assert_eq!(s, shard_of(name, 3), "deterministic");
            counts[s - 1] += 1;
        }
        assert!(
            counts.iter().all(|c| *c > 40),
            "roughly balanced: {counts:?}"
        );
        assert_eq!(shard_of("GET /x", 1), 1);
    }
}
