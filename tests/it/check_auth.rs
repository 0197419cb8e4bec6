//! The authentication checks (broken-token-validation, account-enumeration, no-rate-limit)
//! and the demo flaws they find, over real HTTP on 127.0.0.1: each fires on the vulnerable
//! variant and stays silent on the patched one.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use apileak::checks::{CheckSettings, PlanCx, Planned, registry};
use apileak::config::ScanConfig;
use apileak::exec::Executor;
use apileak::findings::Finding;
use apileak::identity::WEAK_KEYS;
use apileak::report::{Outcome, Report};
use apileak::scan;
use apileak_demo::{DemoServer, DemoUser, SPEC_PATH, SPEC_YAML, Variant};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::support::{bearer, demo_config, demo_spec_file};

const AUTH_CHECKS: [&str; 3] = [
    "broken-token-validation",
    "account-enumeration",
    "no-rate-limit",
];
/// The most requests any burst may send (the brief's cap).
const BURST_CAP: u64 = 30;
/// Failed logins after which the patched demo answers 429.
const PATCHED_LIMIT: usize = 10;

fn config(server: &DemoServer, checks: &[&str]) -> ScanConfig {
    ScanConfig {
        checks: checks.iter().map(|c| (*c).to_owned()).collect(),
        ..demo_config(server)
    }
}

async fn scan(variant: Variant, checks: &[&str]) -> (DemoServer, Report) {
    let server = DemoServer::start(variant).await.expect("demo");
    let report = scan::run(&config(&server, checks)).await.expect("scan");
    (server, report)
}

fn of_check<'a>(report: &'a Report, check: &str) -> Vec<&'a Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.check == check)
        .collect()
}

// ---- forging tokens the way an attacker would, to test the demo and the redaction ----

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

fn hs256(key: &[u8], input: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(input.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// The claims part of a JWT.
fn claims_part(token: &str) -> &str {
    token.split('.').nth(1).expect("a JWT")
}

fn alg_none(token: &str) -> String {
    format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        claims_part(token)
    )
}

fn resigned(token: &str, key: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        b64(&json!({"alg": "HS256", "typ": "JWT"})),
        claims_part(token)
    );
    format!("{input}.{}", hs256(key, &input))
}

fn bad_signature(token: &str) -> String {
    let (input, sig) = token.rsplit_once('.').expect("a JWT");
    let flipped: String = sig
        .chars()
        .map(|c| if c == 'A' { 'B' } else { 'A' })
        .collect();
    format!("{input}.{flipped}")
}

/// A token for erin (the admin) minted from nothing but the weak key.
fn minted_for_erin(key: &[u8]) -> String {
    let claims = json!({"sub": "5", "username": "erin", "iat": 1_700_000_000, "jti": "x"});
    let input = format!(
        "{}.{}",
        b64(&json!({"alg": "HS256", "typ": "JWT"})),
        b64(&claims)
    );
    format!("{input}.{}", hs256(key, &input))
}

