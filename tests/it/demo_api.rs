//! The bundled demo API over real HTTP: every planted flaw shows on `Vulnerable` and is fixed on
//! `Patched`, and the spec and ground truth match what the server serves.

use std::collections::BTreeSet;
use std::path::Path;

use apileak_demo::{DemoServer, DemoUser, SPEC_PATH, SPEC_YAML, Variant};
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, SERVER, WWW_AUTHENTICATE};
use serde_json::{Value, json};

use DemoUser::{Alice, Bob, Carol, Dave, Erin};
use Variant::{Patched, Vulnerable};

use crate::support::Resp;

impl Resp {
    /// The `id`s of a JSON array of objects.
    fn ids(&self) -> Vec<u64> {
        let list = self.json();
        let items = list.as_array().expect("JSON array");
        items
            .iter()
            .map(|m| m["id"].as_u64().expect("id"))
            .collect()
    }
}

async fn start(variant: Variant) -> DemoServer {
    DemoServer::start(variant)
        .await
        .expect("demo server starts")
}

async fn send(server: &DemoServer, method: &str, path: &str, who: Option<DemoUser>) -> Resp {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = reqwest::Client::new().request(method, format!("{}{path}", server.base_url()));
    if let Some(user) = who {
        req = req.bearer_auth(server.token(user));
    }
    let res = req.send().await.expect("request succeeds");
    Resp::read(res).await
}

async fn get(server: &DemoServer, path: &str, who: Option<DemoUser>) -> Resp {
    send(server, "GET", path, who).await
}

async fn login(server: &DemoServer, body: Value) -> Resp {
    let url = format!("{}/auth/login", server.base_url());
    let res = reqwest::Client::new().post(url).json(&body).send().await;
    Resp::read(res.expect("request succeeds")).await
}

fn assert_unauthorized(res: &Resp) {
    assert_eq!(res.status, 401, "{res:?}");
    assert_eq!(res.header(WWW_AUTHENTICATE.as_str()), "Bearer");
    assert_eq!(res.json(), json!({"error": "unauthorized"}));
}

fn spec() -> Value {
    yaml_serde::from_str(SPEC_YAML).expect("spec is valid YAML")
}

/// Property names the spec declares for `components.schemas.<name>`.
fn declared(name: &str) -> BTreeSet<String> {
    let props = &spec()["components"]["schemas"][name]["properties"];
    props
        .as_object()
        .expect("properties")
        .keys()
        .cloned()
        .collect()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .expect("JSON object")
        .keys()
        .cloned()
        .collect()
}

#[tokio::test]
async fn login_issues_a_fresh_token_per_login() {
    for variant in [Vulnerable, Patched] {
        let server = start(variant).await;
        for user in [Alice, Bob, Carol, Dave, Erin] {
            let creds = json!({"username": user.username(), "password": user.password()});
            let res = login(&server, creds).await;
            assert_eq!(res.status, 200, "{res:?}");
            let body = res.json();
            let issued = server.issued_tokens();
            assert_eq!(body["access_token"], json!(issued.last().expect("issued")));
            assert_ne!(body["access_token"], server.token(user));
            assert_eq!(body["token_type"], "Bearer");
            assert_eq!(
                issued.last().expect("issued").split('.').count(),
                3,
                "a JWT"
            );
        }
        let wrong = login(
            &server,
            json!({"username": "alice", "password": "bob-demo-pass"}),
        )
        .await;
        assert_eq!(wrong.status, 401);
        let said = if variant == Vulnerable {
            "wrong password"
        } else {
            "invalid credentials"
        };
        assert_eq!(wrong.json(), json!({ "error": said }));
        let malformed = login(&server, json!({"user": "alice"})).await;
        assert_eq!(malformed.status, 400);
        assert_eq!(malformed.json(), json!({"error": "invalid login request"}));
    }
}

