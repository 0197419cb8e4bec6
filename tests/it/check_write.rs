//! The opt-in write-side checks (`bola-write`, `mass-assignment`) against the demo API over real
//! HTTP: they fire on `Vulnerable`, stay silent on `Patched`, send no write at all without
//! `--allow-writes`, and never write to anything the scan did not create (or restore).

use std::collections::BTreeMap;

use apileak::findings::Finding;
use apileak::identity::Role;
use apileak::report::{Outcome, Report};
use apileak::scan;
use apileak_demo::{DemoServer, DemoUser, Variant};
use serde_json::Value;

use crate::support::demo_config;

/// Seeded workouts and their owners: alice 101–102, bob 103–104, carol 105, dave 106.
const SEEDED: &[(u64, DemoUser)] = &[
    (101, DemoUser::Alice),
    (102, DemoUser::Alice),
    (103, DemoUser::Bob),
    (104, DemoUser::Bob),
    (105, DemoUser::Carol),
    (106, DemoUser::Dave),
];

/// Write requests a full scan may send: two creations, one write per operation, two
/// cleanups, and mass assignment's attack and restore.
const MAX_WRITES: u64 = 10;

pub(crate) async fn get(server: &DemoServer, path: &str, who: DemoUser) -> (u16, Value) {
    let res = reqwest::Client::new()
        .get(format!("{}{path}", server.base_url()))
        .bearer_auth(server.token(who))
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Everything a write could have touched, read as each owner: the seeded workouts, bob's
/// workout list, and both scanner users' own records.
pub(crate) async fn state(server: &DemoServer) -> BTreeMap<String, (u16, Value)> {
    let mut out = BTreeMap::new();
    for (id, owner) in SEEDED {
        let path = format!("/workouts/{id}");
        out.insert(path.clone(), get(server, &path, *owner).await);
    }
    for (path, who) in [
        ("/members/2/workouts", DemoUser::Bob),
        ("/me", DemoUser::Alice),
        ("/me", DemoUser::Bob),
    ] {
        out.insert(
            format!("{path} as {}", who.username()),
            get(server, path, who).await,
        );
    }
    out
}

fn findings<'r>(report: &'r Report, check: &str) -> Vec<&'r Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.check == check)
        .collect()
}

fn outcome<'r>(report: &'r Report, check: &str, operation: &str) -> &'r Outcome {
    &report
        .cases
        .iter()
        .find(|c| c.check == check && c.operation() == operation)
        .unwrap_or_else(|| panic!("no case for {check} on {operation}"))
        .outcome
}

