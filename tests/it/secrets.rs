//! Secrets masked by shape and by value (issue 8): a small API on 127.0.0.1 that hands out
//! fresh JWTs (body, `X-Auth-Token`, `Set-Cookie`), password hashes, a private key and both
//! users' configured passwords in many shapes. The real binary scans it with every report
//! format, and every output is searched for every secret.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::{apileak_cmd, run_cmd};

/// Configured passwords with characters every encoding changes (`"`, `/`, space, `&`, `\`,
/// non-ASCII).
const PASS_A: &str = "Al1ce\"pa/ss wörd";
const PASS_B: &str = "b0b&Secr3t\\ké+x";
const BCRYPT: [&str; 2] = [
    "$2b$12$Qm8cAdEnCeAlIcE0secretsSaLtuV3kq9Zt1xWc7rB2nYp4LhGs6dJ",
    "$2y$10$Zr4cAdEnCeBoBx0secretsSaLtOe8Hw2Kp5vNq1yTs7mCb3GdLu9aXi",
];
const ARGON2: &str =
    "$argon2id$v=19$m=65536,t=3,p=4$c2VjcmV0c3NhbHQxMjM$QXJnb25IYXNoQm9keTBmVGhlVXNlcg";
const PEM_BODY: &str = "MIIEowIBAAKCAQEAx4Jd9qZt1xWc7rB2nYp4LhGs6dJfeQm8cAdEnCeAlIcE0s";

const SPEC: &str = r#"openapi: 3.0.3
info: {title: Secrets API, version: "1"}
security: [{bearer: []}]
paths:
  /auth/login:
    post:
      operationId: login
      security: []
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: {username: {type: string}, password: {type: string}}
      responses: {"200": {description: a token}}
  /me:
    get:
      operationId: getMe
      responses:
        "200":
          description: the caller
          content:
            application/json:
              schema: {type: object, properties: {id: {type: integer}, username: {type: string}}}
  /users:
    get:
      operationId: listUsers
      responses:
        "200":
          description: users
          content:
            application/json:
              schema:
                type: array
                items: {type: object, properties: {id: {type: integer}, username: {type: string}}}
  /users/{userId}:
    get:
      operationId: getUser
      parameters: [{name: userId, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: a user
          content:
            application/json:
              schema: {type: object, properties: {id: {type: integer}, username: {type: string}}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
"#;

#[derive(Default)]
struct Api {
    /// Every token handed out (logins and the fresh ones), to search the outputs for.
    issued: Mutex<Vec<String>>,
    /// Login tokens → user ID.
    sessions: Mutex<HashMap<String, u64>>,
    counter: AtomicU64,
}

type Shared = State<Arc<Api>>;

struct User {
    id: u64,
    name: &'static str,
    password: &'static str,
}

const USERS: [User; 2] = [
    User {
        id: 1,
        name: "alice",
        password: PASS_A,
    },
    User {
        id: 2,
        name: "bob",
        password: PASS_B,
    },
];

impl Api {
    /// A fresh HS256-shaped JWT: the standard header, a unique payload, a unique signature.
    fn jwt(&self, user: u64) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD
            .encode(json!({"sub": user.to_string(), "jti": n, "exp": 4102444800u64}).to_string());
        let signature = URL_SAFE_NO_PAD.encode(Sha256::digest(format!("{header}.{payload}.{n}")));
        let token = format!("{header}.{payload}.{signature}");
        self.issued.lock().expect("lock").push(token.clone());
        token
    }

    fn caller(&self, headers: &HeaderMap) -> Option<(u64, String)> {
        let token = headers
            .get(header::AUTHORIZATION)?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")?
            .to_owned();
        let id = *self.sessions.lock().expect("lock").get(&token)?;
        Some((id, token))
    }
}

fn url_encoded(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A user's record with their password in many shapes and their hash (a leak of everything).
fn record(u: &User) -> Value {
    json!({
        "id": u.id,
        "username": u.name,
        "email": format!("{}@secrets.test", u.name),
        "password_hash": BCRYPT[usize::from(u.id == 2)],
        "digest": if u.id == 2 { ARGON2 } else { BCRYPT[0] },
        "last_input": u.password,
        "notes": format!("typed {} at the prompt", u.password),
        "referer": format!("/login?next=%2Fme&u={}&p={}", u.name, url_encoded(u.password)),
        "b64": STANDARD.encode(u.password),
        "b64url": URL_SAFE_NO_PAD.encode(u.password),
    })
}

async fn login(State(api): Shared, Json(body): Json<Value>) -> Response {
    let (name, password) = (body["username"].as_str(), body["password"].as_str());
    let Some(user) = USERS
        .iter()
        .find(|u| Some(u.name) == name && Some(u.password) == password)
    else {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "bad login"})),
        )
            .into_response();
    };
    let token = api.jwt(user.id);
    api.sessions
        .lock()
        .expect("lock")
        .insert(token.clone(), user.id);
    Json(json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600})).into_response()
}

