//! YAML text → `serde_json::Value` and the line of every `paths → <path> → <method>` key, in one
//! pass over saphyr-parser's events (which carry source positions), for `parse.rs`.
//!
//! Building the value from events rather than through a ready-made loader lets us bound what
//! hostile text can cost:
//!
//! - every node (and long strings) is charged against a budget proportional to the text size,
//!   and an alias is charged the full size of its anchor *before* it is copied, so a small file
//!   of aliases (a "billion laughs") cannot expand to millions of nodes;
//! - nesting is capped: the parser is a state machine (no recursion) and we stop at the first
//!   collection past the cap, so `[[[[…` costs only what precedes it.

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span, Tag};
use serde_json::{Map, Number, Value};

use super::lines::OperationLines;

/// Collections nested deeper than this are refused (serde_json's own recursion limit, and
/// yaml_serde's before us: no real spec comes close).
pub(crate) const MAX_DEPTH: usize = 128;
/// Extra nodes allowed on top of one per byte: room for modest, legitimate alias use.
const EXTRA_NODE_BUDGET: usize = 100_000;
/// A string costs one node per this many bytes (on top of its own node).
const BYTES_PER_NODE: usize = 16;
const BUDGET_MESSAGE: &str = "document expands to too many nodes (a YAML alias bomb?)";

/// A parsed YAML document.
#[derive(Debug)]
pub(crate) struct YamlDoc {
    pub(crate) value: Value,
    pub(crate) lines: OperationLines,
}

/// Why YAML text was refused, and where (1-based line and column; column 0 when only the line
/// is meaningful).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct YamlError {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) message: String,
}

impl YamlError {
    fn at(mark: Marker, message: impl Into<String>) -> Self {
        Self {
            line: mark.line(),
            column: mark.col() + 1,
            message: message.into(),
        }
    }
}

impl From<ScanError> for YamlError {
    fn from(err: ScanError) -> Self {
        Self::at(*err.marker(), err.info())
    }
}

/// Parses one YAML document (an empty stream is `null`).
pub(crate) fn parse_yaml(text: &str) -> Result<YamlDoc, YamlError> {
    check_characters(text)?;
    let mut builder = Builder {
        budget: text.len().saturating_add(EXTRA_NODE_BUDGET),
        spent: 0,
        stack: Vec::new(),
        anchors: HashMap::new(),
        lines: OperationLines::default(),
        root: None,
    };
    let mut documents = 0;
    for event in Parser::new_from_str(text) {
        let (event, span) = event?;
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(YamlError::at(
                        span.start,
                        "the file holds more than one YAML document",
                    ));
                }
            }
            Event::StreamEnd => break,
            other => builder.event(other, span)?,
        }
    }
    Ok(YamlDoc {
        value: builder.root.unwrap_or(Value::Null),
        lines: builder.lines,
    })
}

/// YAML allows only printable characters (and tab and line breaks); the parser does not check.
fn check_characters(text: &str) -> Result<(), YamlError> {
    let printable = |c: char| matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..);
    let Some(at) = text.find(|c| !printable(c)) else {
        return Ok(());
    };
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Err(YamlError {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
        message: "control characters are not allowed".to_owned(),
    })
}

/// An open collection.
enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        /// `Builder::spent` when it opened: its cost, should an alias copy it.
        spent_before: usize,
    },
    Map {
        object: Map<String, Value>,
        /// The line of each key in `object`, in insertion order (for duplicate-key errors).
        key_lines: Vec<usize>,
        /// The key whose value comes next, with its line.
        key: Option<(String, usize)>,
        /// Values of merge keys (`<<: *base`), applied when the mapping ends.
        merged: Vec<Value>,
        anchor: usize,
        spent_before: usize,
        start: Marker,
    },
}

struct Builder {
    budget: usize,
    spent: usize,
    stack: Vec<Frame>,
    /// Anchored nodes and what they cost to build.
    anchors: HashMap<usize, (Value, usize)>,
    lines: OperationLines,
    root: Option<Value>,
}

/// The key awaiting its value in a mapping frame.
fn key_of(frame: &Frame) -> Option<&str> {
    match frame {
        Frame::Map {
            key: Some((k, _)), ..
        } => Some(k),
        _ => None,
    }
}

