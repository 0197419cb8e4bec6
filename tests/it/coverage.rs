//! Honest coverage: the figures equal the counts of cases, every format carries them (stdout per
//! family, JSON, SARIF, JUnit skipped with the reason, Markdown, HTML), and `--min-coverage` /
//! `min_coverage` gate the exit code (3 below it, 2 when out of range). Real demo API over HTTP.

use apileak::checks::catalogue;
use apileak::report::{Format, Look, Outcome, Report, render_human};
use apileak_demo::{DemoServer, DemoUser, Variant};
use quick_junit::TestCaseStatus;
use serde_json::Value;

use crate::support::{apileak_cmd, bearer, demo_config, demo_spec_file, run_cmd};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn is_tested(o: &Outcome) -> bool {
    matches!(o, Outcome::Failed { .. }) || matches!(o, Outcome::Passed { probes } if *probes > 0)
}

fn reason(o: &Outcome) -> Option<&str> {
    match o {
        Outcome::Skipped { reason } => Some(reason),
        _ => None,
    }
}

#[tokio::test]
async fn coverage_figures_equal_the_cases_in_every_format() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let report = apileak::scan::run(&demo_config(&server))
        .await
        .expect("scan");
    server.shutdown().await;
    let metas = catalogue().expect("catalogue");
    let cov = &report.coverage;
    let untested: Vec<&str> = report
        .cases
        .iter()
        .filter_map(|c| reason(&c.outcome))
        .collect();
    assert!(!untested.is_empty(), "the demo leaves some cases untested");
    assert_eq!(cov.applicable, report.cases.len());
    assert_eq!(
        cov.tested,
        report
            .cases
            .iter()
            .filter(|c| is_tested(&c.outcome))
            .count()
    );
    assert_eq!(cov.tested + untested.len(), cov.applicable);
    for family in &cov.families {
        let cases: Vec<_> = report
            .cases
            .iter()
            .filter(|c| {
                metas
                    .iter()
                    .find(|m| m.id == c.check)
                    .is_some_and(|m| m.family.id() == family.family)
            })
            .collect();
        assert_eq!(family.applicable, cases.len(), "{}", family.family);
        let tested = cases.iter().filter(|c| is_tested(&c.outcome)).count();
        assert_eq!(family.tested, tested, "{}", family.family);
        let counted: usize = family.not_tested.iter().map(|r| r.count).sum();
        assert_eq!(counted, cases.len() - tested, "{}", family.family);
    }

    // JSON: the same numbers, as the documented keys.
    let json: Value =
        serde_json::from_str(&Format::Json.render(&report, &metas).expect("json")).expect("parse");
    assert_eq!(json["coverage"]["tested"], cov.tested);
    assert_eq!(json["coverage"]["applicable"], report.cases.len());
    let families = json["coverage"]["families"].as_array().expect("families");
    assert_eq!(families.len(), cov.families.len());
    let json_untested: u64 = families
        .iter()
        .flat_map(|f| f["not_tested"].as_array().expect("not_tested"))
        .map(|r| r["count"].as_u64().expect("count"))
        .sum();
    assert_eq!(json_untested, untested.len() as u64);

    // stdout: one line per family with its own figures, its reasons under it.
    let out = render_human(&report, Look::plain());
    let block = out.split("\nCoverage: ").nth(1).expect("coverage block");
    // Long reasons wrap at the terminal width.
    let flat = block.split_whitespace().collect::<Vec<_>>().join(" ");
    for family in &cov.families {
        let line = format!(
            "  {}: {} of {} case",
            family.title, family.tested, family.applicable
        );
        assert!(block.contains(&line), "{line} missing in {block}");
        for r in &family.not_tested {
            assert!(flat.contains(&r.reason), "{} missing in {block}", r.reason);
        }
    }

    // JUnit: every untested case is skipped with its reason, never a pass.
    let junit = Format::Junit.render(&report, &metas).expect("junit");
    let parsed = quick_junit::Report::deserialize_from_str(&junit).expect("junit parses");
    let cases = &parsed.test_suites[0].test_cases;
    for case in &report.cases {
        let name = format!("{} [{}]", case.operation(), case.check);
        let tc = cases
            .iter()
            .find(|t| t.name.as_str() == name)
            .unwrap_or_else(|| panic!("no test case {name}"));
        match (&case.outcome, &tc.status) {
            (Outcome::Skipped { reason }, TestCaseStatus::Skipped { message, .. }) => {
                assert_eq!(message.as_ref().map(|m| m.as_str()), Some(reason.as_str()));
            }
            (Outcome::Skipped { .. }, other) => panic!("{name} untested but {other:?}"),
            (_, TestCaseStatus::Skipped { .. }) => panic!("{name} tested but skipped"),
            _ => {}
        }
    }

    // SARIF run properties, Markdown and HTML carry the figures too.
    let sarif: Value =
        serde_json::from_str(&Format::Sarif.render(&report, &metas).expect("sarif")).expect("json");
    let props = &sarif["runs"][0]["properties"]["apileak/coverage"];
    assert_eq!(props["tested"], cov.tested);
    assert_eq!(props["applicable"], cov.applicable);
    let heading = format!(
        "Coverage: {} of {} cases tested",
        cov.tested, cov.applicable
    );
    let markdown = Format::Markdown.render(&report, &metas).expect("md");
    let html = Format::Html.render(&report, &metas).expect("html");
    for (name, text) in [("markdown", &markdown), ("html", &html)] {
        assert!(text.contains(&heading), "{name}: {text}");
        for family in &cov.families {
            assert!(text.contains(&family.title), "{name}: {}", family.title);
            for c in &family.checks {
                assert!(text.contains(&c.check), "{name}: {}", c.check);
            }
        }
    }
}

