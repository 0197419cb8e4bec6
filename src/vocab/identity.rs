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
    "user", "member", "account", "owner", "profile", "customer", "person", "player", "athlete",
    "author", "creator", "uid",
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
