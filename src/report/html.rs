//! The HTML report: one self-contained file (inline CSS and a few lines of inline JS, nothing
//! loaded from anywhere) for people to open before they read anything else. Its main view is
//! the authorization matrix — operations × {anonymous, forged token, A on B's objects,
//! enumeration, private-data leakage, other checks} — with each cell coloured by verdict and
//! the evidence one click away; every finding follows in full. Rendered from a finished
//! `Report`, like every other format.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::{Outcome, Report};
use crate::checks::CheckMeta;
use crate::findings::{Finding, Severity};

/// One column of the matrix: an attacker's point of view and the checks that test it.
struct Column {
    /// Stable `data-col` value (tests and anchors use it).
    key: &'static str,
    title: &'static str,
    hint: &'static str,
    checks: &'static [&'static str],
}

/// The last column takes every check the others do not name.
const COLUMNS: [Column; 6] = [
    Column {
        key: "anonymous",
        title: "Anonymous",
        hint: "no credentials",
        checks: &["unauthenticated-access"],
    },
    Column {
        key: "forged-token",
        title: "Forged token",
        hint: "alg none, weak key",
        checks: &["broken-token-validation"],
    },
    Column {
        key: "a-on-b",
        title: "A on B's objects",
        hint: "BOLA read / write",
        checks: &["bola-read", "bola-write"],
    },
    Column {
        key: "enumeration",
        title: "Enumeration",
        hint: "guessable IDs",
        checks: &["predictable-ids"],
    },
    Column {
        key: "private-data",
        title: "Private-data leakage",
        hint: "personal data, extra fields",
        checks: &["private-data-leakage", "excessive-data-exposure"],
    },
    Column {
        key: "other",
        title: "Other checks",
        hint: "BFLA, misconfiguration, …",
        checks: &[],
    },
];

/// Matched values shown in a matrix pop-over; the findings list shows them all.
const POPOVER_MATCHES: usize = 8;
/// Longer matched values are cut (the response excerpt still holds them).
const MAX_VALUE_CHARS: usize = 160;

