//! The `apileak.yaml` config file through the real binary: a scan driven only by usernames
//! and passwords (with the redaction proof), unknown keys and unset variables (exit 2), flags
//! over file values, and `./apileak.yaml` found without `--config`.

use std::collections::BTreeSet;
use std::path::Path;

use apileak::scan;
use apileak_demo::{DemoServer, DemoUser, Variant};
use serde_json::Value;

use crate::support::{apileak_cmd, bearer, demo_config, demo_spec_file, finding_set, run_cmd};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A config file scanning the demo at `base_url` with login identities from `${…}` variables.
fn login_config(base_url: &str) -> String {
    format!(
        r#"# written by tests/it/config_file.rs
spec: {spec}
base_url: {base_url}
allow_writes: true
rate: 1000
concurrency: 4
identities:
  user_a:
    login:
      operation: POST /auth/login
      body: {{username: "${{A_USER}}", password: "${{A_PASS}}"}}
      token: {{json_pointer: /access_token}}
      apply: {{header: Authorization, prefix: "Bearer "}}
  user_b:
    login:
      operation: /auth/login
      body:
        username: "${{B_USER}}"
        password: "${{B_PASS}}"
"#,
        spec = demo_spec_file().display()
    )
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write config");
    path
}

/// The redaction proof: every output of a `-vv` scan from usernames and passwords, searched
/// for the passwords and for every token the demo issued. And it finds what a scan with
/// pre-issued header tokens finds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_from_usernames_and_passwords_finds_the_same_and_leaks_nothing() {
    let reference = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let expected = finding_set(&scan::run(&demo_config(&reference)).await.expect("scan"));
    reference.shutdown().await;

    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let dir = tempfile::tempdir().expect("tmp");
    let config = write(dir.path(), "scan.yaml", &login_config(&server.base_url()));
    let out_dir = dir.path().join("reports");
    let reports = [
        ("--json", "report.json"),
        ("--sarif", "report.sarif"),
        ("--junit", "report.junit.xml"),
        ("--html", "report.html"),
        ("--gitlab", "gl-dast-report.json"),
        ("--codequality", "gl-code-quality-report.json"),
        ("--markdown", "summary.md"),
    ];
    let mut cmd = apileak_cmd();
    cmd.arg("-vv").arg("scan").arg("--config").arg(&config);
    for (flag, file) in reports {
        cmd.arg(flag).arg(out_dir.join(file));
    }
    cmd.env("A_USER", DemoUser::Alice.username())
        .env("A_PASS", DemoUser::Alice.password())
        .env("B_USER", DemoUser::Bob.username())
        .env("B_PASS", DemoUser::Bob.password());
    let out = run_cmd(cmd).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("(login POST /auth/login → bearer): authenticated as principal `1`"),
        "{stdout}"
    );

    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("report.json")).expect("json report"),
    )
    .expect("json");
    let found: BTreeSet<(String, String)> = json["findings"]
        .as_array()
        .expect("findings")
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
        .collect();
    assert_eq!(found, expected);
    assert_eq!(
        json["preflight"][2]["credential"],
        "login POST /auth/login → bearer"
    );

    let issued = server.issued_tokens();
    assert_eq!(issued.len(), 2, "one login per user");
    let mut secrets: Vec<String> = issued;
    secrets.extend([DemoUser::Alice, DemoUser::Bob].map(|u| u.password().to_owned()));
    let mut outputs = vec![("stdout".to_owned(), stdout), ("stderr".to_owned(), stderr)];
    for (_, file) in reports {
        let path = out_dir.join(file);
        outputs.push((
            file.to_owned(),
            std::fs::read_to_string(&path).expect("report written"),
        ));
    }
    for (name, body) in &outputs {
        for secret in &secrets {
            assert_eq!(
                body.matches(secret.as_str()).count(),
                0,
                "a secret ({} chars) leaked into {name}",
                secret.len()
            );
        }
    }
    // The search could find them: the tokens are JWTs and -vv logs a lot.
    assert!(outputs[1].1.contains("logged in with POST /auth/login"));
    server.shutdown().await;
}

#[tokio::test]
async fn unknown_keys_exit_2_naming_the_file_and_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = write(
        dir.path(),
        "apileak.yaml",
        "spec: openapi.yaml\nrate: 5\nconcurency: 3\n",
    );
    let mut cmd = apileak_cmd();
    cmd.arg("scan").arg("--config").arg(&config);
    let out = run_cmd(cmd).await;
    // miette wraps long messages in a frame: compare words, not layout.
    let stderr = text(&out.stderr)
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("apileak.yaml"), "{stderr}");
    assert!(
        stderr.contains("line 3: unknown field `concurency`"),
        "{stderr}"
    );
}

