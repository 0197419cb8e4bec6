//! A scan that cannot be trusted says so: unverified identities, a user wiped or logged out
//! mid-scan, a target that stops answering, too many requests without an answer (exit 3);
//! and an interrupted write scan undoes its writes and exits 130/143. Real servers on
//! loopback: a small trap API and the demo API.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use apileak::exec::{Halt, HaltReason};
use apileak_demo::{DemoOptions, DemoServer, DemoUser, Variant};

use crate::check_write::state;
use crate::cli::{validate_gitlab, validate_sarif};
use crate::support::{apileak_cmd, bearer, demo_config, demo_spec_file, run_cmd};

/// What the trap API does wrong, besides serving notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trap {
    /// `GET /stats/daily` wipes the users whoever calls it (a harvest as A reaches it).
    WipeOnAnyCall,
    /// `GET /stats/daily` wipes the users only when called without credentials (only the
    /// probes do that).
    WipeOnAnonymousCall,
    /// After an anonymous `GET /stats/daily`, no request is ever answered again.
    HangAfterAnonymousCall,
    /// `GET /notes/{id}` never answers.
    SlowNotes,
}

#[derive(Debug)]
struct TrapState {
    trap: Trap,
    alive: AtomicBool,
    hung: AtomicBool,
    requests: std::sync::Mutex<BTreeMap<String, u64>>,
    total: AtomicU64,
}

const TOKEN_A: &str = "trap-token-alice-5c1e";
const TOKEN_B: &str = "trap-token-bob-9a7d";

const TRAP_SPEC: &str = r#"
openapi: 3.0.3
info: {title: Trap API, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
security: [{bearer: []}]
paths:
  /me:
    get:
      operationId: getMe
      responses: {"200": {description: the caller}}
  /users/{userId}/notes:
    get:
      operationId: listNotes
      parameters: [{name: userId, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: the user's notes}}
  /notes/{noteId}:
    get:
      operationId: getNote
      parameters: [{name: noteId, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: a note}}
  /stats/daily:
    get:
      operationId: dailyStats
      security: []
      summary: Today's numbers.
      responses: {"200": {description: numbers}}
"#;

/// The caller's user ID, while the users exist.
fn caller(state: &TrapState, headers: &HeaderMap) -> Option<u64> {
    if !state.alive.load(Ordering::SeqCst) {
        return None;
    }
    match headers.get("authorization")?.to_str().ok()? {
        a if a == format!("Bearer {TOKEN_A}") => Some(1),
        a if a == format!("Bearer {TOKEN_B}") => Some(2),
        _ => None,
    }
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"error": "unauthorized"})),
    )
        .into_response()
}

async fn me(State(s): State<Arc<TrapState>>, headers: HeaderMap) -> Response {
    match caller(&s, &headers) {
        Some(1) => axum::Json(json!({"id": 1, "username": "alice", "email": "alice@trap.test"}))
            .into_response(),
        Some(_) => axum::Json(json!({"id": 2, "username": "bob", "email": "bob@trap.test"}))
            .into_response(),
        None => unauthorized(),
    }
}

fn note(id: u64) -> Value {
    let owner = if id < 20 { 1 } else { 2 };
    json!({"id": id, "owner_id": owner, "text": format!("private note {id} of user {owner}")})
}

async fn notes(
    State(s): State<Arc<TrapState>>,
    headers: HeaderMap,
    Path(user): Path<u64>,
) -> Response {
    match caller(&s, &headers) {
        Some(c) if c == user => {
            let first = if user == 1 { 11 } else { 21 };
            axum::Json(json!([note(first), note(first + 1)])).into_response()
        }
        Some(_) => StatusCode::FORBIDDEN.into_response(),
        None => unauthorized(),
    }
}

