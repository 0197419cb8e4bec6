//! The HTML report: one self-contained file (inline CSS and a few lines of inline JS, nothing
//! loaded from anywhere) for people to open before they read anything else. Its main view is
//! the authorization matrix — operations × {anonymous, forged token, A on B's objects,
//! enumeration, private-data leakage, other checks} — with each cell coloured by verdict and
//! the evidence one click away; every finding follows in full. Rendered from a finished
//! `Report`, like every other format.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use sha2::{Digest, Sha256};

use super::coverage::whole_percent;
use super::{Outcome, Report};
use crate::checks::{CheckMeta, MatrixColumn};
use crate::findings::{Finding, Severity};

/// One column of the matrix: an attacker's point of view. Which checks go in it is each
/// check's own metadata (`matrix:` in `checks/<id>.yml`).
struct Column {
    /// Stable `data-col` value (tests and anchors use it).
    key: &'static str,
    title: &'static str,
    hint: &'static str,
    column: MatrixColumn,
}

/// In display order; `Other` last.
const COLUMNS: [Column; 6] = [
    Column {
        key: "anonymous",
        title: "Anonymous",
        hint: "no credentials",
        column: MatrixColumn::Anonymous,
    },
    Column {
        key: "forged-token",
        title: "Forged token",
        hint: "alg none, weak key",
        column: MatrixColumn::ForgedToken,
    },
    Column {
        key: "a-on-b",
        title: "A on B's objects",
        hint: "BOLA read / write",
        column: MatrixColumn::AOnB,
    },
    Column {
        key: "enumeration",
        title: "Enumeration",
        hint: "guessable IDs",
        column: MatrixColumn::Enumeration,
    },
    Column {
        key: "private-data",
        title: "Private-data leakage",
        hint: "personal data, extra fields",
        column: MatrixColumn::PrivateData,
    },
    Column {
        key: "other",
        title: "Other checks",
        hint: "BFLA, misconfiguration, …",
        column: MatrixColumn::Other,
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
.matrix thead th{background:var(--soft);font-size:12.5px;line-height:1.25;overflow-wrap:anywhere}
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
@media (max-width:900px){
main{padding:12px 10px 30px}
.summary dl{min-width:0}.summary>table{display:block;overflow-x:auto;max-width:100%}
.matrix-wrap{overflow-x:auto;border:1px solid var(--line)}
.matrix{min-width:820px;border:0}
.matrix th.op{position:sticky;left:0;z-index:2;width:160px}
td.cell .pop,td.cell[data-col] .pop{position:fixed;top:auto;bottom:0;left:0;right:0;width:auto;max-height:70vh;border-radius:10px 10px 0 0}
td.leak details[open]{outline-offset:-2px}
}
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
pub(super) fn render_html(report: &Report, catalogue: &[CheckMeta]) -> String {
    let metas: BTreeMap<&str, &CheckMeta> = catalogue.iter().map(|m| (m.id.as_str(), m)).collect();
    let matrix = Matrix::build(report, &metas);

    // The hash lets the CSP allow exactly our script: if escaping ever failed, injected
    // script would still not run.
    let script_hash =
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; \
         base-uri 'none'; form-action 'none'"
    );
    let page = html! {
        (DOCTYPE) "\n"
        html lang="en" {
            "\n"
            head {
                "\n" meta charset="utf-8";
                "\n" meta http-equiv="Content-Security-Policy" content=(csp);
                "\n" meta name="referrer" content="no-referrer";
                "\n" meta name="viewport" content="width=device-width, initial-scale=1";
                "\n" title { "apileak: " (report.api.title) }
                "\n" style { "\n" (PreEscaped(STYLE)) }
                "\n"
            }
            "\n"
            body {
                "\n"
                main {
                    "\n"
                    (header(report))
                    (matrix_section(report, &matrix, &metas))
                    (findings_section(report, &metas))
                    (coverage_section(report, &metas))
                    (skipped_section(report))
                    footer {
                        (report.tool.name) " " (report.tool.version) " · spec "
                        code { (report.api.spec_path) }
                        " · " (report.stats.probes) " probes · generated "
                        (timestamp(&report.finished_at))
                    }
                    "\n"
                }
                "\n"
                script { (PreEscaped(SCRIPT)) }
                "\n"
            }
            "\n"
        }
        "\n"
    };
    page.into_string()
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
    fn build(report: &Report, metas: &BTreeMap<&str, &CheckMeta>) -> Matrix {
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
            let col = column_of(metas, &c.check);
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
            let col = column_of(metas, &f.check);
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

/// The column of `check`'s cases (an unknown check, e.g. from a newer report, goes last).
fn column_of(metas: &BTreeMap<&str, &CheckMeta>, check: &str) -> usize {
    let wanted = metas.get(check).map_or(MatrixColumn::Other, |m| m.matrix);
    COLUMNS
        .iter()
        .position(|c| c.column == wanted)
        .unwrap_or(COLUMNS.len() - 1)
}

fn header(report: &Report) -> Markup {
    let gating = report.gating_findings().count();
    let exec = &report.stats.exec;
    let transport_errors = usize::try_from(exec.transport_errors).unwrap_or(usize::MAX);
    let writes = report.writes_not_sent();
    let incomplete = report.incomplete_notice();
    html! {
        header {
            "\n" p.brand { "apileak · API authorization report" }
            "\n" h1 { (report.api.title) }
            "\n"
            @if gating > 0 {
                div.verdict.fail {
                    strong { "✗ Gate failed" } " · " (gating) " finding" (plural(gating))
                    " at or above " b { (report.fail_on) }
                }
            } @else {
                div.verdict.pass {
                    strong { "✓ Gate passed" } " · no finding at or above " b { (report.fail_on) }
                    @if !report.findings.is_empty() {
                        " (" (report.findings.len()) " below it)"
                    }
                }
            }
            "\n"
            div.counts {
                @for sev in Severity::ALL.iter().rev() {
                    @let n = report.findings.iter().filter(|f| f.severity == *sev).count();
                    span class={ "count sev-" (sev) @if n == 0 { " zero" } } { b { (n) } " " (sev) }
                }
            }
            "\n"
            div.summary {
                dl {
                    dt { "target" } dd { code { (report.api.base_url) } }
                    dt { "spec" } dd { code { (report.api.spec_path) } }
                    dt { "started" } dd { (timestamp(&report.started_at)) }
                    dt { "duration" } dd { (duration(report.duration_ms)) }
                    dt { "requests" }
                    dd {
                        (exec.requests) " sent · " (exec.cached) " cached · "
                        (exec.transport_errors) " transport error" (plural(transport_errors))
                    }
                    dt { "coverage" }
                    dd {
                        (report.api.operations) " operations · " (report.cases.len()) " cases · "
                        (report.stats.probes) " probes"
                    }
                }
                @if !report.preflight.is_empty() {
                    table.preflight {
                        caption { "Preflight: do the identities work?" }
                        thead { tr { th { "identity" } th { "credential" } th { "operation" } th { "status" } th { "verdict" } } }
                        tbody {
                            @for p in &report.preflight {
                                tr {
                                    td { (p.identity.name()) }
                                    td { (p.credential) }
                                    td { code { (p.operation) } }
                                    td { @match p.status { Some(s) => (s), None => "—" } }
                                    td { (p.verdict) }
                                }
                            }
                        }
                    }
                }
                @if report.held_back().next().is_some() || writes > 0 {
                    table.preflight {
                        caption { "Not sent (held back as unsafe, or excluded)" }
                        thead { tr { th { "operation" } th { "why" } } }
                        tbody {
                            @for n in report.held_back() {
                                tr { td { code { (n.operation()) } } td { (n.why) } }
                            }
                            @if writes > 0 {
                                tr {
                                    td { (writes) " write operation" (plural(writes)) }
                                    td { "need --allow-writes" }
                                }
                            }
                        }
                    }
                }
            }
            "\n"
            @if !report.warnings.is_empty() || incomplete.is_some() {
                ul.warnings {
                    @for line in incomplete.iter().flat_map(|n| n.lines()) {
                        li { strong { "⚠ " (line) } }
                    }
                    @for w in &report.warnings {
                        li { "⚠ " (w) }
                    }
                }
            }
            "\n"
        }
        "\n"
    }
}

fn matrix_section(report: &Report, matrix: &Matrix, metas: &BTreeMap<&str, &CheckMeta>) -> Markup {
    html! {
        section #matrix {
            "\n" h2 { "Authorization matrix" }
            "\n"
            p.legend {
                span.swatch.leak.sev-critical { "critical" }
                span.swatch.leak.sev-high { "high" }
                span.swatch.leak.sev-medium { "medium" }
                span.swatch.leak.sev-low { "low / info" }
                " leak — click for evidence "
                span.swatch.pass { "✓ passed" }
                span.swatch.skip { "skipped" }
                " hover for why "
                span.swatch.na { "\u{a0}" }
                " not applicable"
            }
            "\n"
            // Scrolls sideways on its own when a narrow screen cannot fit the columns.
            div.matrix-wrap {
                table.matrix {
                    "\n"
                    thead {
                        tr {
                            th.op { "operation" }
                            @for col in &COLUMNS {
                                th data-col=(col.key) title=(column_checks(col, metas)) {
                                    (col.title) small { (col.hint) }
                                }
                            }
                        }
                    }
                    "\n"
                    tbody {
                        "\n"
                        @for (r, row) in matrix.operations.iter().enumerate() {
                            (matrix_row(report, row, r, metas))
                        }
                    }
                    "\n"
                    tbody.api-wide {
                        "\n"
                        tr.group { th colspan=(COLUMNS.len() + 1) { "API-wide and undocumented" } }
                        "\n"
                        @for (r, row) in matrix.api_wide.iter().enumerate() {
                            (matrix_row(report, row, matrix.operations.len() + r, metas))
                        }
                    }
                    "\n"
                }
            }
            "\n"
        }
        "\n"
    }
}

/// The names of a column's checks, for its header's tooltip.
fn column_checks(col: &Column, metas: &BTreeMap<&str, &CheckMeta>) -> String {
    if col.column == MatrixColumn::Other {
        return "every other check".to_owned();
    }
    metas
        .values()
        .filter(|m| m.matrix == col.column)
        .map(|m| m.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn matrix_row(report: &Report, row: &Row, r: usize, metas: &BTreeMap<&str, &CheckMeta>) -> Markup {
    html! {
        tr data-op=(row.operation()) {
            th.op scope="row" {
                (operation_label(&row.method, &row.path))
                @match (row.note, row.line) {
                    (Some(note), _) => small { (note) },
                    (None, 0) => {},
                    (None, line) => small { "line " (line) },
                }
            }
            @for (c, (col, cell)) in COLUMNS.iter().zip(&row.cells).enumerate() {
                (matrix_cell(report, cell, col, &format!("c-{r}-{c}"), metas))
            }
        }
        "\n"
    }
}

fn matrix_cell(
    report: &Report,
    cell: &Cell,
    col: &Column,
    id: &str,
    metas: &BTreeMap<&str, &CheckMeta>,
) -> Markup {
    if let Some(worst) = cell.worst(report) {
        let found: Vec<(usize, &Finding)> = cell
            .findings
            .iter()
            .filter_map(|i| report.findings.get(*i).map(|f| (*i, f)))
            .collect();
        let checks: BTreeSet<&str> = found.iter().map(|(_, f)| f.check.as_str()).collect();
        let checks: Vec<&str> = checks.into_iter().collect();
        return html! {
            td class={ "cell leak sev-" (worst) } data-col=(col.key) data-checks=(checks.join(" ")) {
                details id=(id) {
                    summary title="show evidence" {
                        b {
                            "✗\u{a0}" (worst)
                            span.n { @if found.len() > 1 { " ×" (found.len()) } }
                        }
                        // The other column gathers unrelated checks: name them in the cell itself.
                        @if col.column == MatrixColumn::Other {
                            small {
                                @for (k, check) in checks.iter().enumerate() {
                                    @if k > 0 { br; }
                                    (check)
                                }
                            }
                        }
                    }
                    div.pop {
                        @for (i, f) in &found { (popover_finding(*i, f, metas)) }
                    }
                }
            }
        };
    }
    if cell.passed_probes > 0 || !cell.passed_checks.is_empty() {
        let checks: Vec<&str> = cell.passed_checks.iter().map(String::as_str).collect();
        let mut title = format!("passed: {}", checks.join(", "));
        for (check, reason) in &cell.skipped {
            title.push_str(&format!("\nskipped {check}: {reason}"));
        }
        return html! {
            td.cell.pass data-col=(col.key) data-checks=(checks.join(" ")) title=(title) {
                "✓ " small { (cell.passed_probes) " probe" (plural(cell.passed_probes)) }
            }
        };
    }
    if !cell.skipped.is_empty() {
        let title: Vec<String> = cell
            .skipped
            .iter()
            .map(|(check, reason)| format!("{check}: {reason}"))
            .collect();
        let checks: Vec<&str> = cell.skipped.iter().map(|(c, _)| c.as_str()).collect();
        return html! {
            td.cell.skip data-col=(col.key) data-checks=(checks.join(" ")) title=(title.join("\n")) {
                "skipped"
            }
        };
    }
    html! { td.cell.na data-col=(col.key) {} }
}

/// The evidence of one finding, compact, for a matrix pop-over.
fn popover_finding(i: usize, f: &Finding, metas: &BTreeMap<&str, &CheckMeta>) -> Markup {
    let ev = &f.evidence;
    html! {
        div.ev {
            p.ev-title {
                span class={ "badge sev-" (f.severity) } { (f.severity) } " "
                b { (check_name(&f.check, metas)) } " " code { (f.check) }
            }
            p.msg { (f.message) }
            p.reqline {
                code { (ev.method) " " (ev.url) } br;
                "as " b { (ev.identity) } " → " b { (ev.status) }
            }
            @if !ev.matches.is_empty() { (matches_table(&ev.matches, POPOVER_MATCHES)) }
            h4 { "Response excerpt" }
            (excerpt_block(&ev.response_excerpt))
            h4 { "Reproduce" }
            pre.curl { (ev.curl) }
            p { a href={ "#f-" (i) } { "full finding ↓" } }
        }
    }
}

fn matches_table(matches: &[crate::findings::Match], limit: usize) -> Markup {
    html! {
        table.matches {
            thead { tr { th { "JSON pointer or header" } th { "value" } } }
            tbody {
                @for m in matches.iter().take(limit) {
                    tr { td { code { (m.pointer) } } td { (truncate(&m.value, MAX_VALUE_CHARS)) } }
                }
                @if matches.len() > limit {
                    tr { td colspan="2" class="more" { "…and " (matches.len() - limit) " more" } }
                }
            }
        }
    }
}

fn findings_section(report: &Report, metas: &BTreeMap<&str, &CheckMeta>) -> Markup {
    // `report.findings` is already most severe first; a stable sort keeps that for merged input.
    let mut order: Vec<usize> = (0..report.findings.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(report.findings[*i].severity));
    html! {
        section #findings {
            "\n" h2 { "Findings " small { (report.findings.len()) " · most severe first" } }
            "\n"
            @if report.findings.is_empty() {
                p.none { "No findings." } "\n"
            }
            @for i in order { (finding_article(i, &report.findings[i], metas)) }
        }
        "\n"
    }
}

fn finding_article(i: usize, f: &Finding, metas: &BTreeMap<&str, &CheckMeta>) -> Markup {
    let ev = &f.evidence;
    let meta = metas.get(f.check.as_str());
    html! {
        article class={ "finding s-" (f.severity) } id={ "f-" (i) } {
            "\n"
            header {
                span class={ "badge sev-" (f.severity) } { (f.severity) } " "
                b { (check_name(&f.check, metas)) } " " code { (f.check) } " "
                span.meta {
                    @match meta {
                        Some(m) => a href="https://owasp.org/API-Security/editions/2023/en/0x11-t10/" rel="noreferrer" {
                            (f.owasp) " " (m.owasp_name)
                        },
                        None => (f.owasp),
                    }
                    @for c in meta.map(|m| m.cwe.as_slice()).unwrap_or_default() {
                        " · " a href={ "https://cwe.mitre.org/data/definitions/" (c) ".html" } rel="noreferrer" { "CWE-" (c) }
                    }
                    " · " (format!("{:?}", f.confidence).to_ascii_lowercase()) " confidence"
                }
            }
            "\n" h3 { (operation_label(&f.method, &f.path)) }
            "\n" p.msg { (f.message) }
            "\n"
            dl.evidence {
                dt { "request" } dd { code { (ev.method) " " (ev.url) } }
                dt { "identity" } dd { (ev.identity) }
                @if let Some(v) = f.victim { dt { "victim" } dd { (v.name()) } }
                dt { "status" } dd { (ev.status) }
            }
            "\n"
            div.ev-grid {
                div {
                    @if !ev.matches.is_empty() {
                        h4 { "Matched values" } (matches_table(&ev.matches, usize::MAX))
                    }
                }
                div { h4 { "Response excerpt" } (excerpt_block(&ev.response_excerpt)) }
            }
            "\n" h4 { "Reproduce" }
            pre.curl { (ev.curl) }
            "\n"
            details {
                summary { "request and response headers" }
                (headers_table("request", &ev.request_headers))
                (headers_table("response", &ev.response_headers))
            }
            "\n"
            p.fp {
                "fingerprint " code { (f.fingerprint) }
                // API-wide findings point at the top of the spec: no operation line to name.
                @if f.line > 1 { " · spec line " (f.line) }
            }
            "\n"
        }
        "\n"
    }
}

/// `GET /members/{memberId}` with the method as a badge; `*` reads as the whole API.
fn operation_label(method: &str, path: &str) -> Markup {
    html! {
        @if path == "*" {
            span.path { "* (whole API)" }
        } @else {
            span class={ "method m-" (method.to_ascii_lowercase()) } { (method) } " "
            span.path {
                // Long templated paths wrap at a slash, not mid-word.
                @for (k, part) in path.split('/').enumerate() {
                    @if k > 0 { "/" wbr; }
                    (part)
                }
            }
        }
    }
}

fn headers_table(caption: &str, headers: &[(String, String)]) -> Markup {
    html! {
        table.headers {
            caption { (caption) }
            tbody {
                @for (name, value) in headers { tr { th { (name) } td { (value) } } }
                @if headers.is_empty() { tr { td { "none" } } }
            }
        }
    }
}

/// Per family: cases tested of those that applied, per check passed / failed / not tested,
/// and why the rest was not tested.
fn coverage_section(report: &Report, metas: &BTreeMap<&str, &CheckMeta>) -> Markup {
    let cov = &report.coverage;
    html! {
        @if cov.applicable > 0 {
            section #coverage {
                "\n"
                h2 {
                    "Coverage: " (cov.tested) " of " (cov.applicable) " cases tested ("
                    (whole_percent(cov.tested, cov.applicable)) "%)"
                }
                @if let Some(why) = &cov.below_minimum { p { strong { "⚠ " (why) } } }
                table.skipped {
                    thead {
                        tr {
                            th { "family / check" } th { "tested" } th { "passed" } th { "failed" }
                            th { "not tested" }
                        }
                    }
                    @for family in &cov.families {
                        tbody {
                            tr {
                                th { (family.title) }
                                th {
                                    (family.tested) " of " (family.applicable) " ("
                                    (whole_percent(family.tested, family.applicable)) "%)"
                                }
                                th {} th {} th { (family.not_tested_count()) }
                            }
                            @for c in &family.checks {
                                tr {
                                    td { code { (c.check) } " " (check_name(&c.check, metas)) }
                                    td { (c.passed + c.failed) " of " (c.passed + c.failed + c.not_tested) }
                                    td { (c.passed) } td { (c.failed) } td { (c.not_tested) }
                                }
                            }
                            @for r in &family.not_tested {
                                tr { td colspan="5" { "not tested: " (r.count) " × " (r.reason) } }
                            }
                        }
                    }
                }
                "\n"
            }
            "\n"
        }
    }
}

fn skipped_section(report: &Report) -> Markup {
    let skipped: Vec<(&str, String, &str)> = report
        .cases
        .iter()
        .filter_map(|c| match &c.outcome {
            Outcome::Skipped { reason } => Some((c.check.as_str(), c.operation(), reason.as_str())),
            _ => None,
        })
        .collect();
    html! {
        @if !skipped.is_empty() {
            section #skipped {
                "\n"
                details {
                    summary { (skipped.len()) " skipped case" (plural(skipped.len())) }
                    table.skipped {
                        thead { tr { th { "check" } th { "operation" } th { "reason" } } }
                        tbody {
                            @for (check, op, reason) in &skipped {
                                tr { td { code { (check) } } td { code { (op) } } td { (reason) } }
                            }
                        }
                    }
                }
                "\n"
            }
            "\n"
        }
    }
}

fn check_name<'a>(id: &'a str, metas: &BTreeMap<&str, &'a CheckMeta>) -> &'a str {
    metas.get(id).map_or(id, |m| m.name.as_str())
}

/// The response excerpt as a block; a 204 or HEAD has none to show.
fn excerpt_block(excerpt: &str) -> Markup {
    html! {
        @if excerpt.trim().is_empty() {
            p.none { "(empty body)" }
        } @else {
            pre.body { (pretty_body(excerpt)) }
        }
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
    fn checks_map_to_columns() {
        let catalogue = crate::checks::catalogue().expect("catalogue");
        let metas: BTreeMap<&str, &CheckMeta> =
            catalogue.iter().map(|m| (m.id.as_str(), m)).collect();
        let key = |check: &str| COLUMNS[column_of(&metas, check)].key;
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
