//! The HTTP executor. Credentials are attached here and only for the target's own origin;
//! redirects are never followed, so a credential can't be carried to another host.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use tokio::sync::{Mutex, OnceCell, Semaphore};
use url::Url;

use super::{Exchange, ProbeRequest};
use crate::identity::{Credential, Redactor, Role, forge_token};
use crate::model::HttpMethod;

/// Bodies beyond this are cut: evidence needs the start, not megabytes.
const MAX_BODY_BYTES: usize = 1 << 20;

#[derive(Debug, Clone)]
pub struct ExecSettings {
    pub concurrency: usize,
    pub timeout: Duration,
    /// Requests per second (also the burst size).
    pub rate: u32,
    /// Send requests that change state (`--allow-writes`); refused otherwise.
    pub allow_writes: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("failed to build the HTTP client: {0}")]
    Client(String),
}

/// Counters for the report.
#[derive(Debug, Default, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct ExecStats {
    /// Requests actually sent.
    pub requests: u64,
    /// Requests answered from the per-scan cache (same identity, method and URL).
    pub cached: u64,
    /// Requests that got no HTTP response.
    pub transport_errors: u64,
}

type Slot = Arc<OnceCell<Arc<Exchange>>>;

pub struct Executor {
    client: reqwest::Client,
    origin: url::Origin,
    user_a: Option<Credential>,
    user_b: Option<Credential>,
    redactor: Redactor,
    concurrency: usize,
    allow_writes: bool,
    limiter: DefaultDirectRateLimiter,
    permits: Semaphore,
    // Safe requests are deterministic enough to answer twice from one response; this keeps
    // harvest, reference and attack requests from hitting the target more than once.
    cache: Mutex<HashMap<ProbeRequest, Slot>>,
    sent: AtomicU64,
    cached: AtomicU64,
    errors: AtomicU64,
}

impl Executor {
    pub fn new(
        settings: &ExecSettings,
        base_url: &Url,
        user_a: Option<Credential>,
        user_b: Option<Credential>,
    ) -> Result<Executor, ExecError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .user_agent(concat!("apileak/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ExecError::Client(e.to_string()))?;
        let rate = NonZeroU32::new(settings.rate.max(1)).unwrap_or(NonZeroU32::MIN);
        let redactor = Redactor::new(user_a.iter().chain(user_b.iter()));
        Ok(Executor {
            client,
            origin: base_url.origin(),
            user_a,
            user_b,
            redactor,
            concurrency: settings.concurrency.max(1),
            allow_writes: settings.allow_writes,
            limiter: RateLimiter::direct(Quota::per_second(rate)),
            permits: Semaphore::new(settings.concurrency.max(1)),
            cache: Mutex::new(HashMap::new()),
            sent: AtomicU64::new(0),
            cached: AtomicU64::new(0),
            errors: AtomicU64::new(0),
        })
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    pub fn stats(&self) -> ExecStats {
        ExecStats {
            requests: self.sent.load(Ordering::Relaxed),
            cached: self.cached.load(Ordering::Relaxed),
            transport_errors: self.errors.load(Ordering::Relaxed),
        }
    }

    /// Sends many requests with bounded concurrency; results in input order.
    pub async fn send_all(&self, requests: Vec<ProbeRequest>) -> Vec<Arc<Exchange>> {
        futures::stream::iter(requests)
            .map(|r| self.send(r))
            .buffered(self.concurrency)
            .collect()
            .await
    }

    /// Sends groups of requests: groups run concurrently, the requests of one group in order
    /// (a write, then the read that confirms it). Results mirror the input.
    pub async fn send_groups(&self, groups: Vec<Vec<ProbeRequest>>) -> Vec<Vec<Arc<Exchange>>> {
        futures::stream::iter(groups)
            .map(|group| async move {
                let mut out = Vec::with_capacity(group.len());
                for r in group {
                    out.push(self.send(r).await);
                }
                out
            })
            .buffered(self.concurrency)
            .collect()
            .await
    }

    /// Sends one request (or answers a cacheable one from the cache).
    pub async fn send(&self, request: ProbeRequest) -> Arc<Exchange> {
        if !request.cacheable {
            return Arc::new(self.send_uncached(request).await);
        }
        let slot = {
            let mut cache = self.cache.lock().await;
            cache.entry(request.clone()).or_default().clone()
        };
        let mut fresh = false;
        let exchange = slot
            .get_or_init(|| async {
                fresh = true;
                Arc::new(self.send_uncached(request).await)
            })
            .await
            .clone();
        if !fresh {
            self.cached.fetch_add(1, Ordering::Relaxed);
        }
        exchange
    }

    /// The headers to send: credentials (or a forgery of them) for the target's own origin
    /// only, then the request's own headers. `Err` explains why the request can't be sent.
    fn headers_for(&self, request: &ProbeRequest) -> Result<HeaderMap, String> {
        let mut headers = HeaderMap::new();
        let credential = match request.role {
            Role::Anonymous => None,
            Role::UserA => self.user_a.as_ref(),
            Role::UserB => self.user_b.as_ref(),
        };
        if request.url.origin() != self.origin {
            if credential.is_some() || request.forge.is_some() {
                tracing::warn!(url = %request.url, "not sending credentials to another origin");
                return Err("refused: credentials are only sent to the target's origin".into());
            }
        } else if let Some(forge) = &request.forge {
            let token = credential
                .and_then(Credential::bearer_token)
                .unwrap_or_default();
            let forged = forge_token(token, forge)
                .ok_or_else(|| format!("{} needs a JWT bearer token", forge.label()))?;
            let value = HeaderValue::from_str(&format!("Bearer {forged}"))
                .map_err(|_| "forged token is not a valid header value".to_owned())?;
            headers.insert(AUTHORIZATION, value);
        } else if let Some(cred) = credential {
            for (name, value) in cred.header_pairs() {
                if let Ok(v) = HeaderValue::from_str(value) {
                    headers.append(name.clone(), v);
                }
            }
        }
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| e.to_string())?;
            let value = HeaderValue::from_str(value).map_err(|e| e.to_string())?;
            headers.insert(name, value);
        }
        Ok(headers)
    }

