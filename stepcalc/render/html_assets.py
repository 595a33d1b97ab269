"""The HTML deck's stylesheet and script, inlined into every export (no request leaves
the page: the Content-Security-Policy in render/html.py forbids any)."""

# The page without a script (or printed) is every slide one after another; the script
# adds class "js" to <html> and then shows one slide at a time.
STYLE = """
:root { --fg: #1d2330; --dim: #6b7280; --bg: #fdfdfb; --panel: #f1f3f6; --accent: #2455c3;
        --current: #b1227a; --warn: #b42318; --blank: #8a94a6; color-scheme: light; }
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--fg);
             font: 17px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
#steps { position: fixed; inset: 0 auto 0 0; width: 17rem; overflow-y: auto; background: var(--panel);
         padding: .8rem .6rem; font-size: .85rem; border-right: 1px solid #d5d9e0; }
#steps h2 { font-size: 1rem; margin: 0 0 .5rem; }
#steps ol { list-style: none; margin: 0; padding: 0; }
#steps li.group { margin-top: .7rem; font-weight: 600; color: var(--dim); text-transform: uppercase;
                  font-size: .72rem; letter-spacing: .04em; }
#steps a { display: block; padding: .15rem .4rem; border-radius: .3rem; color: inherit; text-decoration: none; }
#steps a:hover { background: #e2e6ee; }
#steps a.current { background: var(--accent); color: #fff; }
main { margin-left: 17rem; padding: 1.2rem 2rem 4rem; }
.slide { padding: 1rem 0 2rem; border-bottom: 1px solid #e4e7ec; }
.js .slide { display: none; border: 0; }
.js .slide.current { display: block; }
.slide > header { display: flex; justify-content: space-between; color: var(--dim); font-size: .85rem; }
.slide h1 { font-size: 2rem; margin: 3rem 0 .5rem; }
.slide h2 { font-size: 1.45rem; margin: .2rem 0 .3rem; }
.slide h3 { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: var(--dim);
            margin: 1rem 0 .2rem; font-weight: 600; }
.qid { color: var(--dim); font-size: .85rem; margin: 0; }
.body { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
.maths { flex: 1 1 34rem; min-width: 0; }
.part { overflow-x: auto; }
math[display="block"] { margin: .3rem 0; font-size: 1.15rem; }
.result-line { display: flex; align-items: center; gap: .5rem; flex-wrap: wrap; }
table.matrix { border-collapse: collapse; border-left: 2px solid var(--fg); border-right: 2px solid var(--fg);
               font-variant-numeric: tabular-nums; }
table.matrix td { padding: .1rem .35rem; text-align: right; }
table.matrix button { font: inherit; background: none; border: 1px solid transparent; border-radius: .25rem;
                      padding: .05rem .3rem; cursor: pointer; color: inherit; }
table.matrix button:hover { border-color: var(--accent); }
table.matrix button.selected { background: #dfe8fb; border-color: var(--accent); }
table.labelled { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.labelled th, table.labelled td { padding: .15rem .6rem; border-bottom: 1px solid #e4e7ec; text-align: right; }
.entry { font-weight: normal; text-transform: none; letter-spacing: 0; }
.blank { display: inline-block; min-width: 4.5em; height: 1.5em; border: 1.5px solid var(--blank);
         border-radius: .2rem; vertical-align: middle; background: #fff; }
table.matrix .blank { min-width: 3.5em; }
.numbers-line { display: flex; align-items: center; gap: .4rem; flex-wrap: wrap; }
.explanation { margin: .8rem 0 0; }
ul.flags { list-style: none; padding: 0; margin: .8rem 0 0; }
li.flag { border-left: 4px solid var(--warn); background: #fdf1ef; padding: .35rem .7rem; margin: .3rem 0; }
li.flag.note { border-color: var(--accent); background: #eef3fd; }
figure.network { flex: 0 1 34rem; margin: 1rem 0 0; }
svg.net { width: 100%; height: auto; max-height: 24rem; font: 12px system-ui, sans-serif; }
svg.net .edge { stroke: #c4cad4; stroke-width: 1; }
svg.net circle { fill: #fff; stroke: #8a94a6; stroke-width: 1.5; }
svg.net .input circle { stroke: #0e7490; }
svg.net .output circle { stroke: #15803d; }
svg.net .current circle { stroke: var(--current); stroke-width: 3; fill: #fbeaf4; }
svg.net .dead circle { fill: #eee; stroke-dasharray: 3 2; }
svg.net .value { font-size: 11px; fill: var(--fg); }
svg.net .head { font-weight: 600; fill: var(--dim); }
svg.net .dim { fill: var(--dim); }
svg.net .loss { font-weight: 600; font-size: 14px; }
svg.net .loss.current { fill: var(--current); }
.notes { max-width: 48rem; white-space: pre-line; }
.keys { color: var(--dim); font-size: .85rem; margin-top: 2rem; }
kbd { border: 1px solid #c4cad4; border-bottom-width: 2px; border-radius: .25rem; padding: 0 .3rem; font-size: .8rem; }
nav.pager { position: fixed; right: 1rem; bottom: 1rem; display: none; gap: .4rem; }
.js nav.pager { display: flex; }
nav.pager button { font: inherit; padding: .3rem .8rem; border-radius: .3rem; border: 1px solid #c4cad4;
                   background: #fff; cursor: pointer; }
.key-heading { color: var(--accent); }
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  html, body { font-size: 14px; background: #fff; }
  #steps, nav.pager, .keys { display: none !important; }
  main { margin: 0; padding: 0; }
  .slide, .js .slide { display: block !important; break-after: page; page-break-after: always;
                       break-inside: avoid; border: 0; padding: 0; }
  .body { flex-wrap: nowrap; gap: 1rem; }
  .maths { flex: 1 1 auto; }
  figure.network { flex: 0 0 36%; margin-top: .5rem; }
  svg.net { max-height: 14rem; }
  math[display="block"] { margin: .15rem 0; }
  .slide h3 { margin: .5rem 0 .1rem; }
  .slide h1 { margin-top: 4rem; }
  .slide:last-child { break-after: auto; page-break-after: auto; }
  table.matrix button { border: 0; padding: 0; }
}
"""

