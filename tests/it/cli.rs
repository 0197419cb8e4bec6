//! End to end: the real binary against the demo API over HTTP, both variants.

use std::path::Path;

use serde_json::Value;

use apileak_demo::{DemoServer, DemoUser, Variant};

use crate::support::{apileak_cmd as apileak, bearer, demo_spec_file, run_cmd as run, schema};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub(crate) fn validate_sarif(path: &Path) -> Value {
    let schema = schema("sarif-2.1.0.json");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("sarif")).expect("sarif json");
    let validator = jsonschema::validator_for(&schema).expect("compile schema");
    // The validator must be able to fail, or this whole check proves nothing.
    assert!(
        !validator.is_valid(&serde_json::json!({"version": "2.1.0", "runs": [{"results": []}]}))
    );
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid: {errors:#?}");
    // What GitHub needs beyond the schema (../shared/REPORTS.md).
    for r in sarif["runs"][0]["results"].as_array().expect("results") {
        let loc = &r["locations"][0];
        let uri = loc["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri");
        assert!(!uri.starts_with("http"), "{uri}");
        let line = loc["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .expect("line");
        // API-wide findings and undocumented paths anchor at line 1; operations at their own
        // line (checked exactly for one result below).
        assert!(line >= 1, "{r}");
        for key in ["method", "path", "owasp"] {
            assert!(r["properties"][key].is_string(), "{key} missing in {r}");
        }
        assert!(
            loc["logicalLocations"][0]["name"]
                .as_str()
                .expect("logical")
                .contains(' ')
        );
        assert!(r["partialFingerprints"]["apileak/v1"].is_string());
    }
    // The SARIF multitool's one warning on our output was a driver without informationUri.
    assert!(sarif["runs"][0]["tool"]["driver"]["informationUri"].is_string());
    sarif
}

#[test]
fn demo_finds_planted_flaws_and_writes_valid_reports() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = apileak()
        .args(["demo", "--out-dir"])
        .arg(dir.path())
        .output()
        .expect("run");
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {stdout}\nstderr: {}",
        text(&out.stderr)
    );
    assert!(
        stdout.contains("bola-read") && stdout.contains("unauthenticated-access"),
        "{stdout}"
    );
    let sarif = validate_sarif(&dir.path().join("report.sarif"));
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("report.json")).expect("json"),
    )
    .expect("json");
    assert_eq!(json["format_version"], apileak::report::FORMAT_VERSION);
    let findings = json["findings"].as_array().expect("findings");
    // Exact per-check expectations live in tests/it/checks.rs; here: one result per finding.
    assert!(findings.len() >= 4, "{findings:#?}");
    assert_eq!(results.len(), findings.len());
    for r in results {
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "fixtures/demo/openapi.yaml"
        );
    }
    // The SARIF line is the operation's line in the spec.
    let spec = std::fs::read_to_string(demo_spec_file()).expect("spec");
    let bola = results
        .iter()
        .find(|r| r["ruleId"] == "bola-read" && r["properties"]["path"] == "/members/{memberId}")
        .expect("bola result");
    let line = bola["locations"][0]["physicalLocation"]["region"]["startLine"]
        .as_u64()
        .expect("line");
    let text_at = spec
        .lines()
        .nth(usize::try_from(line).expect("usize") - 1)
        .expect("line exists");
    assert_eq!(text_at.trim(), "get:", "line {line} is `{text_at}`");

    let junit = std::fs::read_to_string(dir.path().join("report.junit.xml")).expect("junit");
    let parsed = quick_junit::Report::deserialize_from_str(&junit).expect("junit parses");
    // <failure> means "fails the gate" (--fail-on low): info findings are not failures.
    let gating = |i: &Value| {
        findings[usize::try_from(i.as_u64().expect("index")).expect("usize")]["severity"] != "info"
    };
    let failed_cases = json["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| {
            c["outcome"]["status"] == "failed"
                && c["outcome"]["findings"]
                    .as_array()
                    .expect("indices")
                    .iter()
                    .any(gating)
        })
        .count();
    assert_eq!(parsed.failures, failed_cases, "{junit}");
    assert!(parsed.tests > parsed.failures, "passing cases are included");

    validate_gitlab(&dir.path().join("gl-dast-report.json"), findings.len());
    let quality: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("gl-code-quality-report.json")).expect("cq"),
    )
    .expect("cq json");
    assert_eq!(quality.as_array().expect("array").len(), findings.len());
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).expect("summary");
    assert!(summary.contains("| severity | check |"), "{summary}");
}

