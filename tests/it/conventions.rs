//! CLI conventions and reproductions that run: every finding's curl line, run by bash against
//! the demo API, answers with the status its evidence documents; `-` is stdout for a report;
//! `scan --out-dir`; completions, man page; `config validate` and `config init`.

use std::path::Path;

use serde_json::Value;

use apileak_demo::{DemoServer, DemoUser, Variant};

use crate::support::{apileak_cmd as apileak, bearer, demo_config, demo_spec_file, run_cmd as run};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The status of the last HTTP status line curl printed with `-i`.
fn http_status(output: &str) -> Option<u16> {
    output
        .lines()
        .rfind(|l| l.starts_with("HTTP/"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reproduction_runs_and_answers_the_documented_status() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let report = apileak::scan::run(&demo_config(&server))
        .await
        .expect("scan");
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.evidence.curl.contains("apileak forge")),
        "the demo has a forged-token finding to reproduce"
    );
    // `apileak` in the repro lines is the binary under test.
    let bin = Path::new(env!("CARGO_BIN_EXE_apileak"))
        .parent()
        .expect("bin dir");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let (a, b) = (
        bearer(&server, DemoUser::Alice),
        bearer(&server, DemoUser::Bob),
    );
    let mut failures = Vec::new();
    for f in &report.findings {
        let line = f.evidence.curl.clone();
        // Bounded: curl gets a time limit through a wrapper, the line itself stays as printed.
        let script = format!("curl() {{ command curl --max-time 10 \"$@\"; }}\n{line}");
        let mut cmd = std::process::Command::new("bash");
        cmd.arg("-c")
            .arg(&script)
            .env("PATH", &path)
            .env("APILEAK_USER_A", &a)
            .env("APILEAK_USER_B", &b);
        let out = tokio::task::spawn_blocking(move || cmd.output().expect("bash"))
            .await
            .expect("join");
        let got = http_status(&text(&out.stdout));
        // bola-write targets objects the scan created as user B and deleted at its end (its
        // undo): their reproductions can only find them gone. Every other line must match.
        let gone = f.check == "bola-write" && got == Some(404);
        if got != Some(f.evidence.status) && !gone {
            failures.push(format!(
                "{}: {line}\n  expected {}, got {got:?}\n  stderr: {}",
                f.check,
                f.evidence.status,
                text(&out.stderr)
            ));
        }
    }
    server.shutdown().await;
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn forge_prints_a_token_and_refuses_non_jwts_without_echoing_them() {
    let out = apileak()
        .args(["forge", "alg-none", "Authorization: Bearer not-a-jwt-1234"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(!text(&out.stderr).contains("not-a-jwt-1234"));
    let out = apileak()
        .args(["forge", "weak-key", "a.b.c"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "weak-key needs --key");
    let out = apileak().args(["forge", "garbage"]).output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert!(!text(&out.stdout).trim().is_empty());
    // The token can come on stdin (the reproductions do that: an argument shows in `ps`).
    // {"alg":"HS256"}.{"sub":"1"}.sig
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln";
    let out = apileak()
        .args(["forge", "alg-none"])
        .write_stdin(format!("Authorization: Bearer {jwt}\n"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let forged = text(&out.stdout);
    let header = forged.split('.').next().unwrap_or_default();
    use base64::Engine;
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header.trim())
        .expect("base64url header");
    assert!(
        String::from_utf8_lossy(&header).contains("none"),
        "{}",
        String::from_utf8_lossy(&header)
    );
    assert!(!forged.contains("c2ln"), "the signature is dropped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dash_is_stdout_and_out_dir_gets_every_other_format() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let dir = tempfile::tempdir().expect("tmp");
    let scan = || {
        let mut cmd = apileak();
        cmd.arg("scan")
            .arg(demo_spec_file())
            .args(["--base-url", &server.base_url()])
            .env("APILEAK_USER_A", bearer(&server, DemoUser::Alice))
            .env("APILEAK_USER_B", bearer(&server, DemoUser::Bob));
        cmd
    };
    let mut cmd = scan();
    cmd.args(["--json", "-", "--out-dir"]).arg(dir.path());
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("stdout is the JSON report");
    assert!(!json["findings"].as_array().expect("findings").is_empty());
    assert!(!Path::new("-").exists(), "no file named `-`");
    for format in apileak::report::Format::ALL {
        let file = dir.path().join(format.file_name());
        assert_eq!(
            file.is_file(),
            format != apileak::report::Format::Json,
            "{}",
            file.display()
        );
    }
    let mut cmd = scan();
    cmd.args(["--json", "-", "--sarif", "-"]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("only one report"));
    server.shutdown().await;
}

#[test]
fn completions_and_man_page_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = apileak()
            .args(["completions", shell])
            .output()
            .expect("run");
        assert!(out.status.success(), "{shell}");
        let script = text(&out.stdout);
        for sub in ["scan", "forge", "validate"] {
            assert!(script.contains(sub), "{shell} completions lack {sub}");
        }
    }
    let out = apileak().arg("man").output().expect("run");
    assert!(out.status.success());
    let page = text(&out.stdout);
    assert!(page.contains(".TH apileak 1"), "{page}");
    for sub in ["scan", "merge", "completions"] {
        assert!(page.contains(sub), "man page lacks {sub}");
    }
}

#[test]
fn help_texts_list_their_values_and_files() {
    let out = apileak().args(["demo", "--help"]).output().expect("run");
    let help = text(&out.stdout);
    for format in apileak::report::Format::ALL {
        assert!(help.contains(format.file_name()), "{help}");
    }
    let out = apileak().args(["scan", "--help"]).output().expect("run");
    let help = text(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        help.contains("info, low, medium, high or critical"),
        "{help}"
    );
    assert!(help.contains("--out-dir"), "{help}");
}

#[test]
fn checks_list_columns_line_up() {
    let out = apileak().args(["checks", "list"]).output().expect("run");
    let list = text(&out.stdout);
    // The OWASP category (`API1:2023`) starts at the same column on every line.
    let starts: std::collections::BTreeSet<usize> = list
        .lines()
        .map(|l| l.find(" API").expect("category"))
        .collect();
    assert_eq!(starts.len(), 1, "{list}");
    let severity_at: std::collections::BTreeSet<usize> = list
        .lines()
        .map(|l| {
            let after = l.find(":20").expect("year") + 5;
            after + l[after..].find(|c: char| c != ' ').expect("severity")
        })
        .collect();
    assert_eq!(severity_at.len(), 1, "{list}");
}

#[test]
fn config_init_writes_a_valid_file_that_validate_accepts() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("apileak.yaml");
    let out = apileak()
        .args(["config", "init"])
        .arg(demo_spec_file())
        .arg("-o")
        .arg(&file)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let yaml = std::fs::read_to_string(&file).expect("written");
    assert!(yaml.contains("POST /auth/login"), "guessed login:\n{yaml}");
    assert!(
        yaml.contains("bearerAuth"),
        "names the spec's schemes:\n{yaml}"
    );

    let out = apileak().args(["config", "schema"]).output().expect("run");
    let schema: Value = serde_json::from_slice(&out.stdout).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("compile");
    let config: Value = yaml_serde::from_str(&yaml).expect("yaml");
    let errors: Vec<String> = validator
        .iter_errors(&config)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{yaml}");

    let validate = || {
        let mut cmd = apileak();
        cmd.args(["config", "validate"]).arg(&file);
        cmd
    };
    let mut cmd = validate();
    for var in ["A_USERNAME", "A_PASSWORD", "B_USERNAME", "B_PASSWORD"] {
        cmd.env(format!("APILEAK_{var}"), "x");
    }
    let out = cmd.output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("valid"));
    // Without its variables it is not usable: exit 2 naming the first one.
    let out = validate().output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("APILEAK_A_USERNAME"),
        "{}",
        text(&out.stderr)
    );

    // Never overwrites; a broken file is exit 2 naming the key.
    let out = apileak()
        .args(["config", "init"])
        .arg(demo_spec_file())
        .arg("-o")
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    std::fs::write(&file, "spek: x.yaml\n").expect("write");
    let out = validate().output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("spek"), "{}", text(&out.stderr));
}
