//! Text → `serde_json::Value` plus operation lines: sniffs JSON vs YAML from the content (never
//! the extension), parses it (JSON with serde_json and the line scanner in `lines.rs`, YAML with
//! the bounded, position-aware builder in `yaml.rs`), and turns syntax errors into
//! `SpecError::Parse` with a line and a miette span.

use std::collections::HashMap;
use std::sync::Arc;

use miette::{NamedSource, SourceSpan};
use serde_json::Value;

use super::error::SpecError;
use super::lines::{OperationLines, scan_json};
use super::yaml::{YamlError, parse_yaml};

/// The syntax a spec was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Yaml,
}

/// A parsed document and the source lines of its operations.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) value: Value,
    pub(crate) format: Format,
    pub(crate) lines: OperationLines,
    /// Set when JSON-looking text was not JSON and was read as YAML instead.
    pub(crate) warning: Option<String>,
}

/// Parses `text` as JSON (if it starts with `{` or `[`) or YAML. `name` is used in errors.
pub(crate) fn parse(text: &str, name: &str) -> Result<Parsed, SpecError> {
    // A BOM is legal at the start of either syntax but serde_json rejects it.
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom = text.len() - body.len();
    let trimmed = body.trim_start();
    if trimmed.is_empty() {
        return Err(SpecError::Empty {
            name: name.to_owned(),
        });
    }
    if trimmed.starts_with(['{', '[']) {
        let json_err = match super::compact::from_str(body) {
            Ok(value) => {
                // serde_json keeps the last of repeated keys without a word.
                if let Some(dup) = json_duplicate_key(body) {
                    let message = format!(
                        "duplicate key `{}` (first on line {}, again on line {})",
                        dup.key, dup.first_line, dup.line
                    );
                    return Err(syntax_error(text, bom, name, dup.line, dup.column, message));
                }
                return Ok(Parsed {
                    value,
                    format: Format::Json,
                    lines: scan_json(body),
                    warning: None,
                });
            }
            Err(err) => err,
        };
        // JSON-looking text may still be YAML (flow style, or JSON with trailing commas or
        // comments): read it as such, with a warning. If that fails too, the JSON message is
        // the useful one.
        return match parse_yaml(body) {
            Ok(doc) => {
                let position = format!("line {}, column {}", json_err.line(), json_err.column());
                Ok(Parsed {
                    value: doc.value,
                    format: Format::Yaml,
                    lines: doc.lines,
                    warning: Some(format!(
                        "not valid JSON ({position}: {}); read as YAML instead",
                        json_message(&json_err)
                    )),
                })
            }
            Err(_) => Err(json_error(text, bom, name, &json_err)),
        };
    }
    match parse_yaml(body) {
        Ok(doc) => Ok(Parsed {
            value: doc.value,
            format: Format::Yaml,
            lines: doc.lines,
            warning: None,
        }),
        Err(err) => Err(yaml_error(text, bom, name, err)),
    }
}

/// The operation lines of `text` when [`parse`] would read it as JSON with no duplicate key,
/// so that a caller holding the text in a file may free it and parse the file instead
/// (`load_file`). `None` means: call [`parse`] with the text.
pub(crate) fn plain_json_lines(text: &str) -> Option<(OperationLines, usize)> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom = text.len() - body.len();
    let trimmed = body.trim_start();
    (trimmed.starts_with(['{', '[']) && json_duplicate_key(body).is_none())
        .then(|| (scan_json(body), bom))
}

/// A JSON document parsed from `reader` (which must start after any BOM), for the text
/// [`plain_json_lines`] accepted; `None` when it is not JSON after all (then [`parse`] the
/// text: it reads JSON-looking YAML and words the errors).
pub(crate) fn parse_json_reader(
    reader: impl std::io::Read,
    lines: OperationLines,
) -> Option<Parsed> {
    let value = super::compact::from_reader(reader).ok()?;
    Some(Parsed {
        value,
        format: Format::Json,
        lines,
        warning: None,
    })
}

