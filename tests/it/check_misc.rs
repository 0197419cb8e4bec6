//! The function-level, misconfiguration and inventory checks (broken-function-level-authorization,
//! verbose-errors, cors-misconfiguration, missing-cache-control, server-banner,
//! undocumented-endpoints) over real HTTP on 127.0.0.1: each fires on its planted flaw in the
//! vulnerable demo and stays silent, with its probes really sent, on the patched one.

use apileak::config::ScanConfig;
use apileak::findings::{Finding, Severity};
use apileak::report::{Outcome, Report};
use apileak::scan;
use apileak_demo::{DemoServer, Variant};

use crate::support::demo_config;

fn config(server: &DemoServer, checks: &[&str]) -> ScanConfig {
    ScanConfig {
        checks: checks.iter().map(|c| (*c).to_owned()).collect(),
        ..demo_config(server)
    }
}

async fn scan(variant: Variant, checks: &[&str]) -> Report {
    let server = DemoServer::start(variant).await.expect("demo");
    let report = scan::run(&config(&server, checks)).await.expect("scan");
    server.shutdown().await;
    report
}

/// The only finding of `check`, asserting there is exactly one.
fn only<'a>(report: &'a Report, check: &str) -> &'a Finding {
    let found: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.check == check)
        .collect();
    assert_eq!(found.len(), 1, "{check}: {found:#?}");
    found[0]
}

/// `check` found nothing on the patched demo, and its case for `operation` sent probes.
fn silent_after_probing(report: &Report, check: &str, operation: &str) {
    assert!(
        report.findings.iter().all(|f| f.check != check),
        "{:#?}",
        report.findings
    );
    let case = report
        .cases
        .iter()
        .find(|c| c.check == check && c.operation() == operation)
        .unwrap_or_else(|| panic!("no {check} case for {operation}: {:#?}", report.cases));
    assert!(
        matches!(case.outcome, Outcome::Passed { probes } if probes > 0),
        "{check} on {operation}: {:?}",
        case.outcome
    );
}

fn match_value<'a>(f: &'a Finding, pointer: &str) -> Option<&'a str> {
    f.evidence
        .matches
        .iter()
        .find(|m| m.pointer == pointer)
        .map(|m| m.value.as_str())
}

#[tokio::test]
async fn bfla_reports_the_admin_listing_to_user_a_only_when_vulnerable() {
    const CHECK: &str = "broken-function-level-authorization";
    let report = scan(Variant::Vulnerable, &[CHECK]).await;
    let f = only(&report, CHECK);
    assert_eq!(f.operation(), "GET /admin/members");
    // Anonymous gets 401 on both variants; user-a, an ordinary member, gets everyone.
    assert_eq!(f.evidence.identity, "user-a");
    assert_eq!(f.evidence.status, 200);
    assert!(
        f.evidence.url.ends_with("/admin/members"),
        "{}",
        f.evidence.url
    );
    assert!(
        f.evidence
            .matches
            .iter()
            .any(|m| m.pointer.ends_with("/email") && m.value == "bob.okonkwo@example.test"),
        "{:?}",
        f.evidence.matches
    );
    // Only the admin operation is judged: no other operation is administrative.
    let judged: Vec<String> = report
        .cases
        .iter()
        .filter(|c| c.check == CHECK)
        .map(|c| c.operation())
        .collect();
    assert_eq!(judged, ["GET /admin/members"]);

    let patched = scan(Variant::Patched, &[CHECK]).await;
    silent_after_probing(&patched, CHECK, "GET /admin/members");
}

#[tokio::test]
async fn verbose_errors_quote_the_panic_only_when_vulnerable() {
    const CHECK: &str = "verbose-errors";
    let report = scan(Variant::Vulnerable, &[CHECK]).await;
    // /members/abc and /classes/abc/leaderboard answer a plain 400 JSON error: not findings.
    let f = only(&report, CHECK);
    assert_eq!(f.operation(), "GET /workouts/{workoutId}");
    assert_eq!(f.evidence.identity, "anonymous");
    assert_eq!(f.evidence.status, 500);
    assert!(
        f.evidence.url.ends_with("/workouts/abc%27%22%3C"),
        "{}",
        f.evidence.url
    );
    let lines: Vec<&str> = f
        .evidence
        .matches
        .iter()
        .map(|m| m.value.as_str())
        .collect();
    assert!(
        lines.contains(&"thread 'tokio-runtime-worker' panicked at src/handlers.rs:142:38:"),
        "{lines:?}"
    );
    assert!(lines.contains(&"stack backtrace:"), "{lines:?}");
    assert!(f.message.contains("Rust panic"), "{}", f.message);

    let patched = scan(Variant::Patched, &[CHECK]).await;
    for op in [
        "GET /workouts/{workoutId}",
        "GET /members/{memberId}",
        "GET /classes/{classId}/leaderboard",
    ] {
        silent_after_probing(&patched, CHECK, op);
    }
}

