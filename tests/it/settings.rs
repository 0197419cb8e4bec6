//! Scan settings that change what is judged: skipped operations, public-by-design fields.

use apileak::scan;
use apileak_demo::{DemoServer, Variant};

use crate::support::demo_config;

#[tokio::test]
async fn skipped_operations_are_never_planned_and_typos_are_errors() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let mut config = demo_config(&server);
    config.exclude = vec!["GET /members/{memberId}".into(), "adminListMembers".into()];
    let report = scan::run(&config).await.expect("scan");
    for skipped in ["/members/{memberId}", "/admin/members"] {
        assert!(
            report
                .cases
                .iter()
                .all(|c| !(c.method == "GET" && c.path == skipped)),
            "{skipped} was planned"
        );
        assert!(report.findings.iter().all(|f| f.path != skipped));
    }
    // Other operations are still scanned.
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.path == "/workouts/{workoutId}")
    );

    config.exclude = vec!["GET /no/such/path".into()];
    let err = scan::run(&config).await.expect_err("typo");
    assert!(err.to_string().contains("matches no operation"), "{err}");
    assert_eq!(err.exit_code(), 2);
    server.shutdown().await;
}

#[tokio::test]
async fn public_fields_are_not_personal_or_excessive() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let leaderboard = |r: &apileak::report::Report| {
        r.findings.iter().any(|f| {
            f.check == "private-data-leakage" && f.path == "/classes/{classId}/leaderboard"
        })
    };
    let before = scan::run(&demo_config(&server)).await.expect("scan");
    assert!(
        leaderboard(&before),
        "the leaderboard leak is found by default"
    );

    // A team that shows names and cities on leaderboards by design says so.
    let mut config = demo_config(&server);
    config.public_fields = vec!["display_name".into(), "city".into(), "username".into()];
    let after = scan::run(&config).await.expect("scan");
    assert!(!leaderboard(&after));
    let excessive = after
        .findings
        .iter()
        .find(|f| f.check == "excessive-data-exposure")
        .expect("password_hash is still excessive");
    assert!(
        excessive
            .evidence
            .matches
            .iter()
            .any(|m| m.pointer.ends_with("/password_hash"))
    );
    server.shutdown().await;
}

/// Without the operation harvest learns B's workouts from, BOLA on a workout is found only
/// through the IDs the config lists for B; listed IDs for B become writable only with writes.
#[tokio::test]
async fn explicit_object_ids_find_bola_where_harvesting_cannot() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let mut config = demo_config(&server);
    config.checks = vec!["bola-read".into(), "bola-write".into()];
    config.exclude = vec!["GET /members/{memberId}/workouts".into()];
    config.exec.allow_writes = false;
    let bola_on_workout = |report: &apileak::report::Report| {
        report
            .findings
            .iter()
            .filter(|f| f.operation() == "GET /workouts/{workoutId}")
            .map(|f| f.check.clone())
            .collect::<Vec<_>>()
    };
    let harvested_only = scan::run(&config).await.expect("scan");
    assert!(
        bola_on_workout(&harvested_only).is_empty(),
        "harvest cannot know B's workouts here: {:#?}",
        harvested_only.findings
    );

    config.objects.user_b = vec![
        ("workoutId".into(), vec!["103".into()]),
        ("memberId".into(), vec!["2".into()]),
    ];
    let writes_before = server.write_request_count();
    let listed = scan::run(&config).await.expect("scan");
    assert_eq!(bola_on_workout(&listed), ["bola-read"]);
    assert_eq!(
        server.write_request_count(),
        writes_before,
        "listed IDs are never written to without --allow-writes"
    );

    // With writes and no create operation, B's listed objects are what bola-write uses: a
    // change is undone (the property read before the scan is put back), a delete is never
    // sent, and nothing of them is deleted as cleanup either.
    config.exec.allow_writes = true;
    config.exclude.push("POST /workouts".into());
    config.objects.user_b = vec![("workoutId".into(), vec!["103".into(), "104".into()])];
    let as_bob = |path: &str| {
        let url = format!("{}{path}", server.base_url());
        let token = server.token(apileak_demo::DemoUser::Bob).to_owned();
        async move {
            let answer = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("get");
            (answer.status().as_u16(), answer.text().await.expect("body"))
        }
    };
    // B's object has a note to put back.
    let patched = reqwest::Client::new()
        .patch(format!("{}/workouts/103", server.base_url()))
        .bearer_auth(server.token(apileak_demo::DemoUser::Bob))
        .json(&serde_json::json!({"note": "Hill repeats"}))
        .send()
        .await
        .expect("patch");
    assert!(patched.status().is_success());
    let before = (as_bob("/workouts/103").await, as_bob("/workouts/104").await);
    assert!(before.0.1.contains("Hill repeats"));
    let writable = scan::run(&config).await.expect("scan");
    let writes: Vec<String> = writable
        .findings
        .iter()
        .filter(|f| f.check == "bola-write")
        .map(|f| f.operation())
        .collect();
    assert_eq!(
        writes,
        ["PATCH /workouts/{workoutId}"],
        "{:#?}",
        writable.findings
    );
    let delete = writable
        .cases
        .iter()
        .find(|c| c.check == "bola-write" && c.method == "DELETE")
        .expect("delete case");
    assert!(
        matches!(&delete.outcome, apileak::report::Outcome::Skipped { reason } if reason.contains("cannot be undone")),
        "{:?}",
        delete.outcome
    );
    let after = (as_bob("/workouts/103").await, as_bob("/workouts/104").await);
    assert_eq!(after, before, "listed objects are as they were");
    assert!(
        writable.left_behind.is_empty(),
        "{:?}",
        writable.left_behind
    );
    server.shutdown().await;
}
