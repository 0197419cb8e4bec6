//! The scanner against every demo API shape over real HTTP, with no `objects:` hints: on the
//! vulnerable variant it finds exactly the shape's ground truth, on the patched one nothing at
//! medium or above, every ground-truth case really judged, and the decoys (public-by-design
//! content, a collection shared with user A, a private object of B's that A cannot read)
//! stay silent on both.

use std::collections::BTreeSet;

use apileak::findings::Severity;
use apileak::report::{Outcome, Report};
use apileak::scan;
use apileak_demo::{DemoOptions, DemoServer, Shape, Variant};

use crate::support::shape_config;

/// A demo scan stays within these (issue 10's budget).
const MAX_REQUESTS: u64 = 300;

/// (check, "METHOD /path") of every flaw the shape's ground truth plants.
fn ground_truth(shape: Shape) -> BTreeSet<(String, String)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(shape.ground_truth_path());
    let text = std::fs::read_to_string(&path).expect("ground truth");
    let doc: serde_json::Value = yaml_serde::from_str(&text).expect("yaml");
    doc["flaws"]
        .as_array()
        .expect("flaws")
        .iter()
        .map(|f| {
            (
                f["check"].as_str().expect("check").to_owned(),
                format!(
                    "{} {}",
                    f["method"].as_str().expect("method"),
                    f["path"].as_str().expect("path")
                ),
            )
        })
        .collect()
}

async fn scan_shape(shape: Shape, variant: Variant) -> Report {
    let server = DemoServer::start_with(
        variant,
        DemoOptions {
            shape,
            ..DemoOptions::default()
        },
    )
    .await
    .expect("demo");
    let report = scan::run(&shape_config(&server)).await.expect("scan");
    let sent = report.stats.exec.requests;
    assert!(
        sent <= MAX_REQUESTS,
        "{shape:?} {variant:?}: {sent} requests"
    );
    server.shutdown().await;
    report
}

fn found(report: &Report) -> BTreeSet<(String, String)> {
    report
        .findings
        .iter()
        .map(|f| (f.check.clone(), f.operation()))
        .collect()
}

async fn vulnerable_yields_exactly_its_ground_truth(shape: Shape) {
    let report = scan_shape(shape, Variant::Vulnerable).await;
    let expected = ground_truth(shape);
    assert!(!expected.is_empty());
    assert_eq!(found(&report), expected, "{:#?}", report.findings);
    for f in &report.findings {
        assert!(!f.evidence.matches.is_empty(), "{f:?}");
        assert_eq!(f.victim.map(|v| v.name()), Some("user-b"), "{f:?}");
    }
}

async fn patched_is_silent_and_really_judged(shape: Shape) {
    let report = scan_shape(shape, Variant::Patched).await;
    let loud: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Medium)
        .collect();
    assert!(loud.is_empty(), "{loud:#?}");
    for (check, op) in ground_truth(shape) {
        let case = report
            .cases
            .iter()
            .find(|c| c.check == check && c.operation() == op)
            .unwrap_or_else(|| panic!("no case for {check} on {op}"));
        assert!(
            matches!(case.outcome, Outcome::Passed { probes } if probes > 0),
            "{check} on {op}: {:?}",
            case.outcome
        );
    }
}

#[tokio::test]
async fn billing_vulnerable_yields_exactly_its_ground_truth() {
    vulnerable_yields_exactly_its_ground_truth(Shape::Billing).await;
}

#[tokio::test]
async fn billing_patched_is_silent_and_really_judged() {
    patched_is_silent_and_really_judged(Shape::Billing).await;
}

#[tokio::test]
async fn content_vulnerable_yields_exactly_its_ground_truth() {
    vulnerable_yields_exactly_its_ground_truth(Shape::Content).await;
}

#[tokio::test]
async fn content_patched_is_silent_and_really_judged() {
    patched_is_silent_and_really_judged(Shape::Content).await;
}

/// Envelopes, an identity without an `id`, prefixed string IDs, IDs in a query parameter and
/// in a body, slugs: the scanner learns who owns what from the API itself.
#[tokio::test]
async fn ownership_is_learned_on_every_shape_without_hints() {
    for shape in [Shape::Billing, Shape::Content] {
        let report = scan_shape(shape, Variant::Patched).await;
        let tested: Vec<&str> = report
            .cases
            .iter()
            .filter(|c| c.check == "bola-read")
            .filter(|c| matches!(c.outcome, Outcome::Passed { probes } if probes > 0))
            .map(|c| c.path.as_str())
            .collect();
        let want: &[&str] = match shape {
            Shape::Billing => &["/v1/customers/{customer}", "/v1/invoices"],
            _ => &["/articles/{slug}", "/collections/{collectionId}"],
        };
        for path in want {
            assert!(
                tested.contains(path),
                "{shape:?}: {path} not judged: {tested:?}"
            );
        }
        // The preflight named each user by what the API showed: an account ID inside an
        // envelope, a username (the content API's user record has no `id`).
        let principals: Vec<Option<String>> = report
            .preflight
            .iter()
            .map(|p| p.principal.clone())
            .collect();
        assert!(
            principals.iter().flatten().count() >= 2,
            "{shape:?}: {principals:?}"
        );
    }
}

