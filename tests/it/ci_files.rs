//! The CI integration files are valid YAML, document what users set, and do what they say: the
//! action's scan script runs here as written, against the demo API.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize as _;
use serde_json::Value;

use apileak_demo::{DemoServer, DemoUser, Variant};

use crate::support::{bearer, demo_spec_file};

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn yaml(rel: &str) -> Value {
    yaml_serde::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel} is not valid YAML: {e}"))
}

/// Every document of a multi-document YAML file (GitLab's `spec:` header, then the jobs).
fn yaml_documents(rel: &str) -> Vec<Value> {
    let text = read(rel);
    yaml_serde::Deserializer::from_str(&text)
        .map(|doc| Value::deserialize(doc).unwrap_or_else(|e| panic!("{rel}: {e}")))
        .collect()
}

/// The names after `prefix` in `text`, e.g. `inputs.` → `spec`, `base-url`.
fn names_after(text: &str, prefix: &str) -> BTreeSet<String> {
    text.match_indices(prefix)
        .map(|(i, _)| {
            text[i + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect::<String>()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

const ACTION_INPUTS: [&str; 13] = [
    "spec",
    "base-url",
    "config",
    "checks",
    "baseline",
    "ignore",
    "fail-on",
    "report-only",
    "args",
    "sarif",
    "junit",
    "upload-sarif",
    "version",
];

#[test]
fn action_is_a_documented_composite_action() {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    let inputs = action["inputs"].as_object().expect("inputs");
    for name in ACTION_INPUTS {
        let input = inputs.get(name).unwrap_or_else(|| panic!("input {name}"));
        assert!(
            input["description"].as_str().is_some_and(|d| d.len() > 10),
            "input {name} is undocumented"
        );
        // Every input is optional: a config file may name the spec and the target.
        assert_ne!(input["required"], true, "input {name} is required");
    }
    assert_eq!(
        inputs.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        BTreeSet::from(ACTION_INPUTS),
        "inputs tested here"
    );
    // An input nobody reads would be a silent no-op.
    let runs = serde_json::to_string(&action["runs"]).expect("json");
    let used = names_after(&runs, "inputs.");
    for name in ACTION_INPUTS {
        assert!(used.contains(name), "input {name} is never used");
    }
    assert!(
        used.iter().all(|n| inputs.contains_key(n)),
        "undeclared inputs used: {used:?}"
    );
    for (name, output) in action["outputs"].as_object().expect("outputs") {
        assert!(
            output["description"].is_string(),
            "output {name} is undocumented"
        );
    }
    let steps = action["runs"]["steps"].as_array().expect("steps");
    let uses = |prefix: &str| {
        steps
            .iter()
            .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(prefix)))
    };
    assert!(
        uses("github/codeql-action/upload-sarif@").is_some(),
        "SARIF upload step"
    );
    let cache = uses("actions/cache@").expect("a cache step");
    let cache_id = cache["id"].as_str().expect("cache step id");
    let installs: Vec<&Value> = steps
        .iter()
        .filter(|s| {
            s["run"]
                .as_str()
                .is_some_and(|r| r.contains("cargo install"))
        })
        .collect();
    assert!(!installs.is_empty(), "an install step");
    for install in installs {
        assert_eq!(
            install["if"],
            format!("steps.{cache_id}.outputs.cache-hit != 'true'"),
            "a cache hit skips the build"
        );
    }
}

/// The action's Scan step script, run with bash as GitHub runs it (`-eo pipefail`) with the
/// inputs in env; returns the `exit-code` it reported.
async fn run_action_scan(script: &str, inputs: &[(&str, &str)], server: &DemoServer) -> String {
    let dir = tempfile::tempdir().expect("tmp");
    let output = dir.path().join("github_output");
    let mut cmd = std::process::Command::new("bash");
    // No ./apileak.yaml here: only the inputs configure the scan.
    cmd.current_dir(dir.path())
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .env("APILEAK_BIN", env!("CARGO_BIN_EXE_apileak"))
        .env("GITHUB_OUTPUT", &output)
        .env("APILEAK_USER_A", bearer(server, DemoUser::Alice))
        .env("APILEAK_USER_B", bearer(server, DemoUser::Bob))
        .env_remove("APILEAK_ADMIN")
        .env_remove("APILEAK_LOG");
    let action = yaml("action.yml");
    // Every input the step reads, set to its default unless the test sets it.
    for (name, input) in action["inputs"].as_object().expect("inputs") {
        let var = format!("INPUT_{}", name.to_uppercase().replace('-', "_"));
        let value = inputs
            .iter()
            .find(|(n, _)| *n == name.as_str())
            .map_or_else(
                || input["default"].as_str().unwrap_or("").to_owned(),
                |(_, v)| (*v).to_owned(),
            );
        cmd.env(var, value);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("bash"))
        .await
        .expect("join");
    assert!(
        out.status.success(),
        "the step itself must pass (the Gate step fails): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reported = std::fs::read_to_string(&output).expect("GITHUB_OUTPUT");
    reported
        .lines()
        .find_map(|l| l.strip_prefix("exit-code="))
        .unwrap_or_else(|| panic!("no exit-code in {reported:?}"))
        .to_owned()
}

fn findings(report: &Path) -> Vec<String> {
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(report).expect("report")).expect("json");
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["check"].as_str().expect("check").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn action_scan_step_passes_every_input_to_apileak() {
    let action = yaml("action.yml");
    let steps = action["runs"]["steps"].as_array().expect("steps");
    let scan = steps.iter().find(|s| s["id"] == "scan").expect("scan step");
    let script = scan["run"].as_str().expect("script");
    assert!(!script.contains("${{"), "the script reads env only");
    // Each env entry is one input, under the name the script reads.
    for (var, value) in scan["env"].as_object().expect("env") {
        if let Some(input) = var.strip_prefix("INPUT_") {
            let expected = format!(
                "${{{{ inputs.{} }}}}",
                input.to_lowercase().replace('_', "-")
            );
            assert_eq!(value, &Value::String(expected), "{var}");
        }
    }

    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let dir = tempfile::tempdir().expect("tmp");
    let path = |name: &str| -> PathBuf { dir.path().join(name) };
    let s = |p: &Path| p.to_str().expect("utf-8 path").to_owned();
    let (sarif, junit, report) = (s(&path("a.sarif")), s(&path("a.xml")), path("a.json"));
    // No `spec` input: the config file names the spec and the target.
    let config = path("apileak.yaml");
    std::fs::write(
        &config,
        format!(
            "spec: {}\nbase_url: {}\n",
            demo_spec_file().display(),
            server.base_url()
        ),
    )
    .expect("config");
    let args = format!("--json {} --rate 1000", s(&report));
    let common = [
        ("config", s(&config)),
        ("checks", "bola-read".to_owned()),
        ("args", args),
        ("sarif", sarif.clone()),
        ("junit", junit),
    ];
    let with = |extra: &[(&'static str, String)]| -> Vec<(&'static str, String)> {
        common
            .iter()
            .cloned()
            .chain(extra.iter().cloned())
            .collect()
    };
    let run = |inputs: Vec<(&'static str, String)>| {
        let script = script.to_owned();
        let server = &server;
        async move {
            let borrowed: Vec<(&str, &str)> =
                inputs.iter().map(|(n, v)| (*n, v.as_str())).collect();
            run_action_scan(&script, &borrowed, server).await
        }
    };

    // The leaks fail the gate; `checks` and `args` reached apileak.
    assert_eq!(run(with(&[("fail-on", "high".into())])).await, "1");
    let found = findings(&report);
    assert!(!found.is_empty(), "no findings");
    assert!(found.iter().all(|c| c == "bola-read"), "{found:?}");
    assert!(Path::new(&sarif).is_file(), "sarif written");
    // Above every finding's severity: clean.
    assert_eq!(run(with(&[("fail-on", "critical".into())])).await, "0");
    // report-only passes the gate whatever the findings.
    assert_eq!(run(with(&[("report-only", "true".into())])).await, "0");
    // A baseline holding every finding passes; the report is copied first, as the run rewrites it.
    let baseline = path("baseline.json");
    std::fs::copy(&report, &baseline).expect("copy");
    assert_eq!(run(with(&[("baseline", s(&baseline))])).await, "0");
    // The spec input and base-url (without a config) work too.
    let spec_only = [
        ("spec", s(&demo_spec_file())),
        ("base-url", server.base_url()),
        ("checks", "bola-read".to_owned()),
        ("sarif", sarif.clone()),
        ("junit", s(&path("b.xml"))),
    ];
    assert_eq!(run(spec_only.to_vec()).await, "1");
    server.shutdown().await;
}

#[test]
fn workflows_parse() {
    for rel in [
        ".github/workflows/ci.yml",
        ".github/workflows/demo-scan.yml",
    ] {
        let wf = yaml(rel);
        assert!(wf["jobs"].is_object(), "{rel} has jobs");
    }
    let demo = yaml(".github/workflows/demo-scan.yml");
    assert_eq!(demo["permissions"]["security-events"], "write");
}

/// CI runs what `.ci/run` runs and needs nothing beside the checkout.
#[test]
fn ci_needs_no_shared_folder() {
    for rel in [".ci/run", ".github/workflows/ci.yml"] {
        let text = read(rel);
        assert!(!text.contains("APILEAK_SHARED_DIR"), "{rel}");
        assert!(!text.contains("../shared"), "{rel}");
    }
}

const GITLAB: &str = "ci/apileak.gitlab-ci.yml";

#[test]
fn gitlab_shard_count_drives_parallel() {
    let docs = yaml_documents(GITLAB);
    let [header, jobs] = docs.as_slice() else {
        panic!(
            "{GITLAB}: expected a `spec:` header and the jobs, got {} documents",
            docs.len()
        );
    };
    let shards = &header["spec"]["inputs"]["shards"];
    assert_eq!(shards["type"], "number", "parallel: needs a number");
    assert!(
        shards["default"]
            .as_u64()
            .is_some_and(|n| (1..=200).contains(&n))
    );
    assert!(shards["description"].is_string());
    // GitLab interpolates inputs (not variables) into `parallel:` when it creates the pipeline.
    assert_eq!(jobs["apileak"]["parallel"], "$[[ inputs.shards ]]");
    let text = read(GITLAB);
    let declared: BTreeSet<String> = header["spec"]["inputs"]
        .as_object()
        .expect("inputs")
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        names_after(&text, "inputs."),
        declared,
        "inputs used = declared"
    );
    assert!(text.contains("--shard \"$node/${CI_NODE_TOTAL:-1}\""));
}

#[test]
fn gitlab_template_comment_names_only_real_variables() {
    let docs = yaml_documents(GITLAB);
    let jobs = docs.last().expect("jobs");
    let defined: BTreeSet<&str> = jobs["variables"]
        .as_object()
        .expect("variables")
        .keys()
        .map(String::as_str)
        .collect();
    let text = read(GITLAB);
    let comments: String = text
        .lines()
        .filter(|l| l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    // Credentials are masked project variables, never defaults in the template.
    let credentials = ["APILEAK_USER_A", "APILEAK_USER_B", "APILEAK_ADMIN"];
    for name in names_after(&comments, "APILEAK_") {
        let var = format!("APILEAK_{name}");
        assert!(
            defined.contains(var.as_str()) || credentials.contains(&var.as_str()),
            "the comment names {var}, which the template does not define"
        );
    }
    for var in &defined {
        assert!(comments.contains(var), "{var} is undocumented");
    }
}

#[test]
fn gitlab_builds_apileak_once() {
    let docs = yaml_documents(GITLAB);
    let jobs = docs.last().expect("jobs");
    let building: Vec<&str> = jobs
        .as_object()
        .expect("jobs")
        .iter()
        .filter(|(_, job)| {
            serde_json::to_string(&job["script"])
                .expect("json")
                .contains("cargo install")
        })
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(building, ["apileak-build"]);
    let binary = jobs["apileak-build"]["artifacts"]["paths"][0]
        .as_str()
        .expect("binary artifact");
    assert!(binary.ends_with("bin/apileak"), "{binary}");
    for job in ["apileak", "apileak-merge"] {
        let needs = jobs[job]["needs"].as_array().expect("needs");
        assert!(needs.contains(&Value::from("apileak-build")), "{job}");
    }
    assert_eq!(
        jobs["apileak-merge"]["artifacts"]["reports"]["dast"],
        "gl-dast-report.json"
    );
}

/// One GitLab job's script, run as the runner runs it (bash, `set -eo pipefail`) in `project`
/// with the template's variables (overridden by `vars`); returns the exit code.
async fn run_gitlab_job(
    jobs: &Value,
    job: &str,
    project: &Path,
    vars: &[(&str, String)],
    server: &DemoServer,
) -> i32 {
    let script = jobs[job]["script"]
        .as_array()
        .expect("script")
        .iter()
        .map(|line| line.as_str().expect("script line"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut cmd = std::process::Command::new("bash");
    cmd.current_dir(project)
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", &script])
        .env("CI_PROJECT_DIR", project)
        .env("APILEAK_USER_A", bearer(server, DemoUser::Alice))
        .env("APILEAK_USER_B", bearer(server, DemoUser::Bob))
        .env_remove("APILEAK_ADMIN")
        .env_remove("APILEAK_LOG");
    for (name, value) in jobs["variables"].as_object().expect("variables") {
        cmd.env(name, value.as_str().expect("string variable"));
    }
    for (name, value) in vars {
        cmd.env(name, value);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("bash"))
        .await
        .expect("join");
    out.status.code().expect("exit code")
}

/// The template's scan jobs (two shards) and merge job, run as written on the built binary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gitlab_shards_scan_and_merge_as_written() {
    let docs = yaml_documents(GITLAB);
    let jobs = docs.last().expect("jobs");
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let project = tempfile::tempdir().expect("tmp");
    // What apileak-build leaves as its artifact.
    let binary = project.path().join(
        jobs["apileak-build"]["artifacts"]["paths"][0]
            .as_str()
            .expect("artifact"),
    );
    std::fs::create_dir_all(binary.parent().expect("bin dir")).expect("mkdir");
    std::fs::copy(env!("CARGO_BIN_EXE_apileak"), &binary).expect("copy binary");
    let common = [
        ("APILEAK_SPEC", demo_spec_file().display().to_string()),
        ("APILEAK_BASE_URL", server.base_url()),
        ("APILEAK_ARGS", "--checks bola-read --rate 1000".to_owned()),
        ("CI_NODE_TOTAL", "2".to_owned()),
    ];
    for node in ["1", "2"] {
        let mut vars = common.to_vec();
        vars.push(("CI_NODE_INDEX", node.to_owned()));
        // Findings do not fail a shard: the gate is in the merge job.
        assert_eq!(
            run_gitlab_job(jobs, "apileak", project.path(), &vars, &server).await,
            0,
            "shard {node}"
        );
        let shard = project.path().join(format!("apileak-shard-{node}.json"));
        assert!(shard.is_file(), "shard {node} report");
    }
    let shard_findings: usize = ["1", "2"]
        .iter()
        .map(|n| findings(&project.path().join(format!("apileak-shard-{n}.json"))).len())
        .sum();
    assert!(shard_findings > 0, "the shards found the leaks");
    assert_eq!(
        run_gitlab_job(jobs, "apileak-merge", project.path(), &common, &server).await,
        1,
        "merge applies the gate (APILEAK_FAIL_ON high)"
    );
    let report = project.path().join("gl-dast-report.json");
    crate::cli::validate_gitlab(&report, shard_findings);
    let mut report_only = common.to_vec();
    report_only.push(("APILEAK_REPORT_ONLY", "true".to_owned()));
    assert_eq!(
        run_gitlab_job(jobs, "apileak-merge", project.path(), &report_only, &server).await,
        0,
        "report-only"
    );
    server.shutdown().await;
}
