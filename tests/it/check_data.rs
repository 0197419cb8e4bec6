//! The data-exposure checks (private-data-leakage, excessive-data-exposure, predictable-ids)
//! against the demo API over real HTTP: each fires on `Vulnerable` at exactly its ground-truth
//! operations, with the JSON pointers that prove it, and stays silent on `Patched` after
//! really probing those operations.

use std::collections::BTreeSet;

use apileak::findings::{Finding, Severity};
use apileak::report::{Outcome, Report};
use apileak::scan;
use apileak_demo::{DemoServer, DemoUser, Variant};
use serde_json::Value;

use crate::support::demo_config;

/// A scan of the demo API with only `check` enabled.
async fn scan(server: &DemoServer, check: &str) -> Report {
    let mut config = demo_config(server);
    config.checks = vec![check.to_owned()];
    scan::run(&config).await.expect("scan")
}

/// `"METHOD /path"` of every ground-truth flaw planted for `check`.
fn ground_truth(check: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/demo/ground-truth.yaml"
    ))
    .expect("ground truth");
    let doc: Value = yaml_serde::from_str(&text).expect("yaml");
    doc["flaws"]
        .as_array()
        .expect("flaws")
        .iter()
        .filter(|f| f["check"] == check)
        .map(|f| {
            format!(
                "{} {}",
                f["method"].as_str().expect("method"),
                f["path"].as_str().expect("path")
            )
        })
        .collect()
}

/// Bob's own record as bob sees it: where the canaries come from.
async fn bobs_record(server: &DemoServer) -> Value {
    reqwest::Client::new()
        .get(format!("{}/me", server.base_url()))
        .bearer_auth(server.token(DemoUser::Bob))
        .send()
        .await
        .expect("GET /me")
        .json()
        .await
        .expect("JSON")
}

fn operations(report: &Report) -> BTreeSet<String> {
    report.findings.iter().map(Finding::operation).collect()
}

fn finding<'r>(report: &'r Report, operation: &str) -> &'r Finding {
    report
        .findings
        .iter()
        .find(|f| f.operation() == operation)
        .unwrap_or_else(|| panic!("no finding on {operation}: {:#?}", report.findings))
}

