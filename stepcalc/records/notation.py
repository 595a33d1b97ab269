"""Sympy building blocks for slide notation: named quantities, ∂L/∂·, f(·), ⋯.

Each class says how it prints (``_latex`` for LaTeX, ``_sympystr`` for plain text), so
formulas stay sympy expression trees and printers need no string rewriting.
"""

from __future__ import annotations

import re
from functools import lru_cache

import sympy as sp

_TRAILING_DIGITS = re.compile(r"^([A-Za-z_]*[A-Za-z])(\d+)$")
_GREEK = {"alpha", "beta", "gamma", "delta", "eta", "theta", "lambda", "mu", "sigma", "tau", "phi"}


def latex_name(name: str) -> str:
    """Slide-like LaTeX for a quantity name: y_hat → ŷ, W1 → W^{(1)}, relu → relu."""
    if name == "y_hat":
        return r"\hat{y}"
    if name.endswith("_hat"):
        return r"\hat{%s}" % latex_name(name[:-4])
    m = _TRAILING_DIGITS.match(name)
    if m:
        return r"%s^{(%s)}" % (latex_name(m.group(1)), m.group(2))
    if name in _GREEK:
        return "\\" + name
    if "_" in name:
        head, tail = name.split("_", 1)
        return r"%s_{%s}" % (latex_name(head), r"\mathrm{%s}" % tail)
    if len(name) > 1:
        return r"\mathrm{%s}" % name
    return name


def text_name(name: str) -> str:
    return "ŷ" if name == "y_hat" else name


class Name(sp.Symbol):
    """A quantity's base symbol, printed the slide way."""

    def _latex(self, printer):
        return latex_name(self.name)

    def _sympystr(self, printer):
        return text_name(self.name)


@lru_cache(maxsize=None)
def base(name: str) -> sp.IndexedBase:
    return sp.IndexedBase(Name(name))


def entry(name: str, *indices) -> sp.Expr:
    """``name`` at display indices; a bare symbol when there are none."""
    return base(name)[indices] if indices else Name(name)


class Decorated(sp.Expr):
    """A quantity entry with slide decoration around it; subclasses give the two forms."""

    LATEX = "%s"
    TEXT = "%s"

    def __new__(cls, of):
        return sp.Expr.__new__(cls, of)

    @property
    def of(self):
        return self.args[0]

    def _latex(self, printer):
        return self.LATEX % printer._print(self.of)

    def _sympystr(self, printer):
        return self.TEXT % printer._print(self.of)


class Grad(Decorated):
    """∂L/∂(quantity): the gradient of the batch loss w.r.t. one entry."""

    LATEX = r"\frac{\partial L}{\partial %s}"
    TEXT = "∂L/∂%s"


class Velocity(Decorated):
    """The momentum buffer v of one parameter entry."""

    LATEX = r"v_{%s}"
    TEXT = "v[%s]"


class Updated(Decorated):
    """A parameter entry after the update (θ')."""

    LATEX = "%s'"
    TEXT = "%s'"


class Cdots(sp.Symbol):
    """The elided middle of a long sum."""

    def __new__(cls):
        return sp.Symbol.__new__(cls, "cdots")

    def _latex(self, printer):
        return r"\cdots"

    def _sympystr(self, printer):
        return "…"


class Applied(sp.Function):
    """Base of the named, unevaluated functions f(·) below."""


@lru_cache(maxsize=None)
def applied(latex: str, text: str) -> type:
    """An unevaluated function symbol f(·) printed with the given labels."""

    def _latex(self, printer, exp=None):
        # `exp` is how sympy's printer asks for f(x)^n (e.g. tanh²): f^{n}(x), as on slides.
        head = latex if exp is None else r"%s^{%s}" % (latex, exp)
        return r"%s\left(%s\right)" % (head, ", ".join(printer._print(a) for a in self.args))

    def _sympystr(self, printer):
        return "%s(%s)" % (text, ", ".join(printer._print(a) for a in self.args))

    safe = re.sub(r"\W", "_", text) or "f"
    return type("Apply_" + safe, (Applied,), {"_latex": _latex, "_sympystr": _sympystr})


@lru_cache(maxsize=None)
def sum_except(latex_label: str, text_label: str) -> type:
    """Σ_k over k ≠ the true class (the hinge loss), printed with the label's name."""

    def _latex(self, printer):
        return r"\sum_{k \neq %s} %s" % (latex_label, printer._print(self.function))

    def _sympystr(self, printer):
        return "Σ[k≠%s] %s" % (text_label, printer._print(self.function))

    safe = re.sub(r"\W", "_", text_label) or "y"
    return type("SumExcept_" + safe, (sp.Sum,), {"_latex": _latex, "_sympystr": _sympystr})


def num(value) -> sp.Float:
    """A number at full precision; printers round it for display."""
    return sp.Float(float(value), 17)


def equation(lhs, rhs):
    """lhs = rhs, kept as written (an evaluating Eq would try to decide the equality)."""
    return sp.Eq(lhs, rhs, evaluate=False)


def add(*terms):
    return sp.Add(*terms, evaluate=False)


def mul(*factors):
    return sp.Mul(*factors, evaluate=False)


def long_sum(terms: list, keep_head: int = 3):
    """Σ of terms, written out; long sums keep the first few and the last term."""
    if len(terms) > keep_head + 2:
        terms = terms[:keep_head] + [Cdots()] + terms[-1:]
    if len(terms) == 1:
        return terms[0]
    return add(*terms)


def decorate(kind: str, symbol):
    """The entry as a quantity id's kind names it: grad.m → ∂L/∂m, new.m → m′, v.m → v′."""
    if kind == "grad":
        return Grad(symbol)
    if kind == "new":
        return Updated(symbol)
    if kind == "v":
        return Updated(Velocity(symbol))
    if kind == "v0":               # the velocity before this step's update
        return Velocity(symbol)
    return symbol


def quantity_symbol(quantity):
    """The matrix name of a quantity (its step left out): grad.m → ∂L/∂m, new.m → m′."""
    return decorate(quantity.kind, Name(quantity.name))