#[tokio::test]
async fn tokens_are_random_per_start_and_per_user() {
    let (a, b) = (start(Vulnerable).await, start(Vulnerable).await);
    assert_ne!(a.token(Alice), b.token(Alice));
    assert_ne!(a.token(Alice), a.token(Bob));
    // Header, claims and signature: a JWT (see tests/it/check_auth.rs for its validation).
    assert_eq!(a.token(Alice).split('.').count(), 3);
}

#[tokio::test]
async fn me_needs_a_valid_token_on_both_variants() {
    for variant in [Vulnerable, Patched] {
        let server = start(variant).await;
        assert_unauthorized(&get(&server, "/me", None).await);
        let url = format!("{}/me", server.base_url());
        let forged = reqwest::Client::new()
            .get(url)
            .bearer_auth("cad_00000000000000000000000000000000")
            .send()
            .await
            .expect("request succeeds");
        assert_eq!(forged.status(), 401);

        let me = get(&server, "/me", Some(Alice)).await.json();
        assert_eq!(me["id"], 1);
        assert_eq!(me["email"], "alice.lindqvist@example.test");
        assert_eq!(keys(&me), declared("Member"));
    }
}

#[tokio::test]
async fn bola_on_member_profiles() {
    let (vuln, patched) = (start(Vulnerable).await, start(Patched).await);
    let leaked = get(&vuln, "/members/2", Some(Alice)).await;
    assert_eq!(leaked.status, 200);
    let leaked = leaked.json();
    assert_eq!(leaked["email"], "bob.okonkwo@example.test");
    assert_eq!(leaked["city"], "Valparaíso");

    let denied = get(&patched, "/members/2", Some(Alice)).await;
    assert_eq!(denied.status, 404);
    assert_eq!(denied.json(), json!({"error": "member not found"}));
    // A private member and a missing one look the same.
    assert_eq!(
        get(&patched, "/members/99", Some(Alice)).await.body,
        denied.body
    );

    let own = get(&patched, "/members/1", Some(Alice)).await.json();
    assert_eq!(keys(&own), declared("Member"));
    let public = get(&patched, "/members/3", Some(Alice)).await.json();
    assert_eq!(
        public,
        json!({"id": 3, "username": "carol", "display_name": "Carol Nakamura-Byrne",
               "city": "Reykjavík", "private": false})
    );

    for server in [&vuln, &patched] {
        assert_unauthorized(&get(server, "/members/2", None).await);
        let bad = get(server, "/members/abc", Some(Alice)).await;
        assert_eq!(bad.status, 400);
        assert_eq!(bad.json(), json!({"error": "invalid member id"}));
    }
}

#[tokio::test]
async fn excessive_data_exposure_on_member_profiles() {
    let (vuln, patched) = (start(Vulnerable).await, start(Patched).await);
    let member = declared("Member");
    for id in [1, 2, 3] {
        let body = get(&vuln, &format!("/members/{id}"), Some(Alice))
            .await
            .json();
        let extra: BTreeSet<_> = keys(&body).difference(&member).cloned().collect();
        assert_eq!(
            extra,
            BTreeSet::from(["last_login_ip".into(), "password_hash".into()])
        );
        assert!(
            body["password_hash"]
                .as_str()
                .is_some_and(|h| h.starts_with("$2b$12$"))
        );
    }
    for (path, who) in [("/members/1", Alice), ("/members/3", Alice), ("/me", Bob)] {
        let body = get(&patched, path, Some(who)).await.json();
        assert!(keys(&body).is_subset(&member), "{path}: {body}");
    }
    let all = get(&patched, "/admin/members", Some(Erin)).await.json();
    for m in all.as_array().expect("array") {
        assert!(keys(m).is_subset(&member), "{m}");
    }
}