async fn me(State(api): Shared, headers: HeaderMap) -> Response {
    let Some((id, token)) = api.caller(&headers) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let (header_jwt, cookie_jwt, body_jwt) = (api.jwt(id), api.jwt(id), api.jwt(id));
    let mut body = record(&USERS[usize::from(id == 2)]);
    body["session"] = json!({"token": body_jwt, "token_type": "Bearer"});
    body["seen"] = json!(format!("Authorization: Bearer {token}"));
    (
        [
            ("x-auth-token", header_jwt),
            ("set-cookie", format!("sid={cookie_jwt}; Path=/; HttpOnly")),
        ],
        Json(body),
    )
        .into_response()
}

async fn users(State(api): Shared, headers: HeaderMap) -> Response {
    if api.caller(&headers).is_none() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    Json(USERS.iter().map(record).collect::<Vec<_>>()).into_response()
}

async fn user(State(api): Shared, headers: HeaderMap, UrlPath(id): UrlPath<u64>) -> Response {
    if api.caller(&headers).is_none() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match USERS.iter().find(|u| u.id == id) {
        // No ownership check: user A reads B's record (and B's password shapes).
        Some(u) => Json(record(u)).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Not in the spec, open to anyone: the debug listing of the issue.
async fn debug() -> Response {
    Json(json!({
        "service": "secrets-api",
        "pem": format!("-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n{PEM_BODY}==\n-----END RSA PRIVATE KEY-----\n"),
        "logins": USERS.iter().map(|u| json!({
            "user": u.name,
            "typed": u.password,
            "form": format!("username={}&p={}", u.name, url_encoded(u.password)),
        })).collect::<Vec<_>>(),
        "hashes": [BCRYPT[0], BCRYPT[1], ARGON2],
    }))
    .into_response()
}

async fn start() -> (SocketAddr, Arc<Api>, tokio::sync::oneshot::Sender<()>) {
    let api = Arc::new(Api::default());
    let app = Router::new()
        .route("/auth/login", post(login))
        .route("/me", get(me))
        .route("/users", get(users))
        .route("/users/{userId}", get(user))
        .route("/_debug", get(debug))
        .with_state(Arc::clone(&api));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                stopped.await.ok();
            })
            .await
            .ok();
    });
    (addr, api, stop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_output_carries_a_secret_and_every_leak_is_still_proven() {
    let (addr, api, stop) = start().await;
    let dir = tempfile::tempdir().expect("tmp");
    let spec = dir.path().join("openapi.yaml");
    std::fs::write(&spec, SPEC).expect("spec");
    let config = dir.path().join("scan.yaml");
    std::fs::write(
        &config,
        format!(
            r#"spec: {spec}
base_url: http://{addr}
rate: 1000
identities:
  user_a:
    login:
      operation: POST /auth/login
      body: {{username: alice, password: '${{A_PASS}}'}}
  user_b:
    login:
      operation: POST /auth/login
      body: {{username: bob, password: '${{B_PASS}}'}}
"#,
            spec = spec.display()
        ),
    )
    .expect("config");
    let reports = [
        ("--json", "report.json"),
        ("--sarif", "report.sarif"),
        ("--junit", "report.junit.xml"),
        ("--html", "report.html"),
        ("--gitlab", "gl-dast-report.json"),
        ("--codequality", "gl-code-quality-report.json"),
        ("--markdown", "summary.md"),
    ];
    let mut cmd = apileak_cmd();
    cmd.env_remove("APILEAK_LOG")
        .arg("-vv")
        .arg("scan")
        .arg("--config")
        .arg(&config);
    for (flag, file) in reports {
        cmd.arg(flag).arg(dir.path().join(file));
    }
    cmd.env("A_PASS", PASS_A).env("B_PASS", PASS_B);
    let out = run_cmd(cmd).await;
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    stop.send(()).ok();

    let issued = api.issued.lock().expect("lock").clone();
    assert!(issued.len() > 2, "fresh tokens were handed out: {issued:?}");
    let mut secrets: Vec<(String, String)> = Vec::new();
    for (who, pw) in [("A", PASS_A), ("B", PASS_B)] {
        secrets.push((format!("{who} password"), pw.to_owned()));
        secrets.push((format!("{who} password, URL-encoded"), url_encoded(pw)));
        secrets.push((format!("{who} password, base64"), STANDARD.encode(pw)));
        secrets.push((
            format!("{who} password, base64url"),
            URL_SAFE_NO_PAD.encode(pw),
        ));
        let escaped = serde_json::to_string(pw).expect("json");
        secrets.push((
            format!("{who} password, JSON-escaped"),
            escaped.trim_matches('"').to_owned(),
        ));
    }
    for token in &issued {
        let (_, signature) = token.rsplit_once('.').expect("jwt");
        let (_, body_and_signature) = token.split_once('.').expect("jwt");
        secrets.push(("a JWT".into(), token.clone()));
        secrets.push((
            "a JWT without its header".into(),
            body_and_signature.to_owned(),
        ));
        secrets.push(("a JWT signature".into(), signature.to_owned()));
    }
    for hash in BCRYPT.iter().chain([&ARGON2]) {
        secrets.push(("a password hash".into(), (*hash).to_owned()));
        // The part after the scheme and cost must not survive on its own either.
        secrets.push(("a hash body".into(), hash[hash.len() - 30..].to_owned()));
    }
    secrets.push(("the private key".into(), PEM_BODY.to_owned()));

    let mut outputs = vec![("stdout".to_owned(), stdout), ("stderr".to_owned(), stderr)];
    for (_, file) in reports {
        let body = std::fs::read_to_string(dir.path().join(file)).expect("report");
        outputs.push((file.to_owned(), body));
    }
    let mut leaks = Vec::new();
    for (name, body) in &outputs {
        let hits: usize = secrets
            .iter()
            .map(|(_, s)| body.matches(s.as_str()).count())
            .sum();
        eprintln!("{name}: {hits} secret hits, {} bytes", body.len());
        for (what, secret) in &secrets {
            if body.contains(secret.as_str()) {
                leaks.push(format!("{what} in {name}"));
            }
        }
    }
    assert!(leaks.is_empty(), "leaked: {leaks:#?}");

    // The masks still prove each leak, so the test cannot pass by dropping the evidence.
    let json = &outputs[2].1;
    for proof in [
        "<redacted:bcrypt $2b$12$…(60 chars, sha256:",
        "<redacted:argon2 $argon2id$…",
        "<redacted:jwt eyJ…",
        "<redacted:private-key (",
        "<redacted:credential (",
        "Bearer <redacted:",
        "sid=<redacted:",
    ] {
        assert!(json.contains(proof), "the JSON report lacks `{proof}`");
    }
    let sarif = &outputs[3].1;
    assert!(
        sarif.contains("sha256:"),
        "the SARIF report keeps the proof"
    );
}
