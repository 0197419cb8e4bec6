//! The fence: decides, right after the spec is loaded, which operations no stage may send.
//!
//! An operation is held back when the user excludes it (`--exclude`, `--skip`), when a read
//! (GET, HEAD, OPTIONS) reads as changing state or running something (`GET /createdb`,
//! `GET /logout`, operationId `deleteAllUsers`, summary "Wipes and reseeds the database"), or
//! when it takes a command-like parameter (`cmd`, `args`, `script`). `--include` re-admits an
//! operation held back by its words or parameters (the user takes responsibility); an
//! exclusion always wins. Fenced operations leave the model, so preflight, harvest and every
//! check are blind to them; the report lists each with its reason.

use super::{Api, HttpMethod, Operation};
use crate::vocab::{
    COMMAND_PARAMS, COMPOUND_OBJECTS, LEADING_ONLY_VERBS, NAMESPACE_SEPARATORS, STRONG_VERBS, words,
};

/// An `--include`/`--exclude` pattern that matches no operation: a typo must not quietly
/// send (or fail to hold back) anything.
#[derive(Debug, thiserror::Error)]
pub enum FenceError {
    #[error(
        "--{flag} `{pattern}` matches no operation (use `METHOD /path` with `*` globs, an operationId, or `tag:NAME`)"
    )]
    Unmatched { flag: &'static str, pattern: String },
    #[error("--{flag} pattern is empty")]
    Empty { flag: &'static str },
}

/// An operation that was not sent, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NotSent {
    pub method: String,
    pub path: String,
    pub operation_id: String,
    /// Line of the operation in the spec (0 when unknown).
    pub line: usize,
    pub reason: NotSentReason,
    /// The reason as one human sentence fragment (what the renderers show).
    pub why: String,
}

impl NotSent {
    /// `GET /createdb`.
    pub fn operation(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Why an operation was not sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum NotSentReason {
    /// The user excluded it.
    Excluded { pattern: String },
    /// A read whose name or text reads as an unsafe action.
    UnsafeWords {
        /// `path`, `operationId`, `summary` or `description`.
        field: String,
        /// The word as written there (`createdb`, `Wipes`).
        word: String,
        /// The listed verb it reads as (`create`, `wipe`).
        reads_as: String,
    },
    /// It takes a parameter that carries a command or its arguments.
    CommandParameter { parameter: String },
    /// A write method (POST, PUT, PATCH, DELETE): sent only with `--allow-writes`.
    NeedsAllowWrites,
}

impl NotSentReason {
    fn describe(&self) -> String {
        match self {
            NotSentReason::Excluded { pattern } => format!("excluded by `{pattern}`"),
            NotSentReason::UnsafeWords {
                field,
                word,
                reads_as,
            } => {
                let named = match field.as_str() {
                    "path" => format!("path segment `{word}`"),
                    "operationId" => format!("operationId `{word}`"),
                    other => format!("{other} word `{word}`"),
                };
                if word.eq_ignore_ascii_case(reads_as) {
                    format!("{named} names an unsafe action")
                } else {
                    format!("{named} reads as `{reads_as}`")
                }
            }
            NotSentReason::CommandParameter { parameter } => {
                format!("parameter `{parameter}` reads as a command or its arguments")
            }
            NotSentReason::NeedsAllowWrites => "write method: needs --allow-writes".to_owned(),
        }
    }

    /// Whether `--include` can re-admit it.
    fn includable(&self) -> bool {
        matches!(
            self,
            NotSentReason::UnsafeWords { .. } | NotSentReason::CommandParameter { .. }
        )
    }
}

/// A parsed `--include`/`--exclude` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// `GET /admin/*`, `* /admin/*`, `/admin/*`: method (None = any) and a path glob.
    Route {
        method: Option<String>,
        path: String,
    },
    /// `tag:admin`.
    Tag(String),
    /// An operationId (globs allowed: `admin*`).
    Id(String),
}

impl Pattern {
    fn parse(raw: &str, flag: &'static str) -> Result<Pattern, FenceError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(FenceError::Empty { flag });
        }
        if let Some(tag) = raw.strip_prefix("tag:") {
            return Ok(Pattern::Tag(tag.trim().to_owned()));
        }
        if raw.starts_with('/') {
            return Ok(Pattern::Route {
                method: None,
                path: raw.to_owned(),
            });
        }
        if let Some((method, path)) = raw.split_once(char::is_whitespace) {
            let path = path.trim();
            if path.starts_with('/') || path == "*" {
                let method = (method != "*").then(|| method.to_ascii_uppercase());
                return Ok(Pattern::Route {
                    method,
                    path: path.to_owned(),
                });
            }
        }
        Ok(Pattern::Id(raw.to_owned()))
    }

