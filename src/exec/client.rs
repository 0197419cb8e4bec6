//! The HTTP executor. Credentials are attached here and only for the target's own origin;
//! redirects are never followed, so a credential can't be carried to another host. Login
//! identities log in here too (before preflight, and again on a 401 or an expired JWT).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use tokio::sync::{Mutex, OnceCell, Semaphore};
use url::Url;

use super::rate::{Pacer, RateLimit, Signal, parse_retry_after};
use super::stats::{Counters, ExecStats, ProgressWatch, Stage};
use super::{Halt, HaltReason};
use crate::identity::{
    Apply, Credential, Identity, LoginError, LoginFlow, Redactor, Role, forge_token, jwt_expiry,
};
use crate::model::{HttpMethod, ParamLocation};
use crate::probe::{CurlAuth, Exchange, ProbeRequest, join_url};

/// Bodies beyond this are cut: evidence needs the start, not megabytes.
const MAX_BODY_BYTES: usize = 1 << 20;

#[derive(Debug, Clone)]
pub struct ExecSettings {
    pub concurrency: usize,
    pub timeout: Duration,
    /// Requests per second: fixed (also the burst size), or adaptive up to a ceiling.
    pub rate: RateLimit,
    /// `--max-requests`: the scan stops (incomplete) before sending more than this.
    pub max_requests: Option<u64>,
    /// `--max-duration`: the scan stops (incomplete) once this much time has passed since
    /// the executor was built (after the spec was loaded).
    pub max_duration: Option<Duration>,
    /// Send requests that change state (`--allow-writes`); refused otherwise.
    pub allow_writes: bool,
    /// Trusted roots and `--insecure`.
    pub tls: super::TlsSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("failed to build the HTTP client: {0}")]
    Client(String),
}

/// Transport failures in a row after which the target counts as down: the scan stops rather
/// than time out every remaining probe.
const MAX_FAILURES_IN_A_ROW: u32 = 10;
/// Requests remembered to name what was sent before something changed.
const MAX_RECENT: usize = 500;

tokio::task_local! {
    /// The stage a future's requests count for when it runs beside another stage's requests
    /// (the canary's reads during the probes); elsewhere, the executor's current stage.
    static STAGE: Stage;
}

/// The requests sent since the last good health check, newest last (capped), each with its
/// sequence number, to name what was sent before an identity or an object changed.
#[derive(Default)]
struct Recent {
    /// The next request's sequence number.
    next: u64,
    /// Requests numbered below this were sent before the last good check.
    since: u64,
    entries: std::collections::VecDeque<(u64, String)>,
}

type Slot = Arc<OnceCell<Arc<Exchange>>>;

/// Re-logins per identity and scan, at most: a 401 that a fresh token does not cure must not
/// turn every later request into a login.
const MAX_RELOGINS: u32 = 20;

/// The credential in use now, and which login produced it (0: the static one or the first).
struct Current {
    credential: Arc<Credential>,
    generation: u64,
    /// A JWT's `exp` (seconds since the epoch): log in again before sending after it.
    expires_at: Option<u64>,
}

/// One user's identity and its live credential.
struct IdentitySlot {
    identity: Identity,
    current: RwLock<Option<Current>>,
    // Held while logging in: concurrent 401s wait here and then reuse the fresh token.
    login_lock: Mutex<()>,
    relogins: AtomicU32,
}

impl IdentitySlot {
    fn new(identity: Identity) -> IdentitySlot {
        let current = identity.static_credential().map(|c| Current {
            credential: Arc::new(c.clone()),
            generation: 0,
            expires_at: None,
        });
        IdentitySlot {
            identity,
            current: RwLock::new(current),
            login_lock: Mutex::new(()),
            relogins: AtomicU32::new(0),
        }
    }

    /// The credential, its generation and whether it has expired.
    fn current(&self) -> Option<(Arc<Credential>, u64, bool)> {
        let now = jiff::Timestamp::now().as_second();
        let guard = self.current.read().unwrap_or_else(PoisonError::into_inner);
        guard.as_ref().map(|c| {
            let expired = c
                .expires_at
                .is_some_and(|exp| i64::try_from(exp).is_ok_and(|exp| exp <= now));
            (Arc::clone(&c.credential), c.generation, expired)
        })
    }

