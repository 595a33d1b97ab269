"""How many digits a shown number needs so the display never hides or invents a change.

Display rules shared by the engine (which sets each Step's precision) and every renderer
(which marks float noise). Numbers stay at full precision; only what is shown changes.
"""

from __future__ import annotations

import decimal
import math

import numpy as np

# |x| below this fraction of its matrix's largest entry is round-off, not a value.
NOISE = 1e-12
MAX_DIGITS = 12        # never more significant digits than this, whatever a rule asks for


def float_noise(values, scale: float | None = None) -> np.ndarray:
    """Entries that are float noise next to their matrix's scale (its largest finite
    magnitude, unless given): shown as 0, marked. nan and ±inf are never noise."""
    magnitude = np.abs(np.asarray(values, dtype=float))
    if scale is None:
        scale = finite_max(magnitude)
    return (magnitude > 0) & (magnitude < NOISE * scale)


def finite_max(magnitude: np.ndarray) -> float:
    """The largest finite entry of a non-negative array (0 for none)."""
    largest = magnitude.max(initial=0.0)
    if np.isfinite(largest):
        return float(largest)              # the usual case: no copy of the finite entries
    return float(magnitude[np.isfinite(magnitude)].max(initial=0.0))


def significant(value: float, digits: int) -> str:
    return f"{float(value):.{digits}g}"


def digits_for_printed(value: float, decimals: int) -> int:
    """Significant digits that show ``value`` with at least ``decimals`` decimals."""
    value = abs(float(value))
    if value == 0 or not math.isfinite(value):
        return 1
    return max(1, int(decimals) + math.floor(math.log10(value)) + 1)


def digits_to_tell_apart(before, after, digits: int) -> int:
    """The fewest digits (from ``digits`` up) at which every entry that changed shows a change.

    Entries that differ only by float noise do not count: they are shown as 0 → 0.
    """
    before = np.asarray(before, dtype=float).reshape(-1)
    after = np.asarray(after, dtype=float).reshape(-1)
    if before.shape != after.shape:
        return digits
    # noise next to the scale of both matrices together, as if they were one
    scale = max(finite_max(np.abs(before)), finite_max(np.abs(after)))
    with np.errstate(invalid="ignore"):
        changed = ((before != after) & np.isfinite(before) & np.isfinite(after)
                   & ~float_noise(before, scale) & ~float_noise(after, scale))
    b, a = before[changed], after[changed]
    gap = np.abs(a - b)
    unit = _leading_unit(np.maximum(np.abs(b), np.abs(a)))   # once, not once per digit
    while digits < MAX_DIGITS:
        # Two numbers that print alike at d significant digits are each within half a unit
        # of their d-th digit of the same decimal, so they differ by at most one unit of the
        # larger one's d-th digit: only those pairs (few, on a large matrix) are printed.
        step = unit * 10.0 ** (1 - digits)
        close = np.flatnonzero(gap <= step * (1 + 1e-9))
        # Below the digits needed, most close pairs print alike and the first few show it;
        # at the answer none does, and the few that might are found without printing all.
        head, rest = close[:64], close[64:]
        if not (_print_alike(b, a, head, digits)
                or _print_alike(b, a, rest[_may_print_alike(b[rest], a[rest], step[rest])], digits)):
            break
        digits += 1
    return digits


def _print_alike(b: np.ndarray, a: np.ndarray, indices, digits: int) -> bool:
    return any(significant(b[i], digits) == significant(a[i], digits) for i in indices)


