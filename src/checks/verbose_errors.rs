//! API8: a wrongly typed parameter makes the API answer with a stack trace or debug output.
//!
//! The probe is one malformed value in a typed path or query parameter; the verdict is a set of
//! line-level patterns for the stack traces and debug pages of common stacks, matched against
//! the raw body or, for JSON bodies, against every string value (Spring's `trace` field, .NET's
//! problem details) split into lines.

use std::sync::{Arc, LazyLock};

use regex::Regex;

use super::judge::leaves;
use super::{Check, CheckMeta, PlanCx, Planned, Probe};
use crate::findings::{Confidence, Finding, Match};
use crate::identity::Role;
use crate::model::{Operation, ParamLocation, Parameter, SchemaKind};
use crate::probe::fill_path;
use crate::probe::{Exchange, ProbeRequest, join_url};

/// A string no integer, number, boolean, UUID or date parser accepts; the quotes and `<` also
/// shake loose SQL and template errors where the value reaches a query unparsed.
const PAYLOAD: &str = "abc'\"<";

/// Lines quoted as evidence, at most.
const MAX_LINES: usize = 8;
/// Characters kept of one quoted line.
const MAX_LINE_CHARS: usize = 200;

/// (what it is, line pattern). Each pattern matches one line of a trace or debug page; they are
/// anchored where the shape allows so prose that merely mentions "at" or "error" stays quiet.
const TRACE_PATTERNS: &[(&str, &str)] = &[
    ("Rust panic", r"thread '[^']*' panicked at"),
    ("Rust panic", r"panicked at '.*', \S+\.rs:\d+"),
    (
        "Rust panic",
        r"called `(?:Result|Option)::(?:unwrap|expect)\(\)` on an? `(?:Err|None)` value",
    ),
    ("Rust backtrace", r"^\s*stack backtrace:\s*$"),
    ("Rust backtrace", r"^\s*at \S+\.rs:\d+:\d+"),
    (
        "Java stack trace",
        r"^\s*at (?:[\w.$-]+/)?[\w$]+(?:\.[\w$<>-]+)+\((?:[\w$-]+\.(?:java|kt|scala|groovy|clj):\d+|Native Method|Unknown Source)\)",
    ),
    (
        "Java stack trace",
        r"^\s*(?:Exception in thread \S+|Caused by:) [\w$]+(?:\.[\w$]+)+(?:Exception|Error)\b",
    ),
    ("Python traceback", r"Traceback \(most recent call last\)"),
    ("Python traceback", r#"^\s*File "[^"]+", line \d+, in \S+"#),
    (
        "Node.js stack trace",
        r"^\s*at (?:.+? \()?(?:/|[A-Za-z]:\\|file://|node:)[^\s()]*:\d+:\d+\)?\s*$",
    ),
    (
        ".NET stack trace",
        r"^\s*at [\w.`<>\[\],+]+\(.*\) in .+:line \d+",
    ),
    (
        ".NET exception",
        r"\b(?:System|Microsoft)\.[\w.]+Exception: ",
    ),
    (".NET error page", r"Server Error in '[^']*' Application"),
    (
        "PHP error",
        r"(?i)\b(?:fatal error|parse error|warning|notice)\b.* in (?:/|[a-z]:\\)\S+\.php(?::\d+| on line \d+)",
    ),
    (
        "PHP stack trace",
        r"^\s*#\d+ (?:/|[A-Za-z]:\\)\S+\.php\(\d+\): ",
    ),
    ("Go panic", r"^goroutine \d+ \[[\w ,]+\]:\s*$"),
    ("Go panic", r"^\s+/\S+\.go:\d+(?: \+0x[0-9a-f]+)?\s*$"),
    ("Ruby stack trace", r"\S+\.rb:\d+:in [`'][^']+'"),
    ("Rails debug page", r"Action Controller: Exception caught"),
    (
        "Django debug page",
        r"DEBUG = True\s*in your Django settings file",
    ),
    ("Werkzeug debugger", r"Werkzeug Debugger"),
    ("SQL error", r"(?i)you have an error in your sql syntax"),
    ("SQL error", r"\bSQLSTATE\[\w+\]"),
    ("SQL error", r"\bORA-\d{5}:"),
    (
        "SQL error",
        r"(?i)unclosed quotation mark after the character string",
    ),
    (
        "SQL error",
        r#"(?i)\b(?:syntax error|unterminated quoted string) at or near ""#,
    ),
    (
        "SQL error",
        r"\b(?:PG::\w+Error|psycopg2\.errors\.\w+|sqlite3\.OperationalError|SQLiteException|java\.sql\.SQL\w*Exception|PSQLException)\b",
    ),
];

static PATTERNS: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    // A pattern that fails to compile is dropped; a unit test asserts none does.
    TRACE_PATTERNS
        .iter()
        .filter_map(|(what, p)| Regex::new(p).ok().map(|r| (*what, r)))
        .collect()
});