#[tokio::test]
async fn bola_on_member_workouts() {
    let (vuln, patched) = (start(Vulnerable).await, start(Patched).await);
    assert_eq!(
        get(&vuln, "/members/2/workouts", Some(Alice)).await.ids(),
        [103, 104]
    );
    let denied = get(&patched, "/members/2/workouts", Some(Alice)).await;
    assert_eq!(denied.status, 404);
    assert_eq!(denied.json(), json!({"error": "member not found"}));
    assert_eq!(
        get(&patched, "/members/1/workouts", Some(Alice))
            .await
            .ids(),
        [101, 102]
    );
    for server in [&vuln, &patched] {
        assert_unauthorized(&get(server, "/members/1/workouts", None).await);
        assert_eq!(
            get(server, "/members/9/workouts", Some(Alice)).await.status,
            404
        );
    }
}

#[tokio::test]
async fn workouts_unauthenticated_and_bola() {
    let (vuln, patched) = (start(Vulnerable).await, start(Patched).await);
    // Anonymous: the spec says bearerAuth, the vulnerable server doesn't care.
    let anon = get(&vuln, "/workouts/103", None).await;
    assert_eq!(anon.status, 200);
    assert_eq!(anon.json()["owner"]["username"], "bob");
    assert_unauthorized(&get(&patched, "/workouts/103", None).await);

    // Another member's workout.
    let other = get(&vuln, "/workouts/103", Some(Alice)).await.json();
    assert_eq!(other["owner"]["display_name"], "Bob Okonkwo-Hale");
    let denied = get(&patched, "/workouts/103", Some(Alice)).await;
    assert_eq!(denied.status, 404);
    assert_eq!(denied.json(), json!({"error": "workout not found"}));

    let own = get(&patched, "/workouts/103", Some(Bob)).await.json();
    assert_eq!(keys(&own), declared("Workout"));
    assert_eq!(own["member_id"], 2);
    assert_eq!(get(&patched, "/workouts/999", Some(Bob)).await.status, 404);
}

#[tokio::test]
async fn verbose_errors_on_a_non_integer_workout_id() {
    let (vuln, patched) = (start(Vulnerable).await, start(Patched).await);
    let crash = get(&vuln, "/workouts/abc", None).await;
    assert_eq!(crash.status, 500);
    assert!(
        crash
            .header(CONTENT_TYPE.as_str())
            .starts_with("text/plain")
    );
    for needle in [
        "thread 'tokio-runtime-worker' panicked at src/handlers.rs:",
        "stack backtrace:",
        "at cadence::handlers::get_workout",
    ] {
        assert!(crash.body.contains(needle), "missing {needle:?}");
    }

    let clean = get(&patched, "/workouts/abc", Some(Alice)).await;
    assert_eq!(clean.status, 400);
    assert_eq!(clean.json(), json!({"error": "invalid workout id"}));
    assert!(!clean.body.contains("backtrace") && !clean.body.contains("panicked"));
    assert_unauthorized(&get(&patched, "/workouts/abc", None).await);
}

#[tokio::test]
async fn search_hides_private_members_when_patched() {
    let (vuln, patched) = (start(Vulnerable).await, start(Patched).await);
    let found = get(&vuln, "/members/search?q=bob", Some(Alice))
        .await
        .json();
    assert_eq!(
        found,
        json!([{"id": 2, "username": "bob", "display_name": "Bob Okonkwo-Hale",
                "city": "Valparaíso"}])
    );
    assert_eq!(
        get(&vuln, "/members/search?q=a", Some(Alice)).await.ids(),
        [1, 2, 3, 4, 5]
    );

    let hidden = get(&patched, "/members/search?q=bob", Some(Alice)).await;
    assert_eq!(hidden.json(), json!([]));
    // Case-insensitive on display names; public members and the caller are still found.
    assert_eq!(
        get(&patched, "/members/search?q=NAKAMURA", Some(Alice))
            .await
            .ids(),
        [3]
    );
    assert_eq!(
        get(&patched, "/members/search?q=a", Some(Alice))
            .await
            .ids(),
        [1, 3]
    );

    for server in [&vuln, &patched] {
        assert_unauthorized(&get(server, "/members/search?q=bob", None).await);
        let missing = get(server, "/members/search", Some(Alice)).await;
        assert_eq!(missing.status, 400);
        assert_eq!(
            missing.json(),
            json!({"error": "missing query parameter q"})
        );
    }
}

