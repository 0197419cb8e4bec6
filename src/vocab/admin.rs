//! Words that mark an administrative operation, and path segments that name actions
//! rather than data.

/// Words that mark administrative functions in paths, tags and operationIds. Not `root`: file
/// and category APIs name root folders and root categories all the time (`getRootFolder`).
pub(crate) const ADMIN_WORDS: &[&str] = &[
    "admin",
    "administrator",
    "internal",
    "staff",
    "superuser",
    "backoffice",
    "management",
    "moderator",
    "ops",
    "sudo",
];

/// Scopes that only privileged clients should hold.
pub(crate) const ADMIN_SCOPES: &[&str] = &["admin", "write:all", "manage", "superuser", "root"];

/// Last path segments that name an action on a collection, not the collection.
pub(crate) const ACTION_SEGMENTS: &[&str] =
    &["search", "find", "lookup", "list", "query", "all", "filter"];
