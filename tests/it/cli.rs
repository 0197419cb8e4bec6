//! End to end: the real binary against the demo API over HTTP, both variants.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

use apileak::demo::{DemoServer, DemoUser, Variant};

use crate::support::{bearer, demo_spec_file, shared_dir};

fn apileak() -> Command {
    let mut cmd = Command::cargo_bin("apileak").expect("binary");
    cmd.env_remove("APILEAK_USER_A")
        .env_remove("APILEAK_USER_B")
        .env_remove("APILEAK_LOG");
    cmd
}

/// Runs the binary on a blocking thread so the in-process demo server keeps serving.
async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("run apileak"))
        .await
        .expect("join")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn validate_sarif(path: &Path) -> Value {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(shared_dir().join("schemas/sarif-2.1.0.json")).expect("schema"),
    )
    .expect("schema json");
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
        assert!(
            loc["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .expect("line")
                > 1
        );
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
    assert_eq!(results.len(), 4, "{results:#?}");
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
    assert_eq!(parsed.failures, 4, "{junit}");
    assert!(parsed.tests > parsed.failures, "passing cases are included");
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("report.json")).expect("json"),
    )
    .expect("json");
    assert_eq!(json["findings"].as_array().expect("findings").len(), 4);
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