pub(crate) fn validate_gitlab(path: &Path, findings: usize) {
    let schema = schema("gitlab-dast-report-15.0.7.json");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("gitlab")).expect("gitlab json");
    let validator = jsonschema::validator_for(&schema).expect("compile schema");
    assert!(!validator.is_valid(&serde_json::json!({"version": "15.0.7"})));
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "GitLab report invalid: {errors:#?}");
    assert_eq!(report["version"], "15.0.7");
    assert_eq!(
        report["vulnerabilities"].as_array().expect("vulns").len(),
        findings
    );
    assert!(
        !report["scan"]["start_time"]
            .as_str()
            .expect("time")
            .ends_with('Z')
    );
}

#[test]
fn demo_patched_is_clean() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = apileak()
        .args(["demo", "--patched", "--out-dir"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("No findings"));
    let sarif = validate_sarif(&dir.path().join("report.sarif"));
    assert_eq!(
        sarif["runs"][0]["results"]
            .as_array()
            .expect("results")
            .len(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_any_api_with_env_credentials_and_never_leak_them() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let dir = tempfile::tempdir().expect("tmp");
    let (sarif, junit, json) = (
        dir.path().join("o.sarif"),
        dir.path().join("o.xml"),
        dir.path().join("o.json"),
    );
    let mut cmd = apileak();
    cmd.arg("-vv")
        .arg("scan")
        .arg(demo_spec_file())
        .args(["--base-url", &server.base_url(), "--fail-on", "high"])
        .arg("--sarif")
        .arg(&sarif)
        .arg("--junit")
        .arg(&junit)
        .arg("--json")
        .arg(&json)
        .env("APILEAK_USER_A", bearer(&server, DemoUser::Alice))
        .env("APILEAK_USER_B", bearer(&server, DemoUser::Bob));
    let out = run(cmd).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    validate_sarif(&sarif);
    let mut everything = stdout + &stderr;
    for p in [&sarif, &junit, &json] {
        everything.push_str(&std::fs::read_to_string(p).expect("report"));
    }
    for user in [DemoUser::Alice, DemoUser::Bob] {
        assert!(
            !everything.contains(server.token(user)),
            "a token leaked into the output"
        );
    }
    assert!(
        everything.contains("$APILEAK_USER_A"),
        "reproductions name the env var"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_failures_exit_3_and_say_what_was_seen() {
    let server = DemoServer::start(Variant::Patched).await.expect("demo");
    let scan = |a: String, b: String| {
        let mut cmd = apileak();
        cmd.arg("scan").arg(demo_spec_file()).args([
            "--base-url",
            &server.base_url(),
            "--user-a",
            &a,
            "--user-b",
            &b,
        ]);
        cmd
    };
    let bad = "Authorization: Bearer cad_wrongwrongwrong".to_owned();
    let out = run(scan(bearer(&server, DemoUser::Alice), bad.clone())).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("user-b was not accepted") && stderr.contains("401"),
        "{stderr}"
    );
    assert!(!stderr.contains("cad_wrongwrongwrong"));

    let alice = bearer(&server, DemoUser::Alice);
    let out = run(scan(alice.clone(), alice)).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("same principal"), "{stderr}");
    server.shutdown().await;
}

#[test]
fn unreachable_target_exits_3() {
    // Bind then drop: a loopback port with nothing listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let out = apileak()
        .arg("scan")
        .arg(demo_spec_file())
        .args(["--base-url", &format!("http://127.0.0.1:{port}")])
        .args([
            "--user-a",
            "Authorization: Bearer aaaaaaaa",
            "--user-b",
            "Authorization: Bearer bbbbbbbb",
        ])
        .output()
        .expect("run");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("target unreachable"), "{stderr}");
}

#[test]
fn usage_and_spec_errors_exit_2() {
    let dir = tempfile::tempdir().expect("tmp");
    let creds = ["--user-a", "X-Key: aaaaaaaa", "--user-b", "X-Key: bbbbbbbb"];
    let missing = apileak()
        .args(["scan", "nope.yaml"])
        .args(creds)
        .output()
        .expect("run");
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing.stderr));
    assert!(text(&missing.stderr).contains("nope.yaml"));

    let garbage = dir.path().join("g.yaml");
    std::fs::write(&garbage, "{{{{ not: [yaml").expect("write");
    let out = apileak()
        .arg("scan")
        .arg(&garbage)
        .args(creds)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));

    let out = apileak()
        .arg("scan")
        .arg(demo_spec_file())
        .args(["--user-a", "X-Key: aaaaaaaa"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("APILEAK_USER_B"),
        "{}",
        text(&out.stderr)
    );

    let out = apileak()
        .arg("scan")
        .arg(demo_spec_file())
        .args(["--user-a", "justatoken123", "--user-b", "X: y"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(!text(&out.stderr).contains("justatoken123"));

    let out = apileak()
        .args(["scan", "--fail-on", "severe", "x.yaml"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn checks_catalogue_and_help() {
    let out = apileak().args(["checks", "list"]).output().expect("run");
    assert!(out.status.success());
    let list = text(&out.stdout);
    assert!(
        list.contains("bola-read") && list.contains("API1:2023"),
        "{list}"
    );
    let out = apileak()
        .args(["checks", "explain", "bola-read"])
        .output()
        .expect("run");
    assert!(text(&out.stdout).contains("## Remediation"));
    let out = apileak()
        .args(["checks", "explain", "nope"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let out = apileak().arg("--help").output().expect("run");
    assert!(text(&out.stdout).contains("Exit codes:"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baseline_passes_known_findings_and_expired_ignores_fail() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let dir = tempfile::tempdir().expect("tmp");
    let scan = |extra: &[&std::ffi::OsStr]| {
        let mut cmd = apileak();
        cmd.arg("scan")
            .arg(demo_spec_file())
            .args(["--base-url", &server.base_url()])
            .env("APILEAK_USER_A", bearer(&server, DemoUser::Alice))
            .env("APILEAK_USER_B", bearer(&server, DemoUser::Bob))
            .args(extra);
        cmd
    };
    let report = dir.path().join("first.json");
    let first = run(scan(&["--json".as_ref(), report.as_os_str()])).await;
    assert_eq!(first.status.code(), Some(1), "{}", text(&first.stderr));

    let baseline = dir.path().join("baseline.json");
    let out = apileak()
        .arg("baseline")
        .arg(&report)
        .arg("-o")
        .arg(&baseline)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));

    // Same API, same findings: all in the baseline, so the gate passes…
    let second = dir.path().join("second.json");
    let out = run(scan(&[
        "--baseline".as_ref(),
        baseline.as_os_str(),
        "--json".as_ref(),
        second.as_os_str(),
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    // …and the fingerprints of two scans of an unchanged API are identical.
    let fingerprints = |p: &Path| -> Vec<String> {
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json");
        let mut f: Vec<String> = v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["fingerprint"].as_str().expect("fp").to_owned())
            .collect();
        f.sort();
        f
    };
    assert_eq!(fingerprints(&report), fingerprints(&second));

    // An ignore entry past its date fails loudly, before any request.
    let ignore = dir.path().join("ignore.yaml");
    std::fs::write(
        &ignore,
        "ignore:\n  - check: bola-read\n    operation: GET /members/{memberId}\n    reason: demo\n    expires: 2020-01-01\n",
    )
    .expect("write");
    let out = run(scan(&["--ignore".as_ref(), ignore.as_os_str()])).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("expired on 2020-01-01"),
        "{}",
        text(&out.stderr)
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_merged_equal_the_unsharded_scan() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let dir = tempfile::tempdir().expect("tmp");
    let scan = |json: &Path, shard: Option<&str>| {
        let mut cmd = apileak();
        cmd.arg("scan")
            .arg(demo_spec_file())
            .args(["--base-url", &server.base_url()])
            .arg("--json")
            .arg(json)
            .env("APILEAK_USER_A", bearer(&server, DemoUser::Alice))
            .env("APILEAK_USER_B", bearer(&server, DemoUser::Bob));
        if let Some(s) = shard {
            cmd.args(["--shard", s]);
        }
        cmd
    };
    let (full, s1, s2, merged) = (
        dir.path().join("full.json"),
        dir.path().join("s1.json"),
        dir.path().join("s2.json"),
        dir.path().join("merged.json"),
    );
    for (path, shard) in [(&full, None), (&s1, Some("1/2")), (&s2, Some("2/2"))] {
        let out = run(scan(path, shard)).await;
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    }
    let out = apileak()
        .arg("merge")
        .arg(&s1)
        .arg(&s2)
        .arg("--json")
        .arg(&merged)
        .output()
        .expect("merge");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));

    let summary = |p: &Path| {
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json");
        let mut cases: Vec<String> = v["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .map(|c| {
                format!(
                    "{} {} {} {}",
                    c["check"], c["method"], c["path"], c["outcome"]["status"]
                )
            })
            .collect();
        cases.sort();
        let mut fps: Vec<String> = v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["fingerprint"].as_str().expect("fp").to_owned())
            .collect();
        fps.sort();
        (cases, fps)
    };
    let (s1_cases, _) = summary(&s1);
    let (s2_cases, _) = summary(&s2);
    assert!(
        !s1_cases.is_empty() && !s2_cases.is_empty(),
        "both shards did work"
    );
    assert_eq!(summary(&merged), summary(&full));
    // Coverage is counted again over the merged cases, not taken from the first shard.
    let coverage = |p: &Path| {
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json");
        v["coverage"].clone()
    };
    assert!(coverage(&s1)["applicable"].as_u64() < coverage(&full)["applicable"].as_u64());
    assert_eq!(coverage(&merged), coverage(&full));
    server.shutdown().await;
}
