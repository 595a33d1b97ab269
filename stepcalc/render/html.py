"""Trace → one self-contained HTML slide deck (`stepcalc export NAME -f html`).

Each step is a slide: formula → numbers put in → result, the flags, and for a train run
the network with the values reached so far (inline SVG). A click on a matrix entry shows
that entry's own expansion: every shown entry's Expansion record is printed into the page
(hidden until asked for), so the page computes nothing. Maths is MathML (render/mathml.py,
converted from the LaTeX the other renderers print). The stylesheet and script are inline
and a Content-Security-Policy forbids every request: the file works offline, from a USB
stick or an e-mail attachment. Printed, it is one slide per page.
"""

from __future__ import annotations

from html import escape

import numpy as np

from stepcalc.records.notation import Name, display_prose, scenario_names
from stepcalc.records.steps import PHASE_LABELS, Trace
from stepcalc.render.curves_svg import table_plot
from stepcalc.render.flags import entry_suffix, flag_message
from stepcalc.render.html_assets import SCRIPT, STYLE
from stepcalc.render.html_network import network_svg
from stepcalc.render.latex import MAX_COLS, MAX_ROWS, _elide, chain_latex, derivation_latex, number_latex
from stepcalc.render.marks import HTML_MARKER
from stepcalc.render.mathml import mathml
from stepcalc.render.printing import to_latex
from stepcalc.render.text import number_text
from stepcalc.render.worksheet import Worksheet

# No request of any kind: inline style and script only, images only as data: URIs.
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
MARKER = HTML_MARKER


def render_html(trace: Trace, worksheet: Worksheet | None = None) -> str:
    sc = trace.scenario
    names = scenario_names(sc)
    hidden = worksheet.blank_ids if worksheet else frozenset()
    title = escape(sc.title)
    slides = [title_slide(trace, worksheet)]
    for number, step in enumerate(trace.steps, 1):
        blank = worksheet is not None and worksheet.blanks(step)
        slides.append(step_slide(trace, number, names, hidden, blank=blank))
    key = worksheet.key_steps(trace) if worksheet else []
    for position, (number, _step) in enumerate(key):
        slides.append(step_slide(trace, number, names, frozenset(), key=(position + 1, len(key))))
    kind = "worksheet" if worksheet else "deck"
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="stepcalc export -f html ({kind})">',
        f"<title>{title}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        step_list(trace, names, key),
        "<main>",
        *slides,
        "</main>",
        '<nav class="pager" aria-label="slides"><button data-move="-1" aria-label="previous slide">←</button>'
        '<button data-move="1" aria-label="next slide">→</button></nav>',
        f"<script>{SCRIPT}</script>",
        "</body>",
        "</html>",
        MARKER,
    ]) + "\n"


# ------------------------------------------------------------------ page parts ---

def section_label(step) -> str:
    label = PHASE_LABELS.get(step.phase, step.phase.capitalize())
    if step.phase != "check" and step.step_number > 1:
        label = f"Step {step.step_number} · {label}"
    return label


def step_list(trace: Trace, names, key) -> str:
    out = ['<nav id="steps" aria-label="steps">', f"<h2>{escape(trace.scenario.title)}</h2>", "<ol>",
           '<li><a href="#slide-0" data-slide="0">Title</a></li>']
    heading = None
    for number, step in enumerate(trace.steps, 1):
        label = section_label(step)
        if label != heading:
            out.append(f'<li class="group">{escape(label)}</li>')
            heading = label
        text = display_prose(step.label or step.title, names)
        out.append(f'<li><a href="#slide-{number}" data-slide="{number}">{number}. {escape(text)}</a></li>')
    if key:
        out.append('<li class="group">Answer key</li>')
        first = len(trace.steps) + 1
        for position, (number, step) in enumerate(key):
            text = display_prose(step.label or step.title, names)
            out.append(f'<li><a href="#key-{number}" data-slide="{first + position}">'
                       f'{number}. {escape(text)}</a></li>')
    out += ["</ol>", "</nav>"]
    return "\n".join(out)