SCRIPT = """
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var slides = Array.prototype.slice.call(document.querySelectorAll("main > .slide"));
  var links = Array.prototype.slice.call(document.querySelectorAll("#steps a[data-slide]"));
  var current = -1;
  function show(i) {
    i = Math.max(0, Math.min(slides.length - 1, i));
    if (i === current) return;
    slides.forEach(function (s, k) { s.classList.toggle("current", k === i); });
    links.forEach(function (a) {
      var on = Number(a.dataset.slide) === i;
      a.classList.toggle("current", on);
      if (on) { a.setAttribute("aria-current", "step"); a.scrollIntoView({block: "nearest"}); }
      else a.removeAttribute("aria-current");
    });
    current = i;
    document.body.dataset.slide = String(i);
    if (history.replaceState) history.replaceState(null, "", "#" + slides[i].id);
  }
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var k = e.key, to = null;
    if (k === "ArrowRight" || k === "PageDown" || (k === " " && !e.shiftKey)) to = current + 1;
    else if (k === "ArrowLeft" || k === "PageUp" || (k === " " && e.shiftKey)) to = current - 1;
    else if (k === "Home") to = 0;
    else if (k === "End") to = slides.length - 1;
    if (to === null) return;
    e.preventDefault();
    show(to);
  });
  links.forEach(function (a) {
    a.addEventListener("click", function (e) { e.preventDefault(); show(Number(a.dataset.slide)); });
  });
  document.addEventListener("click", function (e) {
    var pager = e.target.closest("nav.pager button");
    if (pager) { show(current + Number(pager.dataset.move)); return; }
    var cell = e.target.closest("button[data-e]");
    if (!cell) return;
    var slide = cell.closest(".slide");
    slide.querySelectorAll(".expansion").forEach(function (x) { x.hidden = x.dataset.e !== cell.dataset.e; });
    slide.querySelectorAll("button[data-e]").forEach(function (b) {
      var on = b === cell;
      b.classList.toggle("selected", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
    var label = slide.querySelector(".entry");
    if (label) label.textContent = cell.dataset.label;
  });
  var start = slides.findIndex(function (s) { return "#" + s.id === location.hash; });
  show(start < 0 ? 0 : start);
})();
"""

# A lone step in a notebook cell: the deck's look, scoped to the cell (no page-wide rules,
# no script: a notebook may strip scripts; the representative entry's calculation is shown).
NOTEBOOK_STYLE = """
.stepcalc-step { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
.stepcalc-step h3 { font-size: .75rem; text-transform: uppercase; letter-spacing: .05em; color: #6b7280;
                    margin: .8rem 0 .2rem; font-weight: 600; }
.stepcalc-step h2 { font-size: 1.2rem; margin: .2rem 0; }
.stepcalc-step .part { overflow-x: auto; }
.stepcalc-step .entry { font-weight: normal; text-transform: none; letter-spacing: 0; }
.stepcalc-step .result-line { display: flex; align-items: center; gap: .5rem; flex-wrap: wrap; }
.stepcalc-step table.matrix { border-collapse: collapse; border-left: 2px solid currentColor;
                              border-right: 2px solid currentColor; font-variant-numeric: tabular-nums; }
.stepcalc-step table.matrix td { padding: .1rem .35rem; text-align: right; }
.stepcalc-step table.matrix button { font: inherit; background: none; border: 0; padding: 0; color: inherit; }
.stepcalc-step table.labelled { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.stepcalc-step table.labelled th, .stepcalc-step table.labelled td { padding: .15rem .6rem; text-align: right; }
.stepcalc-step ul.flags { list-style: none; padding: 0; }
.stepcalc-step li.flag { border-left: 4px solid #b42318; padding: .3rem .7rem; margin: .3rem 0; }
.stepcalc-step li.flag.note { border-color: #2455c3; }
"""