async fn me_with(server: &DemoServer, token: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .get(format!("{}/me", server.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("request succeeds");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn login(server: &DemoServer, username: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/auth/login", server.base_url()))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("request succeeds")
}

// ---- the demo's planted flaws and their fixes ----

#[tokio::test]
async fn demo_tokens_are_jwts_validated_per_variant() {
    for variant in [Variant::Vulnerable, Variant::Patched] {
        let server = DemoServer::start(variant).await.expect("demo");
        let alice = server.token(DemoUser::Alice).to_owned();
        let (status, me) = me_with(&server, &alice).await;
        assert_eq!((status, &me["username"]), (200, &json!("alice")));
        let claims: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(claims_part(&alice))
                .expect("base64url"),
        )
        .expect("claims");
        assert_eq!(claims["sub"], "1");
        assert_eq!(claims["username"], "alice");
        assert!(
            claims["iat"].is_u64() && claims["jti"].is_string(),
            "{claims}"
        );

        let vulnerable = variant == Variant::Vulnerable;
        for (label, token, accepted_when_vulnerable) in [
            ("alg none", alg_none(&alice), true),
            ("re-signed with `secret`", resigned(&alice, b"secret"), true),
            ("minted for erin", minted_for_erin(b"secret"), true),
            ("corrupted signature", bad_signature(&alice), false),
            (
                "re-signed with `changeme`",
                resigned(&alice, b"changeme"),
                false,
            ),
            ("garbage", "apileak.invalid.token".to_owned(), false),
        ] {
            let (status, _) = me_with(&server, &token).await;
            let want = if vulnerable && accepted_when_vulnerable {
                200
            } else {
                401
            };
            assert_eq!(status, want, "{variant:?}: {label}");
        }
        server.shutdown().await;
    }
}

#[tokio::test]
async fn demo_login_errors_tell_users_apart_only_when_vulnerable() {
    for (variant, unknown, wrong) in [
        (
            Variant::Vulnerable,
            (404, "no such user"),
            (401, "wrong password"),
        ),
        (
            Variant::Patched,
            (401, "invalid credentials"),
            (401, "invalid credentials"),
        ),
    ] {
        let server = DemoServer::start(variant).await.expect("demo");
        for (name, (status, error)) in [("nobody", unknown), ("alice", wrong)] {
            let res = login(&server, name, "not-the-password").await;
            assert_eq!(res.status().as_u16(), status, "{variant:?} {name}");
            let body: Value = res.json().await.expect("json");
            assert_eq!(body, json!({ "error": error }), "{variant:?} {name}");
        }
        server.shutdown().await;
    }
}

#[tokio::test]
async fn demo_limits_failed_logins_only_when_patched() {
    // Vulnerable: well past the patched limit, never a 429 or a rate-limit header.
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    for _ in 0..PATCHED_LIMIT + 5 {
        let res = login(&server, "nobody", "guess").await;
        assert_eq!(res.status().as_u16(), 404);
        assert!(res.headers().get("retry-after").is_none());
    }
    assert_eq!(
        login(&server, "alice", "alice-demo-pass").await.status(),
        200
    );
    server.shutdown().await;

    // Patched: the first 10 failures are answered, the 11th attempt is refused, even with the
    // right password, and says when to come back.
    let server = DemoServer::start(Variant::Patched).await.expect("demo");
    for _ in 0..PATCHED_LIMIT {
        assert_eq!(login(&server, "nobody", "guess").await.status(), 401);
    }
    for (name, password) in [("nobody", "guess"), ("alice", "alice-demo-pass")] {
        let res = login(&server, name, password).await;
        assert_eq!(res.status().as_u16(), 429, "{name}");
        let header = |n: &str| {
            res.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .unwrap_or_else(|| panic!("{n} missing"))
        };
        let retry: u64 = header("retry-after").parse().expect("seconds");
        assert!((1..=60).contains(&retry), "{retry}");
        assert_eq!(header("ratelimit-limit"), PATCHED_LIMIT.to_string());
        assert_eq!(header("ratelimit-remaining"), "0");
    }
    server.shutdown().await;
}

// ---- the checks ----

#[tokio::test]
async fn forged_tokens_accepted_on_vulnerable_are_weak_key_and_alg_none_only() {
    let (server, report) = scan(Variant::Vulnerable, &["broken-token-validation"]).await;
    let findings = of_check(&report, "broken-token-validation");
    let accepted: BTreeSet<&str> = findings
        .iter()
        .map(|f| f.evidence.identity.as_str())
        .collect();
    assert_eq!(
        accepted,
        BTreeSet::from([
            "forged token (HS256 with weak key `secret`, from user-a)",
            "forged token (alg none, from user-a)",
        ]),
        "garbage and corrupted signatures are rejected, so they must not fire"
    );
    for f in &findings {
        assert_eq!(f.operation(), "GET /me");
        assert_eq!(f.evidence.status, 200);
        assert!(
            f.evidence
                .matches
                .iter()
                .any(|m| m.pointer == "/email" && m.value.starts_with("alice.")),
            "{:?}",
            f.evidence.matches
        );
        // The reproduction forges its own token (tests/it/conventions.rs runs it).
        assert!(
            f.evidence
                .curl
                .starts_with("FORGED=$(printf '%s' \"$APILEAK_USER_A\" | apileak forge ")
                && f.evidence.curl.contains("Bearer $FORGED\""),
            "{}",
            f.evidence.curl
        );
    }
    let weak = findings
        .iter()
        .find(|f| f.evidence.identity.contains("secret"))
        .expect("weak key finding");
    assert!(
        weak.message.contains("verifies offline"),
        "{}",
        weak.message
    );
    // Every forgery ran on the anchor: garbage, bad signature, alg none and each weak key.
    let case = report
        .cases
        .iter()
        .find(|c| c.check == "broken-token-validation")
        .expect("case");
    assert_eq!(case.operation(), "GET /me");
    assert!(
        matches!(case.outcome, Outcome::Failed { probes, .. } if probes >= 3 + WEAK_KEYS.len()),
        "{:?}",
        case.outcome
    );
    server.shutdown().await;
}

#[tokio::test]
async fn account_enumeration_fires_on_vulnerable() {
    let (server, report) = scan(Variant::Vulnerable, &["account-enumeration"]).await;
    let [f] = of_check(&report, "account-enumeration")[..] else {
        panic!("one finding expected: {:#?}", report.findings);
    };
    assert_eq!(f.operation(), "POST /auth/login");
    assert_eq!(f.evidence.identity, "anonymous");
    assert_eq!(f.evidence.status, 401);
    assert!(
        f.message.contains("404") && f.message.contains("no such user"),
        "{}",
        f.message
    );
    assert!(
        f.evidence
            .matches
            .iter()
            .any(|m| m.pointer == "/error" && m.value == "wrong password"),
        "{:?}",
        f.evidence.matches
    );
    // A wrong password was sent for the real user; the real password never was.
    assert!(!f.evidence.curl.contains(DemoUser::Alice.password()));
    server.shutdown().await;
}

#[tokio::test]
async fn no_rate_limit_fires_on_vulnerable() {
    let (server, report) = scan(Variant::Vulnerable, &["no-rate-limit"]).await;
    let [f] = of_check(&report, "no-rate-limit")[..] else {
        panic!("one finding expected: {:#?}", report.findings);
    };
    assert_eq!(f.operation(), "POST /auth/login");
    assert_eq!(
        f.evidence.status, 404,
        "the burst names a user that does not exist"
    );
    assert!(
        f.evidence.curl.contains("apileak-nonexistent-"),
        "{}",
        f.evidence.curl
    );
    server.shutdown().await;
}

#[tokio::test]
async fn auth_checks_are_silent_on_patched_after_really_running() {
    let (server, report) = scan(Variant::Patched, &AUTH_CHECKS).await;
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    for (check, op) in [
        ("broken-token-validation", "GET /me"),
        ("account-enumeration", "POST /auth/login"),
        ("no-rate-limit", "POST /auth/login"),
    ] {
        let case = report
            .cases
            .iter()
            .find(|c| c.check == check && c.operation() == op)
            .unwrap_or_else(|| panic!("no case for {check} on {op}"));
        assert!(
            matches!(case.outcome, Outcome::Passed { probes } if probes > 0),
            "{check}: {:?}",
            case.outcome
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn no_rate_limit_burst_stays_within_its_cap() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let cfg = demo_config(&server);
    let loaded = apileak::spec::load_str(SPEC_YAML, Path::new(SPEC_PATH)).expect("spec");
    let base = cfg.base_url.clone().expect("base url");
    let exec = Executor::new(
        &cfg.exec,
        &base,
        Some(cfg.user_a.clone()),
        Some(cfg.user_b.clone()),
    )
    .expect("executor");
    let api = &loaded.api;
    let me = apileak::harvest::identity_operation(api);
    let (user_a, user_b, public) = apileak::harvest::harvest(api, &exec, &base, me, 150).await;
    let settings = CheckSettings::default();
    let cx = PlanCx {
        api,
        facts: &apileak::checks::ApiFacts::build(
            api,
            apileak::harvest::identity_operation(api),
            &settings,
        ),
        base_url: &base,
        user_a: &user_a,
        user_b: &user_b,
        public: &public,
        settings: &settings,
    };
    let checks: Vec<_> = registry()
        .expect("registry")
        .into_iter()
        .filter(|c| c.meta().id == "no-rate-limit")
        .collect();
    let plan = apileak::plan::build(&checks, &cx, None);
    let [entry] = &plan.entries[..] else {
        panic!("one case expected: {:?}", plan.entries);
    };
    let Planned::Probes(probes) = &entry.planned else {
        panic!("{:?}", entry.planned);
    };
    let before = server.request_count();
    let groups = probes.iter().map(|p| p.requests.clone()).collect();
    let sent = exec.send_groups(groups).await;
    let burst = server.request_count() - before;
    assert!(burst <= BURST_CAP, "{burst} requests");
    // Above the patched demo's limit, or the check could never see a limit work.
    assert!(burst > PATCHED_LIMIT as u64, "{burst} requests");
    assert_eq!(burst, plan.request_count() as u64);
    let op = &api.operations[entry.operation.expect("an operation")];
    assert_eq!(op.path, "/auth/login");
    assert!(
        checks[0].evaluate(op, &probes[0], &sent[0], &cx).is_some(),
        "the burst finds the missing limit"
    );
    server.shutdown().await;
}

// ---- no forged or real token in any output ----

fn run_blocking(mut cmd: assert_cmd::Command) -> Output {
    cmd.output().expect("run apileak")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_real_tokens_never_reach_reports_or_logs() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let dir = tempfile::tempdir().expect("tmp");
    let (sarif, json_out) = (dir.path().join("o.sarif"), dir.path().join("o.json"));
    let mut cmd = assert_cmd::Command::cargo_bin("apileak").expect("binary");
    cmd.env_remove("APILEAK_LOG")
        .arg("-vv")
        .arg("scan")
        .arg(demo_spec_file())
        .args(["--base-url", &server.base_url()])
        .args(["--checks", &AUTH_CHECKS.join(",")])
        .arg("--sarif")
        .arg(&sarif)
        .arg("--json")
        .arg(&json_out)
        .env("APILEAK_USER_A", bearer(&server, DemoUser::Alice))
        .env("APILEAK_USER_B", bearer(&server, DemoUser::Bob));
    let out = tokio::task::spawn_blocking(move || run_blocking(cmd))
        .await
        .expect("join");
    let mut everything = String::from_utf8_lossy(&out.stdout).into_owned();
    everything.push_str(&String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{everything}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_out).expect("json")).expect("json");
    assert!(
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["check"] == "broken-token-validation"),
        "the forgeries were sent and accepted, so there is something to leak"
    );
    for p in [&sarif, &json_out] {
        everything.push_str(&std::fs::read_to_string(p).expect("report"));
    }

    let alice = server.token(DemoUser::Alice);
    let bob = server.token(DemoUser::Bob);
    let forged = [
        alg_none(alice),
        resigned(alice, b"secret"),
        bad_signature(alice),
    ];
    let mut secrets: Vec<&str> = vec![alice, bob];
    for token in forged.iter().map(String::as_str).chain([alice, bob]) {
        secrets.push(token);
        // Each part on its own: a forged token shares its claims with the real one.
        secrets.extend(token.split('.').filter(|p| p.len() >= 16));
    }
    for s in secrets {
        assert!(!everything.contains(s), "`{s}` leaked into the output");
    }
    server.shutdown().await;
}
