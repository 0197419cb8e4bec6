//! Fetching the spec from a URL (`spec: https://…`), once, before the scan. Its optional
//! credential is separate from the identities and only ever sent to the spec's own URL
//! (redirects are not followed). The body is streamed and cut at `MAX_SPEC_BYTES`, so a huge
//! or endless answer costs at most that much memory.

use reqwest::header::{HeaderMap, HeaderValue};
use url::Url;

use super::ExecSettings;
use super::client::describe;
use crate::identity::{Credential, Redactor};

/// The spec body is capped: no real spec is this big.
pub const MAX_SPEC_BYTES: usize = 32 << 20;

/// The spec's text, or why it could not be fetched (redacted: never the credential).
pub async fn fetch_spec(
    url: &Url,
    auth: Option<&Credential>,
    settings: &ExecSettings,
) -> Result<String, String> {
    fetch_capped(url, auth, settings, MAX_SPEC_BYTES).await
}

async fn fetch_capped(
    url: &Url,
    auth: Option<&Credential>,
    settings: &ExecSettings,
    limit: usize,
) -> Result<String, String> {
    let redactor = Redactor::new(auth);
    let mut headers = HeaderMap::new();
    for (name, value) in auth.iter().flat_map(|c| c.header_pairs()) {
        let value = HeaderValue::from_str(value)
            .map_err(|_| format!("the `{name}` credential cannot be sent in HTTP"))?;
        headers.append(name.clone(), value);
    }
    let client = super::tls::build_client(&settings.tls, settings.timeout)
        .map_err(|e| redactor.redact(&describe(&e)))?;
    let mut response = client
        .get(url.clone())
        .headers(headers)
        .send()
        .await
        .map_err(|e| redactor.redact(&describe(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("the server answered {}", status.as_u16()));
    }
    let too_large = || format!("the spec is larger than the limit of {limit} bytes");
    // A declared length over the limit is refused before reading anything.
    if response
        .content_length()
        .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > limit))
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| redactor.redact(&describe(&e)))?
    {
        if bytes.len() + chunk.len() > limit {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| "the spec is not UTF-8 text".to_owned())
}
