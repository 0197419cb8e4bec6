//! `SpecError`: why a spec could not be loaded at all. Problems that only cost a piece of the
//! spec are warnings (see `warnings.rs`), not errors.

use std::sync::Arc;

use miette::{NamedSource, SourceSpan};

/// A spec that cannot be turned into an `Api` at all.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SpecError {
    /// The file could not be read.
    #[error("failed to read spec `{name}`")]
    #[diagnostic(code(apileak::spec::read))]
    Read {
        name: String,
        #[source]
        source: std::io::Error,
    },

    /// The file is not text (binary, or not UTF-8).
    #[error("failed to read spec `{name}`: not UTF-8 text (is it a binary file?)")]
    #[diagnostic(code(apileak::spec::not_text))]
    NotText { name: String },

    /// The file is empty or only whitespace.
    #[error("failed to parse spec `{name}`: the file is empty")]
    #[diagnostic(code(apileak::spec::empty))]
    Empty { name: String },

    /// Malformed YAML or JSON (or a hostile document that exceeds our limits).
    #[error("failed to parse spec `{name}`: {}{message}", position(*line, *column))]
    #[diagnostic(code(apileak::spec::syntax))]
    Parse {
        name: String,
        /// 1-based line of the problem; 0 when the parser gave none.
        line: usize,
        /// 1-based column of the problem; 0 when the parser gave none.
        column: usize,
        message: String,
        #[source_code]
        src: Option<Arc<NamedSource<String>>>,
        #[label("here")]
        span: Option<SourceSpan>,
    },

    /// Well-formed YAML/JSON that is not an OpenAPI or Swagger document.
    #[error("spec `{name}` is not an OpenAPI or Swagger document: {reason}")]
    #[diagnostic(
        code(apileak::spec::not_openapi),
        help(
            "apileak reads OpenAPI 3.0/3.1 and Swagger 2.0 descriptions (a mapping with an `openapi` or `swagger` field and `paths`)"
        )
    )]
    NotOpenApi { name: String, reason: String },

    /// A version we do not know how to read: guessing could scan the wrong operations.
    #[error("spec `{name}` declares {field} version `{version}`, which apileak cannot read{hint}")]
    #[diagnostic(
        code(apileak::spec::unsupported_version),
        help("apileak reads OpenAPI 3.0 and 3.1 (3.2 as 3.1, with a warning) and Swagger 2.0")
    )]
    UnsupportedVersion {
        name: String,
        field: &'static str,
        version: String,
        hint: &'static str,
    },

    /// An OpenAPI document in which not a single operation could be read.
    #[error("spec `{name}` has no readable operations{}", skipped_suffix(skipped))]
    #[diagnostic(code(apileak::spec::no_operations))]
    NoOperations {
        name: String,
        /// The warnings raised while reading it: what was skipped and why.
        skipped: Vec<String>,
    },
}

fn position(line: usize, column: usize) -> String {
    match (line, column) {
        (0, _) => String::new(),
        (line, 0) => format!("line {line}: "),
        (line, column) => format!("line {line}, column {column}: "),
    }
}

/// How many skipped pieces the message lists before summarising the rest.
const SKIPPED_SHOWN: usize = 5;

fn skipped_suffix(skipped: &[String]) -> String {
    if skipped.is_empty() {
        return String::new();
    }
    let mut out = format!(
        " (skipped: {}",
        skipped[..skipped.len().min(SKIPPED_SHOWN)].join("; ")
    );
    if skipped.len() > SKIPPED_SHOWN {
        out.push_str(&format!("; and {} more", skipped.len() - SKIPPED_SHOWN));
    }
    out.push(')');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_message_names_file_and_line() {
        let err = SpecError::Parse {
            name: "api.yaml".into(),
            line: 3,
            column: 0,
            message: "did not find expected key".into(),
            src: None,
            span: None,
        };
        assert_eq!(
            err.to_string(),
            "failed to parse spec `api.yaml`: line 3: did not find expected key"
        );
    }

    #[test]
    fn no_operations_lists_a_few_skipped_pieces() {
        let skipped: Vec<String> = (1..=7)
            .map(|i| format!("skipped GET /{i}: not an object"))
            .collect();
        let err = SpecError::NoOperations {
            name: "x.json".into(),
            skipped,
        };
        let msg = err.to_string();
        assert!(
            msg.starts_with("spec `x.json` has no readable operations (skipped: skipped GET /1")
        );
        assert!(msg.ends_with("; and 2 more)"), "{msg}");
    }
}
