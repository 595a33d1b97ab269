"""How a trace, a step and an expansion display in Jupyter: the Markdown export's slides.

Importing this module registers the displays with stepcalc.records.display (records never
import renderers); `stepcalc.trace` imports it when running under IPython.
"""

from __future__ import annotations

from html import escape

from stepcalc.records import display
from stepcalc.records.notation import display_prose
from stepcalc.render.latex import chain_latex, derivation_latex, expansion_latex, matrix_latex
from stepcalc.render.marks import MARKDOWN_MARKER
from stepcalc.render.markdown import render_markdown, step_markdown
from stepcalc.render.printing import to_latex


def trace_markdown(trace) -> str:
    """The whole Markdown export (without the mark that only `export -o` needs)."""
    text = render_markdown(trace)
    return text.removesuffix(MARKDOWN_MARKER + "\n").rstrip() + "\n"


def single_step_markdown(step) -> str:
    """One step on its own: as in the export, without the slide number."""
    blocks = step_markdown(step, 0, step.precision, ())
    blocks[0] = blocks[0].replace("### 0. ", "### ", 1)
    return "\n\n".join(blocks) + "\n"


def step_latex(step) -> str:
    """Formula, numbers put in and result as one aligned block."""
    lines = []
    if step.formula is not None:
        lines.append(to_latex(step.formula, step.precision))
    derivation = derivation_latex(step, step.precision)
    if derivation:
        lines.append(derivation.replace("&", ""))
    expansion = expansion_latex(step, step.precision)
    if expansion:
        lines.append(expansion)
    symbol = step.quantity_symbol()
    if symbol is not None and step.value.ndim:
        lines.append(f"{to_latex(symbol, step.precision)} = {matrix_latex(step.value, step.precision)}")
    return "$$\\begin{gathered} " + " \\\\ ".join(lines) + " \\end{gathered}$$"


def trace_html(trace) -> str:
    """The HTML deck (`export -f html`) in a frame of its own: its keys, step list and
    clickable entries work in the cell, and its page-wide style stays inside the frame."""
    from stepcalc.render.html import MARKER, render_html

    page = render_html(trace).removesuffix(MARKER + "\n")
    return (f'<iframe srcdoc="{escape(page, quote=True)}" title="{escape(trace.scenario.title)}" '
            'style="width: 100%; height: 36rem; border: 1px solid #d5d9e0; border-radius: 4px;"></iframe>')


def step_html(step) -> str:
    """One step as the deck's slide, without the frame: formula → numbers put in → result."""
    from stepcalc.render.html import step_maths
    from stepcalc.render.html_assets import NOTEBOOK_STYLE

    title = escape(display_prose(step.title))
    return "\n".join([f"<style>{NOTEBOOK_STYLE}</style>", '<div class="stepcalc-step">', f"<h2>{title}</h2>",
                      *step_maths(step, ()), "</div>"])


def lone_expansion_latex(expansion) -> str:
    return "$$" + chain_latex(expansion) + "$$"


display.register("trace/markdown", trace_markdown)
display.register("step/markdown", single_step_markdown)
display.register("step/latex", step_latex)
display.register("trace/html", trace_html)
display.register("step/html", step_html)
display.register("expansion/latex", lone_expansion_latex)