async fn one_note(
    State(s): State<Arc<TrapState>>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Response {
    if s.trap == Trap::SlowNotes {
        std::future::pending::<()>().await;
    }
    let owner = if id < 20 { 1 } else { 2 };
    match caller(&s, &headers) {
        Some(c) if c == owner && matches!(id, 11 | 12 | 21 | 22) => {
            axum::Json(note(id)).into_response()
        }
        Some(_) => StatusCode::NOT_FOUND.into_response(),
        None => unauthorized(),
    }
}

async fn daily(State(s): State<Arc<TrapState>>, headers: HeaderMap) -> Response {
    let anonymous = !headers.contains_key("authorization");
    match s.trap {
        Trap::WipeOnAnyCall => s.alive.store(false, Ordering::SeqCst),
        Trap::WipeOnAnonymousCall if anonymous => s.alive.store(false, Ordering::SeqCst),
        Trap::HangAfterAnonymousCall if anonymous => s.hung.store(true, Ordering::SeqCst),
        _ => {}
    }
    axum::Json(json!({"signups": 3, "workouts": 17})).into_response()
}

async fn count(State(s): State<Arc<TrapState>>, req: Request, next: Next) -> Response {
    if s.hung.load(Ordering::SeqCst) {
        std::future::pending::<()>().await;
    }
    s.total.fetch_add(1, Ordering::SeqCst);
    *s.requests
        .lock()
        .expect("lock")
        .entry(req.uri().path().to_owned())
        .or_default() += 1;
    let mut res = next.run(req).await;
    // A correct API apart from its trap: personal data is not cached.
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res
}

/// Serves the trap API on an ephemeral loopback port until the runtime ends.
async fn trap_server(trap: Trap) -> (SocketAddr, Arc<TrapState>) {
    let state = Arc::new(TrapState {
        trap,
        alive: AtomicBool::new(true),
        hung: AtomicBool::new(false),
        requests: std::sync::Mutex::new(BTreeMap::new()),
        total: AtomicU64::new(0),
    });
    let app = Router::new()
        .route("/me", get(me))
        .route("/users/{userId}/notes", get(notes))
        .route("/notes/{noteId}", get(one_note))
        .route("/stats/daily", get(daily))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), count))
        .with_state(Arc::clone(&state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, state)
}

