//! Shows a running scan's progress on stderr: an indicatif bar on a terminal (drawn through
//! tracing-indicatif, so log lines print above it instead of through it), or a plain log line
//! every few seconds in CI and files. The engine only counts (`exec::ProgressWatch`); this polls.

use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing_indicatif::span_ext::IndicatifSpanExt;
use tracing_indicatif::style::ProgressStyle;

use super::term::ProgressMode;
use crate::exec::{Progress, ProgressWatch, Stage};

/// A line every this often when there is no bar: enough to show life in a CI log, few enough
/// not to drown it.
pub(super) const LINE_EVERY: Duration = Duration::from_secs(5);
/// How often the bar is redrawn from the counters.
const BAR_EVERY: Duration = Duration::from_millis(100);

/// The running display; [`Shown::finish`] removes the bar.
pub(super) struct Shown {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Shown {
    pub(super) async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// Starts showing `watch` the way `mode` says.
pub(super) fn show(watch: &ProgressWatch, mode: ProgressMode) -> Shown {
    let (stop, stopped) = oneshot::channel();
    let watch = watch.clone();
    let task = match mode {
        ProgressMode::Off => None,
        ProgressMode::Bar => Some(tokio::spawn(bar(watch, stopped))),
        ProgressMode::Lines => Some(tokio::spawn(lines(watch, stopped, LINE_EVERY, |line| {
            tracing::info!("{line}")
        }))),
    };
    Shown {
        stop: Some(stop),
        task,
    }
}

/// Where one stage started, to give its own rate and ETA (the harvest's pace says little
/// about the probes').
struct StageClock {
    stage: Stage,
    since: Instant,
    /// Requests sent over the scan when the stage started.
    sent_before: u64,
}

impl StageClock {
    fn start(p: &Progress) -> StageClock {
        StageClock {
            stage: p.stage,
            since: Instant::now(),
            sent_before: p.sent,
        }
    }

    fn update(&mut self, p: &Progress) -> bool {
        if p.stage != self.stage {
            *self = StageClock::start(p);
            return true;
        }
        false
    }

    fn pace(&self, p: &Progress) -> String {
        pace(
            p,
            self.since.elapsed(),
            p.sent.saturating_sub(self.sent_before),
        )
    }
}

/// `4.9 req/s, ETA 59 s` (`4.9 req/s` without a total): requests really sent since the stage
/// started, not indicatif's estimate, which cache hits (many requests "done" at once) throw
/// off. The ETA assumes every request left is sent.
fn pace(p: &Progress, stage_elapsed: Duration, sent: u64) -> String {
    let secs = stage_elapsed.as_secs_f64();
    let rate = if secs > 0.0 { sent as f64 / secs } else { 0.0 };
    match p.total {
        Some(total) => {
            let left = total.saturating_sub(p.done);
            let eta = if rate > 0.0 {
                format!("ETA {} s", (left as f64 / rate).ceil() as u64)
            } else {
                "ETA unknown".to_owned()
            };
            format!("{rate:.1} req/s, {eta}")
        }
        None => format!("{rate:.1} req/s"),
    }
}

/// `probes 120/410 (29%), 4.9 req/s, ETA 59 s`.
pub(super) fn plain_line(p: &Progress, stage_elapsed: Duration, sent: u64) -> String {
    let pace = pace(p, stage_elapsed, sent);
    match p.total {
        Some(total) => {
            let pct = (p.done * 100).checked_div(total).unwrap_or(100);
            format!("{} {}/{total} ({pct}%), {pace}", p.stage.name(), p.done)
        }
        None => format!("{} {} requests, {pace}", p.stage.name(), p.done),
    }
}

async fn lines(
    watch: ProgressWatch,
    mut stopped: oneshot::Receiver<()>,
    every: Duration,
    mut emit: impl FnMut(String),
) {
    let mut clock = StageClock::start(&watch.now());
    let mut tick = tokio::time::interval_at(Instant::now() + every, every);
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            _ = tick.tick() => {
                let p = watch.now();
                clock.update(&p);
                emit(format!(
                    "progress: {}",
                    plain_line(&p, clock.since.elapsed(), p.sent.saturating_sub(clock.sent_before))
                ));
            }
        }
    }
}

async fn bar(watch: ProgressWatch, mut stopped: oneshot::Receiver<()>) {
    let counted =
        ProgressStyle::with_template("{spinner:.cyan} {msg} [{bar:30.cyan/blue}] {pos}/{len}")
            .map(|s| s.progress_chars("=> "));
    let open = ProgressStyle::with_template("{spinner:.cyan} {msg} {pos} requests");
    let (Ok(counted), Ok(open)) = (counted, open) else {
        // The templates are constants: this cannot happen, and a scan without a bar is fine.
        return;
    };
    let span = tracing::info_span!("progress");
    span.pb_set_style(&open);
    span.pb_start();
    let mut clock = StageClock::start(&watch.now());
    let mut had_total = false;
    let mut tick = tokio::time::interval(BAR_EVERY);
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            _ = tick.tick() => {
                let p = watch.now();
                if clock.update(&p) {
                    span.pb_reset();
                }
                match (p.total, had_total) {
                    (Some(_), false) => span.pb_set_style(&counted),
                    (None, true) => span.pb_set_style(&open),
                    _ => {}
                }
                had_total = p.total.is_some();
                if let Some(total) = p.total {
                    span.pb_set_length(total);
                }
                span.pb_set_message(&format!(
                    "{:>9} {}",
                    p.stage.name(),
                    clock.pace(&p)
                ));
                span.pb_set_position(p.done);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn a_plain_line_has_done_total_rate_and_eta() {
        let p = Progress {
            stage: Stage::Probes,
            done: 100,
            total: Some(400),
            sent: 130,
        };
        assert_eq!(
            plain_line(&p, Duration::from_secs(20), 100),
            "probes 100/400 (25%), 5.0 req/s, ETA 60 s"
        );
        // Cache hits count as done but not as sent: they must not inflate the rate.
        assert_eq!(
            plain_line(&p, Duration::from_secs(20), 20),
            "probes 100/400 (25%), 1.0 req/s, ETA 300 s"
        );
        let open = Progress { total: None, ..p };
        assert_eq!(
            plain_line(&open, Duration::from_secs(10), 100),
            "probes 100 requests, 10.0 req/s"
        );
        let still = Progress { done: 0, ..p };
        assert!(plain_line(&still, Duration::ZERO, 0).ends_with("ETA unknown"));
    }

    #[tokio::test(start_paused = true)]
    async fn lines_come_every_interval_until_finished() {
        let watch = ProgressWatch::new();
        let (stop, stopped) = oneshot::channel();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let task = tokio::spawn(lines(watch, stopped, LINE_EVERY, move |l| {
            sink.lock().expect("sink").push(l)
        }));
        tokio::time::sleep(LINE_EVERY * 2 + Duration::from_millis(1)).await;
        let _ = stop.send(());
        task.await.expect("task");
        let seen = seen.lock().expect("seen");
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert!(
            seen[0].starts_with("progress: login 0 requests"),
            "{seen:?}"
        );
    }
}