/// On Patched: no findings, and every ground-truth case of `check` ran probes.
async fn assert_silent_after_probing(check: &str) {
    let server = DemoServer::start(Variant::Patched).await.expect("demo");
    let report = scan(&server, check).await;
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let expected = ground_truth(check);
    assert!(!expected.is_empty());
    for op in expected {
        let case = report
            .cases
            .iter()
            .find(|c| c.check == check && c.operation() == op)
            .unwrap_or_else(|| panic!("no {check} case for {op}"));
        assert!(
            matches!(case.outcome, Outcome::Passed { probes } if probes > 0),
            "{check} on {op}: {:?}",
            case.outcome
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn private_data_leakage_finds_bob_in_search_and_on_the_public_leaderboard() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let bob = bobs_record(&server).await;
    let report = scan(&server, "private-data-leakage").await;
    assert_eq!(operations(&report), ground_truth("private-data-leakage"));

    // The public leaderboard names private bob to anyone: the anonymous request is reported.
    let board = finding(&report, "GET /classes/{classId}/leaderboard");
    assert_eq!(board.evidence.identity, "anonymous");
    assert_eq!(board.severity, Severity::High);
    let name = board
        .evidence
        .matches
        .iter()
        .find(|m| m.pointer.ends_with("/member/display_name"))
        .unwrap_or_else(|| panic!("{:?}", board.evidence.matches));
    assert_eq!(name.value, bob["display_name"].as_str().expect("name"));
    assert!(board.evidence.curl.contains("/classes/1/leaderboard"));
    assert!(!board.evidence.curl.contains("APILEAK_USER"));

    // Search needs a token; user A finds bob by his username.
    let search = finding(&report, "GET /members/search");
    assert_eq!(search.evidence.identity, "user-a");
    assert!(
        search.evidence.url.contains("q=bob"),
        "{}",
        search.evidence.url
    );
    let pointers: BTreeSet<&str> = search
        .evidence
        .matches
        .iter()
        .map(|m| m.pointer.as_str())
        .collect();
    assert!(
        pointers.contains("/0/display_name") && pointers.contains("/0/city"),
        "{pointers:?}"
    );
    assert!(search.evidence.matches.iter().all(|m| {
        bob.as_object()
            .expect("record")
            .values()
            .any(|v| v.as_str() == Some(&m.value))
    }));
    // Never through bob's own IDs: that is bola-read's.
    for f in &report.findings {
        assert!(!f.evidence.url.contains("/members/2"), "{}", f.evidence.url);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn private_data_leakage_is_silent_on_patched() {
    assert_silent_after_probing("private-data-leakage").await;
}

#[tokio::test]
async fn excessive_data_exposure_reports_the_undeclared_password_hash() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let report = scan(&server, "excessive-data-exposure").await;
    assert_eq!(operations(&report), ground_truth("excessive-data-exposure"));
    let f = finding(&report, "GET /members/{memberId}");
    assert_eq!(f.evidence.identity, "user-a");
    let pointers: Vec<&str> = f
        .evidence
        .matches
        .iter()
        .map(|m| m.pointer.as_str())
        .collect();
    assert_eq!(pointers[..2], ["/password_hash", "/last_login_ip"]);
    // A credential: severity raised to high, and the hash is masked in the evidence.
    assert_eq!(f.severity, Severity::High);
    let hash = &f.evidence.matches[0].value;
    assert!(
        hash.starts_with("<redacted:bcrypt $2b$12$…(60 chars, sha256:"),
        "{hash}"
    );
    // Never through bob's IDs: a BOLA on bob is bola-read's root cause.
    assert!(
        !f.evidence.url.ends_with("/members/2"),
        "{}",
        f.evidence.url
    );
    server.shutdown().await;
}

#[tokio::test]
async fn excessive_data_exposure_is_silent_on_patched() {
    assert_silent_after_probing("excessive-data-exposure").await;
}

#[tokio::test]
async fn predictable_ids_enumerate_members_and_workouts() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let report = scan(&server, "predictable-ids").await;
    assert_eq!(operations(&report), ground_truth("predictable-ids"));

    // Alice is member 1: members 2, 3 and 4 are three other principals.
    let members = finding(&report, "GET /members/{memberId}");
    assert_eq!(members.evidence.identity, "user-a");
    assert!(
        members.message.contains("3 other principals (2, 3, 4)"),
        "{}",
        members.message
    );
    assert!(members.message.contains("email"), "{}", members.message);
    assert!(
        members
            .evidence
            .matches
            .iter()
            .any(|m| m.pointer == "/email")
    );
    assert!(!members.evidence.url.ends_with("/members/1"));

    // Alice owns workouts 101 and 102; 103 and 104 next to them are bob's.
    let workouts = finding(&report, "GET /workouts/{workoutId}");
    assert!(
        workouts.message.contains("1 other principal (2)"),
        "{}",
        workouts.message
    );
    assert!(
        workouts
            .message
            .contains("anonymous callers reach them too"),
        "{}",
        workouts.message
    );
    let url = &workouts.evidence.url;
    assert!(
        url.ends_with("/workouts/103") || url.ends_with("/workouts/104"),
        "{url}"
    );
    assert!(workouts.evidence.matches.len() >= 2);

    // Reported once per kind of ID, at its home: not again at /members/{memberId}/workouts.
    let nested = report
        .cases
        .iter()
        .find(|c| c.check == "predictable-ids" && c.path == "/members/{memberId}/workouts");
    assert!(nested.is_none(), "{nested:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn predictable_ids_are_silent_on_patched() {
    assert_silent_after_probing("predictable-ids").await;
}
