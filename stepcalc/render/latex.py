"""LaTeX pieces shared by the renderers: matrices, steps' equation chains."""

from __future__ import annotations

import numpy as np

from stepcalc.render.printing import format_number, to_latex
from stepcalc.records.precision import float_noise
from stepcalc.records.steps import Step

NOISE_LATEX = r"{\approx}0"   # an entry that is round-off next to its matrix's scale

MAX_ROWS = 8
MAX_COLS = 8


def number_latex(value: float, precision: int) -> str:
    text = format_number(value, precision)
    if "e" in text and text not in ("inf", "-inf", "nan"):
        mantissa, exponent = text.split("e")
        return r"%s \times 10^{%d}" % (mantissa, int(exponent))
    return {"inf": r"\infty", "-inf": r"-\infty", "nan": r"\mathrm{NaN}"}.get(text, text)


def _elide(count: int, limit: int) -> list[int | None]:
    """Indices to show; None marks the elided middle."""
    if count <= limit:
        return list(range(count))
    head = limit - 2
    return list(range(head)) + [None, count - 1]


def matrix_latex(value: np.ndarray, precision: int) -> str:
    value = np.asarray(value)
    if value.size == 1:            # one number is shown as a number, not a 1 × 1 matrix
        return number_latex(float(value.reshape(-1)[0]), precision)
    if value.ndim == 1:
        value = value.reshape(1, -1)
    noise = float_noise(value)
    rows = []
    cols = _elide(value.shape[1], MAX_COLS)
    for r in _elide(value.shape[0], MAX_ROWS):
        if r is None:
            rows.append(" & ".join(r"\vdots" if c is not None else r"\ddots" for c in cols))
            continue
        rows.append(" & ".join(r"\cdots" if c is None else NOISE_LATEX if noise[r, c]
                               else number_latex(value[r, c], precision) for c in cols))
    return r"\begin{bmatrix} %s \end{bmatrix}" % r" \\ ".join(rows)


def expansion_latex(step: Step, precision: int, element=None) -> str | None:
    """lhs = symbolic = numbers put in = value, for one element."""
    expansion = step.expand(element)
    return None if expansion is None else chain_latex(expansion)


def chain_latex(expansion, precision: int | None = None) -> str:
    """An Expansion's chain at its own precision (never fewer digits than ``precision``); a
    link equal to the one before it is left out; ≈ before a result that its rounded numbers
    put in do not give exactly."""
    precision = max(expansion.precision, precision or 0)
    parts = [to_latex(expansion.lhs, precision)]
    symbolic = to_latex(expansion.symbolic, precision) if expansion.symbolic is not None else None
    numeric = to_latex(expansion.numeric, precision)
    for part in (symbolic, numeric):
        if part is not None and part != parts[-1]:
            parts.append(part)
    result = number_latex(expansion.value, precision)
    if expansion.approximate:
        return " = ".join(parts) + r" \approx " + result
    if result != parts[-1]:
        parts.append(result)
    return " = ".join(parts)


def derivation_latex(step: Step, precision: int, full: bool = False) -> str | None:
    """The derivation's lines for an aligned block: short (lhs = … = identity on one
    line) unless ``full``; None when there is nothing to show (Step.shown_derivation)."""
    derivation = step.derivation
    links = step.shown_derivation(full)
    if derivation is None or not links:
        return None
    lhs = to_latex(derivation.lhs, precision)
    parts = [to_latex(link, precision) for link in links]
    if not (full or step.full_derivation):
        return lhs + " &= " + " = ".join(parts)
    return r" \\ &= ".join([lhs + " &= " + parts[0]] + parts[1:])