//! How fast the executor sends: a fixed `--rate N`, or `--rate auto` (the default), which
//! starts gently, speeds up while the target answers as fast as before and without 429/503,
//! and backs off multiplicatively on 429/503, timeouts or rising latency, pausing for a
//! `Retry-After` (capped). The controller is pure (the caller passes the clock in), so its
//! unit tests run on a fake clock; [`Pacer`] wraps it for the async send path.

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::time::Instant;

/// `--rate auto`'s ceiling in requests per second: polite on a shared staging server.
pub const AUTO_CEILING: u32 = 200;
/// The fixed rate's bounds.
pub const MAX_FIXED_RATE: u32 = 10_000;
/// Where `--rate auto` starts.
const START_RATE: f64 = 20.0;
const MIN_RATE: f64 = 1.0;
/// The controller judges the target once per epoch: at least this long …
const EPOCH: Duration = Duration::from_millis(250);
/// … and with at least this many answers (fewer say nothing about latency).
const EPOCH_ANSWERS: usize = 5;
/// A `Retry-After` longer than this is cut: the budget and the user's patience decide.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// The pause after a 429/503 that names no `Retry-After`.
const DEFAULT_PAUSE: Duration = Duration::from_secs(1);
/// Latency counts as rising above `baseline × FACTOR + SLACK` (the slack keeps loopback's
/// sub-millisecond jitter from reading as a trend).
const LATENCY_FACTOR: f64 = 2.0;
const LATENCY_SLACK: Duration = Duration::from_millis(25);
/// After a push-back, the rate stays below this share of the rate that was pushed back …
const SOFT_CAP_SHARE: f64 = 0.85;
/// … and that cap rises by this share per clean epoch, to notice a target that got faster.
const SOFT_CAP_RELAX: f64 = 0.01;

/// `--rate`: a fixed number of requests per second, or adaptive up to a ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimit {
    Fixed(u32),
    Auto { ceiling: u32 },
}

impl Default for RateLimit {
    fn default() -> RateLimit {
        RateLimit::Auto {
            ceiling: AUTO_CEILING,
        }
    }
}

impl std::str::FromStr for RateLimit {
    type Err = String;

    /// `auto` or a whole number of requests per second (1..=10000).
    fn from_str(s: &str) -> Result<RateLimit, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("auto") {
            return Ok(RateLimit::default());
        }
        match s.parse::<u32>() {
            Ok(n) if (1..=MAX_FIXED_RATE).contains(&n) => Ok(RateLimit::Fixed(n)),
            _ => Err(format!(
                "`{s}` is not a rate: use `auto` or a number of requests per second between 1 and {MAX_FIXED_RATE}"
            )),
        }
    }
}

impl std::fmt::Display for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RateLimit::Fixed(n) => write!(f, "{n}"),
            RateLimit::Auto { .. } => f.write_str("auto"),
        }
    }
}

/// What the rate did during the scan, for the report.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RateStats {
    /// `auto` or `fixed`.
    pub mode: String,
    /// The fixed rate, or auto's ceiling (requests per second).
    pub limit: u32,
    /// The rate in force at the end (auto), or the fixed rate.
    pub reached: u32,
    /// The highest rate auto allowed (the fixed rate for `fixed`).
    pub peak: u32,
    /// Answers with 429 or 503.
    pub throttled: u64,
    /// Times auto slowed down (429/503, timeouts, rising latency).
    pub backoffs: u64,
}

/// What one request told the controller.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Signal {
    Answer {
        status: u16,
        latency: Duration,
        retry_after: Option<Duration>,
    },
    Timeout,
}

/// The adaptive controller: pure state, clock passed in.
#[derive(Debug)]
pub(crate) struct RateController {
    rate: f64,
    ceiling: f64,
    /// After a push-back: stay below this, see [`SOFT_CAP_SHARE`].
    soft_cap: Option<f64>,
    /// Doubling until the first push-back, then +10% per clean epoch.
    slow_start: bool,
    next_send: Option<Instant>,
    paused_until: Option<Instant>,
    /// Send times of the last second: what the target really saw.
    recent_sends: VecDeque<Instant>,
    epoch_start: Instant,
    epoch_latencies: Vec<Duration>,
    epoch_pushed_back: bool,
    /// The lowest epoch median seen: the target's unloaded latency.
    baseline: Option<Duration>,
    /// Signals about requests booked before the last back-off are already accounted for.
    last_backoff: Option<Instant>,
    peak: f64,
    throttled: u64,
    backoffs: u64,
}

