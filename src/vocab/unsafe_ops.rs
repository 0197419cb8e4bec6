//! Words that make a read operation (GET, HEAD, OPTIONS) unsafe to send: it reads as
//! changing or destroying state, ending a session, or running something on the server. The
//! fence (`model::fence`) holds such operations back unless the user includes them.
//!
//! Matching is by whole words (camelCase, snake_case, kebab-case and path segments are split),
//! never by substring, so nouns built on the same stem stay sent: `/runs/{id}`, `/commands`,
//! `/executions/{id}`, `/initiatives`, `/evaluations`, `/users/{id}/created-items`,
//! `/sessions` are listings or records of past actions, not actions.

/// Verbs that are actions wherever they stand: a path segment, any word of an operationId,
/// any word of a summary (also as a third-person form: `deletes`, `wipes`), the first word of
/// a description.
pub(crate) const STRONG_VERBS: &[&str] = &[
    "create",
    "delete",
    "remove",
    "reset",
    "drop",
    "purge",
    "wipe",
    "reseed",
    "destroy",
    "truncate",
    "erase",
    "clear",
    "flush",
    "migrate",
    "logout",
    "signout",
    "logoff",
    "revoke",
    "shutdown",
    "restart",
    "reboot",
    "terminate",
    "kill",
    "execute",
    "exec",
    "eval",
    "uninstall",
];

/// Verbs that APIs also use as nouns (a CI API's "run", a chat bot's "command", a test
/// fixture's "seed"): an action only as a path segment of their own (`GET /admin/run`, not
/// `/runs`) or as the first word of an operationId or a summary (`runCommand`, "Seeds the
/// database"), never inside a longer name (`getWorkflowRun`, "Get a workflow run").
pub(crate) const LEADING_ONLY_VERBS: &[&str] = &[
    "run",
    "command",
    "shell",
    "seed",
    "init",
    "initialize",
    "install",
    "deploy",
    "sync",
];

/// What follows a verb in a compound word that names its object: `createdb`, `resetdb`,
/// `dropall`, `wipedata`, `initdb`, `flushcache`. Only these suffixes make a compound, so
/// `runners`, `initiatives` and `evaluations` are not read as `run`, `init`, `eval`.
pub(crate) const COMPOUND_OBJECTS: &[&str] = &[
    "db",
    "database",
    "databases",
    "all",
    "data",
    "everything",
    "schema",
    "table",
    "tables",
    "cache",
    "caches",
    "user",
    "users",
    "session",
    "sessions",
    "server",
    "system",
    "fixtures",
];

/// Parameter names (the whole normalised name, or its last word: `shell_command`) that
/// carry a command or its arguments: whatever the operation is called, sending a value there
/// may run it.
pub(crate) const COMMAND_PARAMS: &[&str] = &[
    "cmd",
    "command",
    "commands",
    "cmdline",
    "commandline",
    "exec",
    "args",
    "argv",
    "arguments",
    "parameters",
    "script",
    "shell",
];

/// Separators of an operationId's namespace (`actions/get-workflow-run`, `users.delete`):
/// the verb is the first word after the last one.
pub(crate) const NAMESPACE_SEPARATORS: &[char] = &['/', '.', ':'];
