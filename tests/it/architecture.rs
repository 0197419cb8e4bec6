//! The import rules of the pipeline, checked on the source: data flows one way, each stage
//! imports only the stages before it and the shared vocabulary, and a check never calls
//! harvest's or the executor's functions. `docs/architecture.md` explains the table.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module of `src/` and the modules it may name as `crate::…`.
const ALLOWED: &[(&str, &[&str])] = &[
    // Shared vocabulary: words, the model, identities' roles and masks, probes, JSON helpers.
    ("vocab", &[]),
    ("exit", &[]),
    ("model", &["vocab"]),
    ("identity", &["model", "vocab"]),
    ("findings", &["identity"]),
    ("values", &["findings", "identity", "model", "vocab"]),
    ("probe", &["identity", "model", "values", "vocab"]),
    // Stages, in pipeline order.
    // Flags parse straight into value types (`--fail-on` a severity, `--rate` a rate limit).
    ("cli", &["exec", "exit", "findings"]),
    ("config", &["cli", "exec", "findings", "identity", "model"]),
    ("spec", &["model"]),
    ("exec", &["identity", "model", "probe"]),
    (
        "harvest",
        &["exec", "identity", "model", "probe", "values", "vocab"],
    ),
    (
        "checks",
        &[
            "findings", "harvest", "identity", "model", "probe", "values", "vocab",
        ],
    ),
    ("plan", &["checks", "model"]),
    (
        "report",
        &["checks", "exit", "findings", "identity", "model"],
    ),
    (
        "scan",
        &[
            "checks", "config", "error", "exec", "findings", "harvest", "identity", "model",
            "plan", "probe", "report", "spec",
        ],
    ),
    (
        "error",
        &[
            "config", "exec", "exit", "harvest", "identity", "model", "report", "spec",
        ],
    ),
    // `config validate` / `config init` load a spec and read its model without scanning.
    (
        "cmd",
        &[
            "checks", "cli", "config", "error", "exec", "exit", "findings", "identity", "model",
            "report", "scan", "spec",
        ],
    ),
];

/// What checks may take from harvest: its data types, never its functions.
const CHECKS_FROM_HARVEST: &[&str] = &["Inventory", "Canary"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/checks/bola_read.rs` → `checks`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("component");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_owned()
}

/// Every `crate::name` a text refers to.
fn crate_refs(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
        rest = after;
    }
    out
}

#[test]
fn no_module_imports_a_later_stage_or_another_stages_internals() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut broken = Vec::new();
    let mut seen_modules = BTreeSet::new();
    for file in &files {
        let module = module_of(&src, file);
        if matches!(module.as_str(), "lib" | "main") {
            continue;
        }
        seen_modules.insert(module.clone());
        let text = std::fs::read_to_string(file).expect("read");
        let Some(may) = allowed.get(module.as_str()) else {
            broken.push(format!(
                "{}: module `{module}` has no import rule",
                file.display()
            ));
            continue;
        };
        for name in crate_refs(&text) {
            if name != module && !may.contains(&name.as_str()) {
                broken.push(format!(
                    "{}: `{module}` must not use `crate::{name}`",
                    file.display()
                ));
            }
        }
        if module == "checks" {
            for line in text.lines().filter(|l| l.contains("crate::harvest")) {
                let names = line
                    .split("crate::harvest")
                    .nth(1)
                    .unwrap_or_default()
                    .trim_start_matches("::");
                let names: Vec<&str> = names
                    .trim_matches(|c: char| c == '{' || c == '}' || c == ';' || c.is_whitespace())
                    .split(',')
                    .map(|n| n.trim().trim_end_matches(['}', ';']))
                    .filter(|n| !n.is_empty())
                    .collect();
                for n in names {
                    let head = n.split("::").next().unwrap_or(n);
                    if !CHECKS_FROM_HARVEST.contains(&head) {
                        broken.push(format!(
                            "{}: a check must not call harvest's `{n}` (pass it in PlanCx)",
                            file.display()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "import rules broken:\n{}",
        broken.join("\n")
    );
    // Every rule names a module that exists: a stale table would check nothing.
    for (module, _) in ALLOWED {
        assert!(
            seen_modules.contains(*module),
            "rule for missing module `{module}`"
        );
    }
}

#[test]
fn the_rule_checker_catches_a_violation() {
    let refs =
        crate_refs("use crate::exec::Executor;\nlet x = crate::harvest::find_me_operation(api);");
    assert_eq!(refs.into_iter().collect::<Vec<_>>(), ["exec", "harvest"]);
    let checks_may = ALLOWED
        .iter()
        .find(|(m, _)| *m == "checks")
        .map(|(_, may)| *may)
        .expect("checks rule");
    assert!(
        !checks_may.contains(&"exec"),
        "checks must never reach the executor"
    );
    assert!(!checks_may.contains(&"report"));
}
