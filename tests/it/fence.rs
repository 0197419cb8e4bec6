//! The fence, over real HTTP: operations that read as unsafe (`GET /createdb`, `GET /logout`,
//! a `cmd` parameter) are never sent unless included, and every output says so. Plus the
//! login operation failed-login checks aim at, on real-world specs.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use apileak::model::{Fence, NotSentReason};
use apileak::spec::load_file;

use crate::support::{apileak_cmd, load_real_spec, run_cmd};

const TRAP_SPEC: &str = r#"openapi: 3.0.3
info: {title: Trap API, version: "1"}
security: [{bearer: []}]
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
paths:
  /me:
    get: {operationId: getMe, responses: {"200": {description: me}}}
  /items:
    get: {operationId: listItems, responses: {"200": {description: items}}}
    post: {operationId: createItem, responses: {"201": {description: created}}}
  /items/{itemId}:
    get:
      operationId: getItem
      parameters: [{name: itemId, in: path, required: true, schema: {type: string}, example: a1}]
      responses: {"200": {description: item}}
  /runs/{runId}:
    get:
      operationId: getRun
      summary: One CI run (a record of a past run)
      parameters: [{name: runId, in: path, required: true, schema: {type: string}, example: r1}]
      responses: {"200": {description: run}}
  /commands:
    get: {operationId: listCommands, summary: The commands the bot knows, responses: {"200": {description: list}}}
  /executions/{executionId}:
    get:
      operationId: getExecution
      parameters: [{name: executionId, in: path, required: true, schema: {type: string}, example: e1}]
      responses: {"200": {description: execution}}
  /createdb:
    get: {operationId: rebuild, summary: Rebuild the database, responses: {"200": {description: done}}}
  /logout:
    get: {operationId: endSession, responses: {"200": {description: bye}}}
  /admin/run:
    get:
      operationId: adminTool
      parameters: [{name: cmd, in: query, required: true, schema: {type: string}, example: id}]
      responses: {"200": {description: output}}
  /maintenance:
    get:
      operationId: maintenance
      tags: [ops]
      summary: Wipes and reseeds the database
      responses: {"200": {description: done}}
"#;

/// The traps and the reason each is held back for.
const TRAPS: [(&str, &str); 4] = [
    ("/createdb", "path segment `createdb` reads as `create`"),
    ("/logout", "path segment `logout` names an unsafe action"),
    (
        "/admin/run",
        "parameter `cmd` reads as a command or its arguments",
    ),
    ("/maintenance", "summary word `Wipes` reads as `wipe`"),
];
const DECOYS: [&str; 3] = ["/runs/r1", "/commands", "/executions/e1"];

#[derive(Default)]
struct Trap {
    /// Requests per path, every method and answer counted.
    hits: Mutex<BTreeMap<String, usize>>,
    /// `GET /createdb` or `GET /maintenance` ran: both users are gone.
    wiped: AtomicBool,
    /// Tokens whose session `GET /logout` ended.
    ended: Mutex<HashSet<String>>,
    /// Requests with any other method than GET.
    posts: std::sync::atomic::AtomicUsize,
}

impl Trap {
    fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .expect("lock")
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

async fn handle(
    State(trap): State<Arc<Trap>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path().to_owned();
    *trap
        .hits
        .lock()
        .expect("lock")
        .entry(path.clone())
        .or_default() += 1;
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let user = match token.as_str() {
        "token-a" => "a",
        "token-b" => "b",
        _ => "",
    };
    let alive = !user.is_empty()
        && !trap.wiped.load(Ordering::SeqCst)
        && !trap.ended.lock().expect("lock").contains(&token);
    if !alive {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "unauthorized"})),
        )
            .into_response();
    }
    if method != Method::GET {
        trap.posts.fetch_add(1, Ordering::SeqCst);
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let own = format!("{user}1");
    let body = match path.as_str() {
        "/me" => json!({"id": format!("u-{user}"), "username": user}),
        "/items" => json!([{"id": own, "title": "mine"}]),
        p if p == format!("/items/{own}") => json!({"id": own, "title": "mine"}),
        "/runs/r1" => json!({"id": "r1", "state": "done"}),
        "/commands" => json!([{"name": "help"}]),
        "/executions/e1" => json!({"id": "e1", "took_ms": 12}),
        "/createdb" | "/maintenance" => {
            trap.wiped.store(true, Ordering::SeqCst);
            json!({"ok": true})
        }
        "/logout" => {
            trap.ended.lock().expect("lock").insert(token);
            json!({"ok": true})
        }
        "/admin/run" => json!({"output": "uid=0(root)"}),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    axum::Json(body).into_response()
}

/// The trap server on 127.0.0.1 (any free port), with its spec written beside a config.
struct Running {
    trap: Arc<Trap>,
    base: String,
    dir: tempfile::TempDir,
    stop: tokio::sync::oneshot::Sender<()>,
}

impl Running {
    async fn start() -> Running {
        let trap = Arc::new(Trap::default());
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&trap));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("openapi.yaml"), TRAP_SPEC).expect("spec");
        Running {
            trap,
            base,
            dir,
            stop,
        }
    }

    fn spec(&self) -> PathBuf {
        self.dir.path().join("openapi.yaml")
    }

    fn scan(&self, extra: &[&str]) -> assert_cmd::Command {
        let mut cmd = apileak_cmd();
        cmd.arg("scan")
            .arg(self.spec())
            .args(["--base-url", &self.base])
            .args(["--user-a", "Authorization: Bearer token-a"])
            .args(["--user-b", "Authorization: Bearer token-b"])
            .arg("--json")
            .arg(self.json())
            .args(extra);
        cmd
    }

    fn json(&self) -> PathBuf {
        self.dir.path().join("report.json")
    }

    fn stop(self) {
        let _ = self.stop.send(());
    }
}