const STYLE: &str = r#":root{color-scheme:light;--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;
--crit:#7f1d1d;--high:#dc2626;--med:#f87171;--low:#fecaca;--pass:#dcfce7;--pass-fg:#166534;--skip:#eef1f4;--skip-fg:#6e7781}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1320px;margin:0 auto;padding:20px 24px 40px}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12.5px}
h1{font-size:24px;margin:0 0 10px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h2 small{font-weight:normal;color:var(--muted);font-size:13px}h3{font-size:15px;margin:6px 0}h4{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin:12px 0 4px}
a{color:#0969da}
.brand{margin:0;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.08em}
.verdict{display:inline-block;padding:6px 12px;border-radius:6px;font-size:15px;margin-bottom:10px}
.verdict.fail{background:#ffebe9;color:#82071e;border:1px solid #ff8182}.verdict.pass{background:var(--pass);color:var(--pass-fg);border:1px solid #4ac26b}
.counts{display:flex;gap:6px;flex-wrap:wrap;margin-bottom:12px}
.count{padding:2px 10px;border-radius:12px;font-size:12.5px}.count.zero{background:var(--soft)!important;color:var(--muted)!important}
.summary{display:flex;gap:32px;flex-wrap:wrap;align-items:flex-start}
.summary dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0;min-width:420px}
dt{color:var(--muted)}dd{margin:0}
table{border-collapse:collapse}
.preflight,.skipped,.headers,.matches{font-size:12.5px}
.preflight caption,.headers caption{text-align:left;color:var(--muted);font-size:12px;padding-bottom:2px}
.preflight th,.preflight td,.skipped th,.skipped td{border-bottom:1px solid var(--line);padding:3px 10px 3px 0;text-align:left;vertical-align:top}
.warnings{color:#9a6700;margin:10px 0 0;padding-left:0;list-style:none}
.legend{color:var(--muted);font-size:12.5px;margin:0 0 8px}
.swatch{display:inline-block;padding:1px 8px;margin:0 2px 2px 6px;border-radius:3px;font-size:12px}
.matrix{width:100%;table-layout:fixed;border:1px solid var(--line)}
.matrix th,.matrix td{border:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:middle}
.matrix thead th{background:var(--soft);font-size:12.5px;line-height:1.25}
.matrix thead th small{display:block;font-weight:normal;color:var(--muted);font-size:11px}
.matrix thead th[data-col=other]{width:15%}.matrix th.op{width:25%;font-weight:normal;background:var(--bg)}.matrix thead th.op{background:var(--soft);font-weight:bold}
.matrix th.op small{display:block;color:var(--muted);font-size:11px}
.matrix .path{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12.5px;overflow-wrap:anywhere}
.matrix tr.group th{background:var(--soft);font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);padding:4px 8px}
.method{display:inline-block;min-width:46px;text-align:center;font:bold 11px/1.6 ui-monospace,Menlo,Consolas,monospace;border-radius:3px;padding:0 4px;background:#ddf4ff;color:#0550ae}
.m-post{background:#dafbe1;color:#116329}.m-put,.m-patch{background:#fff8c5;color:#7d4e00}.m-delete{background:#ffebe9;color:#a40e26}
td.cell{position:relative;height:34px;font-size:12.5px}
td.cell small{font-size:11px;opacity:.9}td.leak small{display:block;line-height:1.25;overflow-wrap:anywhere}
.sev-critical{background:var(--crit);color:#fff}.sev-high{background:var(--high);color:#fff}
.sev-medium{background:var(--med);color:#450a0a}.sev-low,.sev-info{background:var(--low);color:#7f1d1d}
.pass{background:var(--pass);color:var(--pass-fg)}.skip{background:var(--skip);color:var(--skip-fg)}
td.skip{cursor:help;font-style:italic}td.pass{cursor:help}.na{background:var(--bg)}
.swatch.na{border:1px solid var(--line)}
td.leak summary{cursor:pointer;list-style:none;text-transform:uppercase;letter-spacing:.03em}
td.leak summary::-webkit-details-marker{display:none}
td.leak summary b::after{content:" ▸";font-size:10px}td.leak details[open] summary b::after{content:" ▾"}td.leak summary .n{font-weight:normal}
td.leak summary small{text-transform:none;letter-spacing:0}
td.leak details[open]{outline:2px solid #0969da;outline-offset:4px}
.pop{position:absolute;z-index:10;top:calc(100% + 4px);left:-1px;width:min(720px,90vw);background:#fff;color:var(--fg);
border:1px solid var(--line);border-top:3px solid var(--high);border-radius:6px;box-shadow:0 8px 24px rgba(31,35,40,.2);padding:10px 14px;max-height:75vh;overflow:auto;text-transform:none;letter-spacing:0;cursor:auto}
td.cell[data-col=a-on-b] .pop,td.cell[data-col=enumeration] .pop,td.cell[data-col=private-data] .pop,td.cell[data-col=other] .pop{left:auto;right:-1px}
.pop .ev+.ev{border-top:1px dashed var(--line);margin-top:10px;padding-top:8px}
.pop p{margin:4px 0}.pop .ev-title{font-size:13.5px}
.badge{display:inline-block;padding:0 7px;border-radius:3px;font-size:11px;font-weight:bold;text-transform:uppercase;letter-spacing:.04em}
.msg{margin:4px 0 8px}.reqline code{word-break:break-all}
.matches{margin:6px 0;width:100%}.matches th{text-align:left;color:var(--muted);font-weight:normal;font-size:11.5px;border-bottom:1px solid var(--line);padding:2px 8px 2px 0}
.matches td{border-bottom:1px solid #eaeef2;padding:2px 8px 2px 0;vertical-align:top;word-break:break-word}.matches td:first-child{width:34%}
.matches code{color:#8250df}.more{color:var(--muted)}
pre{margin:4px 0;padding:8px 10px;background:var(--soft);border:1px solid #eaeef2;border-radius:4px;white-space:pre-wrap;word-break:break-all;max-height:260px;overflow:auto}
.pop pre.body{max-height:160px}pre.curl{background:#1f2328;color:#e6edf3;border-color:#1f2328}
.finding{border:1px solid var(--line);border-left:6px solid var(--high);border-radius:6px;padding:10px 16px;margin:0 0 14px;background:#fff;color:var(--fg)}
.finding.s-critical{border-left-color:var(--crit)}.finding.s-medium{border-left-color:var(--med)}.finding.s-low,.finding.s-info{border-left-color:var(--low)}
.finding>header .meta{color:var(--muted);font-size:12.5px;margin-left:6px}
.finding:target{box-shadow:0 0 0 3px #0969da55}
dl.evidence{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:6px 0}
dl.evidence code{word-break:break-all}
.ev-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:0 24px}.ev-grid>div:empty{display:none}
.finding details{margin-top:10px}.finding summary{cursor:pointer;color:var(--muted);font-size:12.5px}
.headers{margin:6px 0}.headers th{text-align:left;font-weight:normal;color:var(--muted);padding:1px 12px 1px 0;vertical-align:top}.headers td{word-break:break-all;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.fp{color:var(--muted);font-size:11.5px;margin:8px 0 0}
#skipped{margin-top:20px}#skipped summary{cursor:pointer;color:var(--muted)}
.none{color:var(--muted);font-style:italic;margin:4px 0}
footer{margin-top:30px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
@media print{
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{font-size:11px}main{max-width:none;padding:0}
td.leak summary b::after,.pop{display:none}
.matrix{page-break-inside:auto}.matrix tr{page-break-inside:avoid}
.finding{page-break-inside:avoid;box-shadow:none}
pre{max-height:none;overflow:visible}
a{color:inherit;text-decoration:none}
}
"#;

/// Opens the `<details>` a `#fragment` points into and scrolls there (a matrix cell's "full
/// finding" link), or the one `?open=ID` names without scrolling (headless screenshots capture
/// the top of the page only); keeps one matrix pop-over open at a time; expands every finding
/// for printing. The page works without it.
const SCRIPT: &str = r#"(function(){
function openAt(id){var t=id&&document.getElementById(id);for(var e=t;e;e=e.parentElement){if(e.tagName==='DETAILS')e.open=true}return t}
function reveal(){var t=openAt(decodeURIComponent(location.hash.slice(1)));if(t)t.scrollIntoView({block:'start'})}
addEventListener('hashchange',reveal);reveal();
var q=/[?&]open=([^&]+)/.exec(location.search);if(q)openAt(decodeURIComponent(q[1]));
document.addEventListener('toggle',function(ev){var d=ev.target;if(!d.open||!d.closest||!d.closest('td.cell'))return;document.querySelectorAll('td.cell details[open]').forEach(function(o){if(o!==d)o.open=false})},true);
document.addEventListener('keydown',function(ev){if(ev.key==='Escape')document.querySelectorAll('td.cell details[open]').forEach(function(o){o.open=false})});
addEventListener('beforeprint',function(){document.querySelectorAll('.finding details,#skipped details').forEach(function(d){d.open=true})});
})();"#;

/// Renders the report as one HTML document.
pub(super) fn render_html(report: &Report) -> String {
    // Without the catalogue (it is compiled in, so only a broken build) ids stand in for names.
    let catalogue = crate::checks::catalogue().unwrap_or_default();
    let metas: BTreeMap<&str, &CheckMeta> = catalogue.iter().map(|m| (m.id.as_str(), m)).collect();
    let matrix = Matrix::build(report);

    let mut body = String::new();
    body.push_str(&header(report));
    body.push_str(&matrix_section(report, &matrix, &metas));
    body.push_str(&findings_section(report, &metas));
    body.push_str(&skipped_section(report));
    body.push_str(&format!(
        "<footer>{} {} · spec <code>{}</code> · {} probes · generated {}</footer>\n",
        esc(&report.tool.name),
        esc(&report.tool.version),
        esc(&report.api.spec_path),
        report.stats.probes,
        esc(&timestamp(&report.finished_at)),
    ));

    // The hash lets the CSP allow exactly our script: if escaping ever failed, injected
    // script would still not run.
    let script_hash =
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; \
         base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>apileak: {title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <main>\n{body}</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        title = esc(&report.api.title),
    )
}

/// What the scan concluded for one matrix cell.
#[derive(Default)]
struct Cell {
    /// Indices into `Report::findings`.
    findings: BTreeSet<usize>,
    passed_probes: usize,
    passed_checks: BTreeSet<String>,
    /// (check, reason).
    skipped: Vec<(String, String)>,
}

impl Cell {
    fn worst(&self, report: &Report) -> Option<Severity> {
        self.findings
            .iter()
            .filter_map(|i| report.findings.get(*i))
            .map(|f| f.severity)
            .max()
    }
}

struct Row {
    method: String,
    path: String,
    /// Spec line; 0 for API-wide rows.
    line: usize,
    /// Why the row is in the API-wide group (`None`: an operation from the spec).
    note: Option<&'static str>,
    cells: [Cell; COLUMNS.len()],
}

impl Row {
    fn new(method: &str, path: &str, line: usize, note: Option<&'static str>) -> Row {
        Row {
            method: method.to_owned(),
            path: path.to_owned(),
            line,
            note,
            cells: Default::default(),
        }
    }

    fn operation(&self) -> String {
        if self.path == "*" {
            "*".to_owned()
        } else {
            format!("{} {}", self.method, self.path)
        }
    }
}

struct Matrix {
    /// Operations from the spec, in spec order.
    operations: Vec<Row>,
    /// `*` first, then findings on paths the spec does not declare.
    api_wide: Vec<Row>,
}

impl Matrix {
    fn build(report: &Report) -> Matrix {
        let mut spec_ops: BTreeMap<(String, String), usize> = BTreeMap::new();
        for c in report.cases.iter().filter(|c| c.path != "*") {
            spec_ops
                .entry((c.method.clone(), c.path.clone()))
                .or_insert(c.line);
        }
        let mut operations: Vec<Row> = spec_ops
            .iter()
            .map(|((m, p), line)| Row::new(m, p, *line, None))
            .collect();
        operations.sort_by(|a, b| (a.line, &a.path, &a.method).cmp(&(b.line, &b.path, &b.method)));
        let mut api_wide = vec![Row::new("*", "*", 0, Some("API-wide checks"))];

        let find = |rows: &[Row], method: &str, path: &str| {
            rows.iter()
                .position(|r| r.method == method && r.path == path)
        };
        for c in &report.cases {
            let col = column_of(&c.check);
            let row = if c.path == "*" {
                &mut api_wide[0]
            } else {
                match find(&operations, &c.method, &c.path) {
                    Some(i) => &mut operations[i],
                    None => continue,
                }
            };
            let cell = &mut row.cells[col];
            match &c.outcome {
                Outcome::Passed { probes } => {
                    cell.passed_probes += probes;
                    cell.passed_checks.insert(c.check.clone());
                }
                Outcome::Skipped { reason } => cell.skipped.push((c.check.clone(), reason.clone())),
                // Findings are placed below, by their own path: an API-wide check can name one.
                Outcome::Failed { .. } => {}
            }
        }
        // From the findings themselves, so each appears exactly once even in a merged report.
        for (i, f) in report.findings.iter().enumerate() {
            let col = column_of(&f.check);
            let row = if f.path == "*" {
                &mut api_wide[0]
            } else if let Some(r) = find(&operations, &f.method, &f.path) {
                &mut operations[r]
            } else if let Some(r) = find(&api_wide, &f.method, &f.path) {
                &mut api_wide[r]
            } else {
                api_wide.push(Row::new(&f.method, &f.path, 0, Some("not in the spec")));
                let last = api_wide.len() - 1;
                &mut api_wide[last]
            };
            row.cells[col].findings.insert(i);
        }
        Matrix {
            operations,
            api_wide,
        }
    }
}

fn column_of(check: &str) -> usize {
    COLUMNS
        .iter()
        .position(|c| c.checks.contains(&check))
        .unwrap_or(COLUMNS.len() - 1)
}

fn header(report: &Report) -> String {
    let gating = report.gating_findings().count();
    let verdict = if gating > 0 {
        format!(
            "<div class=\"verdict fail\"><strong>✗ Gate failed</strong> · {gating} finding{} at or \
             above <b>{}</b></div>",
            plural(gating),
            report.fail_on
        )
    } else {
        format!(
            "<div class=\"verdict pass\"><strong>✓ Gate passed</strong> · no finding at or above \
             <b>{}</b>{}</div>",
            report.fail_on,
            if report.findings.is_empty() {
                String::new()
            } else {
                format!(" ({} below it)", report.findings.len())
            }
        )
    };
    let mut counts = String::new();
    for sev in Severity::ALL.iter().rev() {
        let n = report
            .findings
            .iter()
            .filter(|f| f.severity == *sev)
            .count();
        counts.push_str(&format!(
            "<span class=\"count sev-{sev}{}\"><b>{n}</b> {sev}</span>",
            if n == 0 { " zero" } else { "" }
        ));
    }
    let exec = &report.stats.exec;
    let facts = [
        (
            "target",
            format!("<code>{}</code>", esc(&report.api.base_url)),
        ),
        (
            "spec",
            format!("<code>{}</code>", esc(&report.api.spec_path)),
        ),
        ("started", esc(&timestamp(&report.started_at))),
        ("duration", esc(&duration(report.duration_ms))),
        (
            "requests",
            format!(
                "{} sent · {} cached · {} transport error{}",
                exec.requests,
                exec.cached,
                exec.transport_errors,
                plural(usize::try_from(exec.transport_errors).unwrap_or(usize::MAX))
            ),
        ),
        (
            "coverage",
            format!(
                "{} operations · {} cases · {} probes",
                report.api.operations,
                report.cases.len(),
                report.stats.probes
            ),
        ),
    ];
    let mut dl = String::new();
    for (k, v) in facts {
        dl.push_str(&format!("<dt>{k}</dt><dd>{v}</dd>"));
    }
    let mut preflight = String::new();
    if !report.preflight.is_empty() {
        preflight.push_str(
            "<table class=\"preflight\"><caption>Preflight: do the identities work?</caption>\
             <thead><tr><th>identity</th><th>credential</th><th>operation</th><th>status</th><th>verdict</th></tr>\
             </thead><tbody>",
        );
        for p in &report.preflight {
            preflight.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(p.identity.name()),
                esc(&p.credential),
                esc(&p.operation),
                p.status.map_or_else(|| "—".to_owned(), |s| s.to_string()),
                esc(&p.verdict)
            ));
        }
        preflight.push_str("</tbody></table>");
    }
    let mut not_sent = String::new();
    let writes = report.writes_not_sent();
    if report.held_back().next().is_some() || writes > 0 {
        not_sent.push_str(
            "<table class=\"preflight\"><caption>Not sent (held back as unsafe, or excluded)</caption>\
             <thead><tr><th>operation</th><th>why</th></tr></thead><tbody>",
        );
        for n in report.held_back() {
            not_sent.push_str(&format!(
                "<tr><td><code>{}</code></td><td>{}</td></tr>",
                esc(&n.operation()),
                esc(&n.why)
            ));
        }
        if writes > 0 {
            not_sent.push_str(&format!(
                "<tr><td>{writes} write operation{}</td><td>need --allow-writes</td></tr>",
                plural(writes)
            ));
        }
        not_sent.push_str("</tbody></table>");
    }
    let mut warnings = String::new();
    let incomplete = report.incomplete_notice();
    if !report.warnings.is_empty() || incomplete.is_some() {
        warnings.push_str("<ul class=\"warnings\">");
        for line in incomplete.iter().flat_map(|n| n.lines()) {
            warnings.push_str(&format!("<li><strong>⚠ {}</strong></li>", esc(line)));
        }
        for w in &report.warnings {
            warnings.push_str(&format!("<li>⚠ {}</li>", esc(w)));
        }
        warnings.push_str("</ul>");
    }
    format!(
        "<header>\n<p class=\"brand\">apileak · API authorization report</p>\n<h1>{}</h1>\n\
         {verdict}\n<div class=\"counts\">{counts}</div>\n<div class=\"summary\"><dl>{dl}</dl>\
         {preflight}{not_sent}</div>\n{warnings}\n</header>\n",
        esc(&report.api.title)
    )
}

fn matrix_section(report: &Report, matrix: &Matrix, metas: &BTreeMap<&str, &CheckMeta>) -> String {
    let mut out = String::from(
        "<section id=\"matrix\">\n<h2>Authorization matrix</h2>\n<p class=\"legend\">\
         <span class=\"swatch leak sev-critical\">critical</span>\
         <span class=\"swatch leak sev-high\">high</span>\
         <span class=\"swatch leak sev-medium\">medium</span>\
         <span class=\"swatch leak sev-low\">low / info</span> leak — click for evidence \
         <span class=\"swatch pass\">✓ passed</span>\
         <span class=\"swatch skip\">skipped</span> hover for why \
         <span class=\"swatch na\">&nbsp;</span> not applicable</p>\n\
         <table class=\"matrix\">\n<thead><tr><th class=\"op\">operation</th>",
    );
    for col in &COLUMNS {
        let checks = if col.checks.is_empty() {
            "every other check".to_owned()
        } else {
            col.checks
                .iter()
                .map(|c| metas.get(c).map_or(*c, |m| m.name.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!(
            "<th data-col=\"{}\" title=\"{}\">{}<small>{}</small></th>",
            col.key,
            esc(&checks),
            esc(col.title),
            esc(col.hint)
        ));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (r, row) in matrix.operations.iter().enumerate() {
        out.push_str(&matrix_row(report, row, r, metas));
    }
    out.push_str(&format!(
        "</tbody>\n<tbody class=\"api-wide\">\n<tr class=\"group\"><th colspan=\"{}\">API-wide \
         and undocumented</th></tr>\n",
        COLUMNS.len() + 1
    ));
    for (r, row) in matrix.api_wide.iter().enumerate() {
        out.push_str(&matrix_row(report, row, matrix.operations.len() + r, metas));
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
    out
}

fn matrix_row(report: &Report, row: &Row, r: usize, metas: &BTreeMap<&str, &CheckMeta>) -> String {
    let label = operation_label(&row.method, &row.path);
    let aside = match (row.note, row.line) {
        (Some(note), _) => format!("<small>{note}</small>"),
        (None, 0) => String::new(),
        (None, line) => format!("<small>line {line}</small>"),
    };
    let mut out = format!(
        "<tr data-op=\"{}\"><th class=\"op\" scope=\"row\">{label}{aside}</th>",
        esc(&row.operation())
    );
    for (c, (col, cell)) in COLUMNS.iter().zip(&row.cells).enumerate() {
        out.push_str(&matrix_cell(
            report,
            cell,
            col,
            &format!("c-{r}-{c}"),
            metas,
        ));
    }
    out.push_str("</tr>\n");
    out
}

fn matrix_cell(
    report: &Report,
    cell: &Cell,
    col: &Column,
    id: &str,
    metas: &BTreeMap<&str, &CheckMeta>,
) -> String {
    if let Some(worst) = cell.worst(report) {
        let found: Vec<(usize, &Finding)> = cell
            .findings
            .iter()
            .filter_map(|i| report.findings.get(*i).map(|f| (*i, f)))
            .collect();
        let checks: BTreeSet<&str> = found.iter().map(|(_, f)| f.check.as_str()).collect();
        let checks: Vec<&str> = checks.into_iter().collect();
        let count = if found.len() > 1 {
            format!(" ×{}", found.len())
        } else {
            String::new()
        };
        // The other column gathers unrelated checks: name them in the cell itself.
        let which = if col.checks.is_empty() {
            let names: Vec<String> = checks.iter().map(|c| esc(c)).collect();
            format!("<small>{}</small>", names.join("<br>"))
        } else {
            String::new()
        };
        let mut pop = String::new();
        for (i, f) in &found {
            pop.push_str(&popover_finding(*i, f, metas));
        }
        return format!(
            "<td class=\"cell leak sev-{worst}\" data-col=\"{}\" data-checks=\"{}\">\
             <details id=\"{id}\"><summary title=\"show evidence\"><b>✗ {worst}<span class=\"n\">{count}</span></b>{which}\
             </summary><div class=\"pop\">{pop}</div></details></td>",
            col.key,
            esc(&checks.join(" ")),
        );
    }
    if cell.passed_probes > 0 || !cell.passed_checks.is_empty() {
        let checks: Vec<&str> = cell.passed_checks.iter().map(String::as_str).collect();
        let mut title = format!("passed: {}", checks.join(", "));
        for (check, reason) in &cell.skipped {
            title.push_str(&format!("\nskipped {check}: {reason}"));
        }
        return format!(
            "<td class=\"cell pass\" data-col=\"{}\" data-checks=\"{}\" title=\"{}\">✓ \
             <small>{} probe{}</small></td>",
            col.key,
            esc(&checks.join(" ")),
            esc(&title),
            cell.passed_probes,
            plural(cell.passed_probes)
        );
    }
    if !cell.skipped.is_empty() {
        let title: Vec<String> = cell
            .skipped
            .iter()
            .map(|(check, reason)| format!("{check}: {reason}"))
            .collect();
        let checks: Vec<&str> = cell.skipped.iter().map(|(c, _)| c.as_str()).collect();
        return format!(
            "<td class=\"cell skip\" data-col=\"{}\" data-checks=\"{}\" title=\"{}\">skipped</td>",
            col.key,
            esc(&checks.join(" ")),
            esc(&title.join("\n"))
        );
    }
    format!("<td class=\"cell na\" data-col=\"{}\"></td>", col.key)
}

/// The evidence of one finding, compact, for a matrix pop-over.
fn popover_finding(i: usize, f: &Finding, metas: &BTreeMap<&str, &CheckMeta>) -> String {
    let ev = &f.evidence;
    let mut matches = String::new();
    if !ev.matches.is_empty() {
        matches.push_str(&matches_table(&ev.matches, POPOVER_MATCHES));
    }
    format!(
        "<div class=\"ev\"><p class=\"ev-title\"><span class=\"badge sev-{sev}\">{sev}</span> \
         <b>{name}</b> <code>{check}</code></p><p class=\"msg\">{msg}</p>\
         <p class=\"reqline\"><code>{method} {url}</code><br>as <b>{identity}</b> → \
         <b>{status}</b></p>{matches}<h4>Response excerpt</h4>{body}\
         <h4>Reproduce</h4><pre class=\"curl\">{curl}</pre><p><a href=\"#f-{i}\">full finding ↓</a></p></div>",
        sev = f.severity,
        name = esc(check_name(&f.check, metas)),
        check = esc(&f.check),
        msg = esc(&f.message),
        method = esc(&ev.method),
        url = esc(&ev.url),
        identity = esc(&ev.identity),
        status = ev.status,
        body = excerpt_block(&ev.response_excerpt),
        curl = esc(&ev.curl),
    )
}

fn matches_table(matches: &[crate::findings::Match], limit: usize) -> String {
    let mut out = String::from(
        "<table class=\"matches\"><thead><tr><th>JSON pointer or header</th><th>value</th></tr></thead><tbody>",
    );
    for m in matches.iter().take(limit) {
        out.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            esc(&m.pointer),
            esc(&truncate(&m.value, MAX_VALUE_CHARS))
        ));
    }
    if matches.len() > limit {
        out.push_str(&format!(
            "<tr><td colspan=\"2\" class=\"more\">…and {} more</td></tr>",
            matches.len() - limit
        ));
    }
    out.push_str("</tbody></table>");
    out
}

fn findings_section(report: &Report, metas: &BTreeMap<&str, &CheckMeta>) -> String {
    let mut out = format!(
        "<section id=\"findings\">\n<h2>Findings <small>{} · most severe first</small></h2>\n",
        report.findings.len()
    );
    if report.findings.is_empty() {
        out.push_str("<p class=\"none\">No findings.</p>\n");
    }
    // `report.findings` is already most severe first; a stable sort keeps that for merged input.
    let mut order: Vec<usize> = (0..report.findings.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(report.findings[*i].severity));
    for i in order {
        out.push_str(&finding_article(i, &report.findings[i], metas));
    }
    out.push_str("</section>\n");
    out
}

fn finding_article(i: usize, f: &Finding, metas: &BTreeMap<&str, &CheckMeta>) -> String {
    let ev = &f.evidence;
    let meta = metas.get(f.check.as_str());
    let owasp = match meta {
        Some(m) => format!(
            "<a href=\"https://owasp.org/API-Security/editions/2023/en/0x11-t10/\" \
             rel=\"noreferrer\">{} {}</a>",
            esc(&f.owasp),
            esc(&m.owasp_name)
        ),
        None => esc(&f.owasp),
    };
    let cwe: String = meta
        .map(|m| {
            m.cwe
                .iter()
                .map(|c| {
                    format!(
                        " · <a href=\"https://cwe.mitre.org/data/definitions/{c}.html\" \
                         rel=\"noreferrer\">CWE-{c}</a>"
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let victim = f
        .victim
        .map(|v| format!("<dt>victim</dt><dd>{}</dd>", esc(v.name())))
        .unwrap_or_default();
    let matches = if ev.matches.is_empty() {
        String::new()
    } else {
        format!(
            "<h4>Matched values</h4>{}",
            matches_table(&ev.matches, usize::MAX)
        )
    };
    format!(
        "<article class=\"finding s-{sev}\" id=\"f-{i}\">\n<header><span class=\"badge \
         sev-{sev}\">{sev}</span> <b>{name}</b> <code>{check}</code> <span class=\"meta\">{owasp}\
         {cwe} · {confidence} confidence</span></header>\n<h3>{operation}</h3>\n<p class=\"msg\">{msg}</p>\n<dl class=\"evidence\">\
         <dt>request</dt><dd><code>{ev_method} {url}</code></dd><dt>identity</dt>\
         <dd>{identity}</dd>{victim}<dt>status</dt><dd>{status}</dd></dl>\n<div class=\"ev-grid\">\
         <div>{matches}</div><div><h4>Response excerpt</h4>{body}</div>\
         </div>\n<h4>Reproduce</h4>\
         <pre class=\"curl\">{curl}</pre>\n<details><summary>request and response headers\
         </summary>{req_headers}{resp_headers}</details>\n<p class=\"fp\">fingerprint \
         <code>{fp}</code>{line}</p>\n</article>\n",
        sev = f.severity,
        name = esc(check_name(&f.check, metas)),
        check = esc(&f.check),
        confidence = format!("{:?}", f.confidence).to_ascii_lowercase(),
        operation = operation_label(&f.method, &f.path),
        msg = esc(&f.message),
        ev_method = esc(&ev.method),
        url = esc(&ev.url),
        identity = esc(&ev.identity),
        status = ev.status,
        body = excerpt_block(&ev.response_excerpt),
        curl = esc(&ev.curl),
        req_headers = headers_table("request", &ev.request_headers),
        resp_headers = headers_table("response", &ev.response_headers),
        fp = esc(&f.fingerprint),
        // API-wide findings point at the top of the spec: no operation line to name.
        line = if f.line > 1 {
            format!(" · spec line {}", f.line)
        } else {
            String::new()
        },
    )
}

/// `GET /members/{memberId}` with the method as a badge; `*` reads as the whole API.
fn operation_label(method: &str, path: &str) -> String {
    if path == "*" {
        "<span class=\"path\">* (whole API)</span>".to_owned()
    } else {
        format!(
            "<span class=\"method m-{}\">{}</span> <span class=\"path\">{}</span>",
            esc(&method.to_ascii_lowercase()),
            esc(method),
            // Long templated paths wrap at a slash, not mid-word.
            esc(path).replace('/', "/<wbr>")
        )
    }
}

fn headers_table(caption: &str, headers: &[(String, String)]) -> String {
    let mut out = format!("<table class=\"headers\"><caption>{caption}</caption><tbody>");
    for (name, value) in headers {
        out.push_str(&format!(
            "<tr><th>{}</th><td>{}</td></tr>",
            esc(name),
            esc(value)
        ));
    }
    if headers.is_empty() {
        out.push_str("<tr><td>none</td></tr>");
    }
    out.push_str("</tbody></table>");
    out
}

fn skipped_section(report: &Report) -> String {
    let skipped: Vec<(&str, String, &str)> = report
        .cases
        .iter()
        .filter_map(|c| match &c.outcome {
            Outcome::Skipped { reason } => Some((c.check.as_str(), c.operation(), reason.as_str())),
            _ => None,
        })
        .collect();
    if skipped.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<section id=\"skipped\">\n<details><summary>{} skipped case{}</summary><table \
         class=\"skipped\"><thead><tr><th>check</th><th>operation</th><th>reason</th></tr>\
         </thead><tbody>",
        skipped.len(),
        plural(skipped.len())
    );
    for (check, op, reason) in skipped {
        out.push_str(&format!(
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
            esc(check),
            esc(&op),
            esc(reason)
        ));
    }
    out.push_str("</tbody></table></details>\n</section>\n");
    out
}

fn check_name<'a>(id: &'a str, metas: &BTreeMap<&str, &'a CheckMeta>) -> &'a str {
    metas.get(id).map_or(id, |m| m.name.as_str())
}

/// The response excerpt as a block; a 204 or HEAD has none to show.
fn excerpt_block(excerpt: &str) -> String {
    if excerpt.trim().is_empty() {
        "<p class=\"none\">(empty body)</p>".to_owned()
    } else {
        format!("<pre class=\"body\">{}</pre>", esc(&pretty_body(excerpt)))
    }
}

/// JSON bodies indented for reading (key order is kept); anything else as received.
fn pretty_body(excerpt: &str) -> String {
    let trimmed = excerpt.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(excerpt) {
            if let Ok(pretty) = serde_json::to_string_pretty(&value) {
                return pretty;
            }
        }
    }
    excerpt.to_owned()
}

/// Escapes text for both element content and quoted attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}…")
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `2026-11-22T21:32:37Z` → `2026-11-22 21:32:37 UTC`.
fn timestamp(rfc3339: &str) -> String {
    match rfc3339.strip_suffix('Z') {
        Some(t) => format!("{} UTC", t.replacen('T', " ", 1)),
        None => rfc3339.replacen('T', " ", 1),
    }
}

fn duration(ms: u64) -> String {
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        _ => format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }

    #[test]
    fn checks_map_to_columns() {
        let key = |check: &str| COLUMNS[column_of(check)].key;
        assert_eq!(key("unauthenticated-access"), "anonymous");
        assert_eq!(key("broken-token-validation"), "forged-token");
        assert_eq!(key("bola-read"), "a-on-b");
        assert_eq!(key("bola-write"), "a-on-b");
        assert_eq!(key("predictable-ids"), "enumeration");
        assert_eq!(key("private-data-leakage"), "private-data");
        assert_eq!(key("excessive-data-exposure"), "private-data");
        assert_eq!(key("broken-function-level-authorization"), "other");
        assert_eq!(key("server-banner"), "other");
    }

    #[test]
    fn bodies_and_times_read_well() {
        assert_eq!(
            pretty_body("{\"b\":1,\"a\":2}"),
            "{\n  \"b\": 1,\n  \"a\": 2\n}"
        );
        assert_eq!(pretty_body("{\"cut\":…"), "{\"cut\":…");
        assert_eq!(pretty_body("<html>"), "<html>");
        assert_eq!(timestamp("2026-11-22T21:32:37Z"), "2026-11-22 21:32:37 UTC");
        assert_eq!(duration(542), "542 ms");
        assert_eq!(duration(2_500), "2.5 s");
        assert_eq!(duration(125_000), "2 min 5 s");
        assert_eq!(truncate("abcdef", 3), "abc…");
    }
}