/// HTML tags, removed before matching so `<b>Fatal error</b>:` reads as text.
static TAGS: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"<[^>]{1,200}>").ok());

pub(crate) struct VerboseErrors {
    pub(crate) meta: CheckMeta,
}

impl Check for VerboseErrors {
    fn meta(&self) -> &CheckMeta {
        &self.meta
    }

    fn plan(&self, op: &Operation, cx: &PlanCx<'_>) -> Planned {
        if !op.method.is_safe() {
            return Planned::NotApplicable;
        }
        let Some(target) = typed_param(op) else {
            return Planned::NotApplicable;
        };
        // The target itself needs no example: it gets the malformed value; user A's own IDs
        // fill query ID slots.
        let a_query = cx.user_a.query(op);
        let unfillable = op.parameters.iter().find(|p| {
            p.required
                && p.location != ParamLocation::Path
                && p.example.is_none()
                && p.name != target.name
                && !a_query.iter().any(|(n, _)| *n == p.name)
        });
        if let Some(p) = unfillable {
            return Planned::Skipped(format!(
                "required parameter `{}` has no example in the spec",
                p.name
            ));
        }
        let Some((mut values, _)) = cx.user_a.fill_any(op) else {
            return Planned::Skipped(
                "no value for a path parameter: none harvested and no example in the spec".into(),
            );
        };
        let mut query = a_query;
        match target.location {
            ParamLocation::Path => {
                for (name, value) in &mut values {
                    if *name == target.name {
                        *value = PAYLOAD.to_owned();
                    }
                }
            }
            _ => {
                query.retain(|(name, _)| *name != target.name);
                query.push((target.name.clone(), PAYLOAD.to_owned()));
            }
        }
        let url = join_url(cx.base_url, &fill_path(&op.path, &values), &query);
        // Anonymous first: a trace anyone can trigger is the one to report.
        let mut requests = vec![ProbeRequest::new(Role::Anonymous, op.method, url.clone())];
        if op.requires_auth() {
            requests.push(ProbeRequest::new(Role::UserA, op.method, url));
        }
        Planned::Probes(vec![Probe { requests }])
    }

    fn evaluate(
        &self,
        op: &Operation,
        _probe: &Probe,
        exchanges: &[Arc<Exchange>],
        _cx: &PlanCx<'_>,
    ) -> Option<Finding> {
        let (attack, matches, kinds) = exchanges.iter().find_map(|ex| {
            let (matches, kinds) = trace_lines(ex);
            (!matches.is_empty()).then_some((ex, matches, kinds))
        })?;
        let param = typed_param(op).map_or_else(String::new, |p| format!(" `{}`", p.name));
        let confidence = if matches.len() >= 2 {
            Confidence::High
        } else {
            Confidence::Medium
        };
        let message = format!(
            "{} {} answered {} to a wrongly typed{param} {} with debug output: {} ({} lines quoted)",
            op.method,
            attack.request.url,
            attack.status.unwrap_or_default(),
            if attack.request.role == Role::Anonymous {
                "without credentials"
            } else {
                "as user-a"
            },
            kinds.join(", "),
            matches.len()
        );
        Some(super::finding(
            &self.meta, op, attack, matches, None, confidence, message,
        ))
    }
}

/// The parameter to send the malformed value in: the first typed path parameter, else the
/// first typed query parameter.
fn typed_param(op: &Operation) -> Option<&Parameter> {
    let typed = |p: &&Parameter| match &p.schema.kind {
        SchemaKind::Integer | SchemaKind::Number | SchemaKind::Boolean => true,
        SchemaKind::String => p
            .schema
            .format
            .as_deref()
            .is_some_and(|f| matches!(f, "uuid" | "date" | "date-time" | "int32" | "int64")),
        _ => false,
    };
    let in_path = op
        .parameters
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
        .find(typed);
    in_path.or_else(|| {
        op.parameters
            .iter()
            .filter(|p| p.location == ParamLocation::Query)
            .find(typed)
    })
}

