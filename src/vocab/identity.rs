//! Words that say who a caller is and what is theirs: "me" operations, ID and owner
//! fields, login names and human names.

/// Last path segments (or operationIds) of "who am I" operations.
pub(crate) const ME_SEGMENTS: &[&str] = &[
    "me", "self", "whoami", "current", "profile", "account", "myself", "user", "session",
];

pub(crate) const ME_IDS: &[&str] = &[
    "getme",
    "me",
    "whoami",
    "getcurrentuser",
    "currentuser",
    "getprofile",
    "getmyprofile",
    "getauthenticated",
    "getself",
];

/// Fields that hold a record's own ID, in order of preference.
pub(crate) const ID_FIELDS: &[&str] = &["id", "userid", "memberid", "accountid", "uuid", "uid"];

/// Parameter names that name the user themself (`{userId}`, `{memberId}`…), normalised.
pub(crate) const PRINCIPAL_STEMS: &[&str] = &[
    "user",
    "member",
    "account",
    "owner",
    "profile",
    "person",
    "player",
    "athlete",
    "createdby",
    "ownedby",
    "postedby",
    "submittedby",
    "uploadedby",
    "author",
    "creator",
    "uid",
];

/// Keys holding the user's login name.
pub(crate) const USERNAME_KEYS: &[&str] = &[
    "username",
    "login",
    "handle",
    "nickname",
    "screenname",
    "userhandle",
];

/// Keys holding the user's human name.
pub(crate) const NAME_KEYS: &[&str] = &[
    "displayname",
    "name",
    "fullname",
    "firstname",
    "lastname",
    "givenname",
    "familyname",
];

/// Keys whose values are categories many users share (`role: member`, `locale: en-GB`).
pub(crate) const CATEGORICAL_KEYS: &[&str] = &[
    "role",
    "roles",
    "status",
    "state",
    "type",
    "kind",
    "plan",
    "tier",
    "level",
    "locale",
    "language",
    "lang",
    "currency",
    "timezone",
    "tz",
    "country",
    "countrycode",
    "visibility",
    "scope",
    "scopes",
];

/// Parameter names that say nothing about what they identify.
pub(crate) const GENERIC_ID_NAMES: &[&str] = &["id", "uuid", "key", "pk", "slug", "identifier"];

/// Words that, last in a parameter's name, say which field of an object it carries
/// (`workoutId`, `book_title`, `{slug}`); the words before it name the object's kind.
pub(crate) const FIELD_WORDS: &[&str] = &[
    "id",
    "uuid",
    "guid",
    "uid",
    "pk",
    "key",
    "slug",
    "name",
    "title",
    "code",
    "number",
    "handle",
    "login",
    "username",
    "email",
    "identifier",
];

/// Keys of envelopes around the payload that say nothing about what it holds (`{"data": …}`).
pub(crate) const ENVELOPE_KEYS: &[&str] = &[
    "data",
    "items",
    "results",
    "result",
    "records",
    "entries",
    "content",
    "hits",
    "nodes",
    "edges",
    "node",
    "values",
    "rows",
    "list",
    "payload",
    "response",
    "body",
    "embedded",
    "attributes",
    "objects",
    "elements",
    "collection",
];

/// Plurals that do not end in `s`, by their singular.
pub(crate) const IRREGULAR_PLURALS: &[(&str, &str)] = &[
    ("people", "person"),
    ("children", "child"),
    ("men", "man"),
    ("women", "woman"),
    ("data", "datum"),
    ("indices", "index"),
    ("analyses", "analysis"),
];

/// Record fields whose boolean or text value says the object is visible to everyone
/// (`published: true`, `visibility: "public"`), normalised; see `values::records`.
pub(crate) const PUBLIC_FLAGS: &[&str] =
    &["public", "ispublic", "published", "ispublished", "listed"];
/// Fields holding a visibility word, and the words that mean "everyone".
pub(crate) const VISIBILITY_KEYS: &[&str] = &[
    "visibility",
    "profilevisibility",
    "status",
    "state",
    "audience",
];
pub(crate) const PUBLIC_WORDS: &[&str] = &["public", "published", "everyone", "listed"];
/// Visibility words that mean "the owner only".
pub(crate) const PRIVATE_WORDS: &[&str] = &[
    "private", "hidden", "onlyme", "only_me", "draft", "unlisted",
];