    fn matches(&self, op: &Operation) -> bool {
        match self {
            Pattern::Route { method, path } => {
                method.as_deref().is_none_or(|m| m == op.method.to_string()) && glob(path, &op.path)
            }
            Pattern::Tag(tag) => op.tags.iter().any(|t| t.eq_ignore_ascii_case(tag)),
            Pattern::Id(id) => glob(id, &op.id),
        }
    }
}

/// `*` stands for any run of characters, `/` included; ASCII case is ignored (as `--skip`
/// always did). Iterative with one backtrack point: linear enough for spec-sized strings.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().map(|c| c.to_ascii_lowercase()).collect();
    let t: Vec<char> = text.chars().map(|c| c.to_ascii_lowercase()).collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The user's include and exclude patterns, as given.
#[derive(Debug, Clone, Default)]
pub struct Fence {
    pub exclude: Vec<String>,
    pub include: Vec<String>,
}

impl Fence {
    /// Removes every fenced operation from `api` and returns them with their reasons, in spec
    /// order. Write methods stay in the model (the executor refuses them without
    /// `--allow-writes`); list them with [`needs_allow_writes`].
    pub fn apply(&self, api: &mut Api) -> Result<Vec<NotSent>, FenceError> {
        let parse = |raw: &[String], flag| {
            raw.iter()
                .map(|r| Ok((r.trim().to_owned(), Pattern::parse(r, flag)?)))
                .collect::<Result<Vec<_>, FenceError>>()
        };
        let exclude = parse(&self.exclude, "exclude")?;
        let include = parse(&self.include, "include")?;
        for (flag, patterns) in [("exclude", &exclude), ("include", &include)] {
            if let Some((raw, _)) = patterns
                .iter()
                .find(|(_, p)| !api.operations.iter().any(|op| p.matches(op)))
            {
                return Err(FenceError::Unmatched {
                    flag,
                    pattern: raw.clone(),
                });
            }
        }
        let mut not_sent = Vec::new();
        api.operations.retain(|op| {
            let reason = if let Some((raw, _)) = exclude.iter().find(|(_, p)| p.matches(op)) {
                NotSentReason::Excluded {
                    pattern: raw.clone(),
                }
            } else {
                match classify(op) {
                    None => return true,
                    Some(reason) => {
                        if let Some((raw, _)) = include.iter().find(|(_, p)| p.matches(op)) {
                            tracing::warn!(
                                "sending {} although its {} (included by `{raw}`)",
                                op.display_name(),
                                reason.describe()
                            );
                            return true;
                        }
                        reason
                    }
                }
            };
            debug_assert!(matches!(reason, NotSentReason::Excluded { .. }) || reason.includable());
            tracing::info!("not sending {}: {}", op.display_name(), reason.describe());
            not_sent.push(not_sent_entry(op, reason));
            false
        });
        Ok(not_sent)
    }
}

fn not_sent_entry(op: &Operation, reason: NotSentReason) -> NotSent {
    NotSent {
        method: op.method.to_string(),
        path: op.path.clone(),
        operation_id: op.id.clone(),
        line: op.location.line,
        why: reason.describe(),
        reason,
    }
}