def title_slide(trace: Trace, worksheet: Worksheet | None) -> str:
    sc = trace.scenario
    out = ['<section class="slide title" id="slide-0" aria-label="title">',
           f"<h1>{escape(sc.title)}</h1>"]
    if worksheet is not None:
        out.append(f"<p><strong>Worksheet</strong>: fill in the {len(worksheet.blank_ids)} blank "
                   "steps; the answer key follows the last step.</p>")
    if sc.source:
        out.append(f"<p><em>Source: {escape(sc.source)}</em></p>")
    if sc.notes:
        out.append(f'<p class="notes">{escape(sc.notes.strip())}</p>')
    out.append(f"<p>{len(trace.steps)} steps.</p>")
    out.append('<p class="keys"><kbd>→</kbd> <kbd>Space</kbd> <kbd>PgDn</kbd> next · <kbd>←</kbd> '
               "<kbd>PgUp</kbd> previous · <kbd>Home</kbd>/<kbd>End</kbd> first/last · click a "
               "matrix entry for its own calculation · print for one slide per page</p>")
    out.append("</section>")
    return "\n".join(out)


def step_slide(trace: Trace, number: int, names, hidden: frozenset[str], *, blank: bool = False,
               key: tuple[int, int] | None = None) -> str:
    """One step: ``blank`` leaves its numbers put in and result empty (a worksheet);
    ``key`` = (k, of) makes it the k-th answer-key slide (shown in full)."""
    step = trace.steps[number - 1]
    slide_id = f"key-{number}" if key else f"slide-{number}"
    title = escape(display_prose(step.title, names))
    where = (f"Answer key {key[0]}/{key[1]}" if key else
             f"{escape(section_label(step))}</span><span>{number} / {len(trace.steps)}")
    out = [f'<section class="slide step{" key" if key else ""}{" blank" if blank else ""}" '
           f'id="{slide_id}" data-id="{escape(step.id)}" data-phase="{step.phase}" aria-label="{number}. {title}">',
           f"<header><span>{where}</span></header>",
           f'<h2{" class=key-heading" if key else ""}>{number}. {title}</h2>',
           f'<p class="qid"><code>{escape(step.id)}</code> · shape {escape(str(step.shape or "scalar"))}</p>',
           '<div class="body"><div class="maths">', *step_maths(step, names, blank), "</div>"]
    if getattr(trace.scenario, "kind", "train") == "train" and not key:
        out.append(f'<figure class="network">{network_svg(trace, number - 1, hidden)}</figure>')
    out += ["</div>", "</section>"]
    return "\n".join(out)


def step_maths(step, names, blank: bool = False) -> list[str]:
    """Formula → derivation → numbers put in → result, the explanation and the flags."""
    precision = step.precision
    out = []
    if step.shown_formula is not None:
        out.append(part("Formula", mathml(to_latex(step.shown_formula, precision))))
    derivation = derivation_latex(step, precision)
    if derivation:
        comment = step.derivation.comment
        out.append(part("Derived with sympy", mathml(r"\begin{aligned} %s \end{aligned}" % derivation)
                        + (f"<p>{escape(display_prose(comment, names))}</p>" if comment else "")))
    out.append(numbers_part(step, precision, blank))
    out.append(result_part(step, precision, blank))
    if step.explanation:
        out.append(f'<p class="explanation">{escape(display_prose(step.explanation, names))}</p>')
    if step.flags and not blank:
        out.append('<ul class="flags">' + "".join(
            f'<li class="flag {escape(str(flag.kind))}">{flag.kind.icon} <strong>{escape(flag.kind.label)}'
            f"</strong>: {escape(display_prose(flag_message(flag), names))}</li>" for flag in step.flags)
            + "</ul>")
    return out


def part(heading: str, body: str, extra: str = "") -> str:
    return f'<div class="part"><h3>{heading}{extra}</h3>{body}</div>'


