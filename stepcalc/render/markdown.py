"""Trace → Markdown with LaTeX math (`$$…$$`, bmatrix) that KaTeX and MathJax render."""

from __future__ import annotations

from stepcalc.records.notation import Name, display_prose, scenario_names
from stepcalc.render.escaping import markdown_text
from stepcalc.render.flags import flag_message
from stepcalc.render.marks import MARKDOWN_MARKER
from stepcalc.render.latex import derivation_latex, expansion_latex, matrix_latex
from stepcalc.render.printing import to_latex
from stepcalc.render.sparkline import sparkline
from stepcalc.render.worksheet import (LATEX_BLANK, MARKDOWN_BLANK, Worksheet, blank_chain_latex,
                                       blank_matrix_latex)
from stepcalc.records.steps import PHASE_LABELS, Trace

# The last line of every Markdown export: how `export -o` recognises a file it wrote.
MARKER = MARKDOWN_MARKER


def display_math(body: str) -> str:
    return f"$$\n{body}\n$$"


def section_heading(step) -> str:
    label = PHASE_LABELS[step.phase]
    if step.phase == "check":
        return f"## {label}"
    return f"## {label}" if step.step_number <= 1 else f"## Step {step.step_number} · {label}"


def render_markdown(trace: Trace, worksheet: Worksheet | None = None,
                    full_derivations: bool = False) -> str:
    """The slides as Markdown; ``worksheet`` leaves its steps blank and ends with their key;
    derivations are short unless ``full_derivations``."""
    sc = trace.scenario
    precision = sc.precision
    out = [f"# {escape(sc.title)}"]
    if sc.source:
        out.append(f"*Source: {escape(sc.source)}*")
    if sc.notes:
        out.append(sc.notes.strip())
    heading = None
    names = scenario_names(sc)
    for number, step in enumerate(trace.steps, 1):
        h = section_heading(step)
        if h != heading:
            out.append(h)
            heading = h
        out.extend(step_markdown(step, number, step.precision, names, full_derivations,
                                 blank=worksheet is not None and worksheet.blanks(step)))
    if worksheet is not None:
        out.append("## Answer key")
        for number, step in worksheet.key_steps(trace):
            out.extend(step_markdown(step, number, step.precision, names, full_derivations))
    elif trace.losses and len(trace.losses) > 1:
        out.append("## Loss across steps")
        out.append(loss_table(trace.losses, precision))
    out.append(MARKER)
    return "\n\n".join(out) + "\n"


def step_markdown(step, number: int, precision: int, names, full_derivations: bool = False,
                  blank: bool = False) -> list[str]:
    """One step's Markdown blocks: title, formula, derivation (short unless
    ``full_derivations``), numbers put in, result, explanation and flags (what the export
    and a notebook show). ``blank`` (a worksheet) leaves the numbers put in, the result and
    the flags (which name numbers) to fill in."""
    out = []
    out.append(f"### {number}. {escape(display_prose(step.title, names))}")
    out.append(f"`{step.id}` · shape {step.shape or 'scalar'}")
    if step.shown_formula is not None:
        out.append(display_math(to_latex(step.shown_formula, precision)))
    derivation = derivation_latex(step, precision, full_derivations)
    if derivation:
        out.append("Derived with sympy:")
        out.append(display_math(r"\begin{aligned} %s \end{aligned}" % derivation))
        if step.derivation.comment:
            out.append(display_prose(step.derivation.comment, names))
    expansion = blank_chain_latex(step.substitution, precision) if blank and step.substitution \
        else expansion_latex(step, precision)
    if expansion:
        out.append(display_math(expansion))
        if step.substitution.note and not blank:
            out.append(step.substitution.note)
    symbol = step.quantity_symbol()
    if symbol is None:
        symbol = Name(step.id)
    if step.table is not None:
        out.append(table_markdown(step.table, precision, blank))
        if step.table.plot and not blank:
            from stepcalc.render.curves_svg import table_plot   # only curves tables pay for it

            out.append(table_plot(step.table, step.title))   # inline SVG: Markdown passes HTML
    elif step.value.ndim and not step.one_entry_expanded:
        value = blank_matrix_latex(step.shape) if blank else matrix_latex(step.value, precision)
        out.append(display_math(f"{to_latex(symbol, precision)} = {value}"))
    elif blank and not expansion:            # a scalar without an expansion: its value is the blank
        out.append(display_math(f"{to_latex(symbol, precision)} = {LATEX_BLANK}"))
    if step.explanation:
        out.append(display_prose(step.explanation, names))
    for flag in () if blank else step.flags:
        out.append(f"> {flag.kind.icon} **{flag.kind.label}**: {display_prose(flag_message(flag), names)}")
    return out


def escape(text: str) -> str:
    """User text (titles, sources, names) shown as itself, never as markup or math."""
    return markdown_text(text)


def loss_table(losses: list[float], precision: int, keep: int = 10) -> str:
    """Loss per step then after, with the digits that show every change; a long run keeps
    its first and last rows."""
    steps = list(enumerate(losses[:-1], 1))
    if len(steps) > 2 * keep:
        steps = steps[:keep] + [None] + steps[-keep:]
    from stepcalc.records.precision import sequence_digits
    from stepcalc.render.printing import format_number

    shown = [row[1] for row in steps if row is not None] + [losses[-1]]
    digits = sequence_digits(shown, precision)    # each change in the table shows
    rows = ["| | loss |", "|---|---|"]
    rows += ["| … | … |" if row is None else f"| step {row[0]} | {format_number(row[1], digits)} |"
             for row in steps]
    rows.append(f"| after | {format_number(losses[-1], digits)} |")
    return "\n".join(rows)


def table_markdown(table, precision: int, blank: bool = False) -> str:
    """A Step's labelled table as a Markdown table (numbers at display precision; ``blank``:
    cells to fill in)."""
    from stepcalc.render.printing import format_number

    # Labels may be the user's (class names): escaped, so a | or <script> stays text.
    head = [escape(table.corner)] + [escape(c) for c in table.column_labels] + \
        (["histogram"] if table.sparkline else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, row in zip(table.row_labels, table.values):
        cells = [escape(label)] + [MARKDOWN_BLANK if blank else format_number(v, precision) for v in row]
        if table.sparkline:
            cells.append("`" + sparkline(row) + "`")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