    fn set(&self, credential: Credential, expires_at: Option<u64>) {
        let mut guard = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let generation = guard.as_ref().map_or(0, |c| c.generation + 1);
        *guard = Some(Current {
            credential: Arc::new(credential),
            generation,
            expires_at,
        });
    }
}

pub struct Executor {
    client: reqwest::Client,
    base: Url,
    origin: url::Origin,
    user_a: Option<IdentitySlot>,
    user_b: Option<IdentitySlot>,
    /// The optional admin (see [`Executor::with_admin`]).
    admin: Option<IdentitySlot>,
    redactor: Redactor,
    logins: AtomicU64,
    concurrency: usize,
    allow_writes: bool,
    pacer: Pacer,
    permits: Semaphore,
    /// Requests counted against `--max-requests` (forced undos are not).
    budget_used: AtomicU64,
    max_requests: Option<u64>,
    deadline: Option<(Instant, Duration)>,
    // Safe requests are deterministic enough to answer twice from one response; this keeps
    // harvest, reference and attack requests from hitting the target more than once.
    cache: Mutex<HashMap<ProbeRequest, Slot>>,
    counters: Arc<Counters>,
    halt: Halt,
    /// Transport failures in a row: enough of them and the target counts as down.
    failures_in_a_row: AtomicU32,
    /// Requests sent since the last good health check ([`Executor::forget_before`]).
    recent: std::sync::Mutex<Recent>,
}

impl Executor {
    pub fn new(
        settings: &ExecSettings,
        base_url: &Url,
        user_a: Option<Identity>,
        user_b: Option<Identity>,
    ) -> Result<Executor, ExecError> {
        let client = super::tls::build_client(&settings.tls, settings.timeout)
            .map_err(|e| ExecError::Client(e.to_string()))?;
        let identities = || user_a.iter().chain(user_b.iter());
        let redactor = Redactor::new(identities().filter_map(Identity::static_credential));
        redactor.learn(
            identities()
                .filter_map(Identity::login)
                .flat_map(LoginFlow::secrets),
        );
        Ok(Executor {
            client,
            base: base_url.clone(),
            origin: base_url.origin(),
            user_a: user_a.map(IdentitySlot::new),
            user_b: user_b.map(IdentitySlot::new),
            admin: None,
            redactor,
            logins: AtomicU64::new(0),
            concurrency: settings.concurrency.max(1),
            allow_writes: settings.allow_writes,
            pacer: Pacer::new(settings.rate),
            permits: Semaphore::new(settings.concurrency.max(1)),
            budget_used: AtomicU64::new(0),
            max_requests: settings.max_requests,
            deadline: settings.max_duration.map(|d| (Instant::now() + d, d)),
            cache: Mutex::new(HashMap::new()),
            counters: Arc::new(Counters::default()),
            halt: Halt::new(),
            failures_in_a_row: AtomicU32::new(0),
            recent: std::sync::Mutex::new(Recent::default()),
        })
    }

    /// Adds the optional admin identity; the redactor learns its secrets before any request.
    pub fn with_admin(mut self, admin: Identity) -> Executor {
        self.redactor.learn(
            admin
                .static_credential()
                .into_iter()
                .flat_map(Credential::secret_fragments),
        );
        self.redactor
            .learn(admin.login().into_iter().flat_map(LoginFlow::secrets));
        self.admin = Some(IdentitySlot::new(admin));
        self
    }

