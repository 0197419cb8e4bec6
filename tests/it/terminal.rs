//! The terminal: the human report as grouped diagnostics at a given width and colour, `--color`,
//! and the live progress the executor exposes while a scan runs.

use std::collections::BTreeSet;

use apileak::exec::{ProgressWatch, Stage};
use apileak::report::{Look, Outcome, Report, render_human};
use apileak_demo::{DemoServer, Variant};

use crate::support::{apileak_cmd, demo_config, run_cmd};

async fn demo_report() -> Report {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let report = apileak::scan::run(&demo_config(&server))
        .await
        .expect("scan");
    server.shutdown().await;
    report
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn the_report_fits_the_width_and_merges_one_request_flagged_by_two_checks() {
    let report = demo_report().await;
    for width in [80, 200] {
        let out = render_human(
            &report,
            Look {
                width,
                color: false,
            },
        );
        // Preflight lines stay whole on purpose (one greppable line per identity).
        for line in out.lines().filter(|l| !l.starts_with("  preflight")) {
            // Only a single unbreakable word (a long URL) may overflow: never cut mid-word.
            assert!(
                line.chars().count() <= width || !line.trim().contains(' '),
                "{width}: {line:?}"
            );
        }
    }
    let out = render_human(&report, Look::plain());
    // One entry per distinct evidence request; each names all the checks that flagged it.
    let requests: BTreeSet<_> = report
        .findings
        .iter()
        .map(|f| (&f.evidence.method, &f.evidence.url, &f.evidence.identity))
        .collect();
    assert!(
        requests.len() < report.findings.len(),
        "the demo has a shared request"
    );
    assert_eq!(out.matches("  repro:").count(), requests.len(), "{out}");
    for (method, url, identity) in &requests {
        let checks: BTreeSet<_> = report
            .findings
            .iter()
            .filter(|f| {
                (&f.evidence.method, &f.evidence.url, &f.evidence.identity)
                    == (*method, *url, *identity)
            })
            .map(|f| f.check.as_str())
            .collect();
        if checks.len() > 1 {
            let path = url.strip_prefix(report.api.base_url.trim_end_matches('/'));
            let who = format!("as {identity}: {method} {}", path.unwrap_or(url));
            let entry = out
                .split("\n\n")
                .find(|e| e.contains(&who))
                .unwrap_or_else(|| panic!("no entry for {who}: {out}"));
            for c in checks {
                assert!(entry.contains(c), "{c} missing in {entry}");
            }
        }
    }
    // Honest words: cases are check × operation, and their counts add up.
    let count =
        |want: fn(&Outcome) -> bool| report.cases.iter().filter(|c| want(&c.outcome)).count();
    let passed = count(|o| matches!(o, Outcome::Passed { .. }));
    let failed = count(|o| matches!(o, Outcome::Failed { .. }));
    let skipped = count(|o| matches!(o, Outcome::Skipped { .. }));
    assert!(skipped > 0, "the demo leaves some cases untested");
    let line = format!(
        "{} cases (check × operation): {passed} passed, {failed} failed, {skipped} not tested",
        report.cases.len()
    );
    // The verdict wraps at the width like everything else: compare words.
    let words = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains(&line), "{out}");
    // Every untested case is counted under a reason, in its family's coverage block.
    let reasons = out
        .split("\nCoverage: ")
        .nth(1)
        .expect("coverage block")
        .split("\n\n")
        .next()
        .unwrap_or_default();
    let counted: usize = reasons
        .lines()
        .filter_map(|l| l.split(" × ").next()?.trim().parse::<usize>().ok())
        .sum();
    assert_eq!(counted, skipped, "{reasons}");
}

#[tokio::test]
async fn colour_is_an_input_of_the_renderer() {
    let report = demo_report().await;
    let plain = render_human(&report, Look::plain());
    let coloured = render_human(
        &report,
        Look {
            color: true,
            ..Look::plain()
        },
    );
    assert!(!plain.contains('\x1b'));
    let top = report.findings[0].severity.to_string().to_uppercase();
    assert!(coloured.contains(&format!("m{top}\x1b[0m")), "{coloured}");
}

#[tokio::test]
async fn color_flag_and_no_color_reach_stdout_and_the_logs() {
    let dir = tempfile::tempdir().expect("tmp");
    let run = |color: &'static str, no_color: bool| {
        let mut cmd = apileak_cmd();
        cmd.args(["--color", color, "demo", "--out-dir"])
            .arg(dir.path());
        if no_color {
            cmd.env("NO_COLOR", "1");
        } else {
            cmd.env_remove("NO_COLOR");
        }
        run_cmd(cmd)
    };
    let always = run("always", false).await;
    assert!(text(&always.stdout).contains('\x1b'));
    assert!(text(&always.stderr).contains('\x1b'));
    for out in [run("never", false).await, run("auto", true).await] {
        assert_eq!(out.status.code(), Some(1));
        assert!(!text(&out.stdout).contains('\x1b'));
        assert!(!text(&out.stderr).contains('\x1b'));
    }
}

#[tokio::test]
async fn a_running_scan_exposes_its_stage_and_the_probes_total() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let config = demo_config(&server);
    let watch = ProgressWatch::new();
    let halt = apileak::exec::Halt::new();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let (watch, stop) = (watch.clone(), stop.clone());
        tokio::spawn(async move {
            let mut seen = Vec::new();
            // Bounded: the demo scan takes well under the 60 s this allows.
            for _ in 0..60_000 {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                seen.push(watch.now());
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            seen
        })
    };
    let report = apileak::scan::run_watched(&config, &halt, &watch)
        .await
        .expect("scan");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let seen = sampler.await.expect("sampler");
    server.shutdown().await;
    let probes: Vec<_> = seen.iter().filter(|p| p.stage == Stage::Probes).collect();
    assert!(!probes.is_empty(), "{seen:?}");
    // The probes stage knows its total from the plan, and never shows more done than that.
    assert!(
        probes.iter().all(|p| p.total.is_some_and(|t| p.done <= t)),
        "{probes:?}"
    );
    assert!(watch.now().sent >= report.stats.exec.requests);
}
