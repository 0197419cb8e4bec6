//! Words that classify data in answers: personal and credential fields, error bodies, values
//! that change between identical calls, product headers, free-text properties.

/// Whole words that mark credentials beyond the secret key words (`vocab::SECRET_KEY_WORDS`):
/// what is sensitive to expose, though not itself masked (`hash`, `mfa`).
pub(crate) const CREDENTIAL_EXTRA_WORDS: &[&str] = &["hash", "mfa"];

/// Whole words that mark personal data.
pub(crate) const PERSONAL_WORDS: &[&str] = &[
    "ssn",
    "passport",
    "birthday",
    "birthdate",
    "dob",
    "email",
    "mail",
    "phone",
    "mobile",
    "telephone",
    "address",
    "street",
    "zip",
    "zipcode",
    "postcode",
    "postal",
    "location",
    "geo",
    "gps",
    "lat",
    "latitude",
    "lng",
    "lon",
    "longitude",
    "coordinates",
    "ip",
    "weight",
    "height",
    "bmi",
    "salary",
    "income",
    "wage",
    "iban",
    "creditcard",
    "cardnumber",
    "cvv",
    "gender",
    "ethnicity",
    "religion",
    "medical",
    "diagnosis",
];

/// Long words found even inside run-together keys (`dateofbirth`).
pub(crate) const PERSONAL_INFIXES: &[&str] = &[
    "birthday",
    "birthdate",
    "dateofbirth",
    "email",
    "phone",
    "address",
    "salary",
    "passport",
    "creditcard",
    "cardnumber",
    "latitude",
    "longitude",
    "socialsecurity",
];

/// Key words of values worth quoting first (normalised key contains one), most telling first.
pub(crate) const DEBUG_TELLING_KEYS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "credential",
    "privatekey",
    "dsn",
    "database",
    "url",
    "uri",
    "host",
    "email",
    "phone",
    "ssn",
    "version",
    "commit",
    "build",
];

/// Keys that error bodies are made of; an object with only these carries no data.
pub(crate) const ERROR_KEYS: &[&str] = &[
    "error",
    "errors",
    "message",
    "msg",
    "code",
    "status",
    "statuscode",
    "detail",
    "details",
    "title",
    "type",
    "reason",
    "description",
    "success",
    "ok",
    "timestamp",
    "path",
    "traceid",
    "requestid",
    "instance",
];

/// Keys whose values differ between any two responses (times, request and trace IDs).
pub(crate) const VOLATILE_KEYS: &[&str] = &[
    "timestamp",
    "time",
    "date",
    "requestid",
    "traceid",
    "spanid",
    "correlationid",
    "nonce",
    "instance",
];

/// Headers that carry a product banner (`nginx/1.25.3`, `PHP/8.1.2`).
pub(crate) const PRODUCT_HEADERS: &[&str] = &["server", "x-powered-by"];

/// Headers whose whole value is a version (`4.0.30319`).
pub(crate) const VERSION_HEADERS: &[&str] = &["x-aspnet-version", "x-aspnetmvc-version"];

/// Free-text properties a harmless marker may go into, most fitting first (normalised).
pub(crate) const TEXT_PROPERTIES: &[&str] = &[
    "note",
    "notes",
    "title",
    "name",
    "description",
    "comment",
    "label",
    "summary",
    "displayname",
    "nickname",
    "bio",
];
