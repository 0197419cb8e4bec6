//! The login operation and failed login attempts against it, shared by the account-enumeration
//! and no-rate-limit checks so both pick the same operation and never use a real password.

use serde_json::{Map, Value};

use super::PlanCx;
use crate::harvest::Inventory;
use crate::identity::Role;
use crate::model::{Api, HttpMethod, Operation, SchemaKind};
use crate::probe::{ProbeRequest, join_url};
use crate::vocab::{
    CREATION_VERBS, LOGIN_ID_WORDS, LOGIN_IDS, LOGIN_NAME_FIELDS, LOGIN_OBJECT_WORDS,
    LOGIN_SEGMENTS, NOT_LOGIN, PASSWORD_FIELDS,
};

/// Field names used when neither the spec nor user A's record says better.
const DEFAULT_NAME_FIELD: &str = "username";
const DEFAULT_PASSWORD_FIELD: &str = "password";
/// Usernames that surely do not exist: failed logins for them can lock nobody out.
pub(crate) const NONEXISTENT_USERS: [&str; 2] =
    ["apileak-nonexistent-7f3c9a", "apileak-nonexistent-b41e07"];
/// A password nobody has; the real one is never known to apileak, let alone sent.
pub(crate) const WRONG_PASSWORD: &str = "apileak-wrong-password-5d21e8";

/// The two fields of a login body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoginShape {
    /// Where the login name goes (`username`, `email`…).
    pub(crate) name_field: String,
    pub(crate) password_field: String,
}

/// Whether `op` exchanges a username and password for a token or session: a POST with a body
/// named like a login, whose declared body schema (if the spec gives one) has a login-name and
/// a password property.
pub(crate) fn is_login_operation(op: &Operation) -> bool {
    if op.method != HttpMethod::Post || !op.has_request_body || !op.path_param_names().is_empty() {
        return false;
    }
    if declared_properties(op).is_some_and(|props| declared_shape(&props).is_none()) {
        return false;
    }
    let id = normalise(&op.id);
    let segments: Vec<String> = op
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(normalise)
        .collect();
    let excluded = |text: &str| NOT_LOGIN.iter().any(|w| text.contains(w));
    if excluded(&id) || segments.iter().any(|s| excluded(s)) {
        return false;
    }
    LOGIN_ID_WORDS.iter().any(|w| id.contains(w))
        || LOGIN_IDS.contains(&id.as_str())
        || segments
            .last()
            .is_some_and(|s| LOGIN_SEGMENTS.contains(&s.as_str()))
}

/// Whether `op` is clearly a password login, safe to aim failed logins at: named like one
/// ([`is_login_operation`]), callable without credentials, with a password property in its
/// declared body, and not the creation endpoint of some resource. A name alone is not enough:
/// real specs have `POST /user/codespaces` (operationId `…-for-authenticated-user`),
/// `POST /v1/account/login_links` and `POST /v1/billing_portal/sessions`.
pub(crate) fn is_clearly_login(op: &Operation) -> bool {
    is_login_operation(op)
        && !op.requires_auth()
        && declared_properties(op).is_some_and(|props| declared_shape(&props).is_some())
        && !is_creation_endpoint(op)
}

/// An operationId whose verb (after any namespace) creates something other than a session.
fn is_creation_endpoint(op: &Operation) -> bool {
    let local = op.id.rsplit(['/', '.', ':']).next().unwrap_or(&op.id);
    let words: Vec<String> = local
        .split(|c: char| !c.is_ascii_alphanumeric())
        .flat_map(split_camel)
        .collect();
    let creates = words
        .first()
        .is_some_and(|w| CREATION_VERBS.contains(&w.as_str()));
    // The last word names what is created: `createSession`, not `PostAccountLoginLinks`.
    let of_a_session = words.last().is_some_and(|w| {
        let singular = w.strip_suffix('s').unwrap_or(w);
        LOGIN_OBJECT_WORDS.contains(&singular) || LOGIN_OBJECT_WORDS.contains(&w.as_str())
    });
    creates && !of_a_session
}

