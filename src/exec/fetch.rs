//! Fetching the spec from a URL (`spec: https://…`), once, before the scan. Its optional
//! credential is separate from the identities and only ever sent to the spec's own URL
//! (redirects are not followed).

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use url::Url;

use super::client::describe;
use crate::identity::{Credential, Redactor};

/// The spec body is capped: no real spec is this big.
const MAX_SPEC_BYTES: usize = 32 << 20;

/// The spec's text, or why it could not be fetched (redacted: never the credential).
pub async fn fetch_spec(
    url: &Url,
    auth: Option<&Credential>,
    timeout: Duration,
) -> Result<String, String> {
    let redactor = Redactor::new(auth);
    let mut headers = HeaderMap::new();
    for (name, value) in auth.iter().flat_map(|c| c.header_pairs()) {
        let value = HeaderValue::from_str(value)
            .map_err(|_| format!("the `{name}` credential cannot be sent in HTTP"))?;
        headers.append(name.clone(), value);
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .user_agent(concat!("apileak/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| redactor.redact(&describe(&e)))?;
    let response = client
        .get(url.clone())
        .headers(headers)
        .send()
        .await
        .map_err(|e| redactor.redact(&describe(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("the server answered {}", status.as_u16()));
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| redactor.redact(&describe(&e)))?;
    if bytes.len() > MAX_SPEC_BYTES {
        return Err(format!("the spec is larger than {MAX_SPEC_BYTES} bytes"));
    }
    String::from_utf8(bytes.to_vec()).map_err(|_| "the spec is not UTF-8 text".to_owned())
}
