//! One pass over block-style YAML text, before it is parsed:
//!
//! - the line of every `paths → <path> → <method>` key, from an indentation stack of keys that
//!   steps over block scalars, plain multi-line scalars, multi-line quoted strings and flow
//!   collections (whose insides can look like keys: `description: |` followed by `get: x`);
//! - the deepest flow-collection nesting (`[[[…`), found with libyaml's own flow tokenizing
//!   rules. libyaml-rs rescans its stack of open flow levels for every token, so deep flow
//!   nesting costs quadratic time (100,000 levels ≈ 40 s); the parser refuses such text up
//!   front, as it could never be deserialised anyway (yaml_serde stops at 128 levels).
//!
//! Flow-style paths (`/a: {get: {}}`) get no method lines; the normaliser falls back to the
//! path's line.

use super::lines::OperationLines;

/// Flow nesting beyond this is refused before parsing (yaml_serde gives up at 128 anyway; the
/// margin absorbs any over-counting of ours).
pub(crate) const MAX_FLOW_DEPTH: usize = 200;

/// What the scan found.
#[derive(Debug, Default)]
pub(crate) struct YamlScan {
    pub(crate) lines: OperationLines,
    /// Deepest flow nesting seen.
    pub(crate) max_flow_depth: usize,
    /// The first line where the nesting went beyond `MAX_FLOW_DEPTH`.
    pub(crate) too_deep_line: Option<usize>,
}

impl YamlScan {
    fn saw_depth(&mut self, depth: usize, line: usize) {
        self.max_flow_depth = self.max_flow_depth.max(depth);
        if depth > MAX_FLOW_DEPTH && self.too_deep_line.is_none() {
            self.too_deep_line = Some(line);
        }
    }
}

/// What the scanner is in the middle of, across lines.
#[derive(Debug)]
enum Mode {
    Normal,
    /// A block scalar's content or a plain scalar's continuation: blank lines and lines
    /// indented deeper than `parent` (-1 at the document root, where everything is deeper).
    Skip {
        parent: isize,
    },
    /// A quoted scalar that did not close on its line.
    Quoted {
        double: bool,
    },
    /// A flow collection that did not close on its line; `column` is where it started (its
    /// block indentation, should it turn out to be a key).
    Flow {
        state: FlowState,
        column: isize,
    },
}

/// Scans `text` once; never fails (unexpected shapes just yield fewer lines).
pub(crate) fn scan_yaml(text: &str) -> YamlScan {
    let mut scan = YamlScan::default();
    // Open block nodes: (column, key); `None` for sequence entries and other non-key nodes.
    let mut stack: Vec<(usize, Option<String>)> = Vec::new();
    let mut mode = Mode::Normal;
    for (index, line) in split_lines(text).enumerate() {
        let line_no = index + 1;
        match &mut mode {
            Mode::Normal => {}
            Mode::Skip { parent } => {
                if line.trim().is_empty() || as_column(indentation(line)) > *parent {
                    continue;
                }
                // This line ends the scalar; it is read normally below.
            }
            Mode::Quoted { double } => {
                if closing_quote(line, *double).is_some() {
                    mode = Mode::Normal;
                }
                continue;
            }
            Mode::Flow { state, column } => {
                let column = *column;
                if let Some(end) = state.feed(line, line_no, &mut scan) {
                    mode = after_flow(&line[end..], column, line_no, &mut scan);
                }
                continue;
            }
        }
        mode = yaml_line(line, line_no, &mut stack, &mut scan);
    }
    scan
}

/// Splits at every YAML line break (`\n`, `\r\n`, `\r`, NEL, LS, PS), as libyaml does; a lone
/// `\r` must not hide a line from us.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match current
            .char_indices()
            .find(|&(_, c)| matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}'))
        {
            None => {
                rest = None;
                (!current.is_empty()).then_some(current)
            }
            Some((i, c)) => {
                let mut next = i + c.len_utf8();
                if c == '\r' && current[next..].starts_with('\n') {
                    next += 1;
                }
                rest = Some(&current[next..]);
                Some(&current[..i])
            }
        }
    })
}

