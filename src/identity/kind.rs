//! An identity's kind: a static credential (header lines, HTTP basic, an API key) or a login flow that
//! obtains one at scan time. The executor turns either into the headers it sends.

use url::Url;

use super::{ApiKey, ApiKeyError, Credential, LoginFlow, OAuth2Client, OAuth2Error, Role};
use crate::model::Api;

/// How one user authenticates. Exactly one kind per identity.
#[derive(Debug, Clone)]
pub enum Identity {
    /// Header lines (`Authorization: Bearer …`, `X-API-Key: …`).
    Header(Credential),
    /// `Authorization: Basic …` from a username and password.
    Basic(Credential),
    /// Log in through the API, before preflight and again when the token stops working.
    Login(LoginFlow),
    /// An API key placed as the spec's apiKey scheme says (after [`Identity::resolve`]).
    ApiKey(ApiKey),
    /// OAuth2 client credentials: a token from the token URL, refreshed like a login's.
    OAuth2(OAuth2Client),
}

/// Why an identity cannot be completed from the spec (a config error: exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    ApiKey(#[from] ApiKeyError),
    #[error(transparent)]
    OAuth2(#[from] OAuth2Error),
}

impl From<Credential> for Identity {
    fn from(credential: Credential) -> Identity {
        Identity::Header(credential)
    }
}

impl Identity {
    /// Which credential kind, never its value: `header Authorization`, `basic`,
    /// `login POST /auth/login → bearer`.
    pub fn describe(&self) -> String {
        match self {
            Identity::Header(c) => format!("header {}", c.header_names().join(", ")),
            Identity::Basic(_) => "basic".to_owned(),
            Identity::Login(flow) => flow.describe(),
            Identity::ApiKey(key) => key.describe(),
            Identity::OAuth2(client) => client.describe(),
        }
    }

    /// The login name a login flow posts (`username`, `login`, `email`): who the user is by
    /// configuration, when the API's own record does not say. Not a secret (passwords are
    /// never returned).
    pub fn login_name(&self) -> Option<String> {
        let Identity::Login(flow) = self else {
            return None;
        };
        flow.body.iter().find_map(|(k, v)| {
            let k = crate::vocab::words(k).concat();
            (crate::vocab::USERNAME_KEYS.contains(&k.as_str()) || k == "email" || k == "user")
                .then(|| secrecy::ExposeSecret::expose_secret(v).to_owned())
        })
    }

    /// Completes what needs the spec and the base URL (an API key's placement, an OAuth2
    /// token URL). A no-op for other kinds.
    pub fn resolve(&mut self, role: Role, api: &Api, base: &Url) -> Result<(), ResolveError> {
        match self {
            Identity::ApiKey(key) => Ok(key.resolve(role, &api.security_schemes)?),
            Identity::OAuth2(client) => Ok(client.resolve(role, api, base)?),
            _ => Ok(()),
        }
    }

    /// The credential known before any request (none for a login flow).
    pub(crate) fn static_credential(&self) -> Option<&Credential> {
        match self {
            Identity::Header(c) | Identity::Basic(c) => Some(c),
            Identity::ApiKey(key) => key.credential(),
            Identity::Login(_) | Identity::OAuth2(_) => None,
        }
    }

    /// The login flow, when the identity has one (an OAuth2 client's token request is one).
    pub(crate) fn login(&self) -> Option<&LoginFlow> {
        match self {
            Identity::Login(flow) => Some(flow),
            Identity::OAuth2(client) => client.flow(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Role;

    #[test]
    fn describes_the_kind_without_values() {
        let c = Credential::parse(Role::UserA, "Authorization: Bearer abcdef123").expect("ok");
        assert_eq!(Identity::from(c).describe(), "header authorization");
        let b = Credential::basic(Role::UserA, "alice", &"alice-demo-pass".into()).expect("ok");
        assert_eq!(Identity::Basic(b).describe(), "basic");
    }

    #[test]
    fn a_login_flow_names_its_user_never_its_password() {
        let flow = |field: &str| {
            Identity::Login(LoginFlow {
                method: crate::model::HttpMethod::Post,
                path: "/auth/login".into(),
                url: None,
                url_explicit: false,
                body: vec![
                    (field.into(), "ann@x.test".into()),
                    ("password".into(), "s3cret-pass".into()),
                ],
                form: false,
                token: super::super::TokenSource::JsonPointer(vec!["/token".into()]),
                apply: super::super::Apply::Header {
                    name: reqwest::header::AUTHORIZATION,
                    prefix: "Bearer ".into(),
                },
            })
        };
        assert_eq!(
            flow("user_name").login_name().as_deref(),
            Some("ann@x.test")
        );
        assert_eq!(flow("email").login_name().as_deref(), Some("ann@x.test"));
        assert_eq!(flow("client").login_name(), None);
        let c = Credential::parse(Role::UserA, "Authorization: Bearer abcdef123").expect("ok");
        assert_eq!(Identity::from(c).login_name(), None);
    }
}