    /// Whether an admin identity was given.
    pub fn has_admin(&self) -> bool {
        self.admin.is_some()
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    fn slot(&self, role: Role) -> Option<&IdentitySlot> {
        match role {
            Role::Anonymous => None,
            Role::UserA => self.user_a.as_ref(),
            Role::UserB => self.user_b.as_ref(),
            Role::Admin => self.admin.as_ref(),
        }
    }

    /// The credential `role` currently sends (after [`Executor::authenticate`] for logins).
    pub fn credential(&self, role: Role) -> Option<Arc<Credential>> {
        self.slot(role)?.current().map(|(c, _, _)| c)
    }

    /// What the configuration says about who `role` is: the JWT `sub` of its bearer token
    /// and the login name its login flow posts.
    pub fn configured_principal(&self, role: Role) -> (Option<String>, Option<String>) {
        let subject = self.credential(role).and_then(|c| c.jwt_subject());
        let name = self.slot(role).and_then(|s| s.identity.login_name());
        (subject, name)
    }

    /// Which credential kind `role` uses (`header Authorization`, `basic`, `login … → bearer`).
    pub fn credential_kind(&self, role: Role) -> String {
        self.slot(role)
            .map_or_else(|| "none".to_owned(), |s| s.identity.describe())
    }

    /// Logins performed so far (initial ones and refreshes).
    pub fn login_count(&self) -> u64 {
        self.logins.load(Ordering::Relaxed)
    }

    /// Logs in every identity that has a login flow. Runs before preflight; a failure stops
    /// the scan (exit 3).
    pub async fn authenticate(&self) -> Result<(), LoginError> {
        for role in [Role::UserA, Role::UserB, Role::Admin] {
            let Some(slot) = self.slot(role) else {
                continue;
            };
            let Some(flow) = slot.identity.login() else {
                continue;
            };
            let (credential, expires_at) = self.login(role, flow).await?;
            slot.set(credential, expires_at);
            tracing::info!(identity = %role, "logged in with {}", flow.operation());
        }
        Ok(())
    }

    /// Sends the login request (rate-limited, target origin only, no concurrency permit so a
    /// refresh can't wait on the requests that need it) and builds the credential.
    async fn login(
        &self,
        role: Role,
        flow: &LoginFlow,
    ) -> Result<(Credential, Option<u64>), LoginError> {
        let url = flow
            .url
            .clone()
            .unwrap_or_else(|| join_url(&self.base, &flow.path, &[]));
        let transport = |error: String| LoginError::Transport {
            role,
            operation: flow.operation(),
            error,
        };
        // The one exception to the origin rule: a token URL the user wrote in the config.
        if url.origin() != self.origin && !(flow.url.is_some() && flow.url_explicit) {
            return Err(transport(
                "refused: credentials are only sent to the target's origin".into(),
            ));
        }
        let (content_type, body) = flow.request_body();
        self.pacer.ready().await;
        self.counters.sent(self.request_stage());
        self.budget_used.fetch_add(1, Ordering::Relaxed);
        self.logins.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(identity = %role, operation = %flow.operation(), "login");
        let response = self
            .client
            .request(method(flow.method), url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .map_err(|e| transport(self.redactor.redact(&describe(&e))))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = read_capped(response)
            .await
            .map_err(|e| transport(self.redactor.redact(&describe(&e))))?;
        tracing::debug!(identity = %role, status, "login answered");
        let token = flow.extract(role, status, &headers, &bytes)?;
        let credential = flow.credential(role, &token)?;
        let mut expires_at = jwt_expiry(secrecy::ExposeSecret::expose_secret(&token));
        let now = jiff::Timestamp::now().as_second();
        if expires_at.is_some_and(|exp| i64::try_from(exp).is_ok_and(|exp| exp <= now)) {
            // A token expired on arrival means clock skew; honouring it would log in forever.
            tracing::warn!(identity = %role, "the token from {} is already past its `exp`; ignoring `exp`", flow.operation());
            expires_at = None;
        }
        // Before anything can echo it: the token and the header built from it.
        self.redactor.learn(
            credential
                .secret_fragments()
                .into_iter()
                .chain([secrecy::ExposeSecret::expose_secret(&token).to_owned()]),
        );
        Ok((credential, expires_at))
    }

    /// Logs `role` in again unless another request already did since `seen` (single-flight).
    /// `true` when a newer credential is available.
    async fn relogin(&self, role: Role, seen: u64) -> bool {
        let Some(slot) = self.slot(role) else {
            return false;
        };
        let Some(flow) = slot.identity.login() else {
            return false;
        };
        let _guard = slot.login_lock.lock().await;
        if slot
            .current()
            .is_some_and(|(_, generation, _)| generation != seen)
        {
            return true;
        }
        if slot.relogins.fetch_add(1, Ordering::Relaxed) >= MAX_RELOGINS {
            tracing::warn!(identity = %role, "not logging in again: {MAX_RELOGINS} re-logins already");
            return false;
        }
        match self.login(role, flow).await {
            Ok((credential, expires_at)) => {
                slot.set(credential, expires_at);
                tracing::info!(identity = %role, "logged in again with {}", flow.operation());
                true
            }
            Err(e) => {
                tracing::warn!("{e}");
                false
            }
        }
    }

    pub fn stats(&self) -> ExecStats {
        let mut stats = self.counters.snapshot();
        stats.rate = Some(self.pacer.stats());
        stats
    }

    /// Why the next request would break `--max-requests` or `--max-duration`; counts it
    /// against the request budget when it fits.
    fn over_budget(&self) -> Option<String> {
        if let Some((deadline, limit)) = self.deadline
            && Instant::now() >= deadline
        {
            return Some(format!(
                "the time budget ran out (--max-duration {}s); requests after that were not sent",
                limit.as_secs()
            ));
        }
        let max = self.max_requests?;
        (self.budget_used.fetch_add(1, Ordering::Relaxed) >= max).then(|| {
            format!(
                "the request budget ran out (--max-requests {max}); requests after that were not sent"
            )
        })
    }

    /// Requests in flight at once, at most.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// The stage requests count for now.
    pub fn stage(&self) -> Stage {
        self.counters.stage()
    }

    /// The stage the request being sent counts for: the one its caller sends in (see
    /// [`Executor::send_all_in`]), else the current one.
    fn request_stage(&self) -> Stage {
        STAGE
            .try_with(|stage| *stage)
            .unwrap_or_else(|_| self.counters.stage())
    }

    /// Requests sent from now on count for `stage`.
    pub fn enter(&self, stage: Stage) {
        self.counters.enter(stage);
    }

    /// The current stage will make about `requests` requests (shown as its progress total).
    pub fn expect(&self, requests: usize) {
        self.counters.expect(requests as u64);
    }

    /// Counts into `watch`, so that its holder can show progress. Call before any request.
    pub fn with_progress(mut self, watch: &ProgressWatch) -> Executor {
        self.counters = watch.0.clone();
        self
    }

    /// Shares `halt`: stopping it stops this executor's sending, and its journal holds this
    /// executor's pending undos.
    pub fn with_halt(mut self, halt: Halt) -> Executor {
        self.halt = halt;
        self
    }

    pub fn halt(&self) -> &Halt {
        &self.halt
    }

    /// Forgets the requests remembered so far (after the identities were verified).
    pub fn mark(&self) {
        self.forget_before(self.checkpoint());
    }

    /// A point in the sequence of sent requests: the requests sent from now on come after it.
    /// A health check takes one before its reads, so the requests sent while it runs stay
    /// suspects for the next one.
    pub fn checkpoint(&self) -> u64 {
        self.recent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .next
    }

    /// Forgets the requests sent before `checkpoint` (a health check taken then found all well).
    pub fn forget_before(&self, checkpoint: u64) {
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        while recent.entries.front().is_some_and(|(n, _)| *n < checkpoint) {
            recent.entries.pop_front();
        }
        recent.since = recent.since.max(checkpoint);
    }

    /// The distinct requests sent since the last good health check (see
    /// [`Executor::forget_before`]), newest last, at most `n`, and how many requests there
    /// were in all.
    pub fn sent_since_mark(&self, n: usize) -> (Vec<String>, usize) {
        let recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        let total = usize::try_from(recent.next - recent.since).unwrap_or(usize::MAX);
        let mut distinct: Vec<String> = Vec::new();
        for (_, r) in recent.entries.iter().rev() {
            if distinct.len() == n {
                break;
            }
            if !distinct.contains(r) {
                distinct.push(r.clone());
            }
        }
        distinct.reverse();
        (distinct, total)
    }

    /// Sends every pending undo (writes whose restore or cleanup was not sent, or failed),
    /// whatever stopped the scan; returns what could not be undone.
    pub async fn undo_all(&self) -> Vec<String> {
        self.enter(Stage::Undo);
        let mut left = self.halt.journal().take_lost();
        for entry in self.halt.journal().drain() {
            let what = format!("{} {} ({})", entry.undo.method, entry.undo.url, entry.what);
            let ex = self.send_forced(entry.undo).await;
            match ex.status {
                Some(s) if super::halt::is_done(ex.request.method, s) => {
                    tracing::info!("undone: {what}");
                }
                status => {
                    let got = status.map_or_else(
                        || ex.error.clone().unwrap_or_default(),
                        |s| format!("answered {s}"),
                    );
                    tracing::error!("could not undo {what}: {got}");
                    left.push(format!("{what}: {got}"));
                }
            }
        }
        left
    }

    /// Sends many requests with bounded concurrency; results in input order.
    pub async fn send_all(&self, requests: Vec<ProbeRequest>) -> Vec<Arc<Exchange>> {
        futures::stream::iter(requests)
            .map(|r| self.send(r))
            .buffered(self.concurrency)
            .collect()
            .await
    }

    /// [`Executor::send_all`] counted for `stage` whatever stage the scan is in, so that the
    /// canary's reads can run beside the probes.
    pub async fn send_all_in(
        &self,
        stage: Stage,
        requests: Vec<ProbeRequest>,
    ) -> Vec<Arc<Exchange>> {
        STAGE.scope(stage, self.send_all(requests)).await
    }

    /// Sends groups of requests: groups run concurrently, the requests of one group in order
    /// (a write, then the read that confirms it). Results mirror the input.
    pub async fn send_groups(&self, groups: Vec<Vec<ProbeRequest>>) -> Vec<Vec<Arc<Exchange>>> {
        futures::stream::iter(groups)
            .map(|group| self.send_group(group))
            .buffered(self.concurrency)
            .collect()
            .await
    }

    /// Sends one group's requests in order (a write, then the read that confirms it).
    pub async fn send_group(&self, group: Vec<ProbeRequest>) -> Vec<Arc<Exchange>> {
        let mut out = Vec::with_capacity(group.len());
        for r in group {
            out.push(self.send(r).await);
        }
        out
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
            self.counters.cached();
        }
        exchange
    }

    /// The headers to send: credentials (or a forgery of them) for the target's own origin
    /// only, then the request's own headers. `Err` explains why the request can't be sent.
    fn headers_for(
        &self,
        request: &ProbeRequest,
        credential: Option<&Credential>,
    ) -> Result<HeaderMap, String> {
        let mut headers = HeaderMap::new();
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

    /// The URL to send: the request's, plus the credential's query parameters (an API key
    /// `in: query`) on the target's own origin. Only the sent URL carries them; the exchange
    /// keeps the request's URL, so evidence, curl lines and reports never show the key.
    fn url_for(&self, request: &ProbeRequest, credential: Option<&Credential>) -> Url {
        let mut url = request.url.clone();
        if let Some(cred) = credential
            && request.forge.is_none()
            && url.origin() == self.origin
        {
            let mut pairs = cred.query_pairs().peekable();
            if pairs.peek().is_some() {
                url.query_pairs_mut().extend_pairs(pairs);
            }
        }
        url
    }

    /// Sends with the identity's current credential; a login identity logs in again (once,
    /// shared by concurrent callers) when its JWT has expired or a plain authenticated
    /// request gets 401, and the request is retried once.
    async fn send_uncached(&self, request: ProbeRequest) -> Exchange {
        self.send_maybe_forced(request, false).await
    }

    /// Sends even after the scan was stopped: undoing a write must not be refused.
    async fn send_forced(&self, request: ProbeRequest) -> Exchange {
        self.send_maybe_forced(request, true).await
    }

    async fn send_maybe_forced(&self, request: ProbeRequest, forced: bool) -> Exchange {
        let slot = self.slot(request.role);
        let refreshable = request.forge.is_none()
            && request.url.origin() == self.origin
            && slot.is_some_and(|s| s.identity.login().is_some());
        let mut current = slot.and_then(IdentitySlot::current);
        if let Some((_, generation, true)) = current {
            if refreshable && self.relogin(request.role, generation).await {
                current = slot.and_then(IdentitySlot::current);
            }
        }
        let exchange = self
            .send_once(
                request,
                current.as_ref().map(|(c, _, _)| c.as_ref()),
                forced,
            )
            .await;
        let Some((_, generation, _)) = current else {
            return exchange;
        };
        if !refreshable || exchange.status != Some(401) {
            return exchange;
        }
        if !self.relogin(exchange.request.role, generation).await {
            return exchange;
        }
        let current = slot.and_then(IdentitySlot::current);
        tracing::debug!(url = %exchange.request.url, "retrying after a fresh login");
        self.send_once(
            exchange.request,
            current.as_ref().map(|(c, _, _)| c.as_ref()),
            forced,
        )
        .await
    }

    fn remember(&self, request: &ProbeRequest, stage: Stage) {
        // The canary's own reads are not suspects.
        if stage == Stage::Canary {
            return;
        }
        let line = format!(
            "{} {} as {}",
            request.method,
            request.url,
            request.identity_label()
        );
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        if recent.entries.len() >= MAX_RECENT {
            recent.entries.pop_front();
        }
        let n = recent.next;
        recent.next += 1;
        recent.entries.push_back((n, line));
    }

    async fn send_once(
        &self,
        mut request: ProbeRequest,
        credential: Option<&Credential>,
        forced: bool,
    ) -> Exchange {
        // Forged requests too: their reproduction forges from the token's variable.
        request.curl_auth = self
            .slot(request.role)
            .and_then(|s| curl_auth(&s.identity, request.role));
        let refused = |request: ProbeRequest, why: String| Exchange {
            request,
            status: None,
            headers: Vec::new(),
            body: String::new(),
            json: None,
            error: Some(why),
            elapsed_ms: 0,
        };
        let stopped = || {
            self.halt
                .reason()
                .filter(|_| !forced)
                .map(|r| format!("not sent: the scan stopped ({})", r.message()))
        };
        if let Some(why) = stopped() {
            return refused(request, why);
        }
        if request.write && !self.allow_writes {
            return refused(request, "refused: writes need --allow-writes".into());
        }
        let headers = match self.headers_for(&request, credential) {
            Ok(h) => h,
            Err(why) => return refused(request, why),
        };
        let _permit = self.permits.acquire().await;
        let sent_at = self.pacer.ready().await;
        // The scan may have stopped while this request waited for its turn.
        if let Some(why) = stopped() {
            return refused(request, why);
        }
        if !forced && let Some(message) = self.over_budget() {
            self.halt.stop(HaltReason::Budget { message });
            return refused(request, stopped().unwrap_or_default());
        }
        // Journalled before it is sent: an interrupt after this point still undoes it.
        if let Some(undo) = request.undo.as_deref().filter(|_| request.write) {
            self.halt
                .journal()
                .register(undo.request.clone(), undo.what.clone());
        }
        let stage = self.request_stage();
        self.counters.sent(stage);
        self.remember(&request, stage);
        let started = Instant::now();
        let mut builder = self
            .client
            .request(method(request.method), self.url_for(&request, credential))
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
                    let value = String::from_utf8_lossy(v.as_bytes());
                    (
                        n.to_string(),
                        self.redactor.redact_header(n.as_str(), &value),
                    )
                })
                .collect::<Vec<_>>();
            let body = read_capped(response).await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        }
        .await;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match result {
            Ok((status, headers, bytes)) => {
                let retry_after = headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("retry-after"))
                    .and_then(|(_, v)| parse_retry_after(v));
                self.pacer.observe(
                    sent_at,
                    Signal::Answer {
                        status,
                        latency: started.elapsed(),
                        retry_after,
                    },
                );
                let body = self.redactor.redact(&String::from_utf8_lossy(&bytes));
                let json = serde_json::from_str(&body).ok();
                tracing::debug!(status, url = %request.url, "received");
                self.failures_in_a_row.store(0, Ordering::Relaxed);
                self.halt.journal().settle(&request, Some(status));
                if let Some(undo) = request
                    .undo
                    .as_deref()
                    .filter(|_| (400..500).contains(&status))
                {
                    self.halt.journal().withdraw(&undo.request);
                }
                let ex = Exchange {
                    request,
                    status: Some(status),
                    headers,
                    body,
                    json,
                    error: None,
                    elapsed_ms,
                };
                // A create's object is deleted after the scan; its ID exists only now.
                if let Some((_, collection)) = ex.request.undo_created.as_deref()
                    && ex.is_success()
                    && ex.created_id().is_none()
                {
                    self.halt.journal().lost(format!(
                        "{} {collection}: answered {status} without the new object's ID, so it \
                         cannot be deleted",
                        ex.request.method
                    ));
                }
                if let (Some((role, collection)), Some(id)) =
                    (ex.request.undo_created.as_deref(), ex.created_id())
                {
                    // Percent-encoded like any path value.
                    let url = crate::probe::join_url(
                        collection,
                        &crate::probe::fill_path("/{id}", &[("id".to_owned(), id.clone())]),
                        &[],
                    );
                    self.halt.journal().register(
                        ProbeRequest::new(*role, HttpMethod::Delete, url),
                        format!("delete the object {id} the scan created"),
                    );
                }
                ex
            }
            Err(e) => {
                self.counters.failed(stage, e.is_timeout());
                if e.is_timeout() {
                    self.pacer.observe(sent_at, Signal::Timeout);
                }
                let error = self.redactor.redact(&describe(&e));
                tracing::debug!(url = %request.url, %error, "transport error");
                let in_a_row = self.failures_in_a_row.fetch_add(1, Ordering::Relaxed) + 1;
                if in_a_row >= MAX_FAILURES_IN_A_ROW && !forced {
                    self.halt.stop(HaltReason::TargetFailed {
                        message: format!(
                            "the target stopped answering: {in_a_row} requests in a row got no response (the last: {error})"
                        ),
                    });
                }
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

/// How a reproduction names `identity`'s credential: shell variables the reader fills in,
/// and where their values come from. `None` for header lines (`-H "$APILEAK_USER_A"`).
fn curl_auth(identity: &Identity, role: Role) -> Option<CurlAuth> {
    let letter = match role {
        Role::UserA => "A",
        Role::UserB => "B",
        Role::Admin => "ADMIN",
        Role::Anonymous => return None,
    };
    // Names and prefixes come from the config: keep them literal inside double quotes.
    let esc = |s: &str| -> String {
        s.chars()
            .flat_map(|c| match c {
                '$' | '"' | '\\' | '`' => vec!['\\', c],
                c => vec![c],
            })
            .collect()
    };
    let token = format!("APILEAK_TOKEN_{letter}");
    let from_flow = |flow: &crate::identity::LoginFlow, source: String| {
        let args = match &flow.apply {
            Apply::Header { name, prefix } => {
                // Header names are stored lowercase; show the common one as people write it.
                let name = if *name == AUTHORIZATION {
                    "Authorization"
                } else {
                    name.as_str()
                };
                format!("-H \"{name}: {}${token}\"", esc(prefix))
            }
            Apply::Cookie(cookie) => format!("-b \"{}=${token}\"", esc(cookie)),
        };
        CurlAuth {
            args,
            query: None,
            note: Some(format!("${token}: {source}")),
            token: Some(token.clone()),
        }
    };
    match identity {
        Identity::Header(_) => None,
        Identity::Basic(_) => Some(CurlAuth {
            args: format!("-u \"$APILEAK_USERNAME_{letter}:$APILEAK_PASSWORD_{letter}\""),
            query: None,
            note: None,
            token: None,
        }),
        Identity::Login(flow) => Some(from_flow(
            flow,
            format!("the token from {}", flow.operation()),
        )),
        Identity::OAuth2(client) => client.flow().map(|flow| {
            from_flow(
                flow,
                format!(
                    "an access token from {} (client credentials)",
                    flow.operation()
                ),
            )
        }),
        Identity::ApiKey(key) => {
            let var = format!("APILEAK_API_KEY_{letter}");
            let (name, location) = key.placement()?;
            Some(match location {
                ParamLocation::Query => CurlAuth {
                    args: String::new(),
                    query: Some((name.to_owned(), var)),
                    note: None,
                    token: None,
                },
                ParamLocation::Cookie => CurlAuth {
                    args: format!("-b \"{}=${var}\"", esc(name)),
                    query: None,
                    note: None,
                    token: None,
                },
                _ => CurlAuth {
                    args: format!("-H \"{}: ${var}\"", esc(name)),
                    query: None,
                    note: None,
                    token: None,
                },
            })
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
pub(super) fn describe(e: &reqwest::Error) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt_with_exp(exp: i64) -> String {
        use base64::Engine;
        let b64 = |v: serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        format!(
            "{}.{}.c2lnbmF0dXJl",
            b64(serde_json::json!({"alg": "HS256", "typ": "JWT"})),
            b64(serde_json::json!({"sub": "1", "exp": exp}))
        )
    }

    #[test]
    fn a_health_check_keeps_the_requests_sent_while_it_ran_as_suspects() {
        let settings = ExecSettings {
            concurrency: 2,
            timeout: Duration::from_secs(1),
            rate: RateLimit::Fixed(10),
            max_requests: None,
            max_duration: None,
            allow_writes: false,
            tls: super::super::TlsSettings::default(),
        };
        let base: Url = "http://127.0.0.1:9/".parse().expect("url");
        let exec = Executor::new(&settings, &base, None, None).expect("executor");
        let get = |path: &str| ProbeRequest::get(Role::UserA, base.join(path).expect("url"));
        exec.remember(&get("/before"), Stage::Probes);
        // A check starts; a probe goes out while it reads; the canary's own read is no suspect.
        let checkpoint = exec.checkpoint();
        exec.remember(&get("/during"), Stage::Probes);
        exec.remember(&get("/me"), Stage::Canary);
        exec.forget_before(checkpoint);
        exec.remember(&get("/after"), Stage::Probes);
        let (named, total) = exec.sent_since_mark(10);
        assert_eq!(
            named,
            [
                "GET http://127.0.0.1:9/during as user-a",
                "GET http://127.0.0.1:9/after as user-a"
            ]
        );
        assert_eq!(total, 2);
        exec.mark();
        assert_eq!(exec.sent_since_mark(10), (Vec::new(), 0));
    }

    #[test]
    fn a_passed_jwt_exp_marks_the_credential_expired() {
        let now = jiff::Timestamp::now().as_second();
        let slot = IdentitySlot::new(Identity::Header(
            Credential::parse(Role::UserA, "Authorization: Bearer static-token").expect("ok"),
        ));
        let (_, generation, expired) = slot.current().expect("static credential");
        assert_eq!((generation, expired), (0, false));
        for (exp, want) in [(now - 5, true), (now + 3600, false)] {
            let token = jwt_with_exp(exp);
            let expires_at = jwt_expiry(&token);
            assert_eq!(expires_at, u64::try_from(exp).ok());
            let credential =
                Credential::parse(Role::UserA, &format!("Authorization: Bearer {token}"))
                    .expect("ok");
            slot.set(credential, expires_at);
            let (_, _, expired) = slot.current().expect("set");
            assert_eq!(expired, want, "exp {exp} vs now {now}");
        }
        assert_eq!(slot.current().map(|(_, g, _)| g), Some(2));
    }
}