#[tokio::test]
async fn an_unset_variable_exits_2_naming_it_and_no_value_is_shown() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = write(
        dir.path(),
        "apileak.yaml",
        &login_config("http://127.0.0.1:9"),
    );
    let mut cmd = apileak_cmd();
    cmd.current_dir(dir.path())
        .arg("scan")
        .env("A_USER", "alice")
        .env("A_PASS", "visible-if-leaked-1")
        .env("B_USER", "bob")
        .env_remove("B_PASS");
    let out = run_cmd(cmd).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("environment variable `B_PASS` is not set"),
        "{stderr}"
    );
    assert!(stderr.contains(&config.display().to_string()) || stderr.contains("apileak.yaml"));
    assert!(!stderr.contains("visible-if-leaked-1"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_override_the_working_directorys_apileak_yaml() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        "apileak.yaml",
        &format!(
            "spec: {}\nbase_url: {}\nfail_on: critical\nchecks: [server-banner]\nidentities:\n  user_a:\n    header: \"${{TOKEN_A}}\"\n  user_b:\n    header: [\"${{TOKEN_B}}\", \"X-Trace: config-file\"]\n",
            demo_spec_file().display(),
            server.base_url()
        ),
    );
    let scan = |extra: &[&str]| {
        let mut cmd = apileak_cmd();
        cmd.current_dir(dir.path())
            .arg("scan")
            .args(extra)
            .arg("--json")
            .arg(dir.path().join("out.json"))
            .env("TOKEN_A", bearer(&server, DemoUser::Alice))
            .env("TOKEN_B", bearer(&server, DemoUser::Bob));
        cmd
    };
    let checks_run = || -> BTreeSet<String> {
        let json: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("out.json")).expect("report"),
        )
        .expect("json");
        json["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .map(|c| c["check"].as_str().expect("check").to_owned())
            .collect()
    };

    // The file alone: its checks, and its threshold lets the info-level banner pass.
    let out = run_cmd(scan(&[])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(checks_run(), BTreeSet::from(["server-banner".to_owned()]));
    assert!(text(&out.stdout).contains("(header authorization, x-trace)"));

    // Flags win: another check and another threshold.
    let out = run_cmd(scan(&["--checks", "bola-read", "--fail-on", "high"])).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(checks_run(), BTreeSet::from(["bola-read".to_owned()]));
    server.shutdown().await;
}

/// `apileak.example.yaml` is valid and works as documented (login for A, a header for B).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_config_scans_the_demo() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("apileak.example.yaml");
    let mut cmd = apileak_cmd();
    cmd.arg("scan")
        .arg("--config")
        .arg(&example)
        .args(["--checks", "bola-read"])
        .env("APILEAK_BASE_URL", server.base_url())
        .env("APILEAK_A_USERNAME", DemoUser::Alice.username())
        .env("APILEAK_A_PASSWORD", DemoUser::Alice.password())
        .env("APILEAK_B_TOKEN", server.token(DemoUser::Bob));
    let out = run_cmd(cmd).await;
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(
        stdout.contains("user-a    GET /me (login POST /auth/login → bearer)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("user-b    GET /me (header authorization)"),
        "{stdout}"
    );
    assert_eq!(server.login_count(), 1);
    server.shutdown().await;
}

/// `apileak config schema` accepts the example and rejects an unknown key, as the loader does.
#[tokio::test]
async fn the_schema_validates_the_example() {
    let mut cmd = apileak_cmd();
    cmd.args(["config", "schema"]);
    let out = run_cmd(cmd).await;
    assert_eq!(out.status.code(), Some(0));
    let schema: Value = serde_json::from_slice(&out.stdout).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("compile schema");
    let example =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("apileak.example.yaml"))
            .expect("example");
    let mut config: Value = yaml_serde::from_str(&example).expect("yaml");
    let errors: Vec<String> = validator
        .iter_errors(&config)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    config["identities"]["user_a"]["login"]["tokn"] = Value::from("x");
    assert!(!validator.is_valid(&config), "unknown keys are invalid");
    config["identities"]["user_a"]["login"]
        .as_object_mut()
        .expect("login")
        .remove("tokn");
    config["fail_on"] = Value::from("severe");
    assert!(!validator.is_valid(&config), "severities are named");

    // The other identity kinds and listed objects are in the schema too.
    let kinds: Value = yaml_serde::from_str(
        "identities:\n  user_a:\n    api_key: {value: k, scheme: apiKeyAuth}\n    objects: {workoutId: [103, w-1]}\n  user_b:\n    oauth2: {client_id: c, client_secret: s, scope: read, token_url: /oauth/token}\n  admin:\n    basic: {username: erin, password: p}\n",
    )
    .expect("yaml");
    let errors: Vec<String> = validator
        .iter_errors(&kinds)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// An API key for A, OAuth2 client credentials for B (token URL from the spec) and an