impl Builder {
    fn spend(&mut self, cost: usize, mark: Marker) -> Result<(), YamlError> {
        self.spent = self.spent.saturating_add(cost);
        if self.spent > self.budget {
            return Err(YamlError::at(mark, BUDGET_MESSAGE));
        }
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let spent_before = self.spent;
                self.spend(1 + text.len() / BYTES_PER_NODE, span.start)?;
                if self.awaits_key() {
                    // Keys stay text as written (`200:`, `true:`): OpenAPI keys are strings.
                    // Copied, not moved: the parser's buffer has slack (+8% peak RSS on Stripe).
                    return self.key(text.as_ref().to_owned(), anchor, spent_before, span);
                }
                let value = scalar(&text, style, tag.as_deref());
                self.complete(value, anchor, spent_before, span)
            }
            Event::Alias(id) => {
                let Some((value, cost)) = self.anchors.get(&id) else {
                    return Err(YamlError::at(span.start, "alias to an unknown anchor"));
                };
                let (value, cost) = (value.clone(), *cost);
                let spent_before = self.spent;
                // Charge the whole copy before making it.
                self.spend(cost, span.start)?;
                if self.awaits_key() {
                    return match value {
                        Value::String(key) => self.key(key, 0, spent_before, span),
                        _ => Err(YamlError::at(span.start, "mapping keys must be scalars")),
                    };
                }
                self.complete(value, 0, spent_before, span)
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.awaits_key() {
                    return Err(YamlError::at(span.start, "mapping keys must be scalars"));
                }
                if self.stack.len() >= MAX_DEPTH {
                    return Err(YamlError::at(
                        span.start,
                        format!(
                            "collections nested more than {MAX_DEPTH} deep (recursion limit exceeded)"
                        ),
                    ));
                }
                let spent_before = self.spent;
                self.spend(1, span.start)?;
                self.stack
                    .push(if matches!(event, Event::SequenceStart(..)) {
                        Frame::Seq {
                            items: Vec::new(),
                            anchor,
                            spent_before,
                        }
                    } else {
                        Frame::Map {
                            object: Map::new(),
                            key_lines: Vec::new(),
                            key: None,
                            merged: Vec::new(),
                            anchor,
                            spent_before,
                            start: span.start,
                        }
                    });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Seq {
                    items,
                    anchor,
                    spent_before,
                }) => self.complete(
                    Value::Array(super::compact::shrink_items(items)),
                    anchor,
                    spent_before,
                    span,
                ),
                Some(Frame::Map {
                    object,
                    merged,
                    anchor,
                    spent_before,
                    ..
                }) => {
                    let object = apply_merges(object, merged)
                        .map(super::compact::shrink_object)
                        .map_err(|message| YamlError::at(span.start, message))?;
                    self.complete(Value::Object(object), anchor, spent_before, span)
                }
                None => Ok(()),
            },
            Event::Nothing | Event::StreamStart | Event::StreamEnd => Ok(()),
            Event::DocumentStart(_) | Event::DocumentEnd => Ok(()),
        }
    }

    /// Whether the next node is a mapping key.
    fn awaits_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    /// Keeps an anchored node with what it cost, so an alias is charged the same before it
    /// is copied.
    fn remember(&mut self, anchor: usize, value: impl FnOnce() -> Value, spent_before: usize) {
        if anchor != 0 {
            let cost = self.spent - spent_before;
            self.anchors.insert(anchor, (value(), cost));
        }
    }

    /// A mapping key: refuses repeats and records operation lines.
    fn key(
        &mut self,
        key: String,
        anchor: usize,
        spent_before: usize,
        span: Span,
    ) -> Result<(), YamlError> {
        self.remember(anchor, || Value::String(key.clone()), spent_before);
        let line = span.start.line();
        let depth = self.stack.len();
        let Some(Frame::Map {
            object,
            key_lines,
            key: slot,
            merged,
            start,
            ..
        }) = self.stack.last_mut()
        else {
            return Ok(());
        };
        let first = if key == "<<" {
            // Only a second merge key is a repeat; where the first was is not kept.
            (!merged.is_empty()).then_some(0)
        } else if object.contains_key(&key) {
            // A hash lookup first: a scan of every key per key is quadratic in `paths`.
            object
                .keys()
                .position(|k| *k == key)
                .map(|i| key_lines.get(i).copied().unwrap_or(0))
        } else {
            None
        };
        if let Some(first) = first {
            return Err(if first != 0 && first != line {
                YamlError {
                    line,
                    column: 0,
                    message: format!(
                        "duplicate key `{key}` (first on line {first}, again on line {line})"
                    ),
                }
            } else {
                // Both on one line (a flow mapping): point at the mapping.
                YamlError::at(
                    *start,
                    format!("duplicate key `{key}` in the mapping that starts here"),
                )
            });
        }
        *slot = Some((key, line));
        self.record_line(depth, line);
        Ok(())
    }

    /// Records the line of the key just set if it is a path under the root's `paths`, or a
    /// method under one.
    fn record_line(&mut self, depth: usize, line: usize) {
        match (depth, &self.stack[..]) {
            (2, [root, paths]) if key_of(root) == Some("paths") => {
                if let Some(path) = key_of(paths) {
                    self.lines.record_path(path.to_owned(), line);
                }
            }
            (3, [root, paths, item]) if key_of(root) == Some("paths") => {
                if let (Some(path), Some(method)) = (key_of(paths), key_of(item)) {
                    self.lines.record_method(path, method, line);
                }
            }
            _ => {}
        }
    }

    /// A finished node: remembered if anchored, then added to its parent.
    fn complete(
        &mut self,
        value: Value,
        anchor: usize,
        spent_before: usize,
        span: Span,
    ) -> Result<(), YamlError> {
        self.remember(anchor, || value.clone(), spent_before);
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map {
                object,
                key_lines,
                key,
                merged,
                ..
            }) => match key.take() {
                Some((k, _)) if k == "<<" => merged.push(value),
                Some((k, line)) => {
                    object.insert(k, value);
                    key_lines.push(line);
                }
                None => {
                    return Err(YamlError::at(span.start, "mapping keys must be scalars"));
                }
            },
        }
        Ok(())
    }
}

