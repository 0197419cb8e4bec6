//! `--rate auto` against a tiny throttling server on loopback, and the request and time
//! budgets (`--max-requests`, `--max-duration`) through the real binary against the demo API.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use apileak::exec::{ExecSettings, Executor, RateLimit};
use apileak::identity::Role;
use apileak::model::HttpMethod;
use apileak::probe::ProbeRequest;
use apileak::report::{Outcome, Report};
use apileak_demo::{DemoServer, DemoUser, Variant};
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::support::{apileak_cmd, bearer, demo_spec_file, run_cmd};

/// The throttling server's limit: requests accepted per sliding second.
const LIMIT: usize = 100;

/// Answers 200, or 429 with `Retry-After: 1` once `LIMIT` requests were accepted in the last
/// second (refused ones do not count, as with most gateways).
async fn throttling_server() -> SocketAddr {
    let window: Arc<Mutex<VecDeque<Instant>>> = Arc::default();
    let app = axum::Router::new().fallback(move || {
        let window = Arc::clone(&window);
        async move {
            let now = Instant::now();
            let mut w = window.lock().expect("window");
            while w
                .front()
                .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
            {
                w.pop_front();
            }
            if w.len() >= LIMIT {
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", "1")],
                    "slow down",
                )
                    .into_response();
            }
            w.push_back(now);
            (StatusCode::OK, [("content-type", "application/json")], "{}").into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// Sends `n` distinct GETs at `rate`; returns the statuses in send order and the stats.
async fn blast(rate: RateLimit, n: usize) -> (Vec<Option<u16>>, apileak::exec::ExecStats) {
    let addr = throttling_server().await;
    let base: url::Url = format!("http://{addr}/").parse().expect("url");
    let settings = ExecSettings {
        concurrency: 8,
        timeout: Duration::from_secs(5),
        rate,
        max_requests: None,
        max_duration: None,
        allow_writes: false,
        tls: Default::default(),
    };
    let exec = Executor::new(&settings, &base, None, None).expect("executor");
    let requests = (0..n)
        .map(|i| {
            let url = base.join(&format!("items/{i}")).expect("url");
            ProbeRequest::new(Role::Anonymous, HttpMethod::Get, url)
        })
        .collect();
    let exchanges = tokio::time::timeout(Duration::from_secs(30), exec.send_all(requests))
        .await
        .expect("bounded in time");
    (exchanges.iter().map(|e| e.status).collect(), exec.stats())
}

fn count_429(statuses: &[Option<u16>]) -> usize {
    statuses.iter().filter(|s| **s == Some(429)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixed_rate_above_the_limit_meets_a_wall_of_429s() {
    // The control for the test below: the server really throttles.
    let (statuses, stats) = blast(RateLimit::Fixed(1000), 240).await;
    let throttled = count_429(&statuses);
    eprintln!("fixed 1000 req/s: {throttled} of 240 answered 429");
    assert!(throttled >= 100, "{throttled}");
    let rate = stats.rate.expect("rate stats");
    assert_eq!(
        (rate.mode.as_str(), rate.limit, rate.throttled),
        ("fixed", 1000, throttled as u64)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_auto_settles_below_a_throttling_server_without_a_burst_of_429s() {
    let started = Instant::now();
    let (statuses, stats) = blast(RateLimit::default(), 240).await;
    let elapsed = started.elapsed();
    let rate = stats.rate.expect("rate stats");
    let throttled = count_429(&statuses);
    let late = count_429(&statuses[120..]);
    eprintln!("auto: {rate:?} in {elapsed:?}; 429s: {throttled} (in the second half: {late})");
    assert_eq!(rate.mode, "auto");
    assert_eq!(rate.throttled, throttled as u64);
    assert!(statuses.iter().all(Option::is_some), "no transport errors");
    // It sped up from its gentle start, and ended below the server's limit.
    assert!(rate.peak >= 40, "{rate:?}");
    assert!(rate.reached < LIMIT as u32, "{rate:?}");
    // Finding the limit costs a few 429s; then it stays under it (a later, slower probe of
    // the limit may cost at most one round of requests in flight).
    assert!(throttled <= 24, "{throttled} 429s");
    assert!(late <= 8, "{late} 429s in the second half");
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
}

/// Runs the binary against the demo API with `extra` flags; returns the exit code, stdout and
/// the JSON and Markdown reports.
async fn scan_demo(extra: &[&str]) -> (Option<i32>, String, Report, String) {
    let server = DemoServer::start(Variant::Patched).await.expect("demo");
    let dir = tempfile::tempdir().expect("tmp");
    let json = dir.path().join("report.json");
    let markdown = dir.path().join("report.md");
    let mut cmd = apileak_cmd();
    cmd.arg("scan")
        .arg(demo_spec_file())
        .args(["--base-url", &server.base_url()])
        .args(["--user-a", &bearer(&server, DemoUser::Alice)])
        .args(["--user-b", &bearer(&server, DemoUser::Bob)])
        .arg("--json")
        .arg(&json)
        .arg("--markdown")
        .arg(&markdown)
        .args(extra);
    let out = run_cmd(cmd).await;
    server.shutdown().await;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Report = serde_json::from_str(
        &std::fs::read_to_string(&json).unwrap_or_else(|e| panic!("{e}\n{stdout}\n{stderr}")),
    )
    .expect("json report");
    let markdown = std::fs::read_to_string(&markdown).expect("markdown report");
    (out.status.code(), stdout, report, markdown)
}

/// Cases whose probes were not sent because the scan stopped.
fn not_sent_cases(report: &Report) -> usize {
    report
        .cases
        .iter()
        .filter(|c| {
            matches!(&c.outcome, Outcome::Skipped { reason }
                if reason.contains("not sent: the scan stopped"))
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_budget_stops_the_scan_incomplete_with_exit_3() {
    let (full_code, _, full, _) = scan_demo(&["--rate", "1000"]).await;
    assert_eq!(full_code, Some(0), "the patched demo scans clean");
    assert!(
        full.stats.exec.requests > 40,
        "{}",
        full.stats.exec.requests
    );

    let (code, stdout, report, markdown) =
        scan_demo(&["--rate", "1000", "--max-requests", "20"]).await;
    eprintln!("{stdout}");
    assert_eq!(code, Some(3), "{stdout}");
    let message = match &report.halted {
        Some(apileak::report::Halted::Budget { message }) => message.clone(),
        other => panic!("halted: {other:?}"),
    };
    assert!(message.contains("--max-requests 20"), "{message}");
    assert!(report.stats.exec.requests <= 20, "{:?}", report.stats.exec);
    assert!(not_sent_cases(&report) > 0, "{:#?}", report.cases);
    for text in [&stdout, &markdown] {
        assert!(text.contains("INCOMPLETE"), "{text}");
        assert!(text.contains("--max-requests 20"), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_budget_stops_a_slow_scan_incomplete_with_exit_3() {
    let started = Instant::now();
    // At 5 requests per second the demo scan needs well over a minute: one second stops it.
    let (code, stdout, report, _) = scan_demo(&["--rate", "5", "--max-duration", "1s"]).await;
    assert_eq!(code, Some(3), "{stdout}");
    assert!(
        matches!(&report.halted, Some(apileak::report::Halted::Budget { message }) if message.contains("--max-duration 1s")),
        "{:?}",
        report.halted
    );
    assert!(report.stats.exec.requests < 20, "{:?}", report.stats.exec);
    assert!(stdout.contains("INCOMPLETE"), "{stdout}");
    assert!(started.elapsed() < Duration::from_secs(20));
}