/// A key written twice in one JSON object: the first and second position.
struct DuplicateKey {
    key: String,
    first_line: usize,
    line: usize,
    column: usize,
}

/// The first key repeated within one object of `text`, which must be valid JSON (so strings
/// hold no raw line breaks and brackets balance). Linear in the text.
fn json_duplicate_key(text: &str) -> Option<DuplicateKey> {
    // One frame per open bracket: the keys seen so far for objects, `None` for arrays.
    let mut stack: Vec<Option<HashMap<String, usize>>> = Vec::new();
    let bytes = text.as_bytes();
    let (mut i, mut line, mut line_start) = (0, 1, 0);
    // The last string token, its line and column: a key when a `:` follows.
    let mut last_string: Option<(&str, usize, usize)> = None;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'{' => stack.push(Some(HashMap::new())),
            b'[' => stack.push(None),
            b'}' | b']' => {
                stack.pop();
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                let column = text.get(line_start..start).map_or(0, |s| s.chars().count()) + 1;
                last_string = text.get(start..=i).map(|raw| (raw, line, column));
            }
            b':' => {
                if let (Some((raw, key_line, column)), Some(Some(keys))) =
                    (last_string.take(), stack.last_mut())
                {
                    let key =
                        serde_json::from_str::<String>(raw).unwrap_or_else(|_| raw.to_owned());
                    if let Some(&first_line) = keys.get(&key) {
                        return Some(DuplicateKey {
                            key,
                            first_line,
                            line: key_line,
                            column,
                        });
                    }
                    keys.insert(key, key_line);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn json_error(text: &str, bom: usize, name: &str, err: &serde_json::Error) -> SpecError {
    syntax_error(text, bom, name, err.line(), err.column(), json_message(err))
}

/// serde_json's message without the position it appends (we report that separately).
fn json_message(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    message.strip_suffix(&suffix).unwrap_or(&message).to_owned()
}

fn yaml_error(text: &str, bom: usize, name: &str, err: YamlError) -> SpecError {
    syntax_error(text, bom, name, err.line, err.column, err.message)
}

fn syntax_error(
    text: &str,
    bom: usize,
    name: &str,
    line: usize,
    column: usize,
    message: String,
) -> SpecError {
    let span = (line > 0).then(|| {
        let mut offset = bom + byte_offset(&text[bom..], line, column);
        // An error at the very end would point at nothing miette can show: use the last
        // visible character instead.
        if text[offset..].trim().is_empty() {
            offset = text.trim_end().char_indices().last().map_or(0, |(i, _)| i);
        }
        let len = text[offset..].chars().next().map_or(0, char::len_utf8);
        SourceSpan::from((offset, len))
    });
    // miette pads the label to its column with `{:width$}`, which panics past 65,535, and a
    // minified one-line spec would be printed whole: past a sane width, the message's line and
    // column stand alone.
    if span.is_some_and(|span| !snippet_fits(text, span.offset())) {
        return SpecError::Parse {
            name: name.to_owned(),
            line,
            column,
            message,
            src: None,
            span: None,
        };
    }
    SpecError::Parse {
        name: name.to_owned(),
        line,
        column,
        message,
        src: Some(Arc::new(NamedSource::new(name, text.to_owned()))),
        span,
    }
}

/// The longest line (in bytes) shown in a diagnostic's snippet.
const MAX_SNIPPET_LINE: usize = 1_000;

/// Whether the line holding `offset` and its neighbours (miette shows one line of context on
/// each side) are short enough to show.
fn snippet_fits(text: &str, offset: usize) -> bool {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let before = text[..start.saturating_sub(1)]
        .rsplit('\n')
        .next()
        .unwrap_or("");
    let after = text
        .get(end + 1..)
        .unwrap_or("")
        .split('\n')
        .next()
        .unwrap_or("");
    [end - start, before.len(), after.len()]
        .iter()
        .all(|&len| len <= MAX_SNIPPET_LINE)
}

/// Byte offset of 1-based `line`/`column` (columns counted in characters), clamped to the text.
fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = text.get(line_start..).unwrap_or("");
    let in_line = rest
        .char_indices()
        .take_while(|&(_, c)| c != '\n')
        .nth(column.saturating_sub(1))
        .map_or_else(|| rest.find('\n').unwrap_or(rest.len()), |(i, _)| i);
    (line_start + in_line).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> (Value, Format) {
        let parsed = parse(text, "t.yaml").expect("parses");
        (parsed.value, parsed.format)
    }

    fn parse_err(text: &str) -> String {
        parse(text, "t.yaml").expect_err("must fail").to_string()
    }

    #[test]
    fn sniffs_json_and_yaml_from_content() {
        assert_eq!(parse_ok("{\"a\": 1}").1, Format::Json);
        assert_eq!(parse_ok("\u{feff}  \n{\"a\": 1}").1, Format::Json);
        assert_eq!(parse_ok("a: 1").1, Format::Yaml);
        // Flow-style YAML that is not JSON.
        assert_eq!(parse_ok("{a: 1}").0, serde_json::json!({"a": 1}));
    }

    #[test]
    fn yaml_scalar_keys_become_strings() {
        let (v, _) = parse_ok("responses:\n  200: {description: ok}\n  2XX: x\n  true: y\n");
        let keys: Vec<&String> = v["responses"].as_object().expect("object").keys().collect();
        assert_eq!(keys, ["200", "2XX", "true"]);
    }

    #[test]
    fn yaml_tags_and_merge_keys() {
        let (v, _) = parse_ok("a: !custom {x: 1}\nbase: &b {p: 1, q: 2}\nc:\n  <<: *b\n  q: 3\n");
        assert_eq!(v["a"], serde_json::json!({"x": 1}));
        assert_eq!(v["c"], serde_json::json!({"q": 3, "p": 1}));
    }

    #[test]
    fn json_with_trailing_commas_is_read_as_yaml_with_a_warning() {
        let parsed = parse(
            "{\n  \"paths\": {\n    \"/a\": {\"get\": {}},\n  }\n}\n",
            "t.json",
        )
        .expect("parses");
        assert_eq!(parsed.format, Format::Yaml);
        assert_eq!(
            parsed.warning.as_deref(),
            Some("not valid JSON (line 4, column 3: trailing comma); read as YAML instead")
        );
        assert_eq!(
            parsed
                .lines
                .method_line("/a", crate::model::HttpMethod::Get),
            Some(3)
        );
    }

    #[test]
    fn syntax_errors_name_file_and_line() {
        let msg = parse_err("a: 1\nb: [1, 2\nc: 3\n");
        assert!(
            msg.starts_with("failed to parse spec `t.yaml`: line "),
            "{msg}"
        );
        let msg = parse_err("{\n  \"a\": 1,\n  \"b\": ]\n}");
        assert_eq!(
            msg,
            "failed to parse spec `t.yaml`: line 3, column 8: expected value"
        );
    }

    #[test]
    fn parse_error_carries_a_span_inside_the_text() {
        let text = "{\n  \"a\": 1,\n  \"b\": ]\n}";
        let Err(SpecError::Parse {
            span: Some(span), ..
        }) = parse(text, "t.json")
        else {
            panic!("expected a parse error with a span");
        };
        assert_eq!(&text[span.offset()..=span.offset()], "]");
    }

    #[test]
    fn parse_error_renders_as_a_miette_report() {
        let Err(err) = parse("openapi: 3.0.0\npaths: [1, 2\n", "api.yaml").map(|p| p.value) else {
            panic!("must fail");
        };
        let mut out = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .render_report(&mut out, &err)
            .expect("renders");
        assert!(out.contains("api.yaml"), "{out}");
        assert!(out.contains("paths: [1, 2"), "{out}");
        assert!(out.contains("here"), "{out}");
    }

    #[test]
    fn spans_cover_whole_characters() {
        for text in ["a: [é", "a: [1, 2\n\n\n", "{\"é\": [é", "a: \"é"] {
            let Err(SpecError::Parse {
                span: Some(span),
                src: Some(src),
                ..
            }) = parse(text, "t").map(|p| p.value)
            else {
                panic!("{text:?} must fail with a span");
            };
            let source = src.inner();
            assert!(
                source
                    .get(span.offset()..span.offset() + span.len())
                    .is_some(),
                "{text:?}: {span:?}"
            );
        }
    }

    #[test]
    fn empty_and_whitespace_are_empty() {
        assert_eq!(
            parse_err(""),
            "failed to parse spec `t.yaml`: the file is empty"
        );
        assert_eq!(
            parse_err(" \n\t\n"),
            "failed to parse spec `t.yaml`: the file is empty"
        );
    }

    #[test]
    fn alias_bombs_are_refused_quickly() {
        // Classic billion laughs: nine levels of nine aliases.
        let mut bomb = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let mut prev = 'a';
        for name in 'b'..='i' {
            bomb.push_str(&format!("{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
            prev = name;
        }
        let msg = parse_err(&bomb);
        assert!(msg.contains("too many nodes"), "{msg}");

        // Flat: one big anchor, thousands of aliases.
        let mut flat = String::from("a: &a [");
        flat.extend((0..5000).map(|i| format!("{i},")));
        flat.push_str("0]\nb: [");
        flat.extend((0..5000).map(|_| "*a,"));
        flat.push_str("*a]\n");
        let msg = parse_err(&flat);
        assert!(msg.contains("too many nodes"), "{msg}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow_or_a_hang() {
        let started = std::time::Instant::now();
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(parse_err(&deep).contains("recursion limit"));
        // Refused at the first level too deep, not after reading all 100,000.
        let deep_yaml = "a: 1\nb: ".to_string() + &"[".repeat(100_000) + &"]".repeat(100_000);
        let msg = parse_err(&deep_yaml);
        assert!(
            msg.starts_with("failed to parse spec `t.yaml`: line 2, column ")
                && msg.ends_with("recursion limit exceeded"),
            "{msg}"
        );
        let deep_block = "a:\n".to_string()
            + &(1..2_000)
                .map(|i| format!("{}- \n", " ".repeat(i)))
                .collect::<String>();
        assert!(parse_err(&deep_block).contains("recursion limit"));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    /// Renders like `main` does (graphical, with the snippet).
    fn render(err: &SpecError) -> String {
        let mut out = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .render_report(&mut out, err)
            .expect("renders");
        out
    }

    #[test]
    fn errors_past_column_65535_render_without_a_snippet_and_do_not_panic() {
        let long = "a".repeat(70_000);
        let json = format!("{{\"openapi\": \"3.0.0\", \"x\": \"{long}\", ]}}");
        let yaml = format!("openapi: 3.0.0\nx: {{a: \"{long}\" b}}\n");
        for (text, line) in [(json, 1), (yaml, 2)] {
            let err = parse(&text, "t").expect_err("must fail");
            let SpecError::Parse {
                line: l, column, ..
            } = &err
            else {
                panic!("expected a parse error: {err}");
            };
            assert_eq!(*l, line, "{err}");
            assert!(*column > 70_000, "{err}");
            let msg = err.to_string();
            assert!(
                msg.starts_with(&format!(
                    "failed to parse spec `t`: line {line}, column {column}: "
                )),
                "{msg}"
            );
            let out = render(&err);
            assert!(out.contains(&format!("column {column}")), "{out}");
            assert!(
                out.len() < 2_000,
                "the 70,000-character line is not printed"
            );
        }
        // A long line far from the error keeps the snippet.
        let text = format!("x: \"{long}\"\n\nopenapi: 3.0.0\npaths: [1, 2\n");
        let out = render(&parse(&text, "t").expect_err("must fail"));
        assert!(out.contains("paths: [1, 2"), "{out}");
    }

    #[test]
    fn byte_offset_clamps() {
        assert_eq!(byte_offset("ab\ncd", 2, 2), 4);
        assert_eq!(byte_offset("ab\ncd", 9, 9), 5);
        assert_eq!(byte_offset("ab\ncd", 1, 9), 2);
    }
}
