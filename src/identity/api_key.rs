//! API key identities: a key whose placement (header, query parameter or cookie) and name
//! come from the spec's `apiKey` security scheme. The key is read from the config file before
//! the spec is loaded, so it is placed ([`ApiKey::resolve`]) once the spec's schemes are known.

use std::collections::BTreeMap;

use reqwest::header::{HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use super::{Credential, Role};
use crate::model::{ParamLocation, SecurityScheme, SecuritySchemeKind};

/// An API key and, once resolved against the spec, where it goes.
#[derive(Clone)]
pub struct ApiKey {
    /// The key itself.
    pub value: SecretString,
    /// The `securitySchemes` entry to follow; optional when the spec has exactly one apiKey
    /// scheme.
    pub scheme: Option<String>,
    placed: Option<Placed>,
}

/// Where a resolved key goes, and the credential that carries it there.
#[derive(Clone)]
struct Placed {
    scheme: String,
    name: String,
    location: ParamLocation,
    credential: Credential,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("scheme", &self.scheme)
            .field(
                "placed",
                &self.placed.as_ref().map(|p| (&p.name, p.location)),
            )
            .finish_non_exhaustive()
    }
}

/// Why an API key cannot be placed. Never carries the key.
#[derive(Debug, thiserror::Error)]
pub enum ApiKeyError {
    #[error("{role} api_key: the spec declares no apiKey security scheme")]
    NoScheme { role: Role },
    #[error(
        "{role} api_key: the spec declares several apiKey schemes; set `scheme` to one of: {choices}"
    )]
    Ambiguous { role: Role, choices: String },
    #[error("{role} api_key: the spec has no apiKey scheme `{scheme}` (apiKey schemes: {choices})")]
    Unknown {
        role: Role,
        scheme: String,
        choices: String,
    },
    #[error(
        "{role} api_key: scheme `{scheme}` puts the key in the {location:?}, which apileak cannot send"
    )]
    Placement {
        role: Role,
        scheme: String,
        location: ParamLocation,
    },
    #[error("{role} api_key: the key cannot be sent as `{name}`")]
    BadValue { role: Role, name: String },
}

impl ApiKey {
    /// A key not yet placed.
    pub fn new(value: SecretString, scheme: Option<String>) -> ApiKey {
        ApiKey {
            value,
            scheme,
            placed: None,
        }
    }

