"""How a trace, a step and an expansion display in Jupyter: the Markdown export's slides.

Importing this module registers the displays with stepcalc.records.display (records never
import renderers); `stepcalc.trace` imports it when running under IPython.
"""

from __future__ import annotations

from stepcalc.records import display
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


def lone_expansion_latex(expansion) -> str:
    return "$$" + chain_latex(expansion) + "$$"


display.register("trace/markdown", trace_markdown)
display.register("step/markdown", single_step_markdown)
display.register("step/latex", step_latex)
display.register("expansion/latex", lone_expansion_latex)