#[tokio::test]
async fn cors_reflection_with_credentials_is_high_only_when_vulnerable() {
    const CHECK: &str = "cors-misconfiguration";
    let report = scan(Variant::Vulnerable, &[CHECK]).await;
    let f = only(&report, CHECK);
    assert_eq!(f.operation(), "GET *");
    assert_eq!(f.line, 1);
    assert_eq!(f.severity, Severity::High);
    assert_eq!(
        match_value(f, "header:access-control-allow-origin"),
        Some("https://evil.apileak.invalid")
    );
    assert_eq!(
        match_value(f, "header:access-control-allow-credentials"),
        Some("true")
    );
    // The reproduction sends the same foreign origin, as user A, to the "me" operation.
    assert!(
        f.evidence
            .curl
            .contains("-H 'origin: https://evil.apileak.invalid'"),
        "{}",
        f.evidence.curl
    );
    assert_eq!(f.evidence.identity, "user-a");
    assert!(f.evidence.url.ends_with("/me"), "{}", f.evidence.url);

    let patched = scan(Variant::Patched, &[CHECK]).await;
    silent_after_probing(&patched, CHECK, "GET *");
}

#[tokio::test]
async fn personal_data_without_no_store_is_one_api_wide_finding() {
    const CHECK: &str = "missing-cache-control";
    let report = scan(Variant::Vulnerable, &[CHECK]).await;
    let f = only(&report, CHECK);
    assert_eq!(f.operation(), "GET *");
    assert_eq!(match_value(f, "header:cache-control"), Some("(absent)"));
    // The proof that the response is personal: user A's own values, from GET /me.
    assert!(f.evidence.url.ends_with("/me"), "{}", f.evidence.url);
    assert_eq!(
        match_value(f, "/email"),
        Some("alice.lindqvist@example.test")
    );
    // Every affected operation is named; public and admin operations are not among them.
    for op in [
        "GET /me",
        "GET /members/{memberId}",
        "GET /members/{memberId}/workouts",
        "GET /workouts/{workoutId}",
    ] {
        assert!(f.message.contains(op), "{op} missing from {}", f.message);
    }
    assert!(!f.message.contains("/classes"), "{}", f.message);
    assert!(!f.message.contains("/admin"), "{}", f.message);

    let patched = scan(Variant::Patched, &[CHECK]).await;
    silent_after_probing(&patched, CHECK, "GET *");
}

#[tokio::test]
async fn server_version_banner_only_when_vulnerable() {
    const CHECK: &str = "server-banner";
    let report = scan(Variant::Vulnerable, &[CHECK]).await;
    let f = only(&report, CHECK);
    assert_eq!(f.operation(), "GET *");
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(
        match_value(f, "header:server"),
        Some("cadence/1.4.2 (axum)")
    );
    assert_eq!(f.evidence.identity, "anonymous");

    let patched = scan(Variant::Patched, &[CHECK]).await;
    silent_after_probing(&patched, CHECK, "GET *");
}

#[tokio::test]
async fn undocumented_debug_route_is_found_with_masked_secrets() {
    const CHECK: &str = "undocumented-endpoints";
    let report = scan(Variant::Vulnerable, &[CHECK]).await;
    let f = only(&report, CHECK);
    // The probed path, not in the spec, anchored at the top of the spec.
    assert_eq!(f.operation(), "GET /_debug/config");
    assert_eq!(f.line, 1);
    assert_eq!(f.evidence.identity, "anonymous");
    assert_eq!(f.evidence.status, 200);
    // The password is masked by the redactor before the check sees it: length and hash stay.
    let url = match_value(f, "/database_url").expect("database_url quoted");
    assert!(
        url.starts_with("postgres://cadence_app:<redacted:url-password (17 chars, sha256:")
            && url.ends_with(")>@10.20.4.17:5432/cadence_prod"),
        "{url}"
    );
    assert!(
        f.evidence.matches.iter().any(
            |m| m.pointer.starts_with("/recent_signups/") && m.value.ends_with("@example.test")
        ),
        "{:?}",
        f.evidence.matches
    );
    // The database password reaches no part of the report.
    let json = serde_json::to_string(f).expect("serialise");
    assert!(!json.contains("Tr0ub4dor-demo-pw"), "{json}");

    let patched = scan(Variant::Patched, &[CHECK]).await;
    silent_after_probing(&patched, CHECK, "GET *");
}

#[tokio::test]
async fn undocumented_endpoints_send_at_most_twenty_requests() {
    // server-banner's one request is answered from the preflight's cache, so the difference
    // between the two scans is what the shadow-path probes really sent.
    let alone = scan(Variant::Patched, &["server-banner"]).await;
    let shadow = scan(Variant::Patched, &["undocumented-endpoints"]).await;
    let sent = shadow.stats.exec.requests - alone.stats.exec.requests;
    assert!((3..=20).contains(&sent), "{sent} requests");
}