/// The write operations (POST, PUT, PATCH, DELETE) left in the model, listed as "needs
/// `--allow-writes`" when writes are not allowed; `except` (the login operation, whose failed
/// logins change nothing and are sent anyway) is left out.
pub fn needs_allow_writes(
    api: &Api,
    allow_writes: bool,
    except: Option<&Operation>,
) -> Vec<NotSent> {
    if allow_writes {
        return Vec::new();
    }
    api.operations
        .iter()
        .filter(|op| {
            matches!(
                op.method,
                HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch | HttpMethod::Delete
            )
        })
        .filter(|op| except.is_none_or(|e| e.method != op.method || e.path != op.path))
        .map(|op| not_sent_entry(op, NotSentReason::NeedsAllowWrites))
        .collect()
}

/// Why `op` must not be sent by default, if it must not: a command-like parameter (any
/// method), or, for reads, a name or text that reads as an unsafe action.
pub fn classify(op: &Operation) -> Option<NotSentReason> {
    if let Some(p) = op.parameters.iter().find(|p| is_command_param(&p.name)) {
        return Some(NotSentReason::CommandParameter {
            parameter: p.name.clone(),
        });
    }
    if !matches!(
        op.method,
        HttpMethod::Get | HttpMethod::Head | HttpMethod::Options
    ) {
        return None;
    }
    let hit = |field: &str, (word, reads_as): (String, &str)| NotSentReason::UnsafeWords {
        field: field.to_owned(),
        word,
        reads_as: reads_as.to_owned(),
    };
    if let Some(h) = unsafe_in_path(&op.path) {
        return Some(hit("path", h));
    }
    if let Some(h) = unsafe_in_id(&op.id) {
        return Some(hit("operationId", h));
    }
    if let Some(h) = op
        .summary
        .as_deref()
        .and_then(|s| unsafe_in_prose(s, false))
    {
        return Some(hit("summary", h));
    }
    op.description
        .as_deref()
        .and_then(|d| unsafe_in_prose(d, true))
        .map(|h| hit("description", h))
}

/// `shell_command`, `cmd`, `args` (the whole name or its last word).
fn is_command_param(name: &str) -> bool {
    let ws = words(name);
    let whole: String = ws.concat();
    COMMAND_PARAMS.contains(&whole.as_str())
        || ws
            .last()
            .is_some_and(|w| COMMAND_PARAMS.contains(&w.as_str()))
}

