"""Sympy printers that show numbers at display precision, the slide way.

Values inside formulas are full-precision sympy Floats; only these printers round.
"""

from __future__ import annotations

import math

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter

from stepcalc.records.notation import subscript_text


def format_number(value: float, precision: int) -> str:
    """``precision`` significant digits; plain decimals unless very large or small."""
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if 1e-4 <= magnitude < 10 ** max(precision, 6):
        digits = max(precision - 1 - math.floor(math.log10(magnitude)), 0)
        text = f"{value:.{digits}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    mantissa, exponent = f"{value:.{max(precision - 1, 0)}e}".split("e")
    if "." in mantissa:   # as plain decimals drop theirs: ε = 1e−08, not 1.000e−08
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{exponent}"


def _indices_text(indices, print_index) -> str:
    """m_{11}, m_{ij} like the slides; commas only when an index has several characters."""
    parts = [print_index(i) for i in indices]
    return ("" if all(len(p) == 1 for p in parts) else ",").join(parts)


def _has_symbols(expr) -> bool:
    return bool(getattr(expr, "free_symbols", None)) or any(
        isinstance(a, sp.Indexed) for a in sp.preorder_traversal(expr))


def _factors(expr) -> tuple:
    # sympy's LaTeX printer hands x**-1 to _print_Mul as well.
    return expr.args if expr.is_Mul else (expr,)


def _negated(expr) -> bool:
    """-1 · rest: print as a minus sign, not "(-1)·rest"."""
    if not expr.is_Mul:
        return False
    first = expr.args[0]
    return len(expr.args) > 1 and first.is_Number and float(first) == -1.0


def _split_fraction(expr):
    """Factors of a product above and below the fraction bar (x**-1 goes below)."""
    numerator, denominator = [], []
    for factor in _factors(expr):
        if factor.is_Pow and factor.exp == -1:
            denominator.append(factor.base)
        else:
            numerator.append(factor)
    return numerator, denominator


class StepLatexPrinter(LatexPrinter):
    """LaTeX with rounded Floats, m_{11}-style indices and × between numbers."""

    def __init__(self, precision: int = 3):
        super().__init__({"order": "none", "mul_symbol": "dot"})
        self.precision = precision

    def _print_Float(self, expr):
        text = format_number(float(expr), self.precision)
        if "e" in text:
            mantissa, exponent = text.split("e")
            return r"%s \times 10^{%d}" % (mantissa, int(exponent))
        return text

    def _print_Indexed(self, expr):
        base = self._print(expr.base.label)
        return "{%s}_{%s}" % (base, _indices_text(expr.indices, self._print))

    def _print_Mul(self, expr):
        if _has_symbols(expr):
            return super()._print_Mul(expr)
        if expr.is_Pow and expr.exp != -1:
            # sympy's _print_Pow hands x**(-3/2) here: 1 over x**(3/2) (as its own _print_Mul
            # would), not back to _print_Pow, which would hand it here again without end.
            return r"\frac{1}{%s}" % self._print(sp.Pow(expr.base, -expr.exp, evaluate=False))
        if _negated(expr):
            rest = expr.args[1:]
            if len(rest) == 1:
                return "-" + self.parenthesize(rest[0], precedence(expr), strict=False)
            return "-" + self._print_Mul(sp.Mul(*rest, evaluate=False))
        numerator, denominator = _split_fraction(expr)
        if denominator:
            return r"\frac{%s}{%s}" % (self._product(numerator), self._product(denominator))
        return self._product(numerator)

    def _product(self, factors) -> str:
        if not factors:
            return "1"
        if len(factors) == 1:
            return self._print(factors[0])
        level = precedence(sp.Mul(2, sp.Symbol("x"), evaluate=False))
        return r" \times ".join(self.parenthesize(a, level, strict=False) for a in factors)


class StepTextPrinter(StrPrinter):
    """Plain Unicode text: m[11] style entries, · between symbols, × between numbers."""

    def __init__(self, precision: int = 3):
        super().__init__({"order": "none"})
        self.precision = precision

    def _print_Float(self, expr):
        return format_number(float(expr), self.precision)

    def _print(self, expr, **kwargs):
        # Indexed carries its own _sympystr, which would win over _print_Indexed.
        if isinstance(expr, sp.Indexed):
            return self._print_Indexed(expr)
        return super()._print(expr, **kwargs)

    def _print_Indexed(self, expr):
        # w₁₁, ŷⱼ: Unicode subscripts where they exist (the typesetter's notation), else w_{…}.
        base = self._print(expr.base.label)
        indices = _indices_text(expr.indices, self._print)
        sub = subscript_text(indices)
        return base + sub if sub is not None else "%s_{%s}" % (base, indices)

    def _print_Mul(self, expr):
        if _negated(expr):
            rest = sp.Mul(*expr.args[1:], evaluate=False)
            return "-" + (self._print(rest) if len(expr.args) > 2 else
                          self.parenthesize(expr.args[1], precedence(expr), strict=False))
        level = precedence(sp.Mul(2, sp.Symbol("x"), evaluate=False))
        sep = "·" if _has_symbols(expr) else " × "
        numerator, denominator = _split_fraction(expr)
        text = sep.join(self.parenthesize(a, level, strict=False) for a in numerator) or "1"
        if denominator:
            below = sep.join(self.parenthesize(a, level, strict=False) for a in denominator)
            # parenthesize() already wrapped a lone sum: wrap only a product of several.
            text = "%s / %s" % (text, below if len(denominator) == 1 else "(" + below + ")")
        return text

    def _print_Equality(self, expr):
        return "%s = %s" % (self._print(expr.lhs), self._print(expr.rhs))

    def _print_Sum(self, expr):
        limits = ", ".join("%s=%s..%s" % tuple(self._print(x) for x in lim) for lim in expr.limits)
        return "Σ[%s] %s" % (limits, self.parenthesize(expr.function, precedence(sp.Add(1, 1)), strict=False))


def to_latex(expr, precision: int = 3) -> str:
    return StepLatexPrinter(precision).doprint(expr)


def to_text(expr, precision: int = 3) -> str:
    return StepTextPrinter(precision).doprint(expr)
