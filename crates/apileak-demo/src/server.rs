//! Starting and stopping the demo API in-process, and its route table.

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::data::{Db, DemoUser};
use super::error::ApiError;
use super::policy::{self, Variant};
use super::shape::Shape;
use super::shapes::{billing, content};
use super::{handlers, jwt};

/// The demo API's OpenAPI description (the same for both variants).
pub const SPEC_YAML: &str = include_str!("../../../fixtures/demo/openapi.yaml");

/// Where [`SPEC_YAML`] lives, relative to the repository root.
pub const SPEC_PATH: &str = "fixtures/demo/openapi.yaml";

/// Start-up options beyond the variant.
#[derive(Debug, Clone, Copy, Default)]
pub struct DemoOptions {
    /// Which API to serve (the fitness API unless told otherwise).
    pub shape: Shape,
    /// Tokens issued by `POST /auth/login` stop working after this many authenticated
    /// requests (401 afterwards): an expiry that needs no clock, for refresh tests.
    pub token_max_uses: Option<u32>,
    /// Every answer waits this long first: a scan slow enough to interrupt mid-way.
    pub latency: Option<std::time::Duration>,
}

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct AppState {
    pub(crate) variant: Variant,
    /// Members' profiles and workouts change through the write operations.
    db: RwLock<Db>,
    /// One token per user, indexed like [`DemoUser::ALL`].
    tokens: [String; 5],
    /// One API key per user (`X-API-Key`, or the `api_key` query parameter), same index.
    api_keys: [String; 5],
    /// One OAuth2 client (ID, secret) per user for `POST /oauth/token`, same index.
    clients: [(String, String); 5],
    /// What `GET /docs/openapi.yaml` wants in `X-Spec-Token`.
    pub(crate) spec_token: String,
    /// The HMAC key tokens are signed with (see `policy::token_signing_key`).
    signing_key: Vec<u8>,
    /// When recent failed logins happened, oldest first (for `policy::failed_login_limit`).
    failed_logins: Mutex<VecDeque<Instant>>,
    options: DemoOptions,
    /// Tokens issued by logins, oldest first, with how often each was used.
    issued: Mutex<Vec<(String, u32)>>,
    logins: AtomicU64,
    requests: AtomicU64,
    /// Requests with a state-changing method (anything but GET/HEAD/OPTIONS), logins excepted.
    writes: AtomicU64,
}

impl AppState {
    fn new(variant: Variant, options: DemoOptions) -> AppState {
        let signing_key = policy::token_signing_key(variant);
        AppState {
            variant,
            db: RwLock::new(Db::seed()),
            tokens: DemoUser::ALL.map(|u| jwt::issue(&signing_key, u)),
            api_keys: DemoUser::ALL
                .map(|u| format!("ak_demo_{}_{:06x}", u.username(), u.id() * 0x9e37)),
            spec_token: "st_demo_5f3c9a0e7b21d4c8".to_owned(),
            clients: DemoUser::ALL.map(|u| {
                (
                    format!("{}-client", u.username()),
                    format!("cs_demo_{}_{:08x}", u.username(), u.id() * 0x5bd1_e995),
                )
            }),
            signing_key,
            failed_logins: Mutex::new(VecDeque::new()),
            options,
            issued: Mutex::new(Vec::new()),
            logins: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            writes: AtomicU64::new(0),
        }
    }

    /// The database, for reading. A handler that panicked mid-update cannot have left it
    /// half-written (updates are single assignments), so a poisoned lock is still usable.
    pub(crate) fn db(&self) -> RwLockReadGuard<'_, Db> {
        self.db.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The database, for changing.
    pub(crate) fn db_mut(&self) -> RwLockWriteGuard<'_, Db> {
        self.db.write().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn users(&self) -> impl Iterator<Item = DemoUser> {
        DemoUser::ALL.into_iter()
    }

