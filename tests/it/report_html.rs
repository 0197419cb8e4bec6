//! The HTML report: self-contained, the authorization matrix right for both demo variants,
//! evidence one click away, and hostile response text escaped. Rendering in a browser is the
//! manual check `scripts/screenshot-html.sh` (CI has no Chromium).

use apileak::report::{Format, Report};

fn render_html(report: &Report) -> String {
    let catalogue = apileak::checks::catalogue().expect("catalogue");
    Format::Html.render(report, &catalogue).expect("html")
}
use apileak_demo::{DemoServer, DemoUser, Variant};

use crate::support::{bearer, demo_config, demo_spec_file};

/// Scans the demo API in-process; also returns the users' tokens to prove none leaks.
async fn scan(variant: Variant) -> (Report, Vec<String>) {
    let server = DemoServer::start(variant).await.expect("demo");
    let report = apileak::scan::run(&demo_config(&server))
        .await
        .expect("scan");
    let tokens = [DemoUser::Alice, DemoUser::Bob]
        .map(|u| server.token(u).to_owned())
        .to_vec();
    server.shutdown().await;
    (report, tokens)
}

/// The `<td>` of one matrix cell: the row is found by its operation, the cell by its column.
fn cell<'a>(html: &'a str, operation: &str, column: &str) -> &'a str {
    let start = html
        .find(&format!("<tr data-op=\"{operation}\">"))
        .unwrap_or_else(|| panic!("no matrix row for {operation}"));
    let row = &html[start..];
    // Pop-overs hold tables of their own; only a matrix row ends a line.
    let row = &row[..row.find("</tr>\n").expect("row end")];
    row.split("<td ")
        .find(|td| td.contains(&format!("data-col=\"{column}\"")))
        .unwrap_or_else(|| panic!("no {column} cell in row {operation}"))
}

fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"), "not an HTML document");
    // Text from the target is escaped, so any of these would be markup we wrote.
    for external in [
        "src=\"http",
        "src='http",
        "<link",
        "@import",
        "url(",
        "<iframe",
        "<img",
    ] {
        assert!(!html.contains(external), "loads something: `{external}`");
    }
    // Exactly our one inline script, allowed by hash in the CSP (no 'unsafe-inline' scripts).
    assert_eq!(html.matches("<script").count(), 1, "one inline script");
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("script-src 'sha256-"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vulnerable_matrix_shows_the_bola_leak_with_its_evidence() {
    let (report, tokens) = scan(Variant::Vulnerable).await;
    let html = render_html(&report);
    assert_self_contained(&html);
    for token in &tokens {
        assert!(
            !html.contains(token.as_str()),
            "a token leaked into the HTML"
        );
    }

    let bola = cell(&html, "GET /members/{memberId}", "a-on-b");
    assert!(bola.starts_with("class=\"cell leak sev-high\""), "{bola}");
    assert!(bola.contains("data-checks=\"bola-read\""), "{bola}");
    // The evidence is in the cell, one click away: the victim's email at its JSON pointer.
    assert!(bola.contains("<details"), "{bola}");
    assert!(bola.contains("<code>/email</code>"), "{bola}");
    assert!(bola.contains("as <b>user-a</b>"), "{bola}");
    assert!(
        bola.contains("$APILEAK_USER_A"),
        "curl reproduction: {bola}"
    );

    // The other columns of the matrix, and the API-wide group.
    let anon = cell(&html, "GET /workouts/{workoutId}", "anonymous");
    assert!(
        anon.starts_with("class=\"cell leak sev-critical\""),
        "{anon}"
    );
    let forged = cell(&html, "GET /me", "forged-token");
    assert!(
        forged.starts_with("class=\"cell leak sev-critical\""),
        "{forged}"
    );
    assert!(cell(&html, "GET /me", "anonymous").starts_with("class=\"cell pass\""));
    assert!(cell(&html, "GET /me", "a-on-b").starts_with("class=\"cell na\""));
    let skipped = cell(&html, "GET /classes/{classId}/leaderboard", "a-on-b");
    assert!(skipped.starts_with("class=\"cell skip\""), "{skipped}");
    assert!(
        skipped.contains("title=\"bola-read: "),
        "reason as tooltip: {skipped}"
    );
    let other = cell(&html, "*", "other");
    assert!(other.starts_with("class=\"cell leak"), "{other}");
    assert!(other.contains("cors-misconfiguration"), "{other}");

    // Every finding is listed with its evidence, in the report's most-severe-first order.
    for (i, f) in report.findings.iter().enumerate() {
        assert!(
            html.contains(&format!("id=\"f-{i}\"")),
            "finding {i} missing"
        );
        assert!(html.contains(&format!("<code>{}</code>", f.fingerprint)));
    }
    let first = html.find("id=\"f-0\"").expect("f-0");
    let last = html
        .find(&format!("id=\"f-{}\"", report.findings.len() - 1))
        .expect("last");
    assert!(first < last, "findings out of order");
    assert!(html.contains("Gate failed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patched_matrix_has_no_leak() {
    let (report, _) = scan(Variant::Patched).await;
    let html = render_html(&report);
    assert_self_contained(&html);
    let bola = cell(&html, "GET /members/{memberId}", "a-on-b");
    assert!(bola.starts_with("class=\"cell pass\""), "{bola}");
    assert!(bola.contains("bola-read"), "{bola}");
    for leak in html.split("<td class=\"cell leak").skip(1) {
        assert!(
            !leak.contains("data-checks=\"bola-read"),
            "a red bola-read cell on the patched API: {leak}"
        );
    }
    if report.findings.is_empty() {
        assert!(
            !html.contains("class=\"cell leak"),
            "red cells without findings"
        );
        assert!(html.contains("Gate passed"));
    }
}

/// At phone width the matrix keeps readable columns and scrolls sideways in its own box
/// (checked by eye with `scripts/screenshot-html.sh` at 420 px; CI has no browser).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matrix_scrolls_sideways_at_phone_width() {
    let (report, _) = scan(Variant::Vulnerable).await;
    let html = render_html(&report);
    let wrap = html.find("<div class=\"matrix-wrap\"><table class=\"matrix\">");
    assert!(wrap.is_some(), "the matrix is wrapped");
    let narrow = html
        .split("@media (max-width:")
        .nth(1)
        .expect("a narrow-screen rule");
    let narrow = &narrow[..narrow.find("\n}").expect("rule end")];
    assert!(narrow.contains(".matrix-wrap{overflow-x:auto"), "{narrow}");
    assert!(narrow.contains(".matrix{min-width:"), "{narrow}");
    // A severity never breaks from its mark, nor is cut mid-word.
    assert!(
        html.contains("<b>✗\u{a0}high"),
        "severity pills keep their words"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_from_the_target_is_escaped() {
    let (mut report, _) = scan(Variant::Vulnerable).await;
    let hostile = "<script>alert(1)</script>";
    report.api.title = format!("</title>{hostile}");
    let f = &mut report.findings[0];
    // Once as a JSON body (pretty-printed before escaping), once as plain text.
    f.evidence.response_excerpt = format!("{{\"name\":\"{hostile}\"}}");
    f.evidence.matches[0].value = hostile.to_owned();
    f.evidence
        .response_headers
        .push(("x-evil".into(), hostile.into()));
    f.message = "\"><img src=x onerror=alert(1)>".into();
    report.findings[1].evidence.response_excerpt = format!("{hostile}<b>not JSON");
    let html = render_html(&report);

    assert_self_contained(&html);
    assert!(!html.contains(hostile), "raw script from the target");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;not JSON"));
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains("<b>not JSON"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_writes_html_with_the_flag() {
    let server = DemoServer::start(Variant::Vulnerable).await.expect("demo");
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("nested/report.html");
    let mut cmd = assert_cmd::Command::cargo_bin("apileak").expect("binary");
    cmd.env_remove("APILEAK_LOG")
        .arg("scan")
        .arg(demo_spec_file())
        .args(["--base-url", &server.base_url(), "--fail-on", "critical"])
        .arg("--html")
        .arg(&path)
        .env("APILEAK_USER_A", bearer(&server, DemoUser::Alice))
        .env("APILEAK_USER_B", bearer(&server, DemoUser::Bob));
    // A blocking thread, so the in-process demo server keeps serving.
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run"))
        .await
        .expect("join");
    server.shutdown().await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&path).expect("report.html written");
    assert_self_contained(&html);
    assert!(cell(&html, "GET /members/{memberId}", "a-on-b").starts_with("class=\"cell leak"));
}
