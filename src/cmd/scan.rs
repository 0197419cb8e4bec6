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
    let outputs = outputs(&args.output)?;
    let dry_run = args.dry_run;
    let config = ScanConfig::from_args(args)?;
    let halt = super::signals::watch();
    if dry_run {
        let plan = crate::scan::plan_only(&config, &halt).await?;
        return Ok(Done {
            stdout: crate::scan::explain(&plan),
            code: 0,
        });
    }
    let watch = ProgressWatch::new();
    let shown = super::progress::show(&watch, term.progress);
    let report = crate::scan::run_watched(&config, &halt, &watch).await;
    shown.finish().await;
    let report = report?;
    if let Some(text) = write(&report, &outputs)? {
        return Ok(Done {
            stdout: text,
            code: report.exit_code(config.gate.report_only),
        });
    }
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

/// The report files the flags ask for: `--out-dir` gives every format its usual name there,
/// a format's own flag overrides it. At most one of them may be `-` (stdout).
pub(super) fn outputs(args: &OutputArgs) -> Result<Vec<(Format, PathBuf)>, AppError> {
    let explicit: Vec<(Format, PathBuf)> = [
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
    .collect();
    let mut all: Vec<(Format, PathBuf)> = match &args.out_dir {
        Some(dir) => Format::ALL
            .iter()
            .filter(|f| !explicit.iter().any(|(e, _)| e == *f))
            .map(|f| (*f, dir.join(f.file_name())))
            .collect(),
        None => Vec::new(),
    };
    all.extend(explicit);
    if all.iter().filter(|(_, p)| is_stdout(p)).count() > 1 {
        return Err(AppError::Usage(
            "only one report can go to stdout (`-`); give the others a file name".into(),
        ));
    }
    Ok(all)
}

/// `-` as a report path: standard output.
fn is_stdout(path: &std::path::Path) -> bool {
    path.as_os_str() == "-"
}

/// Renders and writes `outputs`; the report meant for stdout (`-`), if any, is returned
/// instead of written, for the command to print in place of the terminal report.
pub(super) fn write(
    report: &Report,
    outputs: &[(Format, PathBuf)],
) -> Result<Option<String>, AppError> {
    let catalogue = checks::catalogue().map_err(AppError::Usage)?;
    let (to_stdout, files): (Vec<_>, Vec<_>) =
        outputs.iter().cloned().partition(|(_, p)| is_stdout(p));
    report::write_all(report, &files, &catalogue)?;
    match to_stdout.first() {
        Some((format, path)) => {
            let text = format
                .render(report, &catalogue)
                .map_err(|reason| report::WriteError {
                    path: path.clone(),
                    reason,
                })?;
            Ok(Some(text))
        }
        None => Ok(None),
    }
}
