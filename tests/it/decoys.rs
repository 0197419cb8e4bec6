//! Ownership inferences where they would be wrong, over real HTTP on a small API of another
//! shape (a cookie credential, JSON:API envelopes, a user record without a plain `id`): a
//! path that ignores its parameter and a catalogue both users read must stay silent; the real
//! cross-user reads, by a path ID, by an ID in a header, and a list that shows everyone's
//! objects, must be found.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use apileak::config::SpecSource;
use apileak::identity::{Credential, Role};
use apileak::report::Outcome;

use crate::support::demo_config;

const SPEC: &str = r#"openapi: 3.0.3
info: {title: Odd shapes, version: "1"}
security: [{cookie: []}]
components:
  securitySchemes:
    cookie: {type: apiKey, in: cookie, name: sid}
paths:
  /session:
    get: {operationId: currentSession, responses: {"200": {description: who}}}
  /projects:
    get: {operationId: listProjects, responses: {"200": {description: own projects}}}
  /projects/{id}:
    get:
      operationId: getProject
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: a project}}
  /activity:
    get: {operationId: recentActivity, responses: {"200": {description: recent projects}}}
  /reports:
    get:
      operationId: projectReport
      parameters: [{name: X-Project-Id, in: header, required: true, schema: {type: string}}]
      responses: {"200": {description: the project's report}}
  /notes:
    get: {operationId: listNotes, responses: {"200": {description: own notes}}}
  /notes/{id}:
    get:
      operationId: getNote
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: a note}}
  /templates:
    get: {operationId: listTemplates, responses: {"200": {description: the catalogue}}}
  /templates/{id}:
    get:
      operationId: getTemplate
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: a template}}
"#;

fn project(user: &str, n: u8) -> Value {
    json!({"type": "projects", "id": format!("p-{user}{n}"), "attributes": {
        "name": format!("{user} plan {n}"), "budget": format!("BUDGET-{user}-{n}77"),
        "owner_email": format!("{user}@odd.test")}})
}

fn note(user: &str) -> Value {
    json!({"type": "notes", "id": format!("n-{user}"), "attributes": {
        "text": format!("{user}'s private note 4411")}})
}

fn template(n: u8) -> Value {
    json!({"type": "templates", "id": format!("t-{n}"), "attributes": {
        "title": format!("Shared template {n}"), "body": format!("Everyone reads template {n}")}})
}

async fn handle(State(_): State<Arc<()>>, uri: Uri, headers: HeaderMap) -> Response {
    let cookie = headers
        .get("cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let user = match cookie {
        "sid=cookie-of-ann" => "ann",
        "sid=cookie-of-bo" => "bo",
        _ => {
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"errors": [{"status": "401"}]})),
            )
                .into_response();
        }
    };
    let path = uri.path();
    let body = match path {
        "/session" => json!({"data": {"type": "users", "id": format!("usr-{user}"),
            "attributes": {"email": format!("{user}@odd.test"), "name": format!("{user} Example")}}}),
        "/projects" => json!({"data": [project(user, 1), project(user, 2)]}),
        "/notes" => json!({"data": [note(user)]}),
        "/templates" => json!({"data": [template(1), template(2)]}),
        // The third planted flaw: a list of everyone's projects, owners and budgets included.
        "/activity" => json!({"data": [project("ann", 1), project("bo", 1), project("bo", 2)]}),
        // The second planted flaw: the project ID travels in a header, unchecked.
        "/reports" => {
            let Some(id) = headers
                .get("x-project-id")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("p-"))
            else {
                return StatusCode::BAD_REQUEST.into_response();
            };
            let (owner, n) = id.split_at(id.len() - 1);
            json!({"data": {"type": "reports", "id": format!("r-{id}"), "attributes": {
                "project": project(owner, n.parse().unwrap_or(1))}}})
        }
        _ => {
            if let Some(id) = path.strip_prefix("/projects/p-") {
                // The planted flaw: any project by ID, whoever asks.
                let (owner, n) = id.split_at(id.len() - 1);
                json!({"data": project(owner, n.parse().unwrap_or(1))})
            } else if path.starts_with("/notes/") {
                // Ignores its parameter: always the caller's own note.
                json!({"data": note(user)})
            } else if let Some(n) = path.strip_prefix("/templates/t-") {
                json!({"data": template(n.parse().unwrap_or(1))})
            } else {
                return StatusCode::NOT_FOUND.into_response();
            }
        }
    };
    let mut response = axum::Json(body).into_response();
    response.headers_mut().insert(
        "cache-control",
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

#[tokio::test]
async fn a_parameter_ignored_and_a_shared_catalogue_stay_silent_the_real_leak_is_found() {
    let app = axum::Router::new()
        .fallback(handle)
        .with_state(Arc::new(()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let demo = apileak_demo::DemoServer::start(apileak_demo::Variant::Patched)
        .await
        .expect("demo");
    let mut config = demo_config(&demo);
    config.spec = SpecSource::Embedded {
        text: SPEC,
        path: "odd.yaml".into(),
    };
    config.base_url = Some(base.parse().expect("url"));
    config.user_a = Credential::parse(Role::UserA, "Cookie: sid=cookie-of-ann")
        .expect("cred")
        .into();
    config.user_b = Credential::parse(Role::UserB, "Cookie: sid=cookie-of-bo")
        .expect("cred")
        .into();
    config.checks = vec!["bola-read".into()];
    let report = apileak::scan::run(&config).await.expect("scan");
    let found: Vec<String> = report.findings.iter().map(|f| f.operation()).collect();
    assert_eq!(
        found,
        ["GET /activity", "GET /projects/{id}", "GET /reports"],
        "{:#?}",
        report.findings
    );
    assert!(
        report.findings[0].message.contains("project.id p-bo1"),
        "{}",
        report.findings[0].message
    );
    let by_header = &report.findings[2].evidence;
    assert!(
        by_header
            .request_headers
            .iter()
            .any(|(n, v)| n == "X-Project-Id" && v.starts_with("p-bo")),
        "{by_header:?}"
    );
    let outcome = |path: &str| {
        report
            .cases
            .iter()
            .find(|c| c.path == path)
            .map(|c| c.outcome.clone())
    };
    // The note was really tested (B's note, A's answer) and judged silent.
    assert!(
        matches!(outcome("/notes/{id}"), Some(Outcome::Passed { probes }) if probes > 0),
        "{:?}",
        outcome("/notes/{id}")
    );
    // Both users reach every template: nothing of B's to try, and it says so.
    match outcome("/templates/{id}") {
        Some(Outcome::Skipped { reason }) => {
            assert!(reason.contains("shared with user-a"), "{reason}")
        }
        other => panic!("templates: {other:?}"),
    }
    // The principal came from a JSON:API record.
    assert_eq!(
        report.preflight[1].principal.as_deref(),
        Some("usr-ann"),
        "{:?}",
        report.preflight
    );
    demo.shutdown().await;
    server.abort();
}