/// A word of a name that is `verb` itself or `verb` + an object (`createdb`).
fn name_word_reads_as(word: &str, verbs: &[&'static str]) -> Option<&'static str> {
    verbs.iter().copied().find(|v| {
        word == *v
            || word
                .strip_prefix(v)
                .is_some_and(|rest| COMPOUND_OBJECTS.contains(&rest))
    })
}

/// A word of prose that is `verb` or its third-person form (`wipes`, `flushes`).
fn prose_word_reads_as(word: &str, verbs: &[&'static str]) -> Option<&'static str> {
    verbs.iter().copied().find(|v| {
        word == *v
            || word
                .strip_prefix(v)
                .is_some_and(|rest| rest == "s" || rest == "es")
    })
}

/// Path segments (never `{params}`): strong verbs as any word of a segment, the others only
/// as a segment's first word (`/admin/run`, `/run-script`; not `/runs`).
fn unsafe_in_path(path: &str) -> Option<(String, &'static str)> {
    for segment in path
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
    {
        let ws = words(segment);
        // `sign-out`, `log_out`, `create-db` are one word split in two.
        let joined = ws.concat();
        if let Some(verb) = name_word_reads_as(&joined, STRONG_VERBS)
            .or_else(|| name_word_reads_as(&joined, LEADING_ONLY_VERBS))
        {
            return Some((segment.to_owned(), verb));
        }
        for (i, w) in ws.iter().enumerate() {
            let found = name_word_reads_as(w, STRONG_VERBS).or_else(|| {
                (i == 0)
                    .then(|| name_word_reads_as(w, LEADING_ONLY_VERBS))
                    .flatten()
            });
            if let Some(verb) = found {
                return Some((segment.to_owned(), verb));
            }
        }
    }
    None
}

/// After the namespace (`actions/get-workflow-run` → `get workflow run`): strong verbs as any
/// word, the others only as the first.
fn unsafe_in_id(id: &str) -> Option<(String, &'static str)> {
    let local = id.rsplit(NAMESPACE_SEPARATORS).next().unwrap_or(id);
    let ws = words(local);
    ws.iter().enumerate().find_map(|(i, w)| {
        name_word_reads_as(w, STRONG_VERBS)
            .or_else(|| {
                (i == 0)
                    .then(|| name_word_reads_as(w, LEADING_ONLY_VERBS))
                    .flatten()
            })
            .map(|verb| (id.to_owned(), verb))
    })
}

/// A summary: strong verbs anywhere, the others only as its first word. A description is
/// long prose that mentions neighbouring actions ("to delete a run, use …"): only its first
/// word counts.
fn unsafe_in_prose(text: &str, first_word_only: bool) -> Option<(String, &'static str)> {
    let raw: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    raw.iter().enumerate().find_map(|(i, w)| {
        if first_word_only && i > 0 {
            return None;
        }
        let lower = w.to_ascii_lowercase();
        prose_word_reads_as(&lower, STRONG_VERBS)
            .or_else(|| {
                (i == 0)
                    .then(|| prose_word_reads_as(&lower, LEADING_ONLY_VERBS))
                    .flatten()
            })
            .map(|verb| ((*w).to_owned(), verb))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ParamLocation, Parameter, Schema};

    fn get(path: &str) -> Operation {
        Operation::bare(HttpMethod::Get, path, &format!("GET {path}"))
    }

    fn reason(op: &Operation) -> Option<String> {
        classify(op).map(|r| r.describe())
    }

    #[test]
    fn words_split_names() {
        assert_eq!(words("deleteAllUsers"), ["delete", "all", "users"]);
        assert_eq!(words("HTTPServer_v2-x"), ["http", "server", "v2", "x"]);
        assert_eq!(words("createdb"), ["createdb"]);
    }

    #[test]
    fn traps_are_fenced() {
        for path in [
            "/createdb",
            "/reset",
            "/logout",
            "/api/seed",
            "/migrate",
            "/users/{id}/delete",
            "/admin/run",
            "/resetdb",
            "/dropall",
            "/auth/sign-out",
        ] {
            assert!(reason(&get(path)).is_some(), "{path}");
        }
        assert_eq!(
            reason(&get("/createdb")).as_deref(),
            Some("path segment `createdb` reads as `create`")
        );
        let mut by_id = get("/users");
        by_id.id = "deleteAllUsers".into();
        assert_eq!(
            reason(&by_id).as_deref(),
            Some("operationId `deleteAllUsers` reads as `delete`")
        );
        let mut by_summary = get("/fixtures");
        by_summary.summary = Some("Wipes and reseeds the database".into());
        assert_eq!(
            reason(&by_summary).as_deref(),
            Some("summary word `Wipes` reads as `wipe`")
        );
        let mut by_description = get("/maintenance");
        by_description.description = Some("Runs the nightly job now.".into());
        assert!(reason(&by_description).is_some());
        let mut by_param = get("/admin/tools");
        by_param.parameters.push(Parameter {
            name: "cmd".into(),
            location: ParamLocation::Query,
            required: true,
            schema: Schema::default(),
            example: None,
        });
        assert_eq!(
            reason(&by_param).as_deref(),
            Some("parameter `cmd` reads as a command or its arguments")
        );
    }

    /// Reads named with a verb's stem, or mentioning an action in passing, stay sent.
    #[test]
    fn decoys_stay_sent() {
        for path in [
            "/runs/{id}",
            "/commands",
            "/executions/{id}",
            "/initiatives",
            "/evaluations",
            "/reports/{id}",
            "/sessions",
            "/users/{id}/created-items",
            "/runners",
            "/deletions",
            "/seeds",
            "/repos/{owner}/{repo}/actions/runs/{run_id}/logs",
        ] {
            assert_eq!(reason(&get(path)), None, "{path}");
        }
        let mut op = get("/repos/{owner}/{repo}/actions/runs/{run_id}");
        op.id = "actions/get-workflow-run".into();
        op.summary = Some("Get a workflow run".into());
        op.description =
            Some("Gets a specific workflow run. To delete a run, use the delete endpoint.".into());
        assert_eq!(reason(&op), None);
        let mut list = get("/commands");
        list.id = "listCommands".into();
        list.summary = Some("List the commands a bot knows".into());
        assert_eq!(reason(&list), None);
    }

    #[test]
    fn writes_are_not_judged_by_words() {
        let post = Operation::bare(HttpMethod::Post, "/resetdb", "resetDb");
        assert_eq!(classify(&post), None);
    }

    #[test]
    fn writes_are_listed_without_allow_writes_except_the_login() {
        let login = Operation::bare(HttpMethod::Post, "/auth/login", "login");
        let api = Api {
            operations: vec![
                get("/items"),
                Operation::bare(HttpMethod::Post, "/items", "createItem"),
                Operation::bare(HttpMethod::Delete, "/items/{id}", "deleteItem"),
                login.clone(),
            ],
            ..Api::default()
        };
        let listed: Vec<String> = needs_allow_writes(&api, false, Some(&login))
            .iter()
            .map(NotSent::operation)
            .collect();
        assert_eq!(listed, ["POST /items", "DELETE /items/{id}"]);
        assert_eq!(needs_allow_writes(&api, false, None).len(), 3);
        assert_eq!(needs_allow_writes(&api, true, None), []);
    }

    #[test]
    fn patterns_match_routes_ids_and_tags() {
        let mut op = get("/admin/users/{id}");
        op.id = "adminGetUser".into();
        op.tags = vec!["Admin".into()];
        for raw in [
            "GET /admin/*",
            "get /admin/users/{id}",
            "* /admin/*",
            "/admin/*",
            "adminGetUser",
            "admin*",
            "tag:admin",
        ] {
            assert!(
                Pattern::parse(raw, "exclude").expect("parse").matches(&op),
                "{raw}"
            );
        }
        for raw in ["POST /admin/*", "/users/*", "tag:users", "getUser"] {
            assert!(
                !Pattern::parse(raw, "exclude").expect("parse").matches(&op),
                "{raw}"
            );
        }
    }

    #[test]
    fn include_readmits_exclude_wins_and_typos_fail() {
        let api = || Api {
            operations: vec![get("/createdb"), get("/items"), get("/logout")],
            ..Api::default()
        };
        let mut a = api();
        let not_sent = Fence::default().apply(&mut a).expect("apply");
        assert_eq!(a.operations.len(), 1);
        assert_eq!(not_sent.len(), 2);

        let mut a = api();
        let fence = Fence {
            include: vec!["GET /createdb".into(), "/logout".into()],
            exclude: vec!["/logout".into()],
        };
        let not_sent = fence.apply(&mut a).expect("apply");
        let kept: Vec<&str> = a.operations.iter().map(|o| o.path.as_str()).collect();
        assert_eq!(kept, ["/createdb", "/items"]);
        assert!(matches!(
            not_sent[..],
            [NotSent {
                reason: NotSentReason::Excluded { .. },
                ..
            }]
        ));

        for fence in [
            Fence {
                include: vec!["GET /nope".into()],
                ..Fence::default()
            },
            Fence {
                exclude: vec!["tag:nope".into()],
                ..Fence::default()
            },
        ] {
            let err = fence.apply(&mut api()).expect_err("unmatched");
            assert!(err.to_string().contains("matches no operation"), "{err}");
        }
    }
}