fn as_column(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

/// Handles one line in normal mode: updates the key stack, records lines, and returns the mode
/// for the following lines.
fn yaml_line(
    line: &str,
    line_no: usize,
    stack: &mut Vec<(usize, Option<String>)>,
    scan: &mut YamlScan,
) -> Mode {
    let indent = indentation(line);
    let mut rest = &line[indent..];
    let content = rest.trim_start_matches([' ', '\t']);
    if content.is_empty() || content.starts_with('#') {
        return Mode::Normal;
    }
    if indent == 0 {
        if let Some(after) = after_marker(rest, "---") {
            stack.clear();
            // `--- value` starts the root node on the marker's line.
            return value_start(after, -1, 4, line_no, scan);
        }
        if after_marker(rest, "...").is_some() {
            stack.clear();
            return Mode::Normal;
        }
        if rest.starts_with('%') {
            return Mode::Normal;
        }
    }
    let mut column = indent;
    // The column of the last `- ` / `? ` / `: ` indicator: the block a bare value belongs to.
    let mut indicator = None;
    while let Some(after) = after_indicator(rest) {
        pop_to(stack, column);
        stack.push((column, None));
        indicator = Some(as_column(column));
        let gap = after.len() - after.trim_start_matches([' ', '\t']).len();
        column += rest.len() - after.len() + gap;
        rest = &after[gap..];
    }
    if rest.is_empty() || rest.starts_with('#') {
        return Mode::Normal;
    }
    if let Some((key, value)) = yaml_key(rest) {
        pop_to(stack, column);
        stack.push((column, Some(key)));
        record(stack, line_no, &mut scan.lines);
        let value_column = column + rest.len() - value.len();
        return value_start(value, as_column(column), value_column, line_no, scan);
    }
    let parent = indicator.unwrap_or_else(|| {
        pop_to(stack, column);
        stack.last().map_or(-1, |(c, _)| as_column(*c))
    });
    value_start(rest, parent, column, line_no, scan)
}

/// A node that starts at `value` (after a key's colon, an indicator, or alone on its line).
/// `parent` is the indentation of the block it belongs to; `column` where `value` starts.
fn value_start(
    value: &str,
    parent: isize,
    column: usize,
    line_no: usize,
    scan: &mut YamlScan,
) -> Mode {
    let trimmed = value.trim_start_matches([' ', '\t']);
    let mut column = column + value.len() - trimmed.len();
    let mut value = trimmed;
    // Node properties (`&anchor`, `!tag`) come before the node itself.
    while value.starts_with(['&', '!']) {
        let end = value.find([' ', '\t']).unwrap_or(value.len());
        let after = value[end..].trim_start_matches([' ', '\t']);
        column += value.len() - after.len();
        value = after;
    }
    match value.as_bytes().first() {
        None | Some(b'#' | b'*') => Mode::Normal,
        Some(b'|' | b'>') => Mode::Skip { parent },
        Some(&quote @ (b'"' | b'\'')) => {
            let double = quote == b'"';
            match closing_quote(&value[1..], double) {
                Some(_) => Mode::Normal,
                None => Mode::Quoted { double },
            }
        }
        Some(b'[' | b'{') => {
            let mut state = FlowState::default();
            let column = as_column(column);
            match state.feed(value, line_no, scan) {
                Some(end) => after_flow(&value[end..], column, line_no, scan),
                None => Mode::Flow { state, column },
            }
        }
        // A plain scalar; more-indented lines that follow continue it.
        Some(_) => Mode::Skip { parent },
    }
}

/// After a flow collection closed: it may have been a key (`[a, b]: value`).
fn after_flow(rest: &str, column: isize, line_no: usize, scan: &mut YamlScan) -> Mode {
    let rest = rest.trim_start_matches([' ', '\t']);
    match after_indicator(rest).filter(|_| rest.starts_with(':')) {
        Some(value) => value_start(value, column, 0, line_no, scan),
        None => Mode::Normal,
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

/// The lines (1-based) of the first two `key:` entries of the block mapping whose first key
/// is at `line`, `column` (1-based, where the parser places the mapping). The mapping ends at
/// the first line indented less. `None` for flow mappings and anything unusual.
pub(crate) fn repeated_key_lines(
    text: &str,
    key: &str,
    line: usize,
    column: usize,
) -> Option<(usize, usize)> {
    let column = column.checked_sub(1)?;
    let mut found = Vec::with_capacity(2);
    for (i, l) in split_lines(text).enumerate().skip(line.checked_sub(1)?) {
        let rest = if i + 1 == line {
            // The first key may follow a sequence dash (`- name: x`) on its line.
            let start = l.char_indices().nth(column).map(|(b, _)| b)?;
            &l[start..]
        } else {
            let trimmed = l.trim_start_matches(' ');
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            match indentation(l) {
                indent if indent < column => break,
                indent if indent > column => continue,
                _ => trimmed,
            }
        };
        if yaml_key(rest).is_some_and(|(k, _)| k == key) {
            found.push(i + 1);
            if let [first, second] = found[..] {
                return Some((first, second));
            }
        }
    }
    None
}

fn pop_to(stack: &mut Vec<(usize, Option<String>)>, column: usize) {
    while stack.last().is_some_and(|(c, _)| *c >= column) {
        stack.pop();
    }
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// What follows `marker` (`---`, `...`) if `rest` starts with it and a blank or the line end.
fn after_marker<'t>(rest: &'t str, marker: &str) -> Option<&'t str> {
    rest.strip_prefix(marker)
        .filter(|after| after.is_empty() || after.starts_with([' ', '\t']))
}

/// What follows a block indicator (`-`, `?`, `:`) followed by a blank or the line end.
fn after_indicator(rest: &str) -> Option<&str> {
    let after = rest.strip_prefix(['-', '?', ':'])?;
    (after.is_empty() || after.starts_with([' ', '\t'])).then_some(after)
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
            't' => '\t',
            'r' => '\r',
            '0' => '\0',
            other => other,
        });
    }
    out
}