impl RateController {
    pub(crate) fn new(ceiling: u32, now: Instant) -> RateController {
        let ceiling = f64::from(ceiling.max(1));
        let rate = START_RATE.min(ceiling);
        RateController {
            rate,
            ceiling,
            soft_cap: None,
            slow_start: true,
            next_send: None,
            paused_until: None,
            recent_sends: VecDeque::new(),
            epoch_start: now,
            epoch_latencies: Vec::new(),
            epoch_pushed_back: false,
            baseline: None,
            last_backoff: None,
            peak: rate,
            throttled: 0,
            backoffs: 0,
        }
    }

    /// The current rate in requests per second.
    pub(crate) fn rate(&self) -> f64 {
        self.rate
    }

    /// Books the next send slot at or after `now`; the caller sends at the returned time.
    pub(crate) fn reserve(&mut self, now: Instant) -> Instant {
        let mut at = now;
        for t in [self.next_send, self.paused_until].into_iter().flatten() {
            at = at.max(t);
        }
        self.next_send = Some(at + Duration::from_secs_f64(1.0 / self.rate));
        while self
            .recent_sends
            .front()
            .is_some_and(|t| at.saturating_duration_since(*t) > Duration::from_secs(1))
        {
            self.recent_sends.pop_front();
        }
        self.recent_sends.push_back(at);
        at
    }

    /// Learns from the answer (or timeout) to a request sent at `sent_at`.
    pub(crate) fn record(&mut self, sent_at: Instant, now: Instant, signal: Signal) {
        let fresh = self.last_backoff.is_none_or(|b| sent_at >= b);
        match signal {
            Signal::Answer {
                status: 429 | 503,
                retry_after,
                ..
            } => {
                self.throttled += 1;
                let pause = retry_after.unwrap_or(DEFAULT_PAUSE).min(MAX_RETRY_AFTER);
                let until = now + pause;
                self.paused_until = Some(self.paused_until.map_or(until, |p| p.max(until)));
                if fresh {
                    self.back_off(now, 0.5);
                }
            }
            Signal::Timeout if fresh => self.back_off(now, 0.5),
            Signal::Timeout => {}
            Signal::Answer { latency, .. } => {
                if fresh {
                    self.epoch_latencies.push(latency);
                }
            }
        }
        self.end_epoch_if_due(now);
    }

    /// The target pushed back: slow down below what it really saw, and remember it.
    fn back_off(&mut self, now: Instant, factor: f64) {
        let seen = self.recent_sends.len() as f64;
        // A rate the sender never reached (concurrency-bound) says nothing; what arrived does.
        let pushed = if seen >= 1.0 {
            self.rate.min(seen)
        } else {
            self.rate
        };
        self.soft_cap = Some((pushed * SOFT_CAP_SHARE).max(MIN_RATE));
        self.rate = (pushed * factor).max(MIN_RATE);
        self.slow_start = false;
        // Slots booked before now (up to `concurrency` of them, some in the future) were
        // sent at the old rate: what they meet is already accounted for.
        self.last_backoff = Some(self.next_send.map_or(now, |t| t.max(now)));
        self.backoffs += 1;
        self.epoch_pushed_back = true;
        tracing::debug!(rate = self.rate, "rate auto: backing off");
    }

