//! Words that tell a password login from its neighbours (logout, refresh, sign-up, creation
//! endpoints), and the fields of a login body.

/// Last path segments (normalised) that name a password login.
pub(crate) const LOGIN_SEGMENTS: &[&str] = &[
    "login",
    "signin",
    "logon",
    "token",
    "tokens",
    "session",
    "sessions",
    "auth",
    "authenticate",
    "authentication",
];

/// Words in an operationId that name a password login.
pub(crate) const LOGIN_ID_WORDS: &[&str] = &["login", "signin", "logon", "authenticate"];

/// Whole operationIds (normalised) of logins that say so less directly.
pub(crate) const LOGIN_IDS: &[&str] = &[
    "createsession",
    "createtoken",
    "gettoken",
    "issuetoken",
    "token",
    "session",
    "auth",
];

/// Neighbouring auth flows that take a body but are not a password login.
pub(crate) const NOT_LOGIN: &[&str] = &[
    "logout",
    "signout",
    "logoff",
    "refresh",
    "revoke",
    "register",
    "signup",
    "reset",
    "forgot",
    "verify",
    "introspect",
    "password",
];

/// Fields that hold a login name (normalised), in order of preference: in a declared login
/// body and in user A's own record.
pub(crate) const LOGIN_NAME_FIELDS: &[&str] = &[
    "username",
    "login",
    "email",
    "user",
    "emailaddress",
    "usernameoremail",
];

/// Fields that hold a password (normalised).
pub(crate) const PASSWORD_FIELDS: &[&str] = &["password", "pass", "passwd", "pwd"];

/// Leading words of an operationId that name the creation of a resource (`createCodespace`,
/// `PostBillingPortalSessions`): not a login unless the rest names a session or token.
pub(crate) const CREATION_VERBS: &[&str] =
    &["create", "add", "new", "insert", "post", "put", "register"];

/// Last words of an operationId that make the created thing a login's session or token
/// (`createSession`).
pub(crate) const LOGIN_OBJECT_WORDS: &[&str] = &[
    "login",
    "signin",
    "logon",
    "authenticate",
    "session",
    "token",
    "auth",
];