    pub(crate) fn token(&self, user: DemoUser) -> &str {
        // `ALL` is in declaration order, so the discriminant is the index.
        &self.tokens[user as usize]
    }

    /// The user whose OAuth2 client has this ID and secret.
    pub(crate) fn user_for_client(&self, id: &str, secret: &str) -> Option<DemoUser> {
        self.users().find(|u| {
            let (i, s) = &self.clients[*u as usize];
            i == id && s == secret
        })
    }

    /// The user an API key belongs to.
    pub(crate) fn user_for_api_key(&self, key: &str) -> Option<DemoUser> {
        self.users().find(|u| self.api_keys[*u as usize] == key)
    }

    /// The user a bearer token authenticates, if it verifies (and, with `token_max_uses`,
    /// has uses left: each call counts as one use of a login-issued token).
    pub(crate) fn user_for_token(&self, token: &str) -> Option<DemoUser> {
        let accept_unsigned = policy::accepts_unsigned_tokens(self.variant);
        let user = jwt::verify(token, &self.signing_key, accept_unsigned)
            .and_then(|c| jwt::user_of(&c))?;
        if let Some(max) = self.options.token_max_uses {
            let mut issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((_, uses)) = issued.iter_mut().find(|(t, _)| t == token) {
                *uses += 1;
                if *uses > max {
                    return None;
                }
            }
        }
        Some(user)
    }

    /// The user whose demo password matches `Authorization: Basic` credentials.
    pub(crate) fn user_for_basic(&self, username: &str, password: &str) -> Option<DemoUser> {
        self.users()
            .find(|u| u.username() == username && u.password() == password)
    }

    /// A fresh token for a successful login, remembered for `issued_tokens`.
    pub(crate) fn issue_token(&self, user: DemoUser) -> String {
        let token = jwt::issue(&self.signing_key, user);
        self.logins.fetch_add(1, Ordering::Relaxed);
        self.issued
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((token.clone(), 0));
        token
    }

    /// `Err(429)` while the variant's failed-login limit is reached.
    pub(crate) fn check_login_limit(&self) -> Result<(), ApiError> {
        let Some(limit) = policy::failed_login_limit(self.variant) else {
            return Ok(());
        };
        // A panic elsewhere cannot leave the queue half-updated: keep using it.
        let mut failures = self
            .failed_logins
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        while failures
            .front()
            .is_some_and(|t| now.duration_since(*t) >= limit.window)
        {
            failures.pop_front();
        }
        match failures.front() {
            Some(oldest) if failures.len() >= limit.max_failures => {
                let wait = limit.window.saturating_sub(now.duration_since(*oldest));
                Err(ApiError::TooManyRequests {
                    // Round up: retrying a fraction of a second early would still be refused.
                    retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
                    limit: limit.max_failures,
                })
            }
            _ => Ok(()),
        }
    }

    /// Counts a failed login towards the limit.
    pub(crate) fn record_failed_login(&self) {
        if policy::failed_login_limit(self.variant).is_some() {
            self.failed_logins
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push_back(Instant::now());
        }
    }
}

