//! Source lines of operations. Serde gives no spans, so two small single-pass scanners find the
//! line of every `paths → <path> → <method>` key: one for JSON (a key stack over a byte
//! tokenizer), one for block-style YAML (an indentation stack that steps over block scalars,
//! multi-line quoted strings and flow collections). Each runs once over the whole text; the
//! normaliser then looks lines up per operation.
//!
//! Both scanners only run on text that already parsed, but they never assume it: on anything
//! unexpected they just find fewer lines, and the caller falls back to the path's line.

use std::collections::HashMap;

use crate::model::HttpMethod;

use super::parse::Format;

/// Lines of the keys under the top-level `paths` mapping.
#[derive(Debug, Default)]
pub(crate) struct OperationLines {
    paths: HashMap<String, PathLines>,
}

#[derive(Debug, Default)]
struct PathLines {
    /// Line of the path key.
    line: usize,
    /// Line of each method key, indexed like `HttpMethod::ALL`; 0 when not seen.
    methods: [usize; 8],
}

impl OperationLines {
    /// Scans `text` (in the syntax it was parsed as) once.
    pub(crate) fn scan(text: &str, format: Format) -> Self {
        match format {
            Format::Json => scan_json(text),
            Format::Yaml => scan_yaml(text),
        }
    }

    /// Line of the path key `path` under `paths`.
    pub(crate) fn path_line(&self, path: &str) -> Option<usize> {
        self.paths.get(path).map(|p| p.line)
    }

    /// Line of the `method` key under `paths → path`.
    pub(crate) fn method_line(&self, path: &str, method: HttpMethod) -> Option<usize> {
        let index = HttpMethod::ALL.iter().position(|m| *m == method)?;
        let line = self.paths.get(path)?.methods[index];
        (line > 0).then_some(line)
    }

    /// A path key; a repeated key replaces the earlier one, as the parsers do.
    fn record_path(&mut self, path: String, line: usize) {
        self.paths.insert(
            path,
            PathLines {
                line,
                methods: [0; 8],
            },
        );
    }

    fn record_method(&mut self, path: &str, key: &str, line: usize) {
        let Some(index) = HttpMethod::ALL.iter().position(|m| m.key() == key) else {
            return;
        };
        if let Some(lines) = self.paths.get_mut(path) {
            lines.methods[index] = line;
        }
    }
}

/// An open JSON container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// An object; `expect_key` is true after `{` or `,`, false after `:`.
    Object {
        expect_key: bool,
    },
    Array,
}