    async fn send_uncached(&self, request: ProbeRequest) -> Exchange {
        let refused = |request: ProbeRequest, why: String| Exchange {
            request,
            status: None,
            headers: Vec::new(),
            body: String::new(),
            json: None,
            error: Some(why),
            elapsed_ms: 0,
        };
        if request.write && !self.allow_writes {
            return refused(request, "refused: writes need --allow-writes".into());
        }
        let headers = match self.headers_for(&request) {
            Ok(h) => h,
            Err(why) => return refused(request, why),
        };
        let _permit = self.permits.acquire().await;
        self.limiter.until_ready().await;
        self.sent.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let mut builder = self
            .client
            .request(method(request.method), request.url.clone())
            .headers(headers);
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        tracing::debug!(role = %request.role, method = %request.method, url = %request.url, "send");
        let result = async {
            let response = builder.send().await?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(n, v)| {
                    let value = if Redactor::is_sensitive_header(n.as_str()) {
                        crate::identity::REDACTED.to_owned()
                    } else {
                        self.redactor.redact(&String::from_utf8_lossy(v.as_bytes()))
                    };
                    (n.to_string(), value)
                })
                .collect::<Vec<_>>();
            let body = read_capped(response).await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        }
        .await;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match result {
            Ok((status, headers, bytes)) => {
                let body = self.redactor.redact(&String::from_utf8_lossy(&bytes));
                let json = serde_json::from_str(&body).ok();
                tracing::debug!(status, url = %request.url, "received");
                Exchange {
                    request,
                    status: Some(status),
                    headers,
                    body,
                    json,
                    error: None,
                    elapsed_ms,
                }
            }
            Err(e) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                let error = self.redactor.redact(&describe(&e));
                tracing::debug!(url = %request.url, %error, "transport error");
                Exchange {
                    request,
                    status: None,
                    headers: Vec::new(),
                    body: String::new(),
                    json: None,
                    error: Some(error),
                    elapsed_ms,
                }
            }
        }
    }
}

async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut out = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_BODY_BYTES - out.len();
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() >= MAX_BODY_BYTES {
            break;
        }
    }
    Ok(out)
}

/// reqwest's Display hides the cause ("error sending request"); users need the cause.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let mut msg = kind.to_owned();
    let mut source = std::error::Error::source(e);
    if let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
        if let Some(s) = source {
            msg.push_str(&format!(": {s}"));
        }
    }
    msg
}

fn method(m: HttpMethod) -> reqwest::Method {
    match m {
        HttpMethod::Get => reqwest::Method::GET,
        HttpMethod::Head => reqwest::Method::HEAD,
        HttpMethod::Options => reqwest::Method::OPTIONS,
        HttpMethod::Post => reqwest::Method::POST,
        HttpMethod::Put => reqwest::Method::PUT,
        HttpMethod::Patch => reqwest::Method::PATCH,
        HttpMethod::Delete => reqwest::Method::DELETE,
        HttpMethod::Trace => reqwest::Method::TRACE,
    }
}

/// Joins the base URL (which may carry a base path like `/api`) and a filled path template.
pub(crate) fn join_url(base: &Url, path: &str, query: &[(String, String)]) -> Url {
    let mut url = base.clone();
    let base_path = base.path().trim_end_matches('/');
    url.set_path(&format!("{base_path}{path}"));
    url.set_query(None);
    if !query.is_empty() {
        url.query_pairs_mut()
            .extend_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_keeps_base_path() {
        let base = Url::parse("http://h:8080/api/").expect("url");
        let u = join_url(&base, "/users/7", &[("q".into(), "a b".into())]);
        assert_eq!(u.as_str(), "http://h:8080/api/users/7?q=a+b");
        let root = Url::parse("http://h").expect("url");
        assert_eq!(join_url(&root, "/x", &[]).as_str(), "http://h/x");
    }
}