def _may_print_alike(b: np.ndarray, a: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Pairs that might print alike when each is rounded to a multiple of ``step`` (the
    larger one's last shown digit): they round to the same multiple, or one of them lies
    within float error of a rounding tie, or their leading digits are of different powers of
    ten (each then rounds at its own place). The rest certainly print differently, so only
    these few are formatted."""
    sb, sa = b / step, a / step
    # a few ulps of the scaled value: the division and the step carry float error
    tie = lambda s: np.abs(np.abs(s - np.floor(s)) - 0.5) <= 1e-13 * np.abs(s) + 1e-9
    with np.errstate(divide="ignore"):
        other_power = _leading_unit(np.abs(b)) != _leading_unit(np.abs(a))
    return (np.rint(sb) == np.rint(sa)) | tie(sb) | tie(sa) | other_power


def sequence_digits(values, digits: int) -> int:
    """The fewest digits (from ``digits`` up) at which each value of a sequence that
    differs from the one before it (a loss per step) shows that it does."""
    values = np.asarray(values, dtype=float).reshape(-1)
    return digits_to_tell_apart(values[:-1], values[1:], digits) if values.size > 1 else digits


def _leading_unit(x: np.ndarray) -> np.ndarray:
    """10^⌊log₁₀ x⌋ of positive x, corrected where log10 rounds across a power of ten;
    within rounding of a power of ten, the larger unit (a bound that only ever admits more)."""
    with np.errstate(divide="ignore", over="ignore"):
        unit = 10.0 ** np.floor(np.log10(x))
        unit = np.where(unit > x * (1 + 1e-15), unit / 10.0, unit)
        return np.where(unit * 10.0 <= x * (1 + 1e-15), unit * 10.0, unit)


def value_as_shown(numeric, digits: int) -> float | None:
    """What the numbers put in give when each is rounded to ``digits`` as shown (what a
    student gets from the slide with a calculator); None when a part is not a plain number."""
    try:
        return float(_decimal_value(numeric, digits))
    except _NotArithmetic:
        pass
    import sympy as sp

    floats = numeric.atoms(sp.Float)
    shown = numeric.xreplace({f: sp.Float(significant(f, digits), 30) for f in floats})
    try:
        return float(shown)
    except (TypeError, ValueError):      # a term that is not a plain number (f(…) unevaluated)
        return None


class _NotArithmetic(Exception):
    """A node `_decimal_value` does not evaluate (sympy then does, or says it cannot)."""


_DECIMALS = decimal.Context(prec=30)


def _decimal_value(expr, digits: int) -> decimal.Decimal:
    """The sums, products, powers, exp and log of a numbers-put-in chain, in 30-digit
    decimals, each number as shown: what sympy's xreplace + float gives, without building
    new sympy trees (a chain is checked on every slide, so this is on the export's path)."""
    import sympy as sp

    c = _DECIMALS
    if isinstance(expr, sp.Float):
        return c.create_decimal(significant(expr, digits))
    if isinstance(expr, sp.Rational):
        return c.divide(decimal.Decimal(int(expr.p)), decimal.Decimal(int(expr.q)))
    if isinstance(expr, (sp.Add, sp.Mul)):
        parts = [_decimal_value(arg, digits) for arg in expr.args]
        total = parts[0]
        for part in parts[1:]:
            total = c.add(total, part) if isinstance(expr, sp.Add) else c.multiply(total, part)
        return total
    if isinstance(expr, sp.Pow) and isinstance(expr.exp, sp.Integer):
        base = _decimal_value(expr.base, digits)
        try:
            return c.power(base, int(expr.exp))
        except (decimal.DivisionByZero, decimal.InvalidOperation) as error:
            raise _NotArithmetic from error
    if isinstance(expr, sp.exp):
        return c.exp(_decimal_value(expr.args[0], digits))
    if isinstance(expr, sp.log) and len(expr.args) == 1:
        value = _decimal_value(expr.args[0], digits)
        if value <= 0:
            raise _NotArithmetic
        return c.ln(value)
    raise _NotArithmetic


def sum_digits(numeric, value: float, digits: int) -> tuple[int, bool]:
    """(digits, approximate) for a chain whose numbers put in are a sum: its terms, as shown,
    must add up to the result as shown. One more digit is tried; if that is not enough
    either, the chain keeps its digits and its result is marked ≈."""
    import sympy as sp

    if not isinstance(numeric, sp.Add) or not math.isfinite(value):
        return digits, False
    for tried in (digits, digits + 1):
        total = value_as_shown(numeric, tried)
        if total is None:
            return digits, False
        if significant(total, tried) == significant(value, tried):
            return tried, False
    return digits, True
