//! The output formats: a closed set, one renderer signature. Every format is rendered from the
//! finished [`Report`] and the check catalogue.

use std::path::{Path, PathBuf};

use super::Report;
use crate::checks::CheckMeta;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// The source every other format could be rendered from (`docs/report-json.md`).
    Json,
    /// GitHub code scanning.
    Sarif,
    Junit,
    /// GitLab DAST report, schema 15.0.7.
    Gitlab,
    /// GitLab Code Quality.
    CodeQuality,
    Markdown,
    /// One self-contained page: the authorization matrix.
    Html,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Sarif,
        Format::Junit,
        Format::Json,
        Format::Gitlab,
        Format::CodeQuality,
        Format::Markdown,
        Format::Html,
    ];

    /// The file this format gets in an output directory (`apileak demo --out-dir`).
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Json => "report.json",
            Format::Sarif => "report.sarif",
            Format::Junit => "report.junit.xml",
            Format::Gitlab => "gl-dast-report.json",
            Format::CodeQuality => "gl-code-quality-report.json",
            Format::Markdown => "summary.md",
            Format::Html => "report.html",
        }
    }

    pub fn render(self, report: &Report, catalogue: &[CheckMeta]) -> Result<String, String> {
        match self {
            Format::Json => super::json::render_json(report),
            Format::Sarif => super::sarif::render_sarif(report, catalogue),
            Format::Junit => super::junit::render_junit(report),
            Format::Gitlab => super::gitlab::render_gitlab(report, catalogue),
            Format::CodeQuality => super::codequality::render_codequality(report),
            Format::Markdown => Ok(super::markdown::render_markdown(report)),
            Format::Html => Ok(super::html::render_html(report, catalogue)),
        }
    }
}

/// A report file that could not be rendered or written.
#[derive(Debug, thiserror::Error)]
#[error("failed to write report `{}`: {reason}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    pub reason: String,
}

/// Renders and writes every requested format.
pub fn write_all(
    report: &Report,
    outputs: &[(Format, PathBuf)],
    catalogue: &[CheckMeta],
) -> Result<(), WriteError> {
    for (format, path) in outputs {
        let text = format
            .render(report, catalogue)
            .map_err(|reason| WriteError {
                path: path.clone(),
                reason,
            })?;
        write_file(path, &text)?;
        tracing::info!(path = %path.display(), "wrote report");
    }
    Ok(())
}

/// Writes `text` to `path`, creating its directory.
pub fn write_file(path: &Path, text: &str) -> Result<(), WriteError> {
    let err = |e: std::io::Error| WriteError {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    std::fs::write(path, text).map_err(err)
}
