//! OAuth2 client-credentials identities: a form POST of the client's ID and secret to the
//! token URL, whose `access_token` is then sent as a bearer token and refreshed like a login
//! flow's. The token URL comes from the config or, by default, from the spec's oauth2
//! `clientCredentials` flow; only one written in the config may be on another origin.

use secrecy::SecretString;
use url::Url;

use super::{Apply, LoginFlow, Role, TokenSource};
use crate::model::{Api, HttpMethod};

/// A client's credentials and, once resolved, the token request they make.
#[derive(Clone)]
pub struct OAuth2Client {
    /// The token URL as written in the config (absolute, or relative to the base URL).
    pub token_url: Option<String>,
    /// The client's ID (sent in the form, not a secret).
    pub client_id: String,
    /// The client's secret; joins the redactor with the login secrets.
    pub client_secret: SecretString,
    /// Space-separated scopes, sent as `scope` when present.
    pub scope: Option<String>,
    flow: Option<LoginFlow>,
}

impl std::fmt::Debug for OAuth2Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth2Client")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// Why a client's token URL cannot be used. Never carries the secret.
#[derive(Debug, thiserror::Error)]
pub enum OAuth2Error {
    #[error(
        "{role} oauth2: no `token_url`, and the spec declares no oauth2 clientCredentials flow"
    )]
    NoTokenUrl { role: Role },
    #[error(
        "{role} oauth2: the spec declares several clientCredentials token URLs ({choices}); set `token_url`"
    )]
    Ambiguous { role: Role, choices: String },
    #[error("{role} oauth2: token URL `{url}` is not a valid http(s) URL without credentials")]
    BadUrl { role: Role, url: String },
    #[error(
        "{role} oauth2: the spec's token URL `{url}` is on another origin than the target; write it as `token_url` in the config to allow sending the client secret there"
    )]
    ForeignSpecUrl { role: Role, url: String },
}

impl OAuth2Client {
    /// A client whose token URL is not resolved yet.
    pub fn new(
        token_url: Option<String>,
        client_id: String,
        client_secret: SecretString,
        scope: Option<String>,
    ) -> OAuth2Client {
        OAuth2Client {
            token_url,
            client_id,
            client_secret,
            scope,
            flow: None,
        }
    }

    /// Resolves the token URL (the config's, else the spec's) against `base` and builds the
    /// token request.
    pub fn resolve(&mut self, role: Role, api: &Api, base: &Url) -> Result<(), OAuth2Error> {
        let (raw, explicit) = match &self.token_url {
            Some(url) => (url.clone(), true),
            None => {
                let mut urls: Vec<&String> = api
                    .security_schemes
                    .values()
                    .filter_map(|s| s.client_credentials_token_url.as_ref())
                    .collect();
                urls.dedup();
                match urls.as_slice() {
                    [] => return Err(OAuth2Error::NoTokenUrl { role }),
                    [one] => ((*one).clone(), false),
                    _ => {
                        let choices: Vec<String> = urls.iter().map(|u| format!("`{u}`")).collect();
                        return Err(OAuth2Error::Ambiguous {
                            role,
                            choices: choices.join(", "),
                        });
                    }
                }
            }
        };
        let bad = || OAuth2Error::BadUrl {
            role,
            url: raw.chars().take(120).collect(),
        };
        let url = base.join(&raw).map_err(|_| bad())?;
        if !matches!(url.scheme(), "http" | "https")
            || url.host().is_none()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(bad());
        }
        if url.origin() != base.origin() {
            if !explicit {
                return Err(OAuth2Error::ForeignSpecUrl {
                    role,
                    url: url.to_string(),
                });
            }
            tracing::info!(identity = %role, %url, "the oauth2 token URL written in the config is on another origin; the client secret is sent there");
        }
        let mut body = vec![
            (
                "grant_type".to_owned(),
                SecretString::from("client_credentials"),
            ),
            (
                "client_id".to_owned(),
                SecretString::from(self.client_id.clone()),
            ),
            ("client_secret".to_owned(), self.client_secret.clone()),
        ];
        if let Some(scope) = &self.scope {
            body.push(("scope".to_owned(), SecretString::from(scope.clone())));
        }
        self.flow = Some(LoginFlow {
            method: HttpMethod::Post,
            path: url.path().to_owned(),
            url: Some(url),
            url_explicit: explicit,
            body,
            form: true,
            token: TokenSource::JsonPointer(vec!["/access_token".into()]),
            apply: Apply::Header {
                name: reqwest::header::AUTHORIZATION,
                prefix: "Bearer ".into(),
            },
        });
        Ok(())
    }

    /// `oauth2 client credentials POST http://…/oauth/token → bearer`. No secret.
    pub fn describe(&self) -> String {
        match &self.flow {
            Some(flow) => format!("oauth2 client credentials {} → bearer", flow.operation()),
            None => "oauth2 client credentials".to_owned(),
        }
    }

    /// The token request, once resolved.
    pub(crate) fn flow(&self) -> Option<&LoginFlow> {
        self.flow.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SecurityScheme, SecuritySchemeKind};

    fn api(token_urls: &[&str]) -> Api {
        let mut api = Api::default();
        for (i, u) in token_urls.iter().enumerate() {
            api.security_schemes.insert(
                format!("oauth{i}"),
                SecurityScheme {
                    kind: SecuritySchemeKind::OAuth2,
                    description: None,
                    client_credentials_token_url: Some((*u).to_owned()),
                },
            );
        }
        api
    }

    fn client(token_url: Option<&str>) -> OAuth2Client {
        OAuth2Client::new(
            token_url.map(str::to_owned),
            "alice-client".into(),
            "s3cret-client-value".into(),
            Some("read".into()),
        )
    }

    #[test]
    fn the_spec_token_url_resolves_against_the_base_and_must_stay_on_its_origin() {
        let base = Url::parse("http://127.0.0.1:9/api/").expect("url");
        let mut c = client(None);
        c.resolve(Role::UserA, &api(&["/oauth/token"]), &base)
            .expect("relative");
        assert_eq!(
            c.describe(),
            "oauth2 client credentials POST http://127.0.0.1:9/oauth/token → bearer"
        );
        let flow = c.flow().expect("flow");
        assert!(flow.form && !flow.url_explicit);
        assert_eq!(flow.secrets(), ["s3cret-client-value"]);
        let (_, body) = flow.request_body();
        assert_eq!(
            body,
            "grant_type=client_credentials&client_id=alice-client&client_secret=s3cret-client-value&scope=read"
        );
        let e = client(None)
            .resolve(Role::UserA, &api(&["https://idp.example/token"]), &base)
            .expect_err("foreign spec url");
        assert!(e.to_string().contains("on another origin"), "{e}");
        let mut explicit = client(Some("https://idp.example/token"));
        explicit
            .resolve(Role::UserA, &api(&[]), &base)
            .expect("explicit foreign url");
        assert!(explicit.flow().is_some_and(|f| f.url_explicit));
        assert!(client(None).resolve(Role::UserB, &api(&[]), &base).is_err());
        assert!(!format!("{explicit:?}").contains("s3cret"));
    }
}
