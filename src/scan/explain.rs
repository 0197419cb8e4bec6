//! `scan --dry-run`: what the scan understood of the API and what it would send, before any
//! probe: the resource model, who owns what, and every planned case.

use std::fmt::Write as _;

use crate::checks::Planned;
use crate::harvest::Inventory;
use crate::model::Resources;

use super::ScanPlan;

/// Operations listed in the resource model at most; the rest are counted.
const MAX_MODEL_LINES: usize = 60;
/// Values shown per kind of object.
const MAX_VALUES_SHOWN: usize = 3;

/// The dry run's text for stdout.
pub fn render(plan: &ScanPlan) -> String {
    let targets = &plan.inventories.session.targets;
    let api = &targets.api;
    let resources: &Resources = &plan.inventories.user_a.resources;
    let mut out = String::new();
    let sent = plan.inventories.session.exec.stats().requests;
    let _ = writeln!(
        out,
        "Dry run: {} operations; only the preflight and the harvest were sent ({sent} requests, \
         all reads); nothing was created, no probe was sent.\n",
        api.operations.len()
    );

    let kinds: Vec<&str> = resources.kinds().collect();
    let _ = writeln!(out, "Resource model (from the spec): {}", kinds.join(", "));
    let with_ids: Vec<_> = api
        .operations
        .iter()
        .map(|op| (op, resources.slots(op)))
        .filter(|(_, slots)| !slots.is_empty())
        .collect();
    for (op, slots) in with_ids.iter().take(MAX_MODEL_LINES) {
        let slots: Vec<String> = slots
            .iter()
            .map(|s| match s.location {
                crate::model::ParamLocation::Path => format!("{{{}}} = {}", s.name, s.key),
                _ => format!("?{} = {}", s.name, s.key),
            })
            .collect();
        let _ = writeln!(
            out,
            "  {:<40} {}; answers {}",
            op.display_name(),
            slots.join(", "),
            resources.answer_kind(op)
        );
    }
    if with_ids.len() > MAX_MODEL_LINES {
        let _ = writeln!(
            out,
            "  … {} more operations with IDs",
            with_ids.len() - MAX_MODEL_LINES
        );
    }

    let _ = writeln!(out, "\nWho owns what (learned from the API by difference):");
    for inv in [&plan.inventories.user_a, &plan.inventories.user_b] {
        let _ = writeln!(out, "  {}", owned_line(inv));
    }
    let _ = writeln!(
        out,
        "  public by design: {} distinct values (never evidence of a leak)",
        plan.inventories.public.len()
    );

    let (mut cases, mut probes, mut requests) = (0, 0, 0);
    let mut lines = Vec::new();
    let mut not_tested = Vec::new();
    for entry in &plan.plan.entries {
        let check = targets.checks[entry.check].meta().id.clone();
        let op = entry
            .operation
            .map_or_else(|| "GET *".to_owned(), |i| api.operations[i].display_name());
        match &entry.planned {
            Planned::NotApplicable => {}
            Planned::Skipped(reason) => {
                cases += 1;
                not_tested.push(format!("  {check:<36} {op}: {reason}"));
            }
            Planned::Probes(list) => {
                cases += 1;
                probes += list.len();
                let n: usize = list.iter().map(|p| p.requests.len()).sum();
                requests += n;
                let first = list
                    .first()
                    .and_then(|p| p.requests.first())
                    .map(|r| format!("; e.g. {} {} as {}", r.method, r.url, r.identity_label()))
                    .unwrap_or_default();
                lines.push(format!(
                    "  {check:<36} {op}: {} probe{}, {n} requests{first}",
                    list.len(),
                    if list.len() == 1 { "" } else { "s" }
                ));
            }
        }
    }
    let _ = writeln!(
        out,
        "\nPlanned: {cases} cases, {probes} probes, {requests} requests"
    );
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    if !not_tested.is_empty() {
        let _ = writeln!(out, "\nNot tested ({}):", not_tested.len());
        for line in not_tested {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

/// `user-b (bob): article.slug = closing-the-workshop; collection.id = rl_5pj9hd2c, …`.
fn owned_line(inv: &Inventory) -> String {
    let who = inv.principal.label().unwrap_or("principal unknown");
    let owned: Vec<String> = inv
        .owned
        .iter()
        .map(|(key, values)| {
            let shown: Vec<&str> = values
                .iter()
                .take(MAX_VALUES_SHOWN)
                .map(String::as_str)
                .collect();
            let more = values.len().saturating_sub(MAX_VALUES_SHOWN);
            if more > 0 {
                format!("{key} = {} (+{more})", shown.join(", "))
            } else {
                format!("{key} = {}", shown.join(", "))
            }
        })
        .collect();
    if owned.is_empty() {
        format!(
            "{} ({who}): nothing found; name objects with `objects:` in apileak.yaml",
            inv.role
        )
    } else {
        format!("{} ({who}): {}", inv.role, owned.join("; "))
    }
}
