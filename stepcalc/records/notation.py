"""Sympy building blocks for slide notation: named quantities, ∂L/∂·, f(·), ⋯.

Each class says how it prints (``_latex`` for LaTeX, ``_sympystr`` for plain text), so
formulas stay sympy expression trees and printers need no string rewriting.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import sympy as sp

_TRAILING_DIGITS = re.compile(r"^([A-Za-z_](?:\w*[^\W\d_])?)(\d+)$")
_SCRIPTED = re.compile(r"^([A-Za-z]+)\^(\d+)$")      # a program-made label like L^2 (the L² norm)
_VARIANCE = re.compile(r"^var(\d*)$")                # a variance (batch norm's var2): σ²
GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ",
    "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
_SUPERSCRIPT = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")
_SUBSCRIPT = str.maketrans("0123456789()+-=aehijklmnoprstuvx",
                           "₀₁₂₃₄₅₆₇₈₉₍₎₊₋₌ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUBSCRIPT_LETTERS = set("0123456789aehijklmnoprstuvx")
_SUBSCRIPT_CHARS = _SUBSCRIPT_LETTERS | set("()+-=,")
HAT = "\u0302"          # combining circumflex: x̂


def _latex_word(word: str) -> str:
    """One word of a name: a Greek letter, a single letter, or upright text."""
    if word in GREEK:
        return "\\" + word
    if len(word) == 1:
        return word
    return r"\mathrm{%s}" % word.replace("_", r"\_")


def _braced(latex: str) -> str:
    """A base that already carries a script gets braces before another one is added."""
    return "{%s}" % latex if "^" in latex or "_" in latex or "'" in latex else latex


def latex_name(name: str) -> str:
    """Slide-like LaTeX for a quantity name: y_hat → ŷ, W1 → W^{(1)}, theta → θ.

    Every result is one group that a prime, a superscript or a subscript can follow
    once braced (``{W^{(1)}}'``): callers brace before decorating.
    """
    if _SCRIPTED.match(name):
        return r"%s^{%s}" % _SCRIPTED.match(name).groups()
    if _VARIANCE.match(name):
        layer = _VARIANCE.match(name).group(1)
        return r"{\sigma^{2}}^{(%s)}" % layer if layer else r"\sigma^{2}"
    if name.endswith("_hat") and len(name) > 4:
        return r"\hat{%s}" % latex_name(name[:-4])
    if name.endswith("_"):                       # a_ → a_ (the underscore is part of the name)
        return r"%s\_" % _braced(latex_name(name.rstrip("_"))) if name.rstrip("_") else r"\_"
    m = _TRAILING_DIGITS.match(name)
    if m:
        return r"%s^{(%s)}" % (_braced(latex_name(m.group(1))), m.group(2))
    if "_" in name:
        head, tail = name.split("_", 1)
        if head:
            return r"%s_{%s}" % (_braced(latex_name(head)), latex_name(tail) if tail in GREEK or len(tail) == 1
                                   else r"\mathrm{%s}" % tail.replace("_", r"\_"))
    return _latex_word(name)


def text_name(name: str) -> str:
    """Slide-like Unicode for a quantity name: y_hat → ŷ, W1 → W⁽¹⁾, theta → θ."""
    if _SCRIPTED.match(name):
        head, power = _SCRIPTED.match(name).groups()
        return head + power.translate(_SUPERSCRIPT)
    if _VARIANCE.match(name):
        layer = _VARIANCE.match(name).group(1)
        return "σ²" + (("(" + layer + ")").translate(_SUPERSCRIPT) if layer else "")
    if name.endswith("_hat") and len(name) > 4:
        return unicodedata.normalize("NFC", text_name(name[:-4]) + HAT)   # ŷ is one character
    if name.endswith("_") and name.rstrip("_"):
        return text_name(name.rstrip("_")) + name[len(name.rstrip("_")):]
    m = _TRAILING_DIGITS.match(name)
    if m:
        return text_name(m.group(1)) + ("(" + m.group(2) + ")").translate(_SUPERSCRIPT)
    head, _, tail = name.partition("_")
    if head and tail and all(c in _SUBSCRIPT_LETTERS for c in tail):
        return text_name(head) + tail.translate(_SUBSCRIPT)        # W_h → Wₕ, D_in → Dᵢₙ
    return GREEK.get(name, name)


def subscript_text(text: str) -> str | None:
    """``text`` in Unicode subscript characters (w₁₁, ŷⱼ, hₙᵢ), or None when one of its
    characters has no subscript form."""
    if text and all(c in _SUBSCRIPT_CHARS for c in text):
        return text.translate(_SUBSCRIPT)
    return None


def superscript(text: str) -> str:
    return text.translate(_SUPERSCRIPT)


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


class Buffer(Decorated):
    """An optimizer buffer of one parameter entry: v(w₁₁), m(w₁₁), ŝ(w₁₁) …"""

    LETTER = "v"

    def _pretty(self, printer):
        from sympy.printing.pretty.stringpict import prettyForm, stringPict

        return prettyForm(*stringPict.next(self.LETTER, stringPict(*printer._print(self.of).parens())))


class Velocity(Buffer):
    """The momentum buffer v of one parameter entry."""

    LATEX = r"v_{%s}"
    TEXT = "v[%s]"


class FirstMoment(Buffer):
    """Adam's running mean of the gradient, m."""

    LATEX = r"m_{%s}"
    TEXT = "m[%s]"
    LETTER = "m"


class SecondMoment(Buffer):
    """The running (or summed) square of the gradient, s: adagrad, rmsprop, adam."""

    LATEX = r"s_{%s}"
    TEXT = "s[%s]"
    LETTER = "s"


class CorrectedFirst(Buffer):
    """Adam's bias-corrected first moment m̂."""

    LATEX = r"\hat{m}_{%s}"
    TEXT = "m̂[%s]"
    LETTER = "m̂"


class CorrectedSecond(Buffer):
    """Adam's bias-corrected second moment ŝ."""

    LATEX = r"\hat{s}_{%s}"
    TEXT = "ŝ[%s]"
    LETTER = "ŝ"


class Squared(Decorated):
    """(x)²: a squared entry written with its brackets, (∂L/∂w₁₁)² rather than ∂L/∂w₁₁²."""

    LATEX = r"\left(%s\right)^{2}"
    TEXT = "(%s)²"

    def doit(self, **hints):
        return self.of.doit(**hints) ** 2

    def _pretty(self, printer):
        from sympy.printing.pretty.stringpict import prettyForm

        return prettyForm(*printer._print(self.of).parens()) ** prettyForm("2")


class Root(Decorated):
    """√x, written as a radical whatever x is (sympy writes a non-commutative x^½)."""

    LATEX = r"\sqrt{%s}"
    TEXT = "√(%s)"

    def doit(self, **hints):
        return sp.sqrt(self.of.doit(**hints))

    def _pretty(self, printer):
        return printer._print_nth_root(self.of, sp.Integer(2))


# Hyperparameters that are no quantity name: printed as the slides write them.
LABELS = {"mu": (r"\mu", "μ"), "beta1": (r"\beta_1", "β₁"), "beta2": (r"\beta_2", "β₂"),
          "rho": (r"\rho", "ρ"), "epsilon": (r"\varepsilon", "ε"), "t": ("t", "t"),
          "eta0": (r"\eta_0", "η₀"), "lr_gamma": (r"\gamma", "γ"), "lr_step": ("k", "k"),
          "eta_t": (r"\eta_t", "ηₜ")}


class Label(sp.Symbol):
    """A hyperparameter symbol (β₁, ε, η₀), printed from LABELS."""

    def _latex(self, printer):
        return LABELS[self.name][0]

    def _sympystr(self, printer):
        return LABELS[self.name][1]

    def _pretty(self, printer):
        from sympy.printing.pretty.stringpict import prettyForm

        return prettyForm(LABELS[self.name][1])


class Updated(Decorated):
    """A parameter entry after the update (θ′); the base is braced first: {W^{(1)}}'."""

    LATEX = "{%s}'"
    TEXT = "%s′"


class Cdots(sp.Symbol):
    """The elided middle of a long sum; with a count, how many terms it stands for."""

    def __new__(cls, count: int = 0):
        obj = sp.Symbol.__new__(cls, "cdots%d" % count if count else "cdots")
        obj.count = count
        return obj

    def __getnewargs__(self):
        return (self.count,)

    def _latex(self, printer):
        return r"\underbrace{\cdots}_{%d\ \text{terms}}" % self.count if self.count else r"\cdots"

    def _sympystr(self, printer):
        return "…(%d terms)" % self.count if self.count else "…"


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
    return type("Apply_" + safe, (Applied,), {"_latex": _latex, "_sympystr": _sympystr,
                                              "label_text": text})


class SumExcept(sp.Sum):
    """Base of the Σ over k ≠ the true class below."""

    label_text = "y"


@lru_cache(maxsize=None)
def sum_except(latex_label: str, text_label: str) -> type:
    """Σ_k over k ≠ the true class (the hinge loss), printed with the label's name."""

    def _latex(self, printer):
        return r"\sum_{k \neq %s} %s" % (latex_label, printer._print(self.function))

    def _sympystr(self, printer):
        return "Σ[k≠%s] %s" % (text_label, printer._print(self.function))

    safe = re.sub(r"\W", "_", text_label) or "y"
    return type("SumExcept_" + safe, (SumExcept,), {"_latex": _latex, "_sympystr": _sympystr,
                                                   "label_text": text_label})


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


WRITTEN_OUT = 8   # a sum of up to this many terms is written out in full


def long_sum(terms: list, keep_head: int = 3):
    """Σ of terms, written out up to WRITTEN_OUT terms; a longer sum keeps the first few
    and the last term, the middle elided with a count."""
    if len(terms) > WRITTEN_OUT:
        terms = terms[:keep_head] + [Cdots(len(terms) - keep_head - 1)] + terms[-1:]
    if len(terms) == 1:
        return terms[0]
    return add(*terms)


# Optimizer buffers: kind → class (the kind itself is after the update, "<kind>0" before).
BUFFERS = {"v": Velocity, "m": FirstMoment, "s": SecondMoment}
CORRECTED = {"mhat": CorrectedFirst, "shat": CorrectedSecond}


def decorate(kind: str, symbol):
    """The entry as a quantity id's kind names it: grad.m → ∂L/∂m, new.m → m′, v.m → v′."""
    if kind == "grad":
        return Grad(symbol)
    if kind == "new":
        return Updated(symbol)
    if kind in BUFFERS:
        return Updated(BUFFERS[kind](symbol))
    if kind[:-1] in BUFFERS and kind.endswith("0"):     # the buffer before this step's update
        return BUFFERS[kind[:-1]](symbol)
    if kind in CORRECTED:
        return CORRECTED[kind](symbol)
    return symbol


def quantity_symbol(quantity):
    """The matrix name of a quantity (its step left out): grad.m → ∂L/∂m, new.m → m′."""
    return decorate(quantity.kind, Name(quantity.name))


# ------------------------------------------------------------ names in prose ---------
# Renderers pass titles, explanations and flag messages through `display_prose`, so
# an entry reads w₁₁ (not w[1][1] or grad.w[1][1]) and a name reads ŷ, W⁽¹⁾ everywhere.

_ENTRY_ID = re.compile(r"\b(?:(grad|new|v|v0|m|m0|s|s0|mhat|shat|after|step\d+)\.)?([A-Za-z_][A-Za-z0-9_]*)"
                       r"((?:\[\d+\])+|\[\d+(?:,\s*\d+)+\])")
_QUANTITY_ID = re.compile(r"\b(grad|new|v|m|s|mhat|shat|after|step\d+)\.([A-Za-z_][A-Za-z0-9_]*)\b")
_STEP_PREFIX = re.compile(r"\b(?:step\d+|after)\.(?=[A-Za-z_])")
_WORD = re.compile(r"(?<![\w.\\])([A-Za-z][A-Za-z0-9_]*)(?![\w(])")
# A minus sign in front of a number ("exact -0.628"), not a hyphen ("step-by-step", "1e-05").
_NEGATIVE = re.compile(r"(?<![\w.\-])-(?=\.?\d)")


def entry_text(name: str, indices) -> str:
    """An entry as text, indices 1-based as given: w₁₁, ŷ₁, W⁽¹⁾₁₂ (a comma once an index
    has two digits: w₁₀,₂)."""
    parts = [str(int(i)) for i in indices]
    joined = ("" if all(len(p) == 1 for p in parts) else ",").join(parts)
    return text_name(name) + joined.translate(_SUBSCRIPT)


def id_text(local_id: str, indices=()) -> str:
    """A quantity id as a reader sees it: grad.w → ∂L/∂w, new.w → w′, v.w → v(w)′."""
    kind, _, name = local_id.partition(".") if "." in local_id else ("", "", local_id)
    if kind.startswith("step") or kind == "after":
        kind = ""
    shown = entry_text(name, indices) if indices else text_name(name)
    return {"grad": "∂L/∂" + shown, "new": shown + "′", "v": "v(%s)′" % shown,
            "v0": "v(%s)" % shown, "m": "m(%s)′" % shown, "m0": "m(%s)" % shown,
            "s": "s(%s)′" % shown, "s0": "s(%s)" % shown, "mhat": "m̂(%s)" % shown,
            "shat": "ŝ(%s)" % shown}.get(kind, shown)


def display_prose(text: str, names=()) -> str:
    """Internal ids and names in a sentence written the slide way: grad.w[1][1] → ∂L/∂w₁₁,
    values[1,1] → values₁₁, y_hat → ŷ, -0.628 → −0.628; ``names`` (the scenario's quantity
    names) are also written as their display names (W1 → W⁽¹⁾)."""
    def entry(m):
        indices = re.findall(r"\d+", m.group(3))
        return id_text((m.group(1) + "." if m.group(1) else "") + m.group(2), indices)

    text = _STEP_PREFIX.sub("", text)          # the heading says which training step
    text = _ENTRY_ID.sub(entry, text)
    text = _QUANTITY_ID.sub(lambda m: id_text(m.group(0)), text)
    wanted = set(names)

    def word(m):
        w = m.group(1)
        return text_name(w) if (w in wanted or w.endswith("_hat")) else w

    return _NEGATIVE.sub("−", _WORD.sub(word, text))


def scenario_names(scenario) -> tuple[str, ...]:
    """The quantity names a scenario's model gives (for `display_prose`)."""
    model = getattr(scenario, "model", None)
    names = ["y_hat"]
    for layer in getattr(model, "layers", ()) or ():
        names += [n for n in (getattr(layer, key, "") for key in ("weights", "bias_name", "pre", "post")) if n]
    return tuple(names)