/// Lines of the response that look like a stack trace or debug page, and what they look like.
fn trace_lines(ex: &Exchange) -> (Vec<Match>, Vec<&'static str>) {
    // JSON hides traces inside string values (escaped newlines); plain bodies are read as text.
    let texts: Vec<(String, String)> = match &ex.json {
        Some(json) => leaves(json)
            .into_iter()
            .map(|(pointer, v)| (format!("{pointer} line"), v))
            .collect(),
        None => vec![("line".to_owned(), ex.body.clone())],
    };
    let mut matches = Vec::new();
    let mut kinds: Vec<&'static str> = Vec::new();
    for (prefix, text) in &texts {
        for (i, line) in text.lines().enumerate() {
            let Some(kind) = classify_line(line) else {
                continue;
            };
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
            if matches.len() < MAX_LINES {
                matches.push(Match {
                    pointer: format!("{prefix} {}", i + 1),
                    value: line.trim().chars().take(MAX_LINE_CHARS).collect(),
                });
            }
        }
    }
    (matches, kinds)
}

/// What kind of trace or debug output one line belongs to, if any.
fn classify_line(line: &str) -> Option<&'static str> {
    let stripped = match TAGS.as_ref() {
        Some(tags) if line.contains('<') => tags.replace_all(line, "").into_owned(),
        _ => line.to_owned(),
    };
    PATTERNS
        .iter()
        .find(|(_, re)| re.is_match(&stripped))
        .map(|(what, _)| *what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        assert_eq!(PATTERNS.len(), TRACE_PATTERNS.len());
        assert!(TAGS.is_some());
    }

    #[test]
    fn stack_traces_of_each_stack_are_recognised() {
        let cases = [
            (
                "thread 'tokio-runtime-worker' panicked at src/handlers.rs:142:38:",
                "Rust panic",
            ),
            (
                "thread 'main' panicked at 'called `Option::unwrap()` on a `None` value', src/main.rs:4:5",
                "Rust panic",
            ),
            ("stack backtrace:", "Rust backtrace"),
            (
                "             at /rustc/90b35a62/library/core/src/result.rs:1700:5",
                "Rust backtrace",
            ),
            ("\tat com.x.Y(File.java:12)", "Java stack trace"),
            (
                "    at java.base/java.lang.Integer.parseInt(Integer.java:652)",
                "Java stack trace",
            ),
            (
                "\tat sun.reflect.NativeMethodAccessorImpl.invoke0(Native Method)",
                "Java stack trace",
            ),
            (
                "Caused by: java.lang.NumberFormatException: For input string: \"abc\"",
                "Java stack trace",
            ),
            ("Traceback (most recent call last):", "Python traceback"),
            (
                "  File \"/app/views.py\", line 42, in get_workout",
                "Python traceback",
            ),
            (
                "    at Object.<anonymous> (/app/x.js:1:2)",
                "Node.js stack trace",
            ),
            (
                "    at /app/routes/workouts.js:17:23",
                "Node.js stack trace",
            ),
            (
                "    at Module._compile (node:internal/modules/cjs/loader:1105:14)",
                "Node.js stack trace",
            ),
            (
                "   at Cadence.Api.WorkoutsController.Get(String id) in C:\\src\\Api\\WorkoutsController.cs:line 42",
                ".NET stack trace",
            ),
            (
                "System.FormatException: The input string 'abc' was not in a correct format.",
                ".NET exception",
            ),
            (
                "<b>Fatal error</b>:  Uncaught TypeError: intdiv() in <b>/var/www/html/api.php</b> on line <b>12</b>",
                "PHP error",
            ),
            (
                "#0 /var/www/html/index.php(12): getWorkout('abc')",
                "PHP stack trace",
            ),
            ("goroutine 1 [running]:", "Go panic"),
            ("\t/app/handlers/workouts.go:42 +0x1d", "Go panic"),
            (
                "app/controllers/workouts_controller.rb:12:in `show'",
                "Ruby stack trace",
            ),
            (
                "<title>Action Controller: Exception caught</title>",
                "Rails debug page",
            ),
            (
                "You&#x27;re seeing this error because you have <code>DEBUG = True</code> in your Django settings file.",
                "Django debug page",
            ),
            (
                "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version",
                "SQL error",
            ),
            (
                "SQLSTATE[42000]: Syntax error or access violation: 1064",
                "SQL error",
            ),
            (
                "ERROR:  unterminated quoted string at or near \"'abc\"",
                "SQL error",
            ),
            (
                "ORA-01756: quoted string not properly terminated",
                "SQL error",
            ),
        ];
        for (line, want) in cases {
            assert_eq!(classify_line(line), Some(want), "{line}");
        }
    }

    #[test]
    fn ordinary_error_messages_are_not_traces() {
        for line in [
            r#"{"error":"invalid id"}"#,
            "invalid workout id",
            "Invalid value 'abc' for parameter workoutId: expected an integer",
            "Meet at Central Park (Zone 1:2) at 10:30",
            "The class starts at 06:30 in Tromsø",
            "Error: Not Found",
            "at least one character is required",
            "SQL injection attempts are logged",
            "<h1>404 Not Found</h1>",
            "warning: value out of range",
            "File not found, line 3 of the upload was empty",
        ] {
            assert_eq!(classify_line(line), None, "{line}");
        }
    }

    fn exchange(body: &str) -> Exchange {
        let url = url::Url::parse("http://127.0.0.1:1/workouts/abc").expect("url");
        Exchange {
            request: ProbeRequest::get(Role::Anonymous, url),
            status: Some(500),
            headers: Vec::new(),
            body: body.to_owned(),
            json: serde_json::from_str(body).ok(),
            error: None,
            elapsed_ms: 0,
        }
    }

    #[test]
    fn traces_inside_json_strings_are_found_with_their_pointer() {
        let body = r#"{"status":500,"error":"Internal Server Error","trace":"java.lang.NumberFormatException: For input string: \"abc\"\n\tat java.base/java.lang.Long.parseLong(Long.java:692)\n\tat com.cadence.api.WorkoutController.get(WorkoutController.java:31)"}"#;
        let (matches, kinds) = trace_lines(&exchange(body));
        assert_eq!(kinds, ["Java stack trace"]);
        let pointers: Vec<&str> = matches.iter().map(|m| m.pointer.as_str()).collect();
        assert_eq!(pointers, ["/trace line 2", "/trace line 3"]);
        assert!(
            matches[1]
                .value
                .starts_with("at com.cadence.api.WorkoutController.get(")
        );
    }

    #[test]
    fn a_plain_json_error_has_no_trace_lines() {
        let (matches, kinds) = trace_lines(&exchange(r#"{"error":"invalid id"}"#));
        assert!(matches.is_empty() && kinds.is_empty());
    }

    #[test]
    fn the_malformed_value_goes_into_the_typed_parameter() {
        use crate::model::{HttpMethod, Schema};
        let param = |name: &str, location, kind, format: Option<&str>| Parameter {
            name: name.into(),
            location,
            required: true,
            schema: Schema {
                kind,
                format: format.map(str::to_owned),
                open: false,
            },
            example: None,
        };
        let op = Operation {
            id: "x".into(),
            method: HttpMethod::Get,
            path: "/shops/{slug}/orders/{orderId}".into(),
            parameters: vec![
                param("slug", ParamLocation::Path, SchemaKind::String, None),
                param(
                    "orderId",
                    ParamLocation::Path,
                    SchemaKind::String,
                    Some("uuid"),
                ),
                param("limit", ParamLocation::Query, SchemaKind::Integer, None),
            ],
            ..Operation::api_wide()
        };
        assert_eq!(typed_param(&op).map(|p| p.name.as_str()), Some("orderId"));
        let untyped = Operation {
            parameters: vec![param("slug", ParamLocation::Path, SchemaKind::String, None)],
            ..op.clone()
        };
        assert!(typed_param(&untyped).is_none());
        let encoded = fill_path("/workouts/{id}", &[("id".into(), PAYLOAD.into())]);
        assert_eq!(encoded, "/workouts/abc%27%22%3C");
    }
}
