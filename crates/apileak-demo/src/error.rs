//! Error responses of the demo API: small JSON bodies, except the vulnerable variant's leaked
//! panic backtrace.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Every way a demo request can fail; each maps to one HTTP response.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// Missing or unknown bearer token.
    #[error("unauthorized")]
    Unauthorized,
    /// Wrong username or password at `POST /auth/login`.
    #[error("invalid credentials")]
    BadCredentials,
    /// Vulnerable variant only: a known username with the wrong password, told apart from an
    /// unknown username (account enumeration).
    #[error("wrong password")]
    WrongPassword,
    /// Too many failed logins; retry after this many seconds.
    #[error("too many failed logins")]
    TooManyRequests { retry_after_secs: u64, limit: usize },
    /// Authenticated, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// No such object (or not one the caller may know about), or no such route.
    #[error("{0}")]
    NotFound(&'static str),
    /// Malformed path, query or body.
    #[error("{0}")]
    BadRequest(&'static str),
    /// Vulnerable variant only: an `unwrap` blew up and the backtrace goes to the client.
    #[error("internal server error")]
    Panicked,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match self {
            ApiError::Unauthorized | ApiError::BadCredentials | ApiError::WrongPassword => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Panicked => return leaked_backtrace(),
        };
        let mut res = (status, axum::Json(json!({ "error": self.to_string() }))).into_response();
        if matches!(self, ApiError::Unauthorized) {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let ApiError::TooManyRequests {
            retry_after_secs,
            limit,
        } = self
        {
            // RFC 9110 `Retry-After` and the IETF draft's `RateLimit-*` fields.
            let headers = res.headers_mut();
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            headers.insert("ratelimit-limit", HeaderValue::from(limit));
            headers.insert("ratelimit-remaining", HeaderValue::from_static("0"));
        }
        res
    }
}

fn leaked_backtrace() -> Response {
    let mut res = (StatusCode::INTERNAL_SERVER_ERROR, LEAKED_BACKTRACE).into_response();
    // Spelled out, as the real leak did, rather than relying on axum's `&str` default.
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

/// What a debug-build panic handler that echoes panics to the client would send.
const LEAKED_BACKTRACE: &str = "\
Internal Server Error: request handler panicked at cadence::handlers::get_workout

thread 'tokio-runtime-worker' panicked at src/handlers.rs:142:38:
called `Result::unwrap()` on an `Err` value: ParseIntError { kind: InvalidDigit }
stack backtrace:
   0: rust_begin_unwind
             at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/std/src/panicking.rs:665:5
   1: core::panicking::panic_fmt
             at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/panicking.rs:74:14
   2: core::result::unwrap_failed
             at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/core/src/result.rs:1700:5
   3: cadence::handlers::get_workout::{{closure}}
             at /srv/cadence/src/handlers.rs:142:38
   4: cadence::db::pool::with_conn::{{closure}}
             at /srv/cadence/src/db/pool.rs:57:21 (postgres://cadence_app@10.20.4.17:5432/cadence_prod)
   5: axum::handler::Handler::call::{{closure}}
             at /home/build/.cargo/registry/src/index.crates.io-6f17d22bba15001f/axum-0.6.20/src/handler/mod.rs:211:52
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.
";
