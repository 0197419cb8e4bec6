//! `apileak merge`: combine shard reports, apply the gate, write the outputs.

use crate::cli::MergeArgs;
use crate::error::AppError;
use crate::report::{self, Report};

use super::{Done, Term};

pub fn merge(args: &MergeArgs, term: Term) -> Result<Done, AppError> {
    let mut reports = Vec::with_capacity(args.reports.len());
    for path in &args.reports {
        let text = std::fs::read_to_string(path).map_err(|e| {
            AppError::Usage(format!("failed to read report `{}`: {e}", path.display()))
        })?;
        let report: Report = serde_json::from_str(&text).map_err(|e| {
            AppError::Usage(format!(
                "`{}` is not an apileak JSON report: {e}",
                path.display()
            ))
        })?;
        reports.push(report);
    }
    let mut merged = report::merge_reports(reports).map_err(AppError::Usage)?;
    merged.sort_findings();
    let gate = crate::config::Gate::from_args(&args.output)?;
    merged.fail_on = gate.fail_on;
    // The shards' own figures cover their share only: count the merged cases again.
    let catalogue = crate::checks::catalogue().map_err(AppError::Usage)?;
    merged.coverage =
        report::Coverage::of(&merged.cases, &catalogue).with_minimum(gate.min_coverage);
    for f in &mut merged.findings {
        f.suppressed = None;
    }
    crate::findings::apply_suppressions(
        &mut merged.findings,
        gate.baseline.as_ref(),
        gate.ignore.as_ref(),
    );
    let written = super::scan::write(&merged, &super::scan::outputs(&args.output)?)?;
    Ok(Done {
        stdout: written.unwrap_or_else(|| report::render_human(&merged, term.stdout)),
        code: merged.exit_code(args.output.report_only),
    })
}