    /// Places the key as the spec's apiKey scheme says (the named one, or the only one).
    pub fn resolve(
        &mut self,
        role: Role,
        schemes: &BTreeMap<String, SecurityScheme>,
    ) -> Result<(), ApiKeyError> {
        let api_keys: Vec<(&String, &String, ParamLocation)> = schemes
            .iter()
            .filter_map(|(id, s)| match &s.kind {
                SecuritySchemeKind::ApiKey { name, location } => Some((id, name, *location)),
                _ => None,
            })
            .collect();
        let choices = || {
            api_keys
                .iter()
                .map(|(id, _, _)| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (scheme, name, location) = match &self.scheme {
            Some(wanted) => *api_keys
                .iter()
                .find(|(id, _, _)| *id == wanted)
                .ok_or_else(|| ApiKeyError::Unknown {
                    role,
                    scheme: wanted.clone(),
                    choices: if api_keys.is_empty() {
                        "none".into()
                    } else {
                        choices()
                    },
                })?,
            None => match api_keys.as_slice() {
                [] => return Err(ApiKeyError::NoScheme { role }),
                [one] => *one,
                _ => {
                    return Err(ApiKeyError::Ambiguous {
                        role,
                        choices: choices(),
                    });
                }
            },
        };
        let key = self.value.expose_secret();
        let bad = || ApiKeyError::BadValue {
            role,
            name: name.clone(),
        };
        let credential = match location {
            ParamLocation::Header => {
                let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
                HeaderValue::from_str(key).map_err(|_| bad())?;
                Credential::single(header, self.value.clone())
            }
            ParamLocation::Cookie => {
                let value = format!("{name}={key}");
                HeaderValue::from_str(&value).map_err(|_| bad())?;
                Credential::single(reqwest::header::COOKIE, SecretString::from(value))
            }
            ParamLocation::Query => Credential::query(name.clone(), self.value.clone()),
            ParamLocation::Path => {
                return Err(ApiKeyError::Placement {
                    role,
                    scheme: scheme.clone(),
                    location,
                });
            }
        };
        self.placed = Some(Placed {
            scheme: scheme.clone(),
            name: name.clone(),
            location,
            credential,
        });
        Ok(())
    }

    /// `api key apiKeyAuth (header X-API-Key)`; before resolution just `api key`. No value.
    pub fn describe(&self) -> String {
        match &self.placed {
            Some(p) => {
                let place = match p.location {
                    ParamLocation::Header => "header",
                    ParamLocation::Query => "query",
                    ParamLocation::Cookie => "cookie",
                    ParamLocation::Path => "path",
                };
                format!("api key {} ({place} {})", p.scheme, p.name)
            }
            None => "api key".to_owned(),
        }
    }

    /// The parameter name and where it goes, once placed.
    pub(crate) fn placement(&self) -> Option<(&str, ParamLocation)> {
        self.placed.as_ref().map(|p| (p.name.as_str(), p.location))
    }

    /// The credential, once placed.
    pub(crate) fn credential(&self) -> Option<&Credential> {
        self.placed.as_ref().map(|p| &p.credential)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schemes(list: &[(&str, &str, ParamLocation)]) -> BTreeMap<String, SecurityScheme> {
        let mut out: BTreeMap<String, SecurityScheme> = list
            .iter()
            .map(|(id, name, location)| {
                (
                    (*id).to_owned(),
                    SecurityScheme {
                        kind: SecuritySchemeKind::ApiKey {
                            name: (*name).to_owned(),
                            location: *location,
                        },
                        description: None,
                        client_credentials_token_url: None,
                    },
                )
            })
            .collect();
        out.insert(
            "bearerAuth".into(),
            SecurityScheme {
                kind: SecuritySchemeKind::Http {
                    scheme: "bearer".into(),
                },
                description: None,
                client_credentials_token_url: None,
            },
        );
        out
    }

    #[test]
    fn the_only_api_key_scheme_is_the_default() {
        let mut key = ApiKey::new("k3y-value-123".into(), None);
        key.resolve(
            Role::UserA,
            &schemes(&[("apiKeyAuth", "X-API-Key", ParamLocation::Header)]),
        )
        .expect("one scheme");
        assert_eq!(key.describe(), "api key apiKeyAuth (header X-API-Key)");
        let c = key.credential().expect("placed");
        assert_eq!(c.header_names(), ["x-api-key"]);
        assert!(!format!("{key:?}").contains("k3y-value"));
    }

    #[test]
    fn several_schemes_need_a_name_and_errors_list_the_choices() {
        let two = schemes(&[
            ("headerKey", "X-API-Key", ParamLocation::Header),
            ("queryKey", "api_key", ParamLocation::Query),
        ]);
        let e = ApiKey::new("k3y-value-123".into(), None)
            .resolve(Role::UserB, &two)
            .expect_err("ambiguous");
        assert_eq!(
            e.to_string(),
            "user-b api_key: the spec declares several apiKey schemes; set `scheme` to one of: `headerKey`, `queryKey`"
        );
        let e = ApiKey::new("k3y-value-123".into(), Some("nope".into()))
            .resolve(Role::UserB, &two)
            .expect_err("unknown");
        assert!(e.to_string().contains("no apiKey scheme `nope`"), "{e}");
        let mut key = ApiKey::new("k3y-value-123".into(), Some("queryKey".into()));
        key.resolve(Role::UserA, &two).expect("named");
        let c = key.credential().expect("placed");
        assert!(c.header_names().is_empty());
        assert_eq!(
            c.query_pairs().collect::<Vec<_>>(),
            [("api_key", "k3y-value-123")]
        );
        assert!(
            ApiKey::new("x".into(), None)
                .resolve(Role::UserA, &schemes(&[]))
                .is_err()
        );
    }
}
