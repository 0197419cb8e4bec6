//! `apileak scan`: the pipeline, then the report files, the terminal report and the gate.

use std::path::PathBuf;

use crate::checks;
use crate::cli::{OutputArgs, ScanArgs};
use crate::config::ScanConfig;
use crate::error::AppError;
use crate::exec::ProgressWatch;
use crate::report::{self, Format, Report};

use super::{Done, Term};

pub async fn scan(args: ScanArgs, term: Term) -> Result<Done, AppError> {
    let outputs = outputs(&args.output);
    let config = ScanConfig::from_args(args)?;
    let halt = super::signals::watch();
    let watch = ProgressWatch::new();
    let shown = super::progress::show(&watch, term.progress);
    let report = crate::scan::run_watched(&config, &halt, &watch).await;
    shown.finish().await;
    let report = report?;
    write(&report, &outputs)?;
    let mut stdout = report::render_human(&report, term.stdout);
    let sarif = outputs
        .iter()
        .find(|(f, _)| *f == Format::Sarif)
        .map(|(_, p)| p.as_path());
    if let Some(annotations) = report::github_actions(&report, sarif) {
        stdout.push_str(&annotations);
    }
    Ok(Done {
        stdout,
        code: report.exit_code(config.gate.report_only),
    })
}

/// The report files the flags ask for.
pub(super) fn outputs(args: &OutputArgs) -> Vec<(Format, PathBuf)> {
    [
        (Format::Sarif, &args.sarif),
        (Format::Junit, &args.junit),
        (Format::Json, &args.json),
        (Format::Gitlab, &args.gitlab),
        (Format::CodeQuality, &args.codequality),
        (Format::Markdown, &args.markdown),
        (Format::Html, &args.html),
    ]
    .into_iter()
    .filter_map(|(format, path)| Some((format, path.clone()?)))
    .collect()
}

/// Renders and writes `outputs`.
pub(super) fn write(report: &Report, outputs: &[(Format, PathBuf)]) -> Result<(), AppError> {
    let catalogue = checks::catalogue().map_err(AppError::Usage)?;
    Ok(report::write_all(report, outputs, &catalogue)?)
}