/// Runs the binary against the trap API with `spec`; returns (exit code, stdout, stderr).
async fn scan_trap(addr: SocketAddr, spec: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("trap.yaml");
    std::fs::write(&path, spec).expect("spec");
    let mut cmd = apileak_cmd();
    cmd.arg("scan")
        .arg(&path)
        .args(["--base-url", &format!("http://{addr}")])
        .args(["--user-a", &format!("Authorization: Bearer {TOKEN_A}")])
        .args(["--user-b", &format!("Authorization: Bearer {TOKEN_B}")])
        .args(["--rate", "1000"])
        .args(extra);
    let out = run_cmd(cmd).await;
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_clean_trap_free_scan_passes_so_the_traps_below_are_what_fails() {
    // The same API without its trap firing (SlowNotes aside, every trap needs a call the
    // scan makes): here nothing wipes, so the scan must come out clean.
    let (addr, state) = trap_server(Trap::WipeOnAnonymousCall).await;
    let spec = TRAP_SPEC.replace("/stats/daily:", "/stats/weekly:");
    let (code, stdout, stderr) = scan_trap(addr, &spec, &[]).await;
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(state.alive.load(Ordering::SeqCst));
    assert!(!stdout.contains("INCOMPLETE"), "{stdout}");
}

#[tokio::test]
async fn users_wiped_during_the_harvest_stop_the_scan_and_name_the_culprit() {
    let (addr, state) = trap_server(Trap::WipeOnAnyCall).await;
    let (code, stdout, stderr) = scan_trap(addr, TRAP_SPEC, &[]).await;
    eprintln!("{stdout}");
    assert_eq!(code, Some(3), "{stdout}\n{stderr}");
    assert!(!state.alive.load(Ordering::SeqCst), "the trap fired");
    assert!(
        stdout.contains("INCOMPLETE") && stdout.contains("stopped authenticating"),
        "{stdout}"
    );
    assert!(stdout.contains("after the harvest"), "{stdout}");
    assert!(
        stdout.contains(&format!("GET http://{addr}/stats/daily")),
        "the culprit is named: {stdout}"
    );
    // Stopped before the probes: no probe ran on a target without users.
    let probes_of_notes = state
        .requests
        .lock()
        .expect("lock")
        .get("/notes/21")
        .copied();
    assert!(
        probes_of_notes.unwrap_or(0) <= 1,
        "A must not have probed B's note after the wipe: {probes_of_notes:?}"
    );
}

#[tokio::test]
async fn users_wiped_by_a_probe_stop_the_scan_with_exit_3() {
    let (addr, state) = trap_server(Trap::WipeOnAnonymousCall).await;
    let (code, stdout, stderr) = scan_trap(addr, TRAP_SPEC, &[]).await;
    assert_eq!(code, Some(3), "{stdout}\n{stderr}");
    assert!(!state.alive.load(Ordering::SeqCst), "the trap fired");
    assert!(stdout.contains("stopped authenticating"), "{stdout}");
    assert!(
        stdout.contains(&format!("GET http://{addr}/stats/daily as anonymous")),
        "{stdout}"
    );
}

#[tokio::test]
async fn a_target_that_stops_answering_is_not_a_clean_scan() {
    let (addr, _state) = trap_server(Trap::HangAfterAnonymousCall).await;
    let started = Instant::now();
    let (code, stdout, stderr) = scan_trap(addr, TRAP_SPEC, &["--timeout", "1"]).await;
    eprintln!("{stdout}");
    assert_eq!(code, Some(3), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("stopped answering") || stdout.contains("got no response"),
        "{stdout}"
    );
    assert!(stdout.contains("timed out"), "{stdout}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "stopped early, not after timing out every probe: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn requests_without_an_answer_are_counted_and_fail_the_scan() {
    let (addr, _state) = trap_server(Trap::SlowNotes).await;
    let (code, stdout, stderr) = scan_trap(addr, TRAP_SPEC, &["--timeout", "1"]).await;
    assert_eq!(code, Some(3), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("requests failed in transport") && stdout.contains("harvest"),
        "per-stage transport counts on stdout: {stdout}"
    );
}

#[tokio::test]
async fn identities_that_cannot_be_verified_exit_3_and_say_how_to_fix_it() {
    // No "me" operation and no other secured read without parameters.
    let spec = TRAP_SPEC
        .replace("  /me:\n    get:\n      operationId: getMe\n      responses: {\"200\": {description: the caller}}\n", "");
    assert!(!spec.contains("/me:"));
    let (addr, _state) = trap_server(Trap::WipeOnAnonymousCall).await;
    let (code, stdout, stderr) = scan_trap(addr, &spec, &[]).await;
    assert_eq!(code, Some(3), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("could not be verified") && stderr.contains("--me"),
        "{stderr}"
    );

    // The same on a closed port: never a clean scan.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let closed: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let (code, _, stderr) = scan_trap(closed, &spec, &[]).await;
    assert_eq!(code, Some(3), "{stderr}");

    // Naming the operation unlocks the scan (a spec whose "me" goes by another name).
    let renamed = TRAP_SPEC.replace("operationId: getMe", "operationId: whoIsThere");
    let renamed = renamed.replace("  /me:", "  /caller-info:");
    let (addr, _state) = trap_server(Trap::WipeOnAnonymousCall).await;
    let (code, _, stderr) = scan_trap(addr, &renamed, &["--me", "GET /caller-info"]).await;
    assert_ne!(
        code,
        Some(0),
        "the route does not exist on the server: {stderr}"
    );
    let (code, _, stderr) = scan_trap(addr, &renamed, &["--me", "GET /nowhere"]).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--me `GET /nowhere` matches no operation"),
        "{stderr}"
    );
}

/// Stops `halt` once the demo server has served `writes` write requests (bounded wait).
fn halt_after_writes(server: &DemoServer, writes: u64, halt: Halt, signal: &str) {
    let counter = server.write_counter();
    let signal = signal.to_owned();
    tokio::spawn(async move {
        let deadline = Instant::now() + Duration::from_secs(30);
        while counter() < writes && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        halt.stop(HaltReason::Interrupted { signal });
    });
}

fn slow_demo() -> DemoOptions {
    DemoOptions {
        latency: Some(Duration::from_millis(40)),
        ..DemoOptions::default()
    }
}

#[tokio::test]
async fn an_interrupted_write_scan_undoes_every_write() {
    let server = DemoServer::start_with(Variant::Vulnerable, slow_demo())
        .await
        .expect("demo");
    let before = state(&server).await;
    let halt = Halt::new();
    // Two creations, then the first attack write: interrupted with objects to delete and,
    // depending on the order, user-a's record to restore.
    halt_after_writes(&server, 3, halt.clone(), "SIGINT");
    let report = apileak::scan::run_until(&demo_config(&server), &halt)
        .await
        .expect("scan");
    assert_eq!(
        report.halted,
        Some(apileak::report::Halted::Interrupted {
            signal: "SIGINT".into()
        })
    );
    assert_eq!(report.exit_code(false), 130);
    assert!(report.left_behind.is_empty(), "{:?}", report.left_behind);
    assert_eq!(state(&server).await, before, "every write undone");
    // The cases the interrupt cut off are "not tested", never passed.
    let not_sent = report
        .cases
        .iter()
        .filter(|c| matches!(&c.outcome, apileak::report::Outcome::Skipped { reason } if reason.contains("the scan stopped")))
        .count();
    assert!(not_sent > 0, "{:#?}", report.cases);
    let undo = report.stats.exec.stages.iter().find(|s| s.stage == "undo");
    assert!(
        undo.is_some_and(|u| u.requests > 0),
        "the journal undid something: {:?}",
        report.stats.exec.stages
    );
}

/// Runs the binary with `--allow-writes` against the slow demo, sends `signals` once `writes`
/// writes were served; returns (exit code, stderr, JSON report).
async fn interrupt_binary(
    server: &DemoServer,
    signals: &[&str],
    dir: &tempfile::TempDir,
) -> (Option<i32>, String, Value) {
    let json_path = dir.path().join("report.json");
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("apileak"));
    cmd.env_remove("APILEAK_USER_A")
        .env_remove("APILEAK_USER_B")
        .env_remove("APILEAK_LOG")
        .arg("scan")
        .arg(demo_spec_file())
        .args(["--base-url", &server.base_url()])
        .args(["--user-a", &bearer(server, DemoUser::Alice)])
        .args(["--user-b", &bearer(server, DemoUser::Bob)])
        .args(["--allow-writes", "--rate", "1000", "--concurrency", "4"])
        .arg("--json")
        .arg(&json_path)
        .arg("--sarif")
        .arg(dir.path().join("report.sarif"))
        .arg("--gitlab")
        .arg(dir.path().join("gl-dast-report.json"))
        .arg("--markdown")
        .arg(dir.path().join("summary.md"))
        .arg("--html")
        .arg(dir.path().join("report.html"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let pid = child.id().to_string();
    // stderr is read as it comes: a second signal is sent only once the first was
    // acknowledged (signals that arrive together are delivered as one).
    let stderr_text = Arc::new(std::sync::Mutex::new(String::new()));
    let reader = {
        let stderr_text = Arc::clone(&stderr_text);
        let mut pipe = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = std::io::Read::read(&mut pipe, &mut buf) {
                if n == 0 {
                    break;
                }
                stderr_text
                    .lock()
                    .expect("lock")
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        })
    };
    let counter = server.write_counter();
    let deadline = Instant::now() + Duration::from_secs(30);
    while counter() < 3 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    for signal in signals {
        let status = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill");
        assert!(status.success());
        let acknowledged = format!("SIG{signal}: stopping");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !stderr_text.lock().expect("lock").contains(&acknowledged)
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().expect("wait"))
        .await
        .expect("join");
    reader.join().expect("stderr reader");
    let stderr = stderr_text.lock().expect("lock").clone();
    let report = std::fs::read_to_string(&json_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    (out.status.code(), stderr, report)
}

#[tokio::test]
async fn sigint_and_sigterm_undo_the_writes_and_write_incomplete_reports() {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let server = DemoServer::start_with(Variant::Vulnerable, slow_demo())
            .await
            .expect("demo");
        let before = state(&server).await;
        let dir = tempfile::tempdir().expect("tmp");
        let (got, stderr, report) = interrupt_binary(&server, &[signal], &dir).await;
        assert_eq!(got, Some(code), "{stderr}");
        // Every format says the scan is incomplete, and stays valid.
        let sarif = validate_sarif(&dir.path().join("report.sarif"));
        assert_eq!(
            sarif["runs"][0]["invocations"][0]["executionSuccessful"],
            Value::Bool(false)
        );
        let findings = report["findings"].as_array().map_or(0, Vec::len);
        let gitlab = dir.path().join("gl-dast-report.json");
        validate_gitlab(&gitlab, findings);
        let gitlab: Value =
            serde_json::from_str(&std::fs::read_to_string(&gitlab).expect("gitlab")).expect("json");
        assert_eq!(gitlab["scan"]["status"], "failure");
        for file in ["summary.md", "report.html"] {
            let text = std::fs::read_to_string(dir.path().join(file)).expect("report");
            assert!(text.contains("INCOMPLETE"), "{file}");
        }
        assert_eq!(
            report["halted"]["signal"].as_str(),
            Some(format!("SIG{signal}").as_str()),
            "{report}"
        );
        assert_eq!(
            state(&server).await,
            before,
            "SIG{signal}: every write undone"
        );
        server.shutdown().await;
    }
}

#[tokio::test]
async fn a_second_signal_exits_at_once_and_says_what_was_left() {
    let server = DemoServer::start_with(Variant::Vulnerable, slow_demo())
        .await
        .expect("demo");
    let dir = tempfile::tempdir().expect("tmp");
    let (got, stderr, _) = interrupt_binary(&server, &["INT", "INT"], &dir).await;
    assert_eq!(got, Some(130), "{stderr}");
    assert!(stderr.contains("second SIGINT: exiting now"), "{stderr}");
}

/// An API of `RESOURCES` resources, each user owning one object in each; every other ID
/// answers 404. Its `GET /me`, called by a user once the probes are under way (a cross-user
/// read was seen), is gated: it answers only once `GATE_ARRIVALS` other requests arrived while
/// it waited (or after `GATE_BOUND`), and records which.
#[derive(Debug, Default)]
struct GateState {
    armed: AtomicBool,
    gate_taken: AtomicBool,
    arrivals: AtomicU64,
    arrived: tokio::sync::Notify,
    /// `Some(true)`: requests kept arriving while the canary read; `Some(false)`: none did.
    overlapped: std::sync::Mutex<Option<bool>>,
}

const RESOURCES: usize = 100;
const GATE_ARRIVALS: u64 = 10;
const GATE_BOUND: Duration = Duration::from_secs(10);

fn gated_spec() -> String {
    let mut spec = String::from(
        "openapi: 3.0.3\ninfo: {title: Gate API, version: '1'}\ncomponents:\n  securitySchemes:\n    bearer: {type: http, scheme: bearer}\nsecurity: [{bearer: []}]\npaths:\n  /me:\n    get:\n      operationId: getMe\n      responses: {'200': {description: the caller}}\n",
    );
    for k in 0..RESOURCES {
        spec.push_str(&format!(
            "  /r{k}:\n    get:\n      operationId: listR{k}\n      responses: {{'200': {{description: own objects}}}}\n  /r{k}/{{r{k}Id}}:\n    get:\n      operationId: getR{k}\n      parameters: [{{name: r{k}Id, in: path, required: true, schema: {{type: string}}}}]\n      responses: {{'200': {{description: one object}}, '404': {{description: not yours}}}}\n"
        ));
    }
    spec
}

async fn gated(State(s): State<Arc<GateState>>, headers: HeaderMap, req: Request) -> Response {
    let user = match headers.get("authorization").and_then(|h| h.to_str().ok()) {
        Some(a) if a == format!("Bearer {TOKEN_A}") => Some(("a", 1)),
        Some(a) if a == format!("Bearer {TOKEN_B}") => Some(("b", 2)),
        _ => None,
    };
    let path = req.uri().path().to_owned();
    if path != "/me" {
        s.arrivals.fetch_add(1, Ordering::SeqCst);
        s.arrived.notify_waiters();
    }
    let Some((letter, id)) = user else {
        return unauthorized();
    };
    if path == "/me" {
        if s.armed.load(Ordering::SeqCst) && !s.gate_taken.swap(true, Ordering::SeqCst) {
            let want = s.arrivals.load(Ordering::SeqCst) + GATE_ARRIVALS;
            let reached = tokio::time::timeout(GATE_BOUND, async {
                loop {
                    let arrived = s.arrived.notified();
                    if s.arrivals.load(Ordering::SeqCst) >= want {
                        return;
                    }
                    arrived.await;
                }
            })
            .await
            .is_ok();
            *s.overlapped.lock().expect("lock") = Some(reached);
        }
        return axum::Json(json!({"id": id, "username": letter})).into_response();
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let other = if letter == "a" { "b" } else { "a" };
    let resource = |r: &str| {
        r.strip_prefix('r')
            .and_then(|k| k.parse::<usize>().ok())
            .is_some_and(|k| k < RESOURCES)
    };
    match parts.as_slice() {
        [r] if resource(r) => {
            axum::Json(json!([{"id": gated_object(letter, r), "owner_id": id}])).into_response()
        }
        [r, object] if resource(r) => {
            if *object == gated_object(letter, r) {
                return axum::Json(json!({"id": object, "owner_id": id})).into_response();
            }
            // The other user's object asked for by its ID: only a probe does that.
            if *object == gated_object(other, r) {
                s.armed.store(true, Ordering::SeqCst);
            }
            StatusCode::NOT_FOUND.into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A user's object in resource `r`: an ID that looks random, as real ones do.
fn gated_object(letter: &str, r: &str) -> String {
    let seed = r
        .bytes()
        .chain(letter.bytes())
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("{letter}{seed:016x}")
}

#[tokio::test]
async fn probes_keep_going_while_the_canary_checks_the_identities() {
    let state = Arc::new(GateState::default());
    let app = Router::new()
        .fallback(get(gated))
        .with_state(Arc::clone(&state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    let (code, stdout, stderr) = scan_trap(addr, &gated_spec(), &["--concurrency", "2"]).await;
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(!stdout.contains("INCOMPLETE"), "{stdout}");
    assert!(
        state.armed.load(Ordering::SeqCst),
        "cross-user probes were sent"
    );
    // A barrier would hold every probe until the gated read answered: it would time out.
    assert_eq!(
        *state.overlapped.lock().expect("lock"),
        Some(true),
        "a canary read during the probes did not see probes sent beside it:\n{stdout}"
    );
}