/// Inside a flow collection, fed line by line with libyaml's flow tokenizing rules.
#[derive(Debug, Default)]
struct FlowState {
    depth: usize,
    quote: Option<Quote>,
    /// Inside a plain scalar (where quotes are text and `#` needs a blank before it).
    plain: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    Single,
    Double,
}

impl FlowState {
    /// Consumes `line`; returns the byte index just past the bracket that closed the outermost
    /// collection, if it closed on this line.
    fn feed(&mut self, line: &str, line_no: usize, scan: &mut YamlScan) -> Option<usize> {
        let bytes = line.as_bytes();
        let blank = |i: usize| bytes.get(i).is_none_or(|b| matches!(b, b' ' | b'\t'));
        let mut i = 0;
        // A line break inside a plain scalar is a blank: a `#` right after it is a comment.
        if self.plain {
            i = line.len() - line.trim_start_matches([' ', '\t']).len();
            if bytes.get(i) == Some(&b'#') {
                self.plain = false;
                return None;
            }
        }
        while i < bytes.len() {
            let c = bytes[i];
            match self.quote {
                Some(Quote::Double) => {
                    match c {
                        b'\\' => i += 1,
                        b'"' => self.quote = None,
                        _ => {}
                    }
                    i += 1;
                    continue;
                }
                Some(Quote::Single) => {
                    if c == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 1;
                        } else {
                            self.quote = None;
                        }
                    }
                    i += 1;
                    continue;
                }
                None => {}
            }
            if self.plain {
                match c {
                    // A value indicator ends the scalar (libyaml rejects `:` before `,[]{}?`,
                    // which ends it too).
                    b':' if blank(i + 1)
                        || matches!(
                            bytes.get(i + 1),
                            Some(b',' | b'?' | b'[' | b']' | b'{' | b'}')
                        ) =>
                    {
                        self.plain = false;
                        i += 1;
                    }
                    b',' | b'[' | b']' | b'{' | b'}' => self.plain = false,
                    b' ' | b'\t' => {
                        while i < bytes.len() && blank(i) {
                            i += 1;
                        }
                        if bytes.get(i) == Some(&b'#') {
                            self.plain = false;
                            return None;
                        }
                    }
                    _ => i += 1,
                }
                continue;
            }
            // At the start of a token.
            match c {
                b'#' => return None,
                b'[' | b'{' => {
                    self.depth += 1;
                    scan.saw_depth(self.depth, line_no);
                }
                b']' | b'}' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return Some(i + 1);
                    }
                }
                b'"' => self.quote = Some(Quote::Double),
                b'\'' => self.quote = Some(Quote::Single),
                b'*' | b'&' => {
                    while bytes
                        .get(i + 1)
                        .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
                    {
                        i += 1;
                    }
                }
                b'!' => {
                    while bytes.get(i + 1).is_some_and(|b| {
                        !matches!(b, b' ' | b'\t' | b',' | b'[' | b']' | b'{' | b'}')
                    }) {
                        i += 1;
                    }
                }
                // Blanks, `,`, and `?` / `:` (indicators in flow context), `- `.
                b' ' | b'\t' | b',' | b'?' | b':' => {}
                b'-' if blank(i + 1) => {}
                _ => self.plain = true,
            }
            i += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HttpMethod::{Delete, Get, Patch, Post, Put};

    fn lines_of(text: &str) -> OperationLines {
        scan_yaml(text).lines
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
  /v1/flow: {get: {}}
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
        // Flow-style path items have no method lines; the caller falls back to the path's.
        assert_eq!(lines.path_line("/v1/flow"), Some(35));
        assert_eq!(lines.method_line("/v1/flow", Get), None);
        assert_eq!(lines.method_line("/list", Get), None);
    }

    #[test]
    fn plain_multi_line_scalars_are_skipped() {
        let text = "\
paths:
  /a:
    get:
      description: a long
        text - that goes on
        [and on
    put: {}
    delete:
      - just
        text
";
        let lines = lines_of(text);
        assert_eq!(lines.method_line("/a", Get), Some(3));
        assert_eq!(lines.method_line("/a", Put), Some(7));
        assert_eq!(lines.method_line("/a", Delete), Some(8));
        assert_eq!(scan_yaml(text).max_flow_depth, 1);
    }

    #[test]
    fn indented_documents_markers_and_line_breaks() {
        let text = "%YAML 1.2\r\n---\r\npaths:\r\n    /a:\r\n        get: {}\r\n...\r\n";
        assert_eq!(lines_of(text).method_line("/a", Get), Some(5));
        let text = "paths:\r  /a:\r    get: {}\r    post: {}\n";
        assert_eq!(lines_of(text).method_line("/a", Post), Some(4));
        assert_eq!(
            split_lines("a\r\nb\rc\u{2028}d\n\ne").collect::<Vec<_>>(),
            ["a", "b", "c", "d", "", "e"]
        );
    }

    #[test]
    fn block_scalar_in_sequence_and_anchors() {
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
        assert_eq!(lines_of(text).method_line("/a", Get), Some(8));
    }

    #[test]
    fn key_parsing() {
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
        assert_eq!(yaml_key("plain scalar"), None);
    }

    #[test]
    fn flow_depth_follows_libyaml_tokens() {
        let depth = |text: &str| scan_yaml(text).max_flow_depth;
        assert_eq!(depth("a: [[1], {b: [2]}]\n"), 3);
        let deep = format!("a: 1\nb: {}{}\n", "[".repeat(300), "]".repeat(300));
        assert_eq!(depth(&deep), 300);
        assert_eq!(scan_yaml(&deep).too_deep_line, Some(2));
        // Brackets inside quotes do not count; quotes inside plain scalars are text, so they
        // cannot hide brackets (and `[` ends a plain scalar in flow context: `x[[` opens two).
        assert_eq!(depth("a: [\"[[[\", '[[''[', x'y, [y]]\n"), 2);
        assert_eq!(depth("a: [it's [ [ [\n  x]]]]\n"), 4);
        assert_eq!(depth("a: [x[[y]]]\n"), 3);
        assert_eq!(depth("a: [b # [[[\n  , c]\n"), 1);
        assert_eq!(depth("description: |\n  [[[[[[[[\nb: x\n"), 0);
        assert_eq!(depth("description: \"[[[[\n  [[[[\"\n"), 0);
        // Root-level flow (JSON-like text), spread over lines, and after a document marker.
        assert_eq!(depth("[\n[\n[\n1]]]\n"), 3);
        assert_eq!(depth("--- [[[x]]]\n"), 3);
        assert_eq!(depth("key:\n  [[[x]]]\n"), 3);
        assert_eq!(depth("- [[x]]\n- {a: [[[y]]]}\n"), 4);
        assert_eq!(depth("? [a]\n: [[b]]\n"), 2);
        // A lone CR is a line break for libyaml, so it must not hide a flow start.
        assert_eq!(depth("a: 1\rb: [[[[x]]]]\n"), 4);
    }
}