    fn end_epoch_if_due(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.epoch_start);
        let enough = self.epoch_latencies.len() >= EPOCH_ANSWERS
            || self.epoch_pushed_back
            // A slow rate still gets judged, on fewer answers.
            || (elapsed >= EPOCH * 4 && !self.epoch_latencies.is_empty());
        if elapsed < EPOCH || !enough {
            return;
        }
        let pushed_back = std::mem::take(&mut self.epoch_pushed_back);
        let mut latencies = std::mem::take(&mut self.epoch_latencies);
        self.epoch_start = now;
        if pushed_back || latencies.is_empty() {
            return;
        }
        latencies.sort_unstable();
        let median = latencies[latencies.len() / 2];
        let baseline = *self.baseline.get_or_insert(median);
        if median > baseline.mul_f64(LATENCY_FACTOR) + LATENCY_SLACK {
            self.back_off(now, 0.7);
            self.epoch_pushed_back = false;
            return;
        }
        self.baseline = Some(baseline.min(median));
        let grown = if self.slow_start {
            self.rate * 2.0
        } else {
            (self.rate * 1.1).max(self.rate + 1.0)
        };
        let mut cap = self.ceiling;
        if let Some(soft) = self.soft_cap.as_mut() {
            if self.rate >= *soft {
                *soft = (*soft * (1.0 + SOFT_CAP_RELAX)).min(self.ceiling);
            }
            cap = cap.min(*soft);
        }
        self.rate = grown.min(cap).max(self.rate.min(cap));
        self.peak = self.peak.max(self.rate);
    }

    fn stats(&self) -> RateStats {
        RateStats {
            mode: "auto".into(),
            limit: self.ceiling as u32,
            reached: self.rate().round() as u32,
            peak: self.peak.round() as u32,
            throttled: self.throttled,
            backoffs: self.backoffs,
        }
    }
}

