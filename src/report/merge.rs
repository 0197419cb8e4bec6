//! Combines the JSON reports of a sharded scan (`--shard i/n` on many CI runners) into one.

use std::collections::HashMap;

use super::{Outcome, Report};

/// Merges shard reports of the same API. Findings are deduplicated by fingerprint and cases
/// re-pointed at the merged list; counters add up. The caller sets the gate threshold.
pub fn merge_reports(mut reports: Vec<Report>) -> Result<Report, String> {
    if reports.is_empty() {
        return Err("nothing to merge".into());
    }
    let mut merged = reports.remove(0);
    for (i, r) in reports.into_iter().enumerate() {
        if r.format_version != merged.format_version {
            return Err(format!(
                "report #{} has format version {}, the first has {}: merge reports of one apileak version",
                i + 2,
                r.format_version,
                merged.format_version
            ));
        }
        if r.api.spec_path != merged.api.spec_path || r.api.title != merged.api.title {
            return Err(format!(
                "report #{} scanned `{}` ({}), not `{}` ({})",
                i + 2,
                r.api.title,
                r.api.spec_path,
                merged.api.title,
                merged.api.spec_path
            ));
        }
        let mut index: HashMap<String, usize> = merged
            .findings
            .iter()
            .enumerate()
            .map(|(i, f)| (f.fingerprint.clone(), i))
            .collect();
        let mut remap = Vec::with_capacity(r.findings.len());
        for f in r.findings {
            let at = *index.entry(f.fingerprint.clone()).or_insert_with(|| {
                merged.findings.push(f);
                merged.findings.len() - 1
            });
            remap.push(at);
        }
        for mut case in r.cases {
            if let Outcome::Failed { findings, .. } = &mut case.outcome {
                for f in findings.iter_mut() {
                    *f = remap.get(*f).copied().unwrap_or(*f);
                }
            }
            merged.cases.push(case);
        }
        merged.started_at = merged.started_at.clone().min(r.started_at);
        merged.finished_at = merged.finished_at.clone().max(r.finished_at);
        merged.duration_ms = merged.duration_ms.max(r.duration_ms);
        merged.stats.exec.add(&r.stats.exec);
        merged.stats.probes += r.stats.probes;
        merged.scanned.extend(r.scanned);
        merged.warnings.extend(r.warnings);
        merged.halted = merged.halted.take().or(r.halted);
        merged.left_behind.extend(r.left_behind);
    }
    merged.scanned.sort();
    merged.scanned.dedup();
    merged.warnings.sort();
    merged.warnings.dedup();
    merged.cases.sort_by(|a, b| {
        (a.line, &a.method, &a.path, &a.check).cmp(&(b.line, &b.method, &b.path, &b.check))
    });
    Ok(merged)
}
