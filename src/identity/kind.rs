//! An identity's kind: a static credential (header lines, HTTP basic) or a login flow that
//! obtains one at scan time. The executor turns either into the headers it sends.

use super::{Credential, LoginFlow};

/// How one user authenticates. Exactly one kind per identity.
#[derive(Debug, Clone)]
pub enum Identity {
    /// Header lines (`Authorization: Bearer …`, `X-API-Key: …`).
    Header(Credential),
    /// `Authorization: Basic …` from a username and password.
    Basic(Credential),
    /// Log in through the API, before preflight and again when the token stops working.
    Login(LoginFlow),
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
        }
    }

    /// The credential known before any request (none for a login flow).
    pub(crate) fn static_credential(&self) -> Option<&Credential> {
        match self {
            Identity::Header(c) | Identity::Basic(c) => Some(c),
            Identity::Login(_) => None,
        }
    }

    /// The login flow, when the identity has one.
    pub(crate) fn login(&self) -> Option<&LoginFlow> {
        match self {
            Identity::Login(flow) => Some(flow),
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
}