/// `Retry-After` as seconds or an HTTP date; `None` when it is neither.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let secs = at.as_second() - jiff::Timestamp::now().as_second();
    Some(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

/// The send path's handle on the rate: waits for a slot, learns from answers.
pub(crate) enum Pacer {
    Fixed {
        limit: u32,
        limiter: DefaultDirectRateLimiter,
        throttled: AtomicU64,
    },
    Auto(Mutex<RateController>),
}

impl Pacer {
    pub(crate) fn new(rate: RateLimit) -> Pacer {
        match rate {
            RateLimit::Fixed(n) => {
                let per_second = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
                Pacer::Fixed {
                    limit: n,
                    limiter: RateLimiter::direct(Quota::per_second(per_second)),
                    throttled: AtomicU64::new(0),
                }
            }
            RateLimit::Auto { ceiling } => {
                Pacer::Auto(Mutex::new(RateController::new(ceiling, Instant::now())))
            }
        }
    }

    /// Waits for this request's turn; returns the send time to pass to [`Pacer::observe`].
    pub(crate) async fn ready(&self) -> Instant {
        match self {
            Pacer::Fixed { limiter, .. } => {
                limiter.until_ready().await;
                Instant::now()
            }
            Pacer::Auto(controller) => {
                let at = controller
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .reserve(Instant::now());
                tokio::time::sleep_until(at).await;
                at
            }
        }
    }

    pub(crate) fn observe(&self, sent_at: Instant, signal: Signal) {
        match self {
            Pacer::Fixed { throttled, .. } => {
                if matches!(
                    signal,
                    Signal::Answer {
                        status: 429 | 503,
                        ..
                    }
                ) {
                    throttled.fetch_add(1, Ordering::Relaxed);
                }
            }
            Pacer::Auto(controller) => controller
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .record(sent_at, Instant::now(), signal),
        }
    }

    pub(crate) fn stats(&self) -> RateStats {
        match self {
            Pacer::Fixed {
                limit, throttled, ..
            } => RateStats {
                mode: "fixed".into(),
                limit: *limit,
                reached: *limit,
                peak: *limit,
                throttled: throttled.load(Ordering::Relaxed),
                backoffs: 0,
            },
            Pacer::Auto(controller) => controller
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .stats(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn ok(latency_ms: u64) -> Signal {
        Signal::Answer {
            status: 200,
            latency: MS * u32::try_from(latency_ms).expect("small"),
            retry_after: None,
        }
    }

    /// Sends `n` requests at the controller's pace, each answered after `latency_ms` by
    /// `answer`; returns the clock at the end.
    fn drive(
        c: &mut RateController,
        mut now: Instant,
        n: usize,
        latency_ms: u64,
        mut answer: impl FnMut(Instant) -> Signal,
    ) -> Instant {
        for _ in 0..n {
            let at = c.reserve(now);
            let done = at + MS * u32::try_from(latency_ms).expect("small");
            c.record(at, done, answer(at));
            now = at;
        }
        now
    }

    #[test]
    fn parses_auto_and_fixed_rates() {
        assert_eq!("auto".parse(), Ok(RateLimit::default()));
        assert_eq!(" 50 ".parse(), Ok(RateLimit::Fixed(50)));
        for bad in ["0", "10001", "fast", "-3", ""] {
            assert!(bad.parse::<RateLimit>().is_err(), "{bad}");
        }
        assert_eq!(RateLimit::default().to_string(), "auto");
    }

    #[test]
    fn speeds_up_while_latency_is_flat_up_to_the_ceiling() {
        let t0 = Instant::now();
        let mut c = RateController::new(200, t0);
        assert_eq!(c.rate(), START_RATE);
        drive(&mut c, t0, 400, 2, |_| ok(2));
        assert_eq!(c.rate(), 200.0);
        let s = c.stats();
        assert_eq!(
            (s.reached, s.peak, s.backoffs, s.throttled),
            (200, 200, 0, 0)
        );
    }

    #[test]
    fn a_burst_of_429s_backs_off_once_and_pauses_for_retry_after() {
        let t0 = Instant::now();
        let mut c = RateController::new(200, t0);
        let now = drive(&mut c, t0, 100, 1, |_| ok(1));
        let before = c.rate();
        assert!(before > START_RATE, "{before}");
        // Eight requests booked (some slots still ahead) all come back 429, each soon after
        // its own slot: one back-off, not eight halvings.
        let sent: Vec<Instant> = (0..8).map(|_| c.reserve(now)).collect();
        let answered = sent[7] + MS;
        for at in &sent {
            c.record(
                *at,
                *at + MS,
                Signal::Answer {
                    status: 429,
                    latency: MS,
                    retry_after: Some(Duration::from_secs(3)),
                },
            );
        }
        assert_eq!((c.throttled, c.backoffs), (8, 1));
        assert!(c.rate() <= before / 2.0, "{} vs {before}", c.rate());
        let next = c.reserve(answered);
        assert!(
            next >= answered + Duration::from_secs(3),
            "honours Retry-After"
        );
        // A huge Retry-After is capped.
        c.record(
            next,
            next,
            Signal::Answer {
                status: 503,
                latency: MS,
                retry_after: Some(Duration::from_secs(86_400)),
            },
        );
        assert!(c.reserve(next) <= next + MAX_RETRY_AFTER);
    }

    #[test]
    fn rising_latency_and_timeouts_slow_it_down() {
        let t0 = Instant::now();
        let mut c = RateController::new(200, t0);
        let now = drive(&mut c, t0, 60, 2, |_| ok(2));
        let before = c.rate();
        drive(&mut c, now, 100, 200, |_| ok(200));
        assert!(c.rate() < before, "{} vs {before}", c.rate());
        let (before, backoffs) = (c.rate(), c.backoffs);
        assert!(backoffs >= 1);
        let at = c.reserve(now + Duration::from_secs(10));
        c.record(at, at + Duration::from_secs(10), Signal::Timeout);
        assert!(c.rate() < before);
        assert_eq!(c.backoffs, backoffs + 1);
    }

    #[test]
    fn settles_below_a_throttling_target() {
        // The target answers 429 when more than 60 requests arrived in the last second.
        const LIMIT: usize = 60;
        let t0 = Instant::now();
        let mut c = RateController::new(200, t0);
        let mut window: VecDeque<Instant> = VecDeque::new();
        let mut throttled_at = Vec::new();
        let mut now = t0;
        for i in 0..3_000 {
            let at = c.reserve(now);
            while window
                .front()
                .is_some_and(|t| at.saturating_duration_since(*t) >= Duration::from_secs(1))
            {
                window.pop_front();
            }
            let signal = if window.len() >= LIMIT {
                throttled_at.push(i);
                Signal::Answer {
                    status: 429,
                    latency: MS,
                    retry_after: Some(Duration::from_secs(1)),
                }
            } else {
                window.push_back(at);
                ok(1)
            };
            c.record(at, at + MS, signal);
            now = at;
        }
        assert!(
            c.rate() < LIMIT as f64 && c.rate() > LIMIT as f64 / 3.0,
            "{}",
            c.rate()
        );
        // A few 429s find the limit; after that, it stays under it almost always.
        assert!(!throttled_at.is_empty());
        assert!(throttled_at.len() < 40, "{} 429s", throttled_at.len());
        let late = throttled_at.iter().filter(|i| **i >= 1_000).count();
        assert!(late <= 15, "{late} late 429s: {throttled_at:?}");
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after(" 7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