fn scan_json(text: &str) -> OperationLines {
    let bytes = text.as_bytes();
    let mut out = OperationLines::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut line = 1;
    // Whether the current top-level key is `paths`, and the current path key inside it.
    let mut in_paths = false;
    let mut current_path: Option<String> = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'{' => stack.push(Frame::Object { expect_key: true }),
            b'[' => stack.push(Frame::Array),
            b'}' | b']' => {
                stack.pop();
            }
            b',' | b':' => {
                if let Some(Frame::Object { expect_key }) = stack.last_mut() {
                    *expect_key = bytes[i] == b',';
                }
            }
            b'"' => {
                let start = i;
                let key_line = line;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    match bytes[i] {
                        b'\\' => i += 1,
                        b'\n' => line += 1,
                        _ => {}
                    }
                    i += 1;
                }
                // `start..=i` is the quoted token (both ends are ASCII quotes, so char boundaries).
                if stack.last() == Some(&Frame::Object { expect_key: true }) {
                    let token = text.get(start..=i).unwrap_or("\"\"");
                    let all_objects = stack.iter().all(|f| matches!(f, Frame::Object { .. }));
                    match stack.len() {
                        1 => {
                            in_paths = json_key(token) == "paths";
                            current_path = None;
                        }
                        2 if in_paths && all_objects => {
                            let path = json_key(token);
                            out.record_path(path.clone(), key_line);
                            current_path = Some(path);
                        }
                        3 if in_paths && all_objects => {
                            if let Some(path) = &current_path {
                                out.record_method(path, &json_key(token), key_line);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The text of a quoted JSON key token (escapes decoded when there are any).
fn json_key(token: &str) -> String {
    let inner = token.get(1..token.len().saturating_sub(1)).unwrap_or("");
    if inner.contains('\\') {
        serde_json::from_str(token).unwrap_or_else(|_| inner.to_owned())
    } else {
        inner.to_owned()
    }
}

/// What the YAML scanner is in the middle of, across lines.
#[derive(Debug)]
enum Mode {
    Normal,
    /// A `|` / `>` block scalar: lines indented deeper than `parent` (or blank) are its content.
    BlockScalar {
        parent: usize,
    },
    /// A quoted scalar that did not close on its line.
    Quoted {
        double: bool,
    },
    /// A `[` / `{` flow collection that did not close on its line.
    Flow(FlowState),
}

fn scan_yaml(text: &str) -> OperationLines {
    let mut out = OperationLines::default();
    // Open block nodes: (column, key); `None` for sequence entries and other non-key nodes.
    let mut stack: Vec<(usize, Option<String>)> = Vec::new();
    let mut mode = Mode::Normal;
    for (index, line) in text.lines().enumerate() {
        match &mut mode {
            Mode::Normal => {}
            Mode::BlockScalar { parent } => {
                if line.trim().is_empty() || indentation(line) > *parent {
                    continue;
                }
                mode = Mode::Normal;
            }
            Mode::Quoted { double } => {
                if closing_quote(line, *double).is_some() {
                    mode = Mode::Normal;
                }
                continue;
            }
            Mode::Flow(state) => {
                state.feed(line);
                if state.closed() {
                    mode = Mode::Normal;
                }
                continue;
            }
        }
        match yaml_line(line, index + 1, &mut stack, &mut out) {
            LineEnd::Continue => {}
            LineEnd::Enter(next) => mode = next,
            LineEnd::DocumentEnd => break,
        }
    }
    out
}

enum LineEnd {
    Continue,
    Enter(Mode),
    DocumentEnd,
}

/// Handles one line in normal mode: updates the key stack, records lines, and says whether a
/// multi-line construct starts here.
fn yaml_line(
    line: &str,
    line_no: usize,
    stack: &mut Vec<(usize, Option<String>)>,
    out: &mut OperationLines,
) -> LineEnd {
    let indent = indentation(line);
    let mut rest = &line[indent..];
    let content = rest.trim_start_matches([' ', '\t']);
    if content.is_empty() || content.starts_with('#') {
        return LineEnd::Continue;
    }
    if indent == 0 {
        if is_marker(rest, "---") {
            stack.clear();
            return LineEnd::Continue;
        }
        if is_marker(rest, "...") {
            return LineEnd::DocumentEnd;
        }
        if rest.starts_with('%') {
            return LineEnd::Continue;
        }
    }
    let mut column = indent;
    // Set when the line starts with `- `: the column a bare block scalar entry must exceed.
    let mut entry_column = None;
    while rest == "-" || rest.starts_with("- ") || rest.starts_with("-\t") {
        pop_to(stack, column);
        stack.push((column, None));
        entry_column = Some(column);
        let after = &rest[1..];
        let gap = after.len() - after.trim_start_matches([' ', '\t']).len();
        column += 1 + gap;
        rest = &after[gap..];
    }
    if rest.is_empty() || rest.starts_with('#') {
        return LineEnd::Continue;
    }
    if let Some((key, value)) = yaml_key(rest) {
        pop_to(stack, column);
        stack.push((column, Some(key)));
        record(stack, line_no, out);
        return value_start(value, column);
    }
    // A bare value: only a sequence entry can open a multi-line construct (a plain scalar's
    // continuation line may well start with a quote).
    match entry_column {
        Some(parent) => value_start(rest, parent),
        None => LineEnd::Continue,
    }
}

fn record(stack: &[(usize, Option<String>)], line_no: usize, out: &mut OperationLines) {
    match stack {
        [(_, Some(top)), (_, Some(path))] if top == "paths" => {
            out.record_path(path.clone(), line_no)
        }
        [(_, Some(top)), (_, Some(path)), (_, Some(method))] if top == "paths" => {
            out.record_method(path, method, line_no);
        }
        _ => {}
    }
}

fn pop_to(stack: &mut Vec<(usize, Option<String>)>, column: usize) {
    while stack.last().is_some_and(|(c, _)| *c >= column) {
        stack.pop();
    }
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// `---` or `...` alone or followed by whitespace.
fn is_marker(rest: &str, marker: &str) -> bool {
    rest.strip_prefix(marker)
        .is_some_and(|after| after.is_empty() || after.starts_with([' ', '\t']))
}

/// Parses `key:` at the start of `rest`; returns the key and what follows the colon.
fn yaml_key(rest: &str) -> Option<(String, &str)> {
    let (key, after) = match rest.as_bytes().first()? {
        b'"' => {
            let end = closing_quote(&rest[1..], true)? + 1;
            (unescape_double(&rest[1..end]), &rest[end + 1..])
        }
        b'\'' => {
            let end = closing_quote(&rest[1..], false)? + 1;
            (rest[1..end].replace("''", "'"), &rest[end + 1..])
        }
        // Indicators that cannot start a plain key (flow collections, anchors, tags, comments…).
        b'[' | b'{' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b',' => {
            return None;
        }
        b'?' | b':' if rest.len() == 1 || rest[1..].starts_with([' ', '\t']) => return None,
        _ => {
            let mut prev = ' ';
            let mut chars = rest.char_indices().peekable();
            loop {
                let (i, c) = chars.next()?;
                let next = chars.peek().map(|&(_, n)| n);
                if c == '#' && (prev == ' ' || prev == '\t') {
                    return None;
                }
                if c == ':' && matches!(next, None | Some(' ' | '\t')) {
                    let key = rest[..i].trim_end();
                    return (!key.is_empty()).then(|| (key.to_owned(), &rest[i + 1..]));
                }
                prev = c;
            }
        }
    };
    let after = after.trim_start_matches([' ', '\t']);
    after.strip_prefix(':').map(|value| (key, value))
}

/// Byte index in `text` of the quote that closes a scalar whose opening quote came just before.
fn closing_quote(text: &str, double: bool) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], double) {
            (b'\\', true) => i += 1,
            (b'"', true) => return Some(i),
            (b'\'', false) if bytes.get(i + 1) == Some(&b'\'') => i += 1,
            (b'\'', false) => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Decodes the escapes of a double-quoted YAML scalar (the ones that can appear in keys).
fn unescape_double(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(escape) = chars.next() else { break };
        let hex_len = match escape {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            _ => 0,
        };
        if hex_len > 0 {
            let hex: String = chars.by_ref().take(hex_len).collect();
            match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                Some(decoded) => out.push(decoded),
                None => {
                    out.push('\\');
                    out.push(escape);
                    out.push_str(&hex);
                }
            }
            continue;
        }
        out.push(match escape {
            'n' => '\n',
            't' | '\t' => '\t',
            'r' => '\r',
            '0' => '\0',
            other => other,
        });
    }
    out
}

/// Looks at a value that starts on a key's (or `- `'s) line and says which multi-line construct,
/// if any, it opens. `parent` is the column block-scalar content must be indented beyond.
fn value_start(value: &str, parent: usize) -> LineEnd {
    let mut value = value.trim_start_matches([' ', '\t']);
    // Node properties (`&anchor`, `!tag`) come before the value itself.
    while value.starts_with(['&', '!']) {
        let end = value.find([' ', '\t']).unwrap_or(value.len());
        value = value[end..].trim_start_matches([' ', '\t']);
    }
    let mode = match value.as_bytes().first() {
        Some(b'|' | b'>') => Mode::BlockScalar { parent },
        Some(&quote @ (b'"' | b'\'')) => {
            let double = quote == b'"';
            if closing_quote(&value[1..], double).is_some() {
                return LineEnd::Continue;
            }
            Mode::Quoted { double }
        }
        Some(b'[' | b'{') => {
            let mut state = FlowState::default();
            state.feed(value);
            if state.closed() {
                return LineEnd::Continue;
            }
            Mode::Flow(state)
        }
        _ => return LineEnd::Continue,
    };
    LineEnd::Enter(mode)
}

/// Bracket depth and quoting inside a flow collection, fed line by line.
#[derive(Debug, Default)]
struct FlowState {
    depth: usize,
    /// The open quote character, if inside a quoted scalar.
    quote: Option<u8>,
    opened: bool,
}

impl FlowState {
    fn closed(&self) -> bool {
        self.opened && self.depth == 0
    }

    fn feed(&mut self, line: &str) {
        let bytes = line.as_bytes();
        // The start of a line counts as whitespace (for comments and quote starts).
        let mut prev = b' ';
        let mut i = 0;
        while i < bytes.len() && !self.closed() {
            let b = bytes[i];
            match self.quote {
                Some(b'"') => match b {
                    b'\\' => i += 1,
                    b'"' => self.quote = None,
                    _ => {}
                },
                Some(_) => {
                    if b == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 1;
                        } else {
                            self.quote = None;
                        }
                    }
                }
                None => match b {
                    b'[' | b'{' => {
                        self.depth += 1;
                        self.opened = true;
                    }
                    b']' | b'}' => self.depth = self.depth.saturating_sub(1),
                    // A quote only starts a scalar at a token start; `it's` is plain text.
                    b'"' | b'\'' if matches!(prev, b' ' | b'\t' | b'[' | b'{' | b',' | b':') => {
                        self.quote = Some(b);
                    }
                    b'#' if matches!(prev, b' ' | b'\t') => return,
                    _ => {}
                },
            }
            prev = b;
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use HttpMethod::{Delete, Get, Patch, Post, Put};

    fn lines_of(text: &str, format: Format) -> OperationLines {
        OperationLines::scan(text, format)
    }

    #[test]
    fn json_lines_and_keys_that_look_like_methods() {
        let text = r#"{
  "openapi": "3.0.3",
  "components": {"schemas": {"get": {"properties": {"get": {}}}}},
  "paths": {
    "/a": {
      "parameters": [{"name": "get", "in": "query"}],
      "get": {
        "responses": {"200": {"content": {"application/json": {"schema": {
          "properties": {"post": {"type": "string"}}}}}}}
      },
      "post": {"description": "has \"quotes\" and a \\ and {braces} [ and\" get\": "}, "put":
        {}
    },
    "/b\/c\u0041": {
      "delete": {}
    }
  },
  "x-webhooks": {"/a": {"patch": {}}}
}"#;
        let lines = lines_of(text, Format::Json);
        assert_eq!(lines.path_line("/a"), Some(5));
        assert_eq!(lines.method_line("/a", Get), Some(7));
        assert_eq!(lines.method_line("/a", Post), Some(11));
        assert_eq!(lines.method_line("/a", Put), Some(11));
        assert_eq!(lines.method_line("/b/cA", Delete), Some(15));
        assert_eq!(lines.method_line("/a", Patch), None);
        assert_eq!(lines.path_line("/nope"), None);
    }

    #[test]
    fn json_compact_single_line() {
        let lines = lines_of(r#"{"paths":{"/x":{"get":{}}}}"#, Format::Json);
        assert_eq!(lines.method_line("/x", Get), Some(1));
    }

    #[test]
    fn json_scanner_survives_garbage() {
        for text in [
            "",
            "}}}]]]",
            "\"",
            "{\"paths\": {\"",
            "[{\"paths\": {\"/a\": {\"get\": 1}}}]",
        ] {
            let lines = lines_of(text, Format::Json);
            assert_eq!(lines.method_line("/a", Get), None, "{text}");
        }
    }

    #[test]
    fn yaml_lines_with_tricky_quoting() {
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
  /v1/flow: {get: {}}
  /list:
  - get: {}
x-webhooks:
  /users/{id}:
    patch: {}
";
        let lines = lines_of(text, Format::Yaml);
        assert_eq!(lines.path_line("/fake"), None);
        assert_eq!(lines.path_line("/users/{id}"), Some(15));
        assert_eq!(lines.method_line("/users/{id}", Get), Some(19));
        assert_eq!(lines.method_line("/users/{id}", Post), Some(28));
        assert_eq!(lines.method_line("/users/{id}", Delete), None);
        assert_eq!(lines.method_line("/users/{id}", Patch), None);
        assert_eq!(lines.method_line("/a\"b", Delete), Some(31));
        assert_eq!(lines.method_line("/plain/{x}:y", Put), Some(33));
        // Flow-style path items have no method lines; the caller falls back to the path's.
        assert_eq!(lines.path_line("/v1/flow"), Some(35));
        assert_eq!(lines.method_line("/v1/flow", Get), None);
        assert_eq!(lines.method_line("/list", Get), None);
    }

    #[test]
    fn yaml_indented_documents_markers_and_crlf() {
        let text = "%YAML 1.2\r\n---\r\npaths:\r\n    /a:\r\n        get: {}\r\n...\r\npaths:\r\n  /b:\r\n    get: {}\r\n";
        let lines = lines_of(text, Format::Yaml);
        assert_eq!(lines.method_line("/a", Get), Some(5));
        assert_eq!(lines.path_line("/b"), None);
    }

    #[test]
    fn yaml_block_scalar_in_sequence_and_anchors() {
        let text = "\
paths:
  /a:
    x-list:
    - |
      get: text
    - &anchor \"open
    get: quoted\"
    get: !tag
      summary: s
";
        let lines = lines_of(text, Format::Yaml);
        assert_eq!(lines.method_line("/a", Get), Some(8));
    }

    #[test]
    fn yaml_key_parsing() {
        assert_eq!(yaml_key("a: b"), Some(("a".into(), " b")));
        assert_eq!(yaml_key("a:"), Some(("a".into(), "")));
        assert_eq!(yaml_key("http://x: y"), Some(("http://x".into(), " y")));
        assert_eq!(yaml_key("a # b: c"), None);
        assert_eq!(yaml_key("a#b: c"), Some(("a#b".into(), " c")));
        assert_eq!(yaml_key("'a''b' : c"), Some(("a'b".into(), " c")));
        assert_eq!(
            yaml_key(r#""a\u00e9\x41\"": c"#),
            Some(("aéA\"".into(), " c"))
        );
        assert_eq!(yaml_key("\"open"), None);
        assert_eq!(yaml_key("[a]: b"), None);
        assert_eq!(yaml_key("? a"), None);
        assert_eq!(yaml_key("plain scalar"), None);
    }
}