/// `apileak scan` of the demo with `extra` arguments (and a config file when given).
async fn scan_demo(server: &DemoServer, extra: &[&str], config: Option<&str>) -> (i32, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let json = dir.path().join("report.json");
    let mut cmd = apileak_cmd();
    cmd.current_dir(dir.path())
        .arg("scan")
        .arg(demo_spec_file())
        .args(["--base-url", &server.base_url()])
        .arg("--json")
        .arg(&json)
        .args(extra)
        .env("APILEAK_USER_A", bearer(server, DemoUser::Alice))
        .env("APILEAK_USER_B", bearer(server, DemoUser::Bob));
    if let Some(yaml) = config {
        let path = dir.path().join("apileak.yaml");
        std::fs::write(&path, yaml).expect("write config");
        cmd.arg("--config").arg(&path);
    }
    let out = run_cmd(cmd).await;
    let code = out.status.code().expect("exit code");
    let mut said = text(&out.stdout) + &text(&out.stderr);
    if let Ok(report) = std::fs::read_to_string(&json) {
        let report: Report = serde_json::from_str(&report).expect("report json");
        if let Some(why) = report.coverage.below_minimum {
            said.push_str(&format!("\njson below_minimum: {why}\n"));
        }
    }
    (code, said)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn min_coverage_fails_the_run_with_exit_3_and_says_why() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    // The demo leaves cases untested and has findings: exit 1 without a minimum.
    let (plain, out) = scan_demo(&server, &[], None).await;
    assert_eq!(plain, 1, "{out}");
    let percent = out
        .split("\nCoverage: ")
        .nth(1)
        .and_then(|b| b.split(" cases tested (").nth(1))
        .and_then(|b| b.split('%').next())
        .and_then(|p| p.parse::<u8>().ok())
        .expect("overall percent on stdout");
    assert!(percent < 100, "{out}");

    let (code, out) = scan_demo(&server, &["--min-coverage", "100"], None).await;
    assert_eq!(code, 3, "{out}");
    let why = format!("coverage {percent}% is below --min-coverage 100%");
    assert!(out.contains(&format!("NOT ENOUGH TESTED: {why}")), "{out}");
    assert!(out.contains(&format!("json below_minimum: {why}")), "{out}");

    // A minimum the scan meets changes nothing.
    let (code, out) = scan_demo(&server, &["--min-coverage", "10"], None).await;
    assert_eq!(code, plain, "{out}");
    assert!(!out.contains("below --min-coverage"), "{out}");

    // The file's value applies without the flag; the flag wins over it.
    let (code, out) = scan_demo(&server, &[], Some("min_coverage: 100\n")).await;
    assert_eq!(code, 3, "{out}");
    let (code, out) = scan_demo(
        &server,
        &["--min-coverage", "10"],
        Some("min_coverage: 100\n"),
    )
    .await;
    assert_eq!(code, plain, "{out}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn min_coverage_out_of_range_is_a_usage_error() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let (code, out) = scan_demo(&server, &[], Some("min_coverage: 101\n")).await;
    assert_eq!(code, 2, "{out}");
    // The diagnostic wraps its message with a gutter: compare words.
    let words: Vec<&str> = out.split_whitespace().filter(|w| *w != "│").collect();
    assert!(
        words
            .join(" ")
            .contains("`min_coverage` must be between 0 and 100 (got 101)"),
        "{out}"
    );
    let (code, out) = scan_demo(&server, &["--min-coverage", "101"], None).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("--min-coverage"), "{out}");
    server.shutdown().await;
}

#[test]
fn min_coverage_is_in_the_schema_and_validated_by_config_validate() {
    let out = apileak_cmd()
        .args(["config", "schema"])
        .output()
        .expect("run");
    let schema: Value = serde_json::from_slice(&out.stdout).expect("schema json");
    let key = &schema["properties"]["min_coverage"];
    assert_eq!(
        (key["minimum"].as_u64(), key["maximum"].as_u64()),
        (Some(0), Some(100))
    );
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("apileak.yaml");
    let spec = demo_spec_file();
    for (pct, want) in [(101, 2), (80, 0)] {
        let yaml = format!(
            "spec: {}\nmin_coverage: {pct}\nidentities:\n  user_a: {{header: 'X-Key: aaaaaaaa'}}\n  user_b: {{header: 'X-Key: bbbbbbbb'}}\n",
            spec.display()
        );
        std::fs::write(&config, yaml).expect("write");
        let out = apileak_cmd()
            .args(["config", "validate"])
            .arg(&config)
            .output()
            .expect("run");
        assert_eq!(
            out.status.code(),
            Some(want),
            "{pct}: {}",
            text(&out.stderr)
        );
    }
}