#[tokio::test]
async fn write_checks_fire_on_vulnerable_and_leave_everything_else_as_it_was() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let before = state(&server).await;
    let report = scan::run(&demo_config(&server)).await.expect("scan");

    let bola: BTreeMap<String, &Finding> = findings(&report, "bola-write")
        .into_iter()
        .map(|f| (f.operation(), f))
        .collect();
    assert_eq!(
        bola.keys().collect::<Vec<_>>(),
        [
            "DELETE /workouts/{workoutId}",
            "PATCH /workouts/{workoutId}"
        ]
    );
    for f in bola.values() {
        assert_eq!(f.victim, Some(Role::UserB));
        assert_eq!(f.evidence.identity, "user-a");
        // The target is an object the scan created as bob (seeded IDs end at 106).
        let id: u64 = f
            .evidence
            .url
            .rsplit('/')
            .next()
            .and_then(|s| s.parse().ok())
            .expect("numeric workout id");
        assert!(id > 106, "wrote to a seeded workout: {}", f.evidence.url);
        assert!(
            f.evidence
                .matches
                .iter()
                .any(|m| m.value == "Bob Okonkwo-Hale"),
            "evidence shows whose object it was: {:?}",
            f.evidence.matches
        );
    }
    let patch = bola["PATCH /workouts/{workoutId}"];
    assert_eq!(patch.evidence.status, 200);
    let marker = &patch.evidence.matches[0];
    assert_eq!(marker.pointer, "/note");
    assert!(
        marker.value.starts_with("apileak-bola-write-"),
        "{marker:?}"
    );
    assert!(patch.evidence.curl.contains(&marker.value));
    let delete = bola["DELETE /workouts/{workoutId}"];
    assert_eq!(delete.evidence.status, 204);
    assert!(delete.message.contains("answers 404"), "{}", delete.message);
    assert_ne!(
        patch.evidence.url, delete.evidence.url,
        "each write gets its own object"
    );

    let mass = findings(&report, "mass-assignment");
    assert_eq!(mass.len(), 1, "{mass:#?}");
    assert_eq!(mass[0].operation(), "PATCH /me");
    assert_eq!(mass[0].victim, None);
    assert!(
        mass[0]
            .evidence
            .matches
            .iter()
            .any(|m| m.pointer == "/role" && m.value == "admin"),
        "{:?}",
        mass[0].evidence.matches
    );
    assert!(
        mass[0]
            .message
            .contains("the original values were restored"),
        "{}",
        mass[0].message
    );

    // Seeded workouts untouched, bob's list back to its seeded two (the scan deleted what it
    // created), alice's role restored.
    assert_eq!(state(&server).await, before);
    let writes = server.write_request_count();
    assert!((1..=MAX_WRITES).contains(&writes), "{writes} writes");
    server.shutdown().await;
}

#[tokio::test]
async fn write_checks_are_silent_on_patched_after_really_running() {
    let server = DemoServer::start(Variant::Patched).await.expect("demo");
    let before = state(&server).await;
    let report = scan::run(&demo_config(&server)).await.expect("scan");
    assert!(findings(&report, "bola-write").is_empty());
    assert!(findings(&report, "mass-assignment").is_empty());
    for (check, op) in [
        ("bola-write", "PATCH /workouts/{workoutId}"),
        ("bola-write", "DELETE /workouts/{workoutId}"),
        ("mass-assignment", "PATCH /me"),
    ] {
        assert!(
            matches!(outcome(&report, check, op), Outcome::Passed { probes } if *probes > 0),
            "{check} on {op}: {:?}",
            outcome(&report, check, op)
        );
    }
    // Bob's own cleanup removed what the scan created; nothing else changed.
    assert_eq!(state(&server).await, before);
    assert!(server.write_request_count() <= MAX_WRITES);
    server.shutdown().await;
}

#[tokio::test]
async fn without_allow_writes_nothing_is_written_and_the_cases_say_why() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let before = state(&server).await;
    let mut config = demo_config(&server);
    config.exec.allow_writes = false;
    let report = scan::run(&config).await.expect("scan");
    for (check, op) in [
        ("bola-write", "PATCH /workouts/{workoutId}"),
        ("bola-write", "DELETE /workouts/{workoutId}"),
        ("mass-assignment", "PATCH /me"),
    ] {
        assert!(
            matches!(outcome(&report, check, op), Outcome::Skipped { reason } if reason == "needs --allow-writes"),
            "{check} on {op}: {:?}",
            outcome(&report, check, op)
        );
    }
    assert!(findings(&report, "bola-write").is_empty());
    assert!(findings(&report, "mass-assignment").is_empty());
    // Not one state-changing request reached the server (logins are not writes), although
    // the read-only checks ran in full.
    assert_eq!(server.write_request_count(), 0);
    assert!(!report.findings.is_empty());
    assert_eq!(state(&server).await, before);
    server.shutdown().await;
}

#[tokio::test]
async fn nothing_is_created_when_no_selected_check_writes() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let mut config = demo_config(&server);
    config.checks = vec!["bola-read".into()];
    let report = scan::run(&config).await.expect("scan");
    assert!(!findings(&report, "bola-read").is_empty());
    assert_eq!(server.write_request_count(), 0);
    server.shutdown().await;
}
