"""Trace → plain Unicode text typeset in two dimensions (`stepcalc export NAME -f text`).

For reading in a terminal, piping to `less` or pasting into a forum post: each step is
its formula, the derivation (short unless asked for in full), the numbers put in, the
result as a bracketed matrix, the explanation and the flags.
"""

from __future__ import annotations

import textwrap

from stepcalc.records.precision import sequence_digits
from stepcalc.records.notation import Name, display_prose, scenario_names
from stepcalc.records.steps import PHASE_LABELS, Trace
from stepcalc.render.flags import flag_message
from stepcalc.render.text import MatrixLayout, derivation_lines, matrix_layout, table_layout
from stepcalc.render.typeset import chain, number_text, picture
from stepcalc.render.worksheet import TEXT_BLANK, Worksheet

from stepcalc.render.marks import TEXT_MARKER as MARKER   # the last line of every text export
INDENT = "    "


def _indent(lines: list[str]) -> list[str]:
    return [(INDENT + line).rstrip() for line in lines]


def _wrap(text: str, width: int) -> list[str]:
    lines = []
    for paragraph in text.strip().split("\n\n"):
        lines += textwrap.wrap(" ".join(paragraph.split()), width) or [""]
    return lines


def layout_lines(layout: MatrixLayout) -> list[str]:
    return ["".join(text for _, text in row).rstrip() for row in layout.lines]


def formula_lines(step, precision: int, width: int) -> list[str]:
    formula = step.shown_formula
    if formula is None:
        return []
    return chain([formula.lhs, formula.rhs], precision, width)


def step_derivation_lines(step, precision: int, width: int, full: bool) -> list[str]:
    """Short: the definition's left side = the identity (∂L/∂z₁ = ŷ₁ − y₁). Full: every
    line sympy went through, one per row, each = under the first."""
    full = full or step.full_derivation
    return derivation_lines(step.derivation, precision, width, full, step.shown_derivation(full))


def expansion_lines(step, precision: int, width: int, blank: bool = False) -> list[str]:
    """lhs = symbolic = numbers put in = value; ``blank`` (a worksheet): lhs = symbolic = ____ = ____."""
    expansion = step.substitution
    if expansion is None:
        return []
    parts = [expansion.lhs]
    if expansion.symbolic is not None:
        parts.append(expansion.symbolic)
    if blank:
        return chain(parts + [TEXT_BLANK, TEXT_BLANK], precision, width)
    precision = expansion.precision
    parts += [expansion.numeric, number_text(expansion.value, precision)]
    lines = chain(parts, precision, width, dedupe=True, approximate=expansion.approximate)
    return lines + (_wrap(expansion.note, width) if expansion.note else [])


def value_lines(step, precision: int, width: int, blank: bool = False) -> list[str]:
    hidden = (lambda element: True) if blank else (lambda element: False)
    if step.table is not None:
        return layout_lines(table_layout(step.table, precision, shape=step.shape, hidden=hidden,
                                         mask=TEXT_BLANK))
    if not step.value.ndim or step.one_entry_expanded:
        return []
    symbol = step.quantity_symbol()
    if symbol is None:
        symbol = Name(step.id)
    head = picture(symbol, precision).split("\n")
    name = head[-1] if len(head) == 1 else " ".join(h.strip() for h in head)
    if step.value.size == 1:       # one number is shown as a number, not a 1 × 1 matrix
        return [f"{name} = {TEXT_BLANK if blank else number_text(step.value.item(), precision)}"]
    rows = layout_lines(matrix_layout(step.value, precision, hidden=hidden, mask=TEXT_BLANK))
    middle = (len(rows) - 1) // 2
    pad = " " * (len(name) + 3)
    return [(name + " = " if r == middle else pad) + row for r, row in enumerate(rows)]


def step_lines(number: int, step, precision: int, width: int, full: bool, names=(),
               blank: bool = False) -> list[str]:
    """One step; ``blank`` (a worksheet) leaves the numbers put in, the result and the
    flags (which name numbers) to the student."""
    inner = width - len(INDENT)
    lines = [f"{number}. {display_prose(step.title, names)}", ""]
    body = formula_lines(step, precision, inner)
    derivation = step_derivation_lines(step, precision, inner, full)
    if derivation:
        body += [""] + derivation
        comment = step.derivation.comment
        if comment:
            body += _wrap(display_prose(comment, names), inner)
    expansion = expansion_lines(step, precision, inner, blank)
    if expansion:
        body += [""] + expansion
    elif blank and not step.value.ndim:      # a scalar without an expansion: its value is the blank
        symbol = step.quantity_symbol()
        body += [""] + chain([Name(step.id) if symbol is None else symbol, TEXT_BLANK], precision, inner)
    values = value_lines(step, precision, inner, blank)
    if values:
        body += [""] + values
    lines += _indent(body)
    if step.explanation:
        lines += [""] + _indent(_wrap(display_prose(step.explanation, names), inner))
    for flag in () if blank else step.flags:
        message = display_prose(flag_message(flag), names)
        lines += _indent(_wrap(f"{flag.kind.icon} {flag.kind.label}: {message}", inner))
    return lines


def section_heading(step) -> str:
    label = PHASE_LABELS[step.phase]
    if step.phase != "check" and step.step_number > 1:
        label = f"Step {step.step_number} · {label}"
    return label


def render_text(trace: Trace, width: int = 80, full_derivations: bool = False,
                worksheet: Worksheet | None = None) -> str:
    sc = trace.scenario
    precision = sc.precision
    width = max(int(width), 40)
    out = [sc.title, "═" * min(len(sc.title), width)]
    if sc.source:
        out += _wrap(f"Source: {sc.source}", width)
    if sc.notes:
        out += [""] + _wrap(sc.notes, width)
    heading = None
    names = scenario_names(sc)
    for number, step in enumerate(trace.steps, 1):
        h = section_heading(step)
        if h != heading:
            out += ["", h, "─" * len(h)]
            heading = h
        blank = worksheet is not None and worksheet.blanks(step)
        out += [""] + step_lines(number, step, step.precision, width, full_derivations, names, blank)
    if worksheet is not None:
        out += ["", "Answer key", "══════════"]
        for number, step in worksheet.key_steps(trace):
            out += [""] + step_lines(number, step, step.precision, width, full_derivations, names)
    elif trace.losses and len(trace.losses) > 1:
        out += ["", "Loss across steps", "─" * 17]
        steps = [f"step {n}" for n in range(1, len(trace.losses))] + ["after"]
        label = max(len(s) for s in steps)
        digits = sequence_digits(list(trace.losses), precision)   # each change shows
        out += [f"{s.ljust(label)}  {number_text(v, digits)}" for s, v in zip(steps, trace.losses)]
    out += ["", MARKER]
    return "\n".join(out) + "\n"