/// object listed for B, all from the file; -vv output and reports hold none of the secrets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_key_and_oauth2_identities_from_the_file_leak_nothing() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let dir = tempfile::tempdir().expect("tmp");
    let config = write(
        dir.path(),
        "apileak.yaml",
        &format!(
            r#"spec: {spec}
base_url: {base}
checks: [bola-read, unauthenticated-access]
skip: ["GET /members/{{memberId}}/workouts"]
identities:
  user_a:
    api_key: {{value: "${{A_KEY}}"}}
  user_b:
    oauth2:
      client_id: bob-client
      client_secret: "${{B_SECRET}}"
      scope: workouts
    objects: {{workoutId: [103, "104"]}}
"#,
            spec = demo_spec_file().display(),
            base = server.base_url()
        ),
    );
    let json = dir.path().join("report.json");
    let sarif = dir.path().join("report.sarif");
    let mut cmd = apileak_cmd();
    cmd.arg("-vv")
        .arg("scan")
        .arg("--config")
        .arg(&config)
        .arg("--json")
        .arg(&json)
        .arg("--sarif")
        .arg(&sarif)
        .env("A_KEY", server.api_key(DemoUser::Alice))
        .env("B_SECRET", server.oauth_client(DemoUser::Bob).1);
    let out = run_cmd(cmd).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("(api key apiKeyAuth (header X-API-Key)): authenticated as principal `1`"),
        "{stdout}"
    );
    let oauth = format!(
        "(oauth2 client credentials POST {}/oauth/token → bearer): authenticated as principal `2`",
        server.base_url()
    );
    assert!(stdout.contains(&oauth), "{stdout}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("json");
    let workout_bola = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["check"] == "bola-read" && f["path"] == "/workouts/{workoutId}");
    assert!(workout_bola, "found through the listed object IDs");
    let mut secrets = server.issued_tokens();
    assert!(!secrets.is_empty());
    secrets.push(server.api_key(DemoUser::Alice).to_owned());
    secrets.push(server.oauth_client(DemoUser::Bob).1.to_owned());
    let outputs = [
        stdout,
        stderr,
        std::fs::read_to_string(&json).expect("json"),
        std::fs::read_to_string(&sarif).expect("sarif"),
    ];
    for body in &outputs {
        for secret in &secrets {
            assert!(!body.contains(secret.as_str()), "a secret leaked");
        }
    }
    server.shutdown().await;
}

/// The spec fetched from the target itself: as the positional argument (SARIF then points at
/// the URL's last segment), from the file with `spec_auth` and `sarif_anchor`, and a refused
/// fetch (exit 2, naming the URL, never the credential).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spec_url_is_fetched_once_with_its_own_credential() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let dir = tempfile::tempdir().expect("tmp");
    let sarif = dir.path().join("report.sarif");
    let sarif_uri = || -> String {
        let log: Value =
            serde_json::from_str(&std::fs::read_to_string(&sarif).expect("sarif")).expect("json");
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri")
            .to_owned()
    };

    let mut cmd = apileak_cmd();
    cmd.arg("scan")
        .arg(format!("{}/openapi.yaml", server.base_url()))
        .args(["--base-url", &server.base_url(), "--checks", "bola-read"])
        .arg("--sarif")
        .arg(&sarif)
        .env("APILEAK_USER_A", bearer(&server, DemoUser::Alice))
        .env("APILEAK_USER_B", bearer(&server, DemoUser::Bob));
    let out = run_cmd(cmd).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("SARIF results point at `openapi.yaml`"),
        "{stderr}"
    );
    assert_eq!(sarif_uri(), "openapi.yaml");

    let file = |token: &str| {
        format!(
            "spec: {base}/docs/openapi.yaml\nspec_auth: {{header: \"X-Spec-Token: {token}\"}}\nsarif_anchor: {anchor}\nbase_url: {base}\nchecks: [bola-read]\nidentities:\n  user_a: {{header: \"${{TOKEN_A}}\"}}\n  user_b: {{header: \"${{TOKEN_B}}\"}}\n",
            base = server.base_url(),
            anchor = demo_spec_file().display(),
        )
    };
    let scan = |config: &Path| {
        let mut cmd = apileak_cmd();
        cmd.arg("-vv")
            .arg("scan")
            .arg("--config")
            .arg(config)
            .arg("--sarif")
            .arg(&sarif)
            .env("TOKEN_A", bearer(&server, DemoUser::Alice))
            .env("TOKEN_B", bearer(&server, DemoUser::Bob));
        cmd
    };
    let good = write(dir.path(), "good.yaml", &file(server.spec_token()));
    let out = run_cmd(scan(&good)).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(sarif_uri(), "fixtures/demo/openapi.yaml");
    for body in [
        &stdout,
        &stderr,
        &std::fs::read_to_string(&sarif).expect("sarif"),
    ] {
        assert!(
            !body.contains(server.spec_token()),
            "the spec credential leaked"
        );
    }

    let wrong = write(dir.path(), "wrong.yaml", &file("st_wrong_value_42"));
    let out = run_cmd(scan(&wrong)).await;
    let stderr = text(&out.stderr).replace('│', " ");
    let stderr = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "failed to fetch spec `{}/docs/openapi.yaml`: the server answered 401",
            server.base_url()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("st_wrong_value_42"), "{stderr}");
    server.shutdown().await;
}