#[tokio::test]
async fn leaderboards_anonymise_private_members_when_patched() {
    let (vuln, patched) = (start(Vulnerable).await, start(Patched).await);
    let board = get(&vuln, "/classes/1/leaderboard", None).await.json();
    assert_eq!(board[0]["rank"], 1);
    assert_eq!(board[0]["member"]["username"], "bob");
    assert_eq!(board[0]["member"]["city"], "Valparaíso");
    assert_eq!(board[1]["member"]["username"], "alice");
    let board2 = get(&vuln, "/classes/2/leaderboard", None).await.json();
    assert_eq!(board2[0]["member"]["username"], "dave");

    let board = get(&patched, "/classes/1/leaderboard", None).await.json();
    assert_eq!(
        board[0],
        json!({"rank": 1, "member": null, "output_kj": 412.5})
    );
    assert_eq!(board[1]["member"], Value::Null);
    assert_eq!(board[2]["member"]["username"], "carol");
    let board2 = get(&patched, "/classes/2/leaderboard", None).await.json();
    assert_eq!(board2[0]["member"], Value::Null);
    assert!(!board.to_string().contains("Okonkwo") && !board2.to_string().contains("Ruiz"));

    for server in [&vuln, &patched] {
        let classes = get(server, "/classes", None).await.json();
        assert_eq!(classes[0]["title"], "Sunrise Climb");
        assert_eq!(classes[1]["title"], "HIIT Inferno");
        assert_eq!(
            get(server, "/classes/7/leaderboard", None).await.status,
            404
        );
    }
}

#[tokio::test]
async fn admin_listing_is_admin_only_when_patched() {
    let (vuln, patched) = (start(Vulnerable).await, start(Patched).await);
    let listed = get(&vuln, "/admin/members", Some(Alice)).await;
    assert_eq!(listed.status, 200);
    assert!(listed.body.contains("bob.okonkwo@example.test"));
    let denied = get(&patched, "/admin/members", Some(Alice)).await;
    assert_eq!(denied.status, 403);
    assert_eq!(denied.json(), json!({"error": "forbidden"}));
    for server in [&vuln, &patched] {
        assert_eq!(
            get(server, "/admin/members", Some(Erin)).await.ids(),
            [1, 2, 3, 4, 5]
        );
        assert_unauthorized(&get(server, "/admin/members", None).await);
    }
}