/// `PostBillingPortalSessions` → post, billing, portal, sessions.
fn split_camel(part: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut prev_lower = false;
    for c in part.chars() {
        if (c.is_ascii_uppercase() && prev_lower) || out.is_empty() {
            out.push(String::new());
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        if let Some(last) = out.last_mut() {
            last.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The API's login operation: the configured login identity's operation when the spec has
/// it, else the first operation that is clearly a login. Checks probe only this one, so a
/// spec with several auth routes still gets one bounded set of attempts.
pub fn find_login_operation<'a>(
    api: &'a Api,
    configured: Option<&(HttpMethod, String)>,
) -> Option<&'a Operation> {
    if let Some((method, path)) = configured {
        if let Some(op) = api
            .operations
            .iter()
            .find(|op| op.method == *method && op.path == *path)
        {
            return Some(op);
        }
    }
    api.operations
        .iter()
        .find(|op| is_clearly_login(op) && super::unfillable_query(op).is_none())
}

/// Whether `op` is the operation [`find_login_operation`] picks.
pub(crate) fn is_the_login_operation(op: &Operation, cx: &PlanCx<'_>) -> bool {
    cx.facts
        .login(cx.api)
        .is_some_and(|l| l.method == op.method && l.path == op.path)
}

/// The login body's fields: as the spec declares them, else the login-name field of user A's
/// own record, else `username` and `password`.
pub(crate) fn login_shape(op: &Operation, inv: &Inventory) -> LoginShape {
    if let Some(shape) = declared_properties(op).and_then(|props| declared_shape(&props)) {
        return shape;
    }
    LoginShape {
        name_field: record_login_name(inv, None)
            .map_or_else(|| DEFAULT_NAME_FIELD.to_owned(), |(field, _)| field),
        password_field: DEFAULT_PASSWORD_FIELD.to_owned(),
    }
}

/// User A's login name for `shape`'s name field, from A's own record: an email field gets A's
/// email, any other field A's username (or login, or email).
pub(crate) fn login_name(shape: &LoginShape, inv: &Inventory) -> Option<String> {
    let wants_email = normalise(&shape.name_field).contains("email");
    record_login_name(inv, wants_email.then_some("email")).map(|(_, name)| name)
}

/// A login-name field of A's record and its value: `only` that field, or the first of
/// [`LOGIN_NAME_FIELDS`] present.
fn record_login_name(inv: &Inventory, only: Option<&str>) -> Option<(String, String)> {
    let me = inv.me.as_ref()?.as_object()?;
    LOGIN_NAME_FIELDS
        .iter()
        .filter(|want| only.is_none_or(|o| o == **want))
        .find_map(|want| {
            me.iter()
                .find(|(k, v)| {
                    normalise(k) == *want && v.as_str().is_some_and(|s| !s.trim().is_empty())
                })
                .and_then(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        })
}

/// Top-level property names of the declared JSON body, when the spec declares an object with
/// properties (an open or untyped schema says nothing).
fn declared_properties(op: &Operation) -> Option<Vec<&str>> {
    let schema = op.request_schema.as_ref()?;
    match &schema.kind {
        SchemaKind::Object { properties, .. } if !properties.is_empty() && !schema.open => {
            Some(properties.keys().map(String::as_str).collect())
        }
        _ => None,
    }
}

/// The login-name and password properties among `props`, if both are there.
fn declared_shape(props: &[&str]) -> Option<LoginShape> {
    let pick = |wanted: &[&str]| {
        wanted.iter().find_map(|w| {
            props
                .iter()
                .find(|p| normalise(p) == *w)
                .map(|p| (*p).to_owned())
        })
    };
    Some(LoginShape {
        name_field: pick(LOGIN_NAME_FIELDS)?,
        password_field: pick(PASSWORD_FIELDS)?,
    })
}

/// A login name that does not exist, shaped like `real` (an email keeps its domain, so
/// format validation treats both alike).
pub(crate) fn nonexistent_like(real: Option<&str>, which: usize) -> String {
    let base = NONEXISTENT_USERS[which % NONEXISTENT_USERS.len()];
    match real.and_then(|r| r.split_once('@')) {
        Some((_, domain)) => format!("{base}@{domain}"),
        None => base.to_owned(),
    }
}

/// A failed login: `name` with a wrong password, sent anonymously. It changes no state, so it
/// needs no `--allow-writes`.
pub(crate) fn failed_login(
    op: &Operation,
    cx: &PlanCx<'_>,
    shape: &LoginShape,
    name: &str,
) -> ProbeRequest {
    let url = join_url(cx.base_url, &op.path, &super::query_examples(op));
    let mut body = Map::new();
    body.insert(shape.name_field.clone(), Value::String(name.to_owned()));
    body.insert(
        shape.password_field.clone(),
        Value::String(WRONG_PASSWORD.to_owned()),
    );
    ProbeRequest::new(Role::Anonymous, HttpMethod::Post, url)
        .json(&Value::Object(body))
        .not_a_write()
}

fn normalise(text: &str) -> String {
    super::judge::normalise_key(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Schema;
    use serde_json::json;

    fn post(path: &str, id: &str) -> Operation {
        Operation {
            id: id.into(),
            method: HttpMethod::Post,
            path: path.into(),
            has_request_body: true,
            ..Operation::api_wide()
        }
    }

    #[test]
    fn login_operations_by_path_or_operation_id() {
        for (path, id) in [
            ("/auth/login", "x"),
            ("/api/v1/sign-in", "x"),
            ("/oauth/token", "x"),
            ("/sessions", "x"),
            ("/auth", "x"),
            ("/users/authenticate", "x"),
            ("/v2/accounts", "loginUser"),
            ("/v2/credentials", "createSession"),
        ] {
            assert!(is_login_operation(&post(path, id)), "{path} {id}");
        }
    }

    #[test]
    fn other_auth_flows_and_shapes_are_not_logins() {
        for (path, id) in [
            ("/auth/logout", "x"),
            ("/auth/refresh", "refreshToken"),
            ("/auth/register", "x"),
            ("/auth/password/reset", "x"),
            ("/auth/token/revoke", "x"),
            ("/users/{userId}/login", "x"),
            ("/members", "createMember"),
            ("/authors", "createAuthor"),
        ] {
            assert!(!is_login_operation(&post(path, id)), "{path} {id}");
        }
        let get = Operation {
            method: HttpMethod::Get,
            ..post("/auth/login", "x")
        };
        assert!(!is_login_operation(&get));
        let bodiless = Operation {
            has_request_body: false,
            ..post("/auth/login", "x")
        };
        assert!(!is_login_operation(&bodiless));
    }

    fn with_body(op: Operation, props: &[&str]) -> Operation {
        let properties = props
            .iter()
            .map(|p| ((*p).to_owned(), Schema::default()))
            .collect::<std::collections::BTreeMap<_, _>>();
        Operation {
            request_schema: Some(Schema {
                kind: SchemaKind::Object {
                    properties: properties.into(),
                    additional: false,
                },
                ..Schema::default()
            }),
            ..op
        }
    }

    #[test]
    fn a_declared_body_must_have_a_name_and_a_password() {
        let login = post("/auth/login", "login");
        assert!(is_login_operation(&with_body(
            login.clone(),
            &["email", "password", "remember"]
        )));
        // Named like a login, but an API-key exchange or a one-time-code step.
        assert!(!is_login_operation(&with_body(login.clone(), &["api_key"])));
        assert!(!is_login_operation(&with_body(login, &["username", "otp"])));
    }

    #[test]
    fn only_clear_logins_are_targets() {
        let login = with_body(post("/auth/login", "login"), &["username", "password"]);
        assert!(is_clearly_login(&login));
        // A name alone is not enough: the body must be declared with a password.
        assert!(!is_clearly_login(&post("/auth/login", "login")));
        // An operation that needs credentials is not where anonymous users log in.
        let secured = Operation {
            security: vec![vec![("bearer".into(), Vec::new())]],
            ..login.clone()
        };
        assert!(!is_clearly_login(&secured));
        let anonymous_allowed = Operation {
            security: vec![vec![("bearer".into(), Vec::new())], Vec::new()],
            ..login.clone()
        };
        assert!(is_clearly_login(&anonymous_allowed));
        // Creation endpoints whose names happen to contain a login word.
        for (path, id) in [
            (
                "/user/codespaces",
                "codespaces/create-for-authenticated-user",
            ),
            ("/v1/account/login_links", "PostAccountLoginLinks"),
        ] {
            let op = with_body(post(path, id), &["username", "password"]);
            assert!(!is_clearly_login(&op), "{id}");
        }
        let portal = Operation {
            security: vec![vec![("basicAuth".into(), Vec::new())]],
            ..with_body(
                post("/v1/billing_portal/sessions", "PostBillingPortalSessions"),
                &["customer", "password"],
            )
        };
        assert!(!is_clearly_login(&portal));
        let session = with_body(post("/sessions", "createSession"), &["email", "password"]);
        assert!(is_clearly_login(&session));
    }

    #[test]
    fn the_configured_login_wins() {
        let heuristic = with_body(post("/auth/login", "login"), &["username", "password"]);
        let configured = post("/api/v2/signon", "doSignOn");
        let api = Api {
            operations: vec![heuristic, configured],
            ..Api::default()
        };
        let found = |c: Option<(HttpMethod, String)>| {
            find_login_operation(&api, c.as_ref()).map(|o| o.path.clone())
        };
        assert_eq!(found(None).as_deref(), Some("/auth/login"));
        assert_eq!(
            found(Some((HttpMethod::Post, "/api/v2/signon".into()))).as_deref(),
            Some("/api/v2/signon")
        );
        // A login elsewhere (an identity provider): the spec's clear login is still used.
        assert_eq!(
            found(Some((HttpMethod::Post, "/elsewhere".into()))).as_deref(),
            Some("/auth/login")
        );
    }

    #[test]
    fn shape_follows_the_spec_then_the_me_record() {
        let mut inv = Inventory::bare(Role::UserA);
        inv.me = Some(json!({"id": 1, "email": "a@example.test", "userName": "alice"}));
        let undeclared = post("/auth/login", "login");
        let shape = login_shape(&undeclared, &inv);
        assert_eq!(
            (shape.name_field.as_str(), shape.password_field.as_str()),
            ("userName", "password")
        );
        assert_eq!(login_name(&shape, &inv).as_deref(), Some("alice"));

        let declared = with_body(undeclared, &["Email", "Passwd"]);
        let shape = login_shape(&declared, &inv);
        assert_eq!(
            (shape.name_field.as_str(), shape.password_field.as_str()),
            ("Email", "Passwd")
        );
        assert_eq!(login_name(&shape, &inv).as_deref(), Some("a@example.test"));

        let nobody = Inventory::bare(Role::UserA);
        let shape = login_shape(&post("/auth/login", "login"), &nobody);
        assert_eq!(shape.name_field, "username");
        assert_eq!(login_name(&shape, &nobody), None);
    }

    #[test]
    fn nonexistent_names_keep_the_real_shape() {
        assert_eq!(nonexistent_like(Some("alice"), 0), NONEXISTENT_USERS[0]);
        assert_eq!(
            nonexistent_like(Some("a@example.test"), 1),
            format!("{}@example.test", NONEXISTENT_USERS[1])
        );
        assert_ne!(nonexistent_like(None, 0), nonexistent_like(None, 1));
    }
}