/// A running demo API; stops when shut down or dropped.
#[derive(Debug)]
pub struct DemoServer {
    addr: SocketAddr,
    shape: Shape,
    /// The header line that authenticates each user, indexed like `DemoUser::ALL`.
    credentials: [String; 5],
    state: Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl DemoServer {
    /// Binds 127.0.0.1:0 (ephemeral port) and serves in a spawned tokio task.
    pub async fn start(variant: Variant) -> std::io::Result<DemoServer> {
        DemoServer::start_with(variant, DemoOptions::default()).await
    }

    /// Same, with options (token expiry for refresh tests).
    pub async fn start_with(variant: Variant, options: DemoOptions) -> std::io::Result<DemoServer> {
        DemoServer::serve(variant, options, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
    }

    /// Same, on a given address (for `apileak demo-api --port`).
    pub async fn start_on(variant: Variant, addr: SocketAddr) -> std::io::Result<DemoServer> {
        DemoServer::serve(variant, DemoOptions::default(), addr).await
    }

    /// Same, with options, on a given address (for `apileak demo-api --shape … --port …`).
    pub async fn start_on_with(
        variant: Variant,
        options: DemoOptions,
        addr: SocketAddr,
    ) -> std::io::Result<DemoServer> {
        DemoServer::serve(variant, options, addr).await
    }

    async fn serve(
        variant: Variant,
        options: DemoOptions,
        addr: SocketAddr,
    ) -> std::io::Result<DemoServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(AppState::new(variant, options));
        let (stop, stopped) = oneshot::channel::<()>();
        let (app, credentials) = match options.shape {
            Shape::Fitness => (
                router(Arc::clone(&state)),
                DemoUser::ALL.map(|u| format!("Authorization: Bearer {}", state.token(u))),
            ),
            Shape::Billing => {
                let shape = Arc::new(billing::Billing::new(variant));
                let credentials = DemoUser::ALL.map(|u| shape.credential(u));
                (billing::router(shape), credentials)
            }
            Shape::Content => {
                let shape = Arc::new(content::Content::new(variant));
                let credentials = DemoUser::ALL.map(|u| shape.credential(u));
                (content::router(shape), credentials)
            }
        };
        let app = match options.shape {
            // The fitness router adds its own, variant-dependent headers (`track`).
            Shape::Fitness => app,
            Shape::Billing | Shape::Content => app.layer(middleware::from_fn_with_state(
                Arc::clone(&state),
                track_clean,
            )),
        };
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                // A dropped sender means the same as a sent one: stop.
                let _ = stopped.await;
            });
            if let Err(err) = serve.await {
                tracing::warn!(%err, "demo api stopped with an error");
            }
        });
        // Never log the tokens: they are the secrets redaction tests look for.
        tracing::info!(%addr, ?variant, shape = options.shape.name(), "demo api listening");
        Ok(DemoServer {
            addr,
            shape: options.shape,
            credentials,
            state,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The bound address (with the real port when started on port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://IP:PORT`, no trailing slash; a wildcard bind is reported as loopback.
    pub fn base_url(&self) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}", SocketAddr::new(ip, self.addr.port()))
    }

    /// The API shape this server serves.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// The header line (`Name: value`) that authenticates `user` on this server's shape:
    /// `Authorization: Bearer <jwt>` (fitness), `X-Api-Key: sk_test_…` (billing) or
    /// `Authorization: Token …` (content). Fresh at each start.
    pub fn credential(&self, user: DemoUser) -> String {
        self.credentials[user as usize].clone()
    }

    /// The bearer token issued to `user` at start-up (each `POST /auth/login` issues a fresh
    /// one instead; see [`DemoServer::issued_tokens`]).
    pub fn token(&self, user: DemoUser) -> &str {
        self.state.token(user)
    }

    /// `user`'s API key, accepted as `X-API-Key: …` or `?api_key=…` (the spec's `apiKeyAuth`).
    pub fn api_key(&self, user: DemoUser) -> &str {
        &self.state.api_keys[user as usize]
    }

    /// The `X-Spec-Token` value `GET /docs/openapi.yaml` requires (`GET /openapi.yaml` is
    /// public).
    pub fn spec_token(&self) -> &str {
        &self.state.spec_token
    }

    /// `user`'s OAuth2 client ID and secret, for `POST /oauth/token`.
    pub fn oauth_client(&self, user: DemoUser) -> (&str, &str) {
        let (id, secret) = &self.state.clients[user as usize];
        (id, secret)
    }

    /// Every token `POST /auth/login` (or `POST /oauth/token`) has issued so far, oldest
    /// first.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.state
            .issued
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(t, _)| t.clone())
            .collect()
    }

    /// Successful logins (and client-credential grants) so far.
    pub fn login_count(&self) -> u64 {
        self.state.logins.load(Ordering::Relaxed)
    }

    /// Requests served so far, including rejected and unknown-route ones.
    pub fn request_count(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }

    /// Requests with a state-changing method (POST, PUT, PATCH, DELETE…) served so far, not
    /// counting logins: what a scan without `--allow-writes` must never send.
    pub fn write_request_count(&self) -> u64 {
        self.state.writes.load(Ordering::Relaxed)
    }

    /// [`DemoServer::write_request_count`] as a handle that outlives a borrow of the server
    /// (for a task that waits for the n-th write).
    pub fn write_counter(&self) -> impl Fn() -> u64 + Send + Sync + 'static {
        let state = Arc::clone(&self.state);
        move || state.writes.load(Ordering::Relaxed)
    }

    /// Stops accepting connections and waits for in-flight requests to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            // A join error only means the task panicked or was cancelled; it is gone either way.
            let _ = task.await;
        }
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Every route the demo serves; `tests/it/demo_api.rs` checks this list against the spec.
fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/auth/login", post(handlers::login))
        .route("/oauth/token", post(handlers::client_token))
        // The spec itself, as many APIs publish it (not an operation of the spec).
        .route("/openapi.yaml", get(handlers::spec))
        .route("/docs/openapi.yaml", get(handlers::private_spec))
        .route("/me", get(handlers::me).patch(handlers::update_me))
        .route("/members/search", get(handlers::search_members))
        .route("/members/{memberId}", get(handlers::get_member))
        .route(
            "/members/{memberId}/workouts",
            get(handlers::list_member_workouts),
        )
        .route("/workouts", post(handlers::create_workout))
        .route(
            "/workouts/{workoutId}",
            get(handlers::get_workout)
                .patch(handlers::update_workout)
                .delete(handlers::delete_workout),
        )
        .route("/classes", get(handlers::list_classes))
        .route("/classes/{classId}/leaderboard", get(handlers::leaderboard))
        .route("/admin/members", get(handlers::admin_list_members))
        // Not in the spec: a debug route (404 on Patched, like any unknown path).
        .route("/_debug/config", get(handlers::debug_config))
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::not_found)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), track))
        .with_state(state)
}