#[tokio::test]
async fn banner_and_cache_headers() {
    let (vuln, patched) = (start(Vulnerable).await, start(Patched).await);
    for path in ["/me", "/members/1", "/classes", "/nope"] {
        let v = get(&vuln, path, Some(Alice)).await;
        assert_eq!(v.header(SERVER.as_str()), "cadence/1.4.2 (axum)", "{path}");
        assert_eq!(v.header(CACHE_CONTROL.as_str()), "", "{path}");
        let p = get(&patched, path, Some(Alice)).await;
        assert_eq!(p.header(SERVER.as_str()), "", "{path}");
        assert_eq!(p.header(CACHE_CONTROL.as_str()), "no-store", "{path}");
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_are_json_404s() {
    for variant in [Vulnerable, Patched] {
        let server = start(variant).await;
        for (method, path) in [
            ("GET", "/"),
            ("GET", "/members"),
            ("GET", "/admin"),
            ("DELETE", "/members/1"),
            ("POST", "/me"),
            ("GET", "/auth/login"),
        ] {
            let res = send(&server, method, path, Some(Alice)).await;
            assert_eq!(res.status, 404, "{method} {path}");
            assert_eq!(res.json(), json!({"error": "not found"}), "{method} {path}");
        }
    }
}

/// Every route the server serves: method, spec path, a concrete path to request.
const SERVED: &[(&str, &str, &str)] = &[
    ("post", "/auth/login", "/auth/login"),
    ("post", "/oauth/token", "/oauth/token"),
    ("get", "/me", "/me"),
    ("patch", "/me", "/me"),
    ("get", "/members/search", "/members/search?q=a"),
    ("get", "/members/{memberId}", "/members/1"),
    ("get", "/members/{memberId}/workouts", "/members/1/workouts"),
    ("get", "/workouts/{workoutId}", "/workouts/101"),
    ("post", "/workouts", "/workouts"),
    ("patch", "/workouts/{workoutId}", "/workouts/101"),
    ("delete", "/workouts/{workoutId}", "/workouts/101"),
    ("get", "/classes", "/classes"),
    (
        "get",
        "/classes/{classId}/leaderboard",
        "/classes/1/leaderboard",
    ),
    ("get", "/admin/members", "/admin/members"),
];

/// Routes the server has but the spec omits (planted for `undocumented-endpoints`): method,
/// path. Vulnerable serves them; Patched answers exactly like an unknown route.
const UNDOCUMENTED: &[(&str, &str)] = &[("get", "/_debug/config")];

#[tokio::test]
async fn undocumented_debug_route_serves_config_only_when_vulnerable() {
    let (vuln, patched) = (start(Vulnerable).await, start(Patched).await);
    let spec = spec();
    for (method, path) in UNDOCUMENTED {
        assert!(spec["paths"][*path].is_null(), "{path} is in the spec");
        let unknown = send(&patched, &method.to_uppercase(), "/no-such-route", None).await;
        let hidden = send(&patched, &method.to_uppercase(), path, None).await;
        assert_eq!(
            (hidden.status, &hidden.body),
            (404, &unknown.body),
            "{path}"
        );
        let open = send(&vuln, &method.to_uppercase(), path, None).await;
        assert_eq!(open.status, 200, "{path}");
    }
    let config = get(&vuln, "/_debug/config", None).await.json();
    assert!(
        config["database_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("postgres://cadence_app:")),
        "{config}"
    );
    assert_eq!(config["build"]["version"], "1.4.2");
    let emails = config["recent_signups"].as_array().expect("emails");
    assert_eq!(emails.len(), 5);
    assert!(emails.contains(&json!("bob.okonkwo@example.test")));
}

#[tokio::test]
async fn cors_reflects_any_origin_only_when_vulnerable() {
    let (vuln, patched) = (start(Vulnerable).await, start(Patched).await);
    let with_origin = |server: &DemoServer, origin: &'static str| {
        reqwest::Client::new()
            .get(format!("{}/me", server.base_url()))
            .bearer_auth(server.token(Alice))
            .header("origin", origin)
            .send()
    };
    let header = |res: &reqwest::Response, name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().expect("ASCII").to_owned())
    };
    let evil = "https://evil.example";
    let res = with_origin(&vuln, evil).await.expect("request");
    assert_eq!(res.status(), 200);
    assert_eq!(
        header(&res, "access-control-allow-origin").as_deref(),
        Some(evil)
    );
    assert_eq!(
        header(&res, "access-control-allow-credentials").as_deref(),
        Some("true")
    );

    let res = with_origin(&patched, evil).await.expect("request");
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "access-control-allow-origin"), None);
    assert_eq!(header(&res, "access-control-allow-credentials"), None);
    assert_eq!(header(&res, "vary").as_deref(), Some("Origin"));
    // The allow-listed front end still works.
    let app = "https://app.cadence.example";
    let res = with_origin(&patched, app).await.expect("request");
    assert_eq!(
        header(&res, "access-control-allow-origin").as_deref(),
        Some(app)
    );

    // Without an Origin header there are no CORS headers on either variant.
    for server in [&vuln, &patched] {
        let plain = get(server, "/me", Some(Alice)).await;
        assert_eq!(plain.header("access-control-allow-origin"), "");
    }
}

