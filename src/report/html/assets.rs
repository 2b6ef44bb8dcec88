//! The page's inline assets: the filter bar, its small script and the stylesheet.

/// Shown by the script only: without it the page has no dead controls.
pub(super) const FILTERS: &str = r#"<div id="filters" hidden>
<label>Show <select id="f-verdict">
<option value="all">all scenarios</option>
<option value="problems">not passed</option>
<option value="failed">failed</option>
<option value="error">error</option>
<option value="warned">warned</option>
<option value="passed">passed</option>
<option value="skipped">skipped</option>
</select></label>
<label>Find <input id="f-text" type="search" placeholder="name, file or rule id"></label>
<span id="f-count"></span>
</div>
"#;

pub(super) const SCRIPT: &str = r#"
(function () {
  var box = document.getElementById("filters");
  var verdict = document.getElementById("f-verdict");
  var text = document.getElementById("f-text");
  var count = document.getElementById("f-count");
  var items = document.querySelectorAll("details.scenario");
  if (!box || !items.length) return;
  box.hidden = false;
  function apply() {
    var want = verdict.value, q = text.value.trim().toLowerCase(), shown = 0;
    items.forEach(function (d) {
      var v = d.getAttribute("data-verdict");
      var ok = (want === "all" || (want === "problems" ? v !== "passed" : v === want)) &&
        (!q || d.getAttribute("data-text").indexOf(q) >= 0);
      d.hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = shown + " of " + items.length + " shown";
  }
  verdict.addEventListener("change", apply);
  text.addEventListener("input", apply);
  apply();
})();
"#;

pub(super) const CSS: &str = r#"
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --subtle: #f6f8fa;
  --pass: #1a7f37; --warn: #9a6700; --fail: #cf222e; --error: #8250df; --note: #0969da;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 1180px; padding: 24px 28px 48px; color: var(--fg); background: #fff;
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
code, pre, .file { font-family: var(--mono); font-size: 12.5px; }
.ctl { font-family: var(--mono); font-size: 0.85em; color: #fff; background: #6e7781; border-radius: 3px; padding: 0 2px; margin: 0 1px; }
code { overflow-wrap: anywhere; }
h1 { font-size: 20px; margin: 0 0 10px; font-weight: 600; }
h2 { font-size: 17px; margin: 32px 0 10px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
header.run { border: 1px solid var(--line); border-left: 8px solid var(--muted); border-radius: 8px; padding: 16px 20px; }
header.run.passed { border-left-color: var(--pass); }
header.run.warned { border-left-color: var(--warn); }
header.run.failed { border-left-color: var(--fail); }
header.run.aborted { border-left-color: var(--error); }
.verdict { font-size: 28px; font-weight: 700; letter-spacing: .02em; }
.passed > .verdict { color: var(--pass); } .failed > .verdict { color: var(--fail); } .aborted > .verdict { color: var(--error); }
.verdict .sub { font-size: 16px; font-weight: 500; color: var(--warn); }
dl.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 6px 24px; margin: 0; }
dl.meta div { min-width: 0; }
dl.meta dt { color: var(--muted); font-size: 12px; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
nav.toc { margin: 12px 2px 0; color: var(--muted); }
.banner { background: #fbefff; border: 1px solid #d8b9ff; border-radius: 6px; padding: 10px 14px; }
.totals { display: flex; flex-wrap: wrap; gap: 10px; margin: 18px 0; }
.tile { flex: 1 1 100px; border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; background: var(--subtle); }
.tile .n { display: block; font-size: 24px; font-weight: 700; font-variant-numeric: tabular-nums; }
.tile .l { color: var(--muted); font-size: 12px; }
.tile.passed .n { color: var(--pass); } .tile.warned .n { color: var(--warn); } .tile.failed .n { color: var(--fail); }
.tile.error .n { color: var(--error); } .tile.note .n { color: var(--note); } .tile.zero .n { color: #8c959f; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; flex: 0 1 auto; max-width: 100%; overflow-x: auto; }
figcaption { font-weight: 600; margin-bottom: 8px; }
svg.chart { display: block; max-width: 100%; height: auto; font-size: 12px; fill: var(--fg); }
svg.chart text.v { font-weight: 600; font-variant-numeric: tabular-nums; }
svg.chart text.rule { font-family: var(--mono); font-size: 11px; }
svg.chart text.legend { fill: var(--muted); }
.empty, .hint { color: var(--muted); }
.hint { font-size: 12px; }
table { border-collapse: collapse; width: 100%; }
table.grid th, table.grid td, table.steps th, table.steps td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
table th { font-size: 12px; color: var(--muted); font-weight: 600; background: var(--subtle); }
table.grid td.num, table.grid th.num, table.steps td.num, table.steps th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.grid td.bad { color: var(--fail); font-weight: 700; } table.grid td.meh { color: var(--warn); font-weight: 700; }
td .statement { color: var(--muted); font-size: 12px; max-width: 62em; }
.badge { display: inline-block; min-width: 4.6em; text-align: center; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; color: #fff; background: var(--muted); }
.badge.passed { background: var(--pass); } .badge.warned, .badge.warning { background: var(--warn); }
.badge.failed, .badge.failure { background: var(--fail); } .badge.error { background: var(--error); } .badge.note { background: var(--note); }
details.passed-rules { margin-top: 10px; }
details.passed-rules > summary { cursor: pointer; color: var(--pass); font-weight: 600; padding: 4px 0; }
#filters { display: flex; gap: 16px; align-items: center; margin: 8px 0 12px; }
#filters[hidden] { display: none; }
#f-count { color: var(--muted); }
details.scenario { border: 1px solid var(--line); border-radius: 8px; margin: 8px 0; }
details.scenario.failed { border-color: #f5a3a8; } details.scenario.error { border-color: #c8a6f5; }
details.scenario > summary { cursor: pointer; padding: 8px 12px; display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
details > summary::-webkit-details-marker { display: none; }
details > summary { list-style: none; }
details > summary::before { content: "▸"; color: var(--muted); display: inline-block; width: 1em; }
details[open] > summary::before { content: "▾"; }
details.scenario[open] > summary { border-bottom: 1px solid var(--line); background: var(--subtle); border-radius: 8px 8px 0 0; }
summary .name { font-weight: 600; overflow-wrap: anywhere; }
summary .file { color: var(--muted); overflow-wrap: anywhere; }
summary .right { margin-left: auto; color: var(--muted); white-space: nowrap; }
summary .counts { margin-right: 8px; }
.body { padding: 8px 14px 14px; }
.rules code { background: var(--subtle); border: 1px solid var(--line); border-radius: 4px; padding: 0 4px; }
p.error { color: #6e2bbf; background: #fbefff; border-radius: 6px; padding: 8px 10px; overflow-wrap: anywhere; }
table.steps td.path { overflow-wrap: anywhere; }
table.steps tr.bad td { background: #ffebe9; } table.steps tr.meh td { background: #fff8c5; }
.tag { font-size: 11px; color: var(--muted); border: 1px solid var(--line); border-radius: 4px; padding: 0 4px; }
.findings { margin-top: 12px; }
details.finding { border: 1px solid var(--line); border-left: 4px solid var(--muted); border-radius: 6px; margin: 8px 0; }
details.finding.failure { border-left-color: var(--fail); } details.finding.warning { border-left-color: var(--warn); } details.finding.note { border-left-color: var(--note); }
details.finding > summary { cursor: pointer; padding: 6px 10px; overflow-wrap: anywhere; }
details.finding .msg { margin-left: 4px; }
.fbody { padding: 2px 12px 10px; }
.statement .level { font-size: 11px; font-weight: 700; text-transform: uppercase; border: 1px solid var(--line); border-radius: 4px; padding: 0 4px; margin-right: 4px; color: var(--muted); }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
dl.kv div { display: contents; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; overflow-wrap: anywhere; min-width: 0; }
dl.kv dd.long { white-space: pre-wrap; }
pre { margin: 8px 0; padding: 8px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--subtle);
  white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.45; }
pre.diff { padding: 6px 0; }
pre.diff > span { display: block; padding: 0 10px; }
pre.diff .add { background: #dafbe1; color: #116329; }
pre.diff .del { background: #ffebe9; color: #a40e26; }
pre.diff .hunk { background: #ddf4ff; color: #0550ae; }
pre.diff .dh { font-weight: 700; color: var(--muted); }
.repro .rl { font-size: 12px; color: var(--muted); margin-top: 6px; }
pre.curl { user-select: all; -webkit-user-select: all; }
a { color: var(--note); text-decoration: none; } a:hover { text-decoration: underline; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  #filters, nav.toc { display: none; }
  details::details-content { content-visibility: visible; display: block; }
  details > summary::before, details[open] > summary::before { content: none; }
  details.finding, figure, tr { break-inside: avoid; }
  pre.curl { user-select: auto; }
}
"#;