def shown_elements(shape: tuple[int, ...]) -> list[list[tuple[int, ...] | None]]:
    """Rows of the entries a matrix shows (None: the elided middle), as render/latex elides."""
    if len(shape) == 0:
        return [[()]]
    if len(shape) == 1:
        return [[None if c is None else (c,) for c in _elide(shape[0], MAX_COLS)]]
    cols = _elide(shape[1], MAX_COLS)
    return [[None if (r is None or c is None) else (r, c) for c in cols]
            for r in _elide(shape[0], MAX_ROWS)]


def _element_key(element: tuple[int, ...]) -> str:
    return ",".join(str(i) for i in element)


def numbers_part(step, precision: int, blank: bool) -> str:
    """The numbers put in: the representative entry shown, every other shown entry's
    expansion in the page, hidden until its matrix entry is clicked."""
    expansion = step.substitution
    if expansion is None:
        return ""
    representative = expansion.element
    if blank:
        head = [to_latex(expansion.lhs, precision)]
        if expansion.symbolic is not None:
            head.append(to_latex(expansion.symbolic, precision))
        body = (f'<div class="numbers-line">{mathml(" = ".join(head) + " =")}'
                '<span class="blank" aria-label="blank: numbers put in"></span>'
                f'{mathml("=")}<span class="blank" aria-label="blank: result"></span></div>')
        return part("Numbers put in", body)
    blocks = []
    elements = [e for row in shown_elements(step.shape) for e in row if e is not None] \
        if step.table is None else [representative]
    if representative not in elements:
        elements.insert(0, representative)
    for element in elements:
        chain = step.expand(element)
        note = f"<p>{escape(chain.note)}</p>" if chain.note else ""
        hidden_attr = "" if element == representative else " hidden"
        blocks.append(f'<div class="expansion" data-e="{_element_key(element)}"{hidden_attr}>'
                      f"{mathml(chain_latex(chain, precision))}{note}</div>")
    label = f' <span class="entry">{entry_label(representative)}</span>' if representative else ""
    return part("Numbers put in", "".join(blocks), label)


def entry_label(element: tuple[int, ...]) -> str:
    return f"entry {entry_suffix(element)}" if element else ""


def result_part(step, precision: int, blank: bool) -> str:
    symbol = step.quantity_symbol()
    if symbol is None:
        symbol = Name(step.id)
    lhs = mathml(to_latex(symbol, precision) + " =")
    if step.table is not None:
        plot = table_plot(step.table, step.title) if step.table.plot and not blank else ""
        return part("Result", labelled_table(step.table, precision, blank) + plot)
    if not step.value.ndim:
        value = '<span class="blank" aria-label="blank: result"></span>' if blank else \
            mathml(number_latex(float(step.value), precision))
        return part("Result", f'<div class="result-line">{lhs}{value}</div>')
    clickable = step.expander is not None and not blank
    rows = []
    for row in shown_elements(step.shape):
        cells = []
        for element in row:
            if element is None:
                cells.append("<td>⋯</td>")
            elif blank:
                cells.append('<td><span class="blank" aria-label="blank"></span></td>')
            else:
                text = escape(number_text(float(step.value[element]), precision))
                if clickable:
                    cells.append(f'<td><button data-e="{_element_key(element)}" data-label="'
                                 f'{entry_label(element)}" title="{escape(step.id)}{entry_suffix(element)}"'
                                 f">{text}</button></td>")
                else:
                    cells.append(f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    matrix = f'<table class="matrix">{"".join(rows)}</table>'
    shape_note = "" if all(e is not None for row in shown_elements(step.shape) for e in row) else \
        f'<span class="qid">({" × ".join(str(n) for n in step.shape)}, middle elided)</span>'
    return part("Result", f'<div class="result-line">{lhs}{matrix}{shape_note}</div>')


def labelled_table(table, precision: int, blank: bool) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in (table.corner, *table.column_labels))
    rows = []
    for label, row in zip(table.row_labels, np.asarray(table.values)):
        cells = "".join('<td><span class="blank"></span></td>' if blank else
                        f"<td>{escape(number_text(float(v), precision))}</td>" for v in row)
        rows.append(f"<tr><th>{escape(label)}</th>{cells}</tr>")
    return f'<table class="labelled"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