#[tokio::test]
async fn spec_parses_and_lists_exactly_the_served_routes() {
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(SPEC_PATH)
            .is_file()
    );
    let spec = spec();
    assert_eq!(spec["openapi"], "3.0.3");
    assert_eq!(spec["info"]["title"], "Cadence Fitness API");
    assert_eq!(
        spec["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    assert!(
        keys(&spec["components"]["schemas"]["Member"]["properties"]).is_disjoint(&BTreeSet::from(
            ["password_hash".into(), "last_login_ip".into()]
        ))
    );

    let mut in_spec = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if method != "parameters" {
                assert!(op["operationId"].is_string(), "{method} {path}");
                in_spec.insert((method.clone(), path.clone()));
            }
        }
    }
    let served: BTreeSet<_> = SERVED
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(served, in_spec);
    assert_eq!(
        spec["paths"]["/admin/members"]["get"]["operationId"],
        "adminListMembers"
    );

    // The list above really is the router's: none of these hits the unknown-route fallback.
    let server = start(Patched).await;
    for (method, _, concrete) in SERVED {
        let res = send(&server, &method.to_uppercase(), concrete, Some(Erin)).await;
        assert_ne!(res.body, r#"{"error":"not found"}"#, "{method} {concrete}");
    }
}

#[tokio::test]
async fn ground_truth_matches_the_spec() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo/ground-truth.yaml");
    let text = std::fs::read_to_string(path).expect("ground truth readable");
    let truth: Value = yaml_serde::from_str(&text).expect("ground truth is valid YAML");
    let spec = spec();
    let checks = [
        "unauthenticated-access",
        "bola-read",
        "excessive-data-exposure",
        "private-data-leakage",
        "predictable-ids",
        "broken-function-level-authorization",
        "verbose-errors",
        "server-banner",
        "missing-cache-control",
        "broken-token-validation",
        "account-enumeration",
        "no-rate-limit",
        "cors-misconfiguration",
        "undocumented-endpoints",
        "bola-write",
        "mass-assignment",
    ];
    let flaws = truth["flaws"].as_array().expect("flaws");
    for flaw in flaws {
        for field in [
            "id",
            "owasp",
            "check",
            "method",
            "path",
            "identity",
            "description",
        ] {
            assert!(flaw[field].is_string(), "{field} in {flaw}");
        }
        assert!(flaw["patched"].is_string(), "{flaw}");
        assert!(
            checks.contains(&flaw["check"].as_str().expect("check")),
            "{flaw}"
        );
        let path = flaw["path"].as_str().expect("path");
        let method = flaw["method"].as_str().expect("method").to_lowercase();
        if flaw["check"] == "undocumented-endpoints" {
            // The flaw is precisely that the spec does not list the path.
            assert!(spec["paths"][path].is_null(), "{flaw}");
        } else {
            assert!(
                path == "*" || spec["paths"][path][&method].is_object(),
                "{flaw}"
            );
        }
    }
    let used: BTreeSet<_> = flaws.iter().filter_map(|f| f["check"].as_str()).collect();
    assert_eq!(used, checks.into_iter().collect());
}

#[tokio::test]
async fn counts_requests_and_shuts_down() {
    let server = start(Vulnerable).await;
    assert_eq!(server.request_count(), 0);
    get(&server, "/classes", None).await;
    get(&server, "/nope", None).await;
    get(&server, "/me", None).await;
    assert_eq!(server.request_count(), 3);
    let base = server.base_url();
    assert_eq!(base, format!("http://127.0.0.1:{}", server.addr().port()));

    server.shutdown().await;
    let after = reqwest::Client::new()
        .get(format!("{base}/classes"))
        .send()
        .await;
    assert!(after.is_err(), "still serving after shutdown: {after:?}");
}