/// YAML merge keys: explicit keys win, earlier merged mappings win over later ones.
fn apply_merges(
    mut object: Map<String, Value>,
    merged: Vec<Value>,
) -> Result<Map<String, Value>, &'static str> {
    for value in merged {
        let sources = match value {
            Value::Array(items) => items,
            other => vec![other],
        };
        for source in sources {
            let Value::Object(entries) = source else {
                return Err("merge key `<<` needs a mapping or a list of mappings");
            };
            for (k, v) in entries {
                object.entry(k).or_insert(v);
            }
        }
    }
    Ok(object)
}

/// A scalar's value under the YAML 1.2 core schema: quoted and block scalars are strings, plain
/// ones may be null, booleans or numbers. Core tags (`!!str 1`) are honoured, others ignored.
fn scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    let core = tag
        .filter(|t| t.is_yaml_core_schema())
        .map(|t| t.suffix.as_str());
    match core {
        Some("str") => return Value::String(text.to_owned()),
        Some("null" | "bool" | "int" | "float") => {
            return plain(text).unwrap_or_else(|| Value::String(text.to_owned()));
        }
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Value::String(text.to_owned());
    }
    plain(text).unwrap_or_else(|| Value::String(text.to_owned()))
}

/// The non-string value a plain scalar stands for, if any.
fn plain(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        // NaN and infinities have no JSON form.
        ".nan" | ".NaN" | ".NAN" => return Some(Value::Null),
        _ => {}
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        return Some(Value::Null);
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return u64::from_str_radix(hex, 16).ok().map(Value::from);
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return u64::from_str_radix(octal, 8).ok().map(Value::from);
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(unsigned) {
        if let Ok(n) = text.parse::<i64>() {
            return Some(Value::from(n));
        }
        if let Ok(n) = text.parse::<u64>() {
            return Some(Value::from(n));
        }
    }
    // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let mantissa_ok = match fraction {
        Some(f) => {
            (digits(whole) && (f.is_empty() || digits(f))) || (whole.is_empty() && digits(f))
        }
        None => digits(whole),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    if mantissa_ok && exponent_ok {
        let number = text.parse::<f64>().ok()?;
        return Some(Number::from_f64(number).map_or(Value::Null, Value::Number));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HttpMethod::{Delete, Get, Patch, Post, Put};

    fn lines_of(text: &str) -> OperationLines {
        parse_yaml(text).expect("parses").lines
    }

    #[test]
    fn lines_with_tricky_quoting() {
        let text = "\
openapi: 3.0.3
info:
  title: x
  description: |
    paths:
      /fake:
        get: not a key
components:
  schemas:
    get:
      properties:
        get: {type: string}
paths:
  # a comment
  '/users/{id}':
    parameters:
    - name: get
      in: path
    get:   # trailing comment
      summary: \"multi-line
        get: still inside the string\"
      description: >-
        post: inside a folded scalar

        delete: too
      tags: [a,
        'b''s', \"c]\"]
    'post':
      responses: {}
  \"/a\\\"b\":
    \"delete\" : {}
  /plain/{x}:y:
    put:
      x: 'it''s'
  /v1/flow: {get: {},
    post: {}}
  /list:
  - get: {}
x-webhooks:
  /users/{id}:
    patch: {}
";
        let lines = lines_of(text);
        assert_eq!(lines.path_line("/fake"), None);
        assert_eq!(lines.path_line("/users/{id}"), Some(15));
        assert_eq!(lines.method_line("/users/{id}", Get), Some(19));
        assert_eq!(lines.method_line("/users/{id}", Post), Some(28));
        assert_eq!(lines.method_line("/users/{id}", Delete), None);
        assert_eq!(lines.method_line("/users/{id}", Patch), None);
        assert_eq!(lines.method_line("/a\"b", Delete), Some(31));
        assert_eq!(lines.method_line("/plain/{x}:y", Put), Some(33));
        // Flow-style path items have their lines too.
        assert_eq!(lines.path_line("/v1/flow"), Some(35));
        assert_eq!(lines.method_line("/v1/flow", Get), Some(35));
        assert_eq!(lines.method_line("/v1/flow", Post), Some(36));
        assert_eq!(lines.method_line("/list", Get), None);
    }

    #[test]
    fn documents_markers_and_line_breaks() {
        let text = "%YAML 1.2\r\n---\r\npaths:\r\n    /a:\r\n        get: {}\r\n...\r\n";
        assert_eq!(lines_of(text).method_line("/a", Get), Some(5));
        let text = "paths:\r  /a:\r    get: {}\r    post: {}\n";
        assert_eq!(lines_of(text).method_line("/a", Post), Some(4));
        let err = parse_yaml("a: 1\n---\nb: 2\n").expect_err("two documents");
        assert_eq!(err.line, 2);
        assert!(err.message.contains("more than one"), "{err:?}");
    }

    #[test]
    fn plain_scalars_follow_the_core_schema() {
        let doc = "[~, null, '', true, False, 1, -2, +3, 0x1f, 0o17, 1.5, -.5, 1e3, .inf, .nan, \
                   18446744073709551615, 1_000, 0x, yes, '1', !!str 2, !!int 3, 01]";
        let value = parse_yaml(doc).expect("parses").value;
        assert_eq!(
            value,
            serde_json::json!([
                null,
                null,
                "",
                true,
                false,
                1,
                -2,
                3,
                31,
                15,
                1.5,
                -0.5,
                1000.0,
                null,
                null,
                18_446_744_073_709_551_615_u64,
                "1_000",
                "0x",
                "yes",
                "1",
                "2",
                3,
                1
            ])
        );
    }

    #[test]
    fn aliases_are_charged_before_they_are_copied() {
        let mut flat = String::from("a: &a [");
        flat.extend((0..5000).map(|i| format!("{i},")));
        flat.push_str("0]\nb: [");
        flat.extend((0..5000).map(|_| "*a,"));
        flat.push_str("*a]\n");
        let err = parse_yaml(&flat).expect_err("bomb");
        assert_eq!(err.message, BUDGET_MESSAGE);
        assert_eq!(err.line, 2);
        // A few aliases are fine, and keep their values.
        let value = parse_yaml("a: &x {p: 1}\nb: *x\nc: [*x]\n")
            .expect("parses")
            .value;
        assert_eq!(value["c"][0], serde_json::json!({"p": 1}));
    }

    #[test]
    fn nesting_is_capped_at_the_first_collection_too_deep() {
        let ok = format!(
            "a: {}{}\n",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(parse_yaml(&ok).is_ok());
        let deep = format!("a: {}{}\n", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        let err = parse_yaml(&deep).expect_err("too deep");
        assert_eq!((err.line, err.column), (1, 3 + MAX_DEPTH));
    }

    #[test]
    fn keys_must_be_scalars_and_controls_are_refused() {
        assert!(
            parse_yaml("[a]: 1\n")
                .expect_err("complex key")
                .message
                .contains("keys must be scalars")
        );
        let err = parse_yaml("a: 1\nb: x\u{7}\n").expect_err("control");
        assert_eq!((err.line, err.column), (2, 5));
    }

    /// yaml_serde (still used for our own config files) is the oracle: both must read real
    /// specs to the same value.
    #[test]
    fn agrees_with_yaml_serde_on_real_specs() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts = Vec::new();
        // The repository's own gzip copy (tests/data): the suite needs nothing beside it.
        let gz = root.join("tests/data/specs/stripe-spec3-2023-09-12.yaml.gz");
        let mut stripe = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(std::fs::File::open(&gz).expect("stripe copy")),
            &mut stripe,
        )
        .expect("gunzip");
        texts.push((gz, stripe));
        let mut files = vec![root.join("fixtures/demo/openapi.yaml")];
        for name in [
            "petstore-3.0.yaml",
            "petstore-3.1.yaml",
            "partial.yaml",
            "self-ref.yaml",
        ] {
            files.push(root.join("fixtures/specs").join(name));
        }
        for file in files {
            let text = std::fs::read_to_string(&file).expect("readable spec");
            texts.push((file, text));
        }
        for (file, text) in texts {
            let ours = parse_yaml(&text).expect("parses").value;
            let theirs: Value = yaml_serde::from_str(&text).expect("yaml_serde parses");
            assert!(ours == theirs, "{} differs", file.display());
        }
    }
}