/// Counts every request and adds the variant's response headers. An `api_key` query
/// parameter counts as the `X-API-Key` header (the handlers only look at headers).
async fn track(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    state.requests.fetch_add(1, Ordering::Relaxed);
    let query_key = req.uri().query().and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "api_key")
            .map(|(_, v)| v.into_owned())
    });
    if let Some(key) = query_key
        && !req.headers().contains_key(handlers::API_KEY_HEADER)
        && let Ok(value) = axum::http::HeaderValue::from_str(&key)
    {
        req.headers_mut().insert(handlers::API_KEY_HEADER, value);
    }
    let method = req.method();
    if !(method.is_safe() || matches!(req.uri().path(), "/auth/login" | "/oauth/token")) {
        state.writes.fetch_add(1, Ordering::Relaxed);
    }
    let origin = req.headers().get(axum::http::header::ORIGIN).cloned();
    if let Some(latency) = state.options.latency {
        tokio::time::sleep(latency).await;
    }
    let mut res = next.run(req).await;
    policy::decorate(state.variant, res.headers_mut());
    policy::cors(state.variant, origin.as_ref(), res.headers_mut());
    res
}

/// Counts every request of the billing and content shapes, and adds the headers both of
/// their variants send: `no-store` on every answer (almost all are personal; one rule cannot
/// drift), no server banner, no CORS headers (no browser front end reads these APIs).
async fn track_clean(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    state.requests.fetch_add(1, Ordering::Relaxed);
    if !req.method().is_safe() {
        state.writes.fetch_add(1, Ordering::Relaxed);
    }
    if let Some(latency) = state.options.latency {
        tokio::time::sleep(latency).await;
    }
    let mut res = next.run(req).await;
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res
}