fn report(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("report")).expect("json")
}

/// `(path, why)` of the JSON report's `not_sent[]`.
fn not_sent(report: &Value) -> BTreeMap<String, String> {
    report["not_sent"]
        .as_array()
        .expect("not_sent")
        .iter()
        .map(|n| {
            (
                n["path"].as_str().expect("path").to_owned(),
                n["why"].as_str().expect("why").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_default_scan_sends_nothing_to_the_traps_and_says_why() {
    let server = Running::start().await;
    let out = run_cmd(server.scan(&[])).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{stdout}\n{stderr}"
    );
    // The server's log, for `--nocapture` readers.
    eprintln!(
        "requests per path: {:?}",
        server.trap.hits.lock().expect("lock")
    );
    for (path, _) in TRAPS {
        assert_eq!(server.trap.hits(path), 0, "{path} was sent:\n{stderr}");
    }
    assert!(!server.trap.wiped.load(Ordering::SeqCst));
    for decoy in DECOYS {
        assert!(server.trap.hits(decoy) > 0, "decoy {decoy} was not scanned");
    }
    let json = report(&server.json());
    let mut listed = not_sent(&json);
    // The write is listed as such, counted on stdout, and never reached the server.
    assert_eq!(
        listed.remove("/items").as_deref(),
        Some("write method: needs --allow-writes")
    );
    assert!(
        stdout
            .contains("Not sent: 1 write operation (POST/PUT/PATCH/DELETE): needs --allow-writes."),
        "{stdout}"
    );
    assert_eq!(server.trap.posts.load(Ordering::SeqCst), 0);
    assert_eq!(listed.len(), TRAPS.len(), "{listed:#?}");
    for (path, why) in TRAPS {
        assert_eq!(listed.get(path).map(String::as_str), Some(why), "{path}");
        let line = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("GET {path} ")))
            .unwrap_or_else(|| panic!("{path} not on stdout:\n{stdout}"));
        assert!(line.contains(why), "{line}");
    }
    // The decoys were judged, not skipped.
    let cased: HashSet<&str> = json["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter_map(|c| c["path"].as_str())
        .collect();
    for path in ["/runs/{runId}", "/commands", "/executions/{executionId}"] {
        assert!(cased.contains(path), "{path} has no case");
    }
    server.stop();
}

/// Every format a human reads names the held-back operations with their reasons.
#[tokio::test]
async fn every_report_lists_what_was_not_sent() {
    let server = Running::start().await;
    let dir = server.dir.path().to_owned();
    let out = run_cmd(server.scan(&[
        "--markdown",
        dir.join("summary.md").to_str().expect("utf-8"),
        "--html",
        dir.join("report.html").to_str().expect("utf-8"),
        "--junit",
        dir.join("report.junit.xml").to_str().expect("utf-8"),
        "--sarif",
        dir.join("report.sarif").to_str().expect("utf-8"),
    ]))
    .await;
    assert!(matches!(out.status.code(), Some(0 | 1)));
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect(name);
    let markdown = read("summary.md");
    assert!(markdown.contains("5 operation(s) not sent"), "{markdown}");
    let html = read("report.html");
    assert!(html.contains("Not sent (held back as unsafe, or excluded)"));
    let junit = read("report.junit.xml");
    assert!(junit.contains("apileak.writes-not-sent"), "{junit}");
    let sarif = crate::cli::validate_sarif(&dir.join("report.sarif"));
    let held = sarif["runs"][0]["properties"]["apileak/notSent"]
        .as_array()
        .expect("notSent");
    assert_eq!(held.len(), TRAPS.len());
    assert_eq!(sarif["runs"][0]["properties"]["apileak/writesNotSent"], 1);
    for (path, why) in TRAPS {
        let op = format!("GET {path}");
        assert!(markdown.contains(&format!("- `{op}`: {why}")), "{op}");
        assert!(
            html.contains(&format!("<code>{op}</code></td><td>{why}")),
            "{op}"
        );
        assert!(
            junit.contains(&format!("{op} [not-sent]")) && junit.contains(why),
            "{op}"
        );
        assert!(
            held.iter()
                .any(|h| h["operation"] == op.as_str() && h["why"] == why),
            "{op}"
        );
    }
    server.stop();
}

#[tokio::test]
async fn an_included_trap_is_sent() {
    let server = Running::start().await;
    let out = run_cmd(server.scan(&["--include", "GET /createdb"])).await;
    assert!(
        server.trap.hits("/createdb") > 0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Sending it broke the scan's users, as it would on a real target.
    assert!(server.trap.wiped.load(Ordering::SeqCst));
    assert_eq!(server.trap.hits("/logout"), 0);
    server.stop();
}

#[tokio::test]
async fn config_file_include_and_exclude() {
    let server = Running::start().await;
    let config = server.dir.path().join("apileak.yaml");
    std::fs::write(
        &config,
        "exclude: [\"GET /commands\", \"tag:ops\"]\ninclude: [adminTool]\n",
    )
    .expect("config");
    let out = run_cmd(server.scan(&["--config", config.to_str().expect("utf-8")])).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
    assert_eq!(server.trap.hits("/commands"), 0);
    assert_eq!(server.trap.hits("/maintenance"), 0);
    assert!(
        server.trap.hits("/admin/run") > 0,
        "included by operationId"
    );
    let listed = not_sent(&report(&server.json()));
    assert_eq!(
        listed.get("/commands").map(String::as_str),
        Some("excluded by `GET /commands`")
    );
    // An exclusion wins over the words, so the user's own reason is the one shown.
    assert_eq!(
        listed.get("/maintenance").map(String::as_str),
        Some("excluded by `tag:ops`")
    );
    assert!(!listed.contains_key("/admin/run"));
    server.stop();
}

#[tokio::test]
async fn patterns_matching_nothing_are_usage_errors() {
    let server = Running::start().await;
    let out = run_cmd(server.scan(&["--exclude", "GET /nope/*"])).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--exclude `GET /nope/*` matches no operation")
    );
    let config = server.dir.path().join("apileak.yaml");
    std::fs::write(&config, "include: [\"tag:nope\"]\n").expect("config");
    let out = run_cmd(server.scan(&["--config", config.to_str().expect("utf-8")])).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--include `tag:nope` matches no operation")
    );
    assert!(
        server.trap.hits.lock().expect("lock").is_empty(),
        "nothing sent"
    );
    server.stop();
}

/// Real-world specs: no read is held back (their stems — `migrations`, `runners`,
/// `subscriptions`, `hosted-runners` — are not actions), and no creation endpoint is taken
/// for a login.
#[test]
fn real_specs_fence_no_read_and_have_no_false_login() {
    for name in [
        "github-api.github.com.json",
        "stripe-spec3-2023-09-12.yaml",
        "stripe-spec2-2020-04-23.json",
    ] {
        let mut spec = load_real_spec(name);
        let before = spec.api.operations.len();
        let held = Fence::default().apply(&mut spec.api).expect("fence");
        assert_eq!(held, [], "{name}");
        assert_eq!(spec.api.operations.len(), before);
        let writes = apileak::model::needs_allow_writes(&spec.api, false, None);
        assert!(
            writes
                .iter()
                .all(|n| n.reason == NotSentReason::NeedsAllowWrites && n.method != "GET"),
            "{name}"
        );
        let login = apileak::checks::find_login_operation(&spec.api, None);
        assert_eq!(login.map(|o| o.display_name()), None, "{name}");
    }
}

/// The operations the old name-only rule took for logins exist in the specs: the test above
/// would catch them.
#[test]
fn the_false_logins_are_there_to_be_refused() {
    let github = load_real_spec("github-api.github.com.json");
    let stripe2 = load_real_spec("stripe-spec2-2020-04-23.json");
    let stripe3 = load_real_spec("stripe-spec3-2023-09-12.yaml");
    for (spec, route) in [
        (&github, "POST /user/codespaces"),
        (&stripe2, "POST /v1/account/login_links"),
        (&stripe3, "POST /v1/billing_portal/sessions"),
    ] {
        let ops = &spec.api.operations;
        assert!(ops.iter().any(|o| o.display_name() == route), "{route}");
    }
}

#[test]
fn the_demo_spec_has_nothing_unsafe_to_read() {
    let mut spec = load_file(&crate::support::demo_spec_file()).expect("load");
    assert_eq!(Fence::default().apply(&mut spec.api).expect("fence"), []);
}