/// `scan --dry-run` sends only reads (preflight and harvest), creates nothing even with
/// `--allow-writes`, and prints the resource model, who owns what and the planned probes.
#[tokio::test]
async fn dry_run_prints_the_model_and_sends_no_probe() {
    let server = DemoServer::start_with(
        Variant::Vulnerable,
        DemoOptions {
            shape: Shape::Billing,
            ..DemoOptions::default()
        },
    )
    .await
    .expect("demo");
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(Shape::Billing.spec_path());
    let mut cmd = crate::support::apileak_cmd();
    cmd.arg("scan")
        .arg(&spec)
        .args([
            "--base-url",
            &server.base_url(),
            "--dry-run",
            "--allow-writes",
        ])
        .env(
            "APILEAK_USER_A",
            server.credential(apileak_demo::DemoUser::Alice),
        )
        .env(
            "APILEAK_USER_B",
            server.credential(apileak_demo::DemoUser::Bob),
        );
    let before = server.request_count();
    let out = crate::support::run_cmd(cmd).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(server.write_request_count(), 0, "a dry run writes nothing");
    let sent = server.request_count() - before;
    let full = scan_shape(Shape::Billing, Variant::Vulnerable)
        .await
        .stats
        .exec
        .requests;
    assert!(sent * 2 < full, "dry run sent {sent}, a scan {full}");
    for want in [
        "Resource model",
        "GET /v1/invoices",
        "?customer = customer.id",
        "user-b (acct_",
        "cus_H7dR3pWm9XbYeK",
        "bola-read",
        "Planned:",
    ] {
        assert!(stdout.contains(want), "{want} missing in {stdout}");
    }
    // Credentials never show, only object IDs.
    assert!(!stdout.contains(&server.credential(apileak_demo::DemoUser::Alice)[11..]));
    server.shutdown().await;
}

/// The harvest is bounded per identity (`--harvest-requests`, `harvest_requests:`): a tight
/// bound sends fewer reads, and what it could not learn shows as not tested, never passed.
#[tokio::test]
async fn the_harvest_is_bounded_per_identity() {
    let server = DemoServer::start_with(
        Variant::Vulnerable,
        DemoOptions {
            shape: Shape::Billing,
            ..DemoOptions::default()
        },
    )
    .await
    .expect("demo");
    let harvest_reads = |report: &Report| {
        report
            .stats
            .exec
            .stages
            .iter()
            .find(|s| s.stage == "harvest")
            .map_or(0, |s| s.requests)
    };
    let full = scan::run(&shape_config(&server)).await.expect("scan");
    let mut config = shape_config(&server);
    config.harvest_requests = 2;
    let tight = scan::run(&config).await.expect("scan");
    // Three identities, two reads each, plus each user's "me" read.
    assert!(
        harvest_reads(&tight) <= 3 * 2 + 2,
        "{}",
        harvest_reads(&tight)
    );
    assert!(harvest_reads(&full) > harvest_reads(&tight));
    let untested = |r: &Report| {
        r.cases
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Skipped { .. }))
            .count()
    };
    assert!(untested(&tight) > untested(&full));
    server.shutdown().await;
}

/// The resource model on real-world specs: IDs keyed by kind and field wherever they travel,
/// derived once and fast.
#[test]
fn the_resource_model_of_real_specs() {
    use apileak::model::{HttpMethod, Resources};
    let slots_of = |api: &apileak::model::Api, method: HttpMethod, path: &str| {
        let resources = Resources::build(api);
        let op = api
            .operations
            .iter()
            .find(|o| o.method == method && o.path == path)
            .unwrap_or_else(|| panic!("{method} {path}"));
        resources
            .slots(op)
            .iter()
            .map(|s| format!("{}={}", s.name, s.key))
            .collect::<Vec<_>>()
    };
    let started = std::time::Instant::now();
    let github = crate::support::load_real_spec("github-api.github.com.json").api;
    let loaded = started.elapsed();
    let started = std::time::Instant::now();
    let resources = Resources::build(&github);
    let slots: usize = github
        .operations
        .iter()
        .map(|op| resources.slots(op).len())
        .sum();
    let built = started.elapsed();
    assert!(slots > 1000, "{slots}");
    assert!(
        built < loaded.max(std::time::Duration::from_millis(500)),
        "{built:?} to model {} operations",
        github.operations.len()
    );
    assert_eq!(
        slots_of(
            &github,
            HttpMethod::Get,
            "/repos/{owner}/{repo}/issues/{issue_number}"
        ),
        ["owner=user.id", "repo=repo.id", "issue_number=issue.number"]
    );
    let stripe = crate::support::load_real_spec("stripe-spec3-2023-09-12.yaml").api;
    assert_eq!(
        slots_of(&stripe, HttpMethod::Get, "/v1/customers/{customer}"),
        ["customer=customer.id"]
    );
    let invoices = slots_of(&stripe, HttpMethod::Get, "/v1/invoices");
    assert!(
        invoices.contains(&"customer=customer.id".to_owned())
            && invoices.contains(&"subscription=subscription.id".to_owned()),
        "{invoices:?}"
    );
    assert!(
        !invoices
            .iter()
            .any(|s| s.starts_with("limit=") || s.starts_with("starting_after=")),
        "{invoices:?}"
    );
}
