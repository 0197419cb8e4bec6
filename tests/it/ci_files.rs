//! The CI integration files are valid YAML and document what users set.

use std::path::Path;

use serde_json::Value;

fn yaml(rel: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{rel} is not valid YAML: {e}"))
}

#[test]
fn action_is_a_documented_composite_action() {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    let inputs = action["inputs"].as_object().expect("inputs");
    for name in [
        "spec",
        "base-url",
        "fail-on",
        "sarif",
        "junit",
        "upload-sarif",
    ] {
        let input = inputs.get(name).unwrap_or_else(|| panic!("input {name}"));
        assert!(
            input["description"].as_str().is_some_and(|d| d.len() > 10),
            "input {name} is undocumented"
        );
    }
    for (name, output) in action["outputs"].as_object().expect("outputs") {
        assert!(
            output["description"].is_string(),
            "output {name} is undocumented"
        );
    }
    let steps = action["runs"]["steps"].as_array().expect("steps");
    assert!(
        steps.iter().any(|s| s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))),
        "SARIF upload step"
    );
}

#[test]
fn workflows_and_gitlab_template_parse() {
    for rel in [
        ".github/workflows/ci.yml",
        ".github/workflows/demo-scan.yml",
    ] {
        let wf = yaml(rel);
        assert!(wf["jobs"].is_object(), "{rel} has jobs");
    }
    let demo = yaml(".github/workflows/demo-scan.yml");
    assert_eq!(demo["permissions"]["security-events"], "write");
    let gitlab = yaml("ci/apileak.gitlab-ci.yml");
    assert_eq!(
        gitlab["apileak-merge"]["artifacts"]["reports"]["dast"],
        "gl-dast-report.json"
    );
    assert!(gitlab["apileak"]["script"].is_array());
}
