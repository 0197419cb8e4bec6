//! Source lines of operations. serde_json gives no spans, so a small single-pass scanner finds
//! the line of every `paths → <path> → <method>` key of a JSON text (a container stack over a
//! byte tokenizer); YAML lines come from the parser's own positions (`yaml.rs`). The normaliser
//! then looks lines up per operation.
//!
//! The JSON scanner runs on text that already parsed, but never assumes it: on anything
//! unexpected it just finds fewer lines, and the caller falls back to the path's line.

use std::collections::HashMap;

use crate::model::HttpMethod;

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
    methods: [usize; HttpMethod::ALL.len()],
}

impl OperationLines {
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
    pub(crate) fn record_path(&mut self, path: String, line: usize) {
        self.paths.insert(
            path,
            PathLines {
                line,
                methods: [0; HttpMethod::ALL.len()],
            },
        );
    }

    pub(crate) fn record_method(&mut self, path: &str, key: &str, line: usize) {
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

/// Finds the lines of a JSON text in one pass.
pub(crate) fn scan_json(text: &str) -> OperationLines {
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

#[cfg(test)]
mod tests {
    use super::*;

    use HttpMethod::{Delete, Get, Patch, Post, Put};

    fn lines_of(text: &str) -> OperationLines {
        scan_json(text)
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
        let lines = lines_of(text);
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
        let lines = lines_of(r#"{"paths":{"/x":{"get":{}}}}"#);
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
            let lines = lines_of(text);
            assert_eq!(lines.method_line("/a", Get), None, "{text}");
        }
    }
}
