"""Index-level formulas of the forward pass and the loss, and their per-element expansions.

Each builder returns a pair of closures: ``formula()`` gives the index-level sympy
``Eq`` (``∂L/∂m_ij = Σ_n x_ni · ∂L/∂h_nj``) and ``expand(element)`` gives the
scalar calculation of one entry. The same template function writes the symbolic and the
numeric expansion, so the two cannot disagree. Nothing here runs until a renderer asks.
The backward pass and the update are in `gradient_formulas`, built on `Notation` here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy as sp

from stepcalc.records.notation import (
    Name, add, applied, decorate, entry, equation, long_sum, mul, num, sum_except,
)
from stepcalc.records.quantity import parse_quantity
from stepcalc.records.steps import Expansion

n, i, j, k = sp.symbols("n i j k", integer=True)
ETA, GAMMA, LAMBDA = Name("eta"), Name("gamma"), Name("lambda")
ONE = sp.Integer(1)


@dataclass
class Notation:
    """Names, index conventions and values of one training step (local, unprefixed ids)."""

    values: dict[str, np.ndarray]
    roles: dict[str, str]          # base name → batch | weight | bias | scalar
    batched: bool                  # more than one sample: show the sample index n
    row: bool                      # row convention (W is in × out)
    folded: bool                   # bias folded into W (its constant input 1)
    folded_last: bool = False      # ... as the last input rather than input 0

    @property
    def offset(self) -> int:
        """Display index of the first real input: 0 is the folded bias' constant 1 when it
        comes first; when it comes last it is input d + 1."""
        return 0 if self.folded and not self.folded_last else 1

    @property
    def shift(self) -> int:
        """Row (row convention) of W that input 0 uses: 1 after a folded bias put first."""
        return 1 if self.folded and not self.folded_last else 0

    def bias_row(self, d_in: int) -> int:
        """Row (column convention: column) of W holding a folded bias, 0-based."""
        return d_in if self.folded_last else 0

    def display(self, name: str, idx: tuple) -> tuple:
        role = self.roles[parse_quantity(name).name]
        if role == "batch":
            return (idx[0] + 1, idx[1] + 1) if self.batched else (idx[1] + 1,)
        if role == "weight":
            a, b = idx
            return (a + self.offset, b + 1) if self.row else (a + 1, b + self.offset)
        if role == "bias":
            return (idx[0] + 1,)
        return ()

    def sym(self, name: str, idx: tuple):
        quantity = parse_quantity(name)
        return decorate(quantity.kind, entry(quantity.name, *self.display(name, idx)))

    def val(self, name: str, idx: tuple):
        return num(self.values[name][idx])

    def index_sym(self, name: str, *idx):
        """Entry at symbolic indices; batch quantities get n only when batched."""
        quantity = parse_quantity(name)
        if self.roles[quantity.name] == "batch" and self.batched:
            idx = (n,) + idx
        return decorate(quantity.kind, entry(quantity.name, *idx))

    def sample_sum(self, expr):
        count = self.n_samples
        return sp.Sum(expr, (n, 1, count)) if self.batched else expr

    @property
    def n_samples(self) -> int:
        return int(self.values["x"].shape[0])


Template = Callable[[tuple, Callable], object]   # (element, get) → that element's expression


def expander(note: Notation, target: str, template: Template):
    """expand(element) for the quantity ``target`` written by ``template``."""

    def expand(element: tuple) -> Expansion:
        # Unevaluated, so "1.5 × (−0.0759)" stays a product instead of collapsing.
        with sp.evaluate(False):
            symbolic = template(element, note.sym)
            numeric = template(element, note.val)
        value = float(note.values[target][element])
        return Expansion(element, note.sym(target, element), symbolic, numeric, value)

    return expand


# ---------------------------------------------------------------- forward ---------

def dense(note: Notation, inp: str, W: str, b: str, u: str):
    """u = x·W + b (row) or W·x + b (column), per entry."""
    d_in = note.values[inp].shape[1]
    off = note.shift

    def w_idx(a, unit):
        return (a, unit) if note.row else (unit, a)

    def template(el, get):
        s, unit = el
        terms = []
        for a in range(d_in):
            pair = (get(inp, (s, a)), get(W, w_idx(a + off, unit)))
            terms.append(mul(*pair) if note.row else mul(*reversed(pair)))
        if note.folded:
            bias = get(W, w_idx(note.bias_row(d_in), unit))
            terms.insert(len(terms) if note.folded_last else 0, bias)
        if b:
            terms.append(get(b, (unit,)))
        return long_sum(terms)

    def formula():
        w_entry = entry(W, i, j) if note.row else entry(W, j, i)
        x_entry = note.index_sym(inp, i)
        product = mul(x_entry, w_entry) if note.row else mul(w_entry, x_entry)
        rhs = [sp.Sum(product, (i, 1, d_in))]
        if note.folded:
            at = d_in + 1 if note.folded_last else 0       # display index of the constant 1
            rhs.insert(len(rhs) if note.folded_last else 0,
                       entry(W, at, j) if note.row else entry(W, j, at))
        if b:
            rhs.append(entry(b, j))
        return equation(note.index_sym(u, j), add(*rhs) if len(rhs) > 1 else rhs[0])

    return formula, expander(note, u, template)


def activation(note: Notation, act, u: str, a: str):
    """a = f(u) elementwise, or the softmax of each row."""
    f = applied(act.latex, act.text)
    k_units = note.values[u].shape[1]

    if not act.elementwise:
        def template(el, get):
            s, unit = el
            terms = [sp.exp(get(u, (s, c)), evaluate=False) for c in range(k_units)]
            return mul(terms[unit], sp.Pow(long_sum(terms), -1, evaluate=False))

        def formula():
            numerator = sp.exp(note.index_sym(u, j))
            denominator = sp.Sum(sp.exp(note.index_sym(u, k), evaluate=False), (k, 1, k_units))
            return equation(note.index_sym(a, j), mul(numerator, sp.Pow(denominator, -1, evaluate=False)))
    else:
        def template(el, get):
            return f(get(u, el))

        def formula():
            return equation(note.index_sym(a, j), f(note.index_sym(u, j)))

    return formula, expander(note, a, template)


# ---------------------------------------------------------------- loss ------------

def batch_mean(note: Notation, mean: bool, expr):
    if mean and note.batched:
        return mul(sp.Rational(1, note.n_samples), expr)
    return expr


def loss(note: Notation, loss_def, yhat: str, mean: bool, labels):
    """L = (1/N) Σ_n Σ_k ℓ(ŷ_nk, y_nk), or the multiclass hinge on the scores."""
    k_units = note.values[yhat].shape[1]
    y_values = note.values["y"]
    hinge = loss_def.name == "hinge"

    def term_at(get, s, c):
        if hinge:
            margin = add(get(yhat, (s, c)), mul(-1, get(yhat, (s, int(labels[s])))), ONE)
            return sp.Max(0, margin)
        return slide_term(loss_def, get(yhat, (s, c)), get("y", (s, c)), float(y_values[s, c]))

    def wanted(s, c):
        # Cross-entropy terms with y = 0 vanish; the slides leave them out.
        if hinge:
            return c != int(labels[s])
        return not (loss_def.name == "cross_entropy" and y_values[s, c] == 0)

    def template(el, get):
        terms = [term_at(get, s, c) for s in range(note.n_samples) for c in range(k_units) if wanted(s, c)]
        return batch_mean(note, mean, long_sum(terms) if terms else sp.Integer(0))

    def formula():
        if hinge:
            y_n = entry("y", n) if note.batched else Name("y")
            s_y = note.index_sym(yhat, y_n)
            margin = add(note.index_sym(yhat, k), mul(-1, s_y), ONE)
            inner = sp.Sum(sp.Max(0, margin, evaluate=False), (k, 1, k_units))
            inner = _note_k_ne_y(inner)
        else:
            yh, yy = note.index_sym(yhat, k), note.index_sym("y", k)
            inner = slide_term(loss_def, yh, yy)
            if k_units > 1:
                inner = sp.Sum(inner, (k, 1, k_units))
            else:
                inner = slide_term(loss_def, note.index_sym(yhat, 1), note.index_sym("y", 1))
        return equation(Name("L"), batch_mean(note, mean, note.sample_sum(inner)))

    def expand(element):
        with sp.evaluate(False):
            symbolic = template((), note.sym)
            numeric = template((), note.val)
        return Expansion((), Name("L"), symbolic, numeric, float(note.values["loss"]),
                         note=_vanished_note(loss_def.name, y_values))

    return formula, expand


def slide_term(loss_def, yh, y, y_value: float | None = None):
    """The loss summand as a lecturer writes it: (ŷ − y)², −y·log ŷ,
    −(y·log ŷ + (1 − y)·log(1 − ŷ)). With the target's value known, the part that
    vanishes because y is exactly 0 or 1 is left out (in the symbols and the numbers alike)."""
    def log(e):
        return sp.log(e, evaluate=False)

    error = add(yh, mul(-1, y))
    name = loss_def.name
    if name == "squared_error":
        return sp.Pow(error, 2, evaluate=False)
    if name == "half_squared_error":
        return mul(sp.Rational(1, 2), sp.Pow(error, 2, evaluate=False))
    if name == "absolute_error":
        return sp.Abs(error, evaluate=False)
    if name == "cross_entropy":
        return mul(-1, log(yh)) if y_value == 1.0 else mul(-1, y, log(yh))
    if name == "binary_cross_entropy":
        if y_value == 1.0:
            return mul(-1, log(yh))
        if y_value == 0.0:
            return mul(-1, log(add(ONE, mul(-1, yh))))
        return mul(-1, add(mul(y, log(yh)), mul(add(ONE, mul(-1, y)), log(add(ONE, mul(-1, yh))))))
    return loss_def.term(yh, y)


def _vanished_note(name: str, y_values) -> str:
    """The slides' remark when a target of exactly 0 or 1 removes part of a loss term."""
    y = np.asarray(y_values, dtype=float)
    if name == "cross_entropy" and y.size > 1 and (y == 0).any():
        return "Terms with target yₖ = 0 vanish (0·log ŷₖ = 0) and are left out."
    if name == "binary_cross_entropy" and ((y == 0) | (y == 1)).any():
        return "With y = 1 only −log ŷ remains, with y = 0 only −log(1 − ŷ)."
    return ""


def _note_k_ne_y(total: sp.Sum):
    return sum_except("y", "y")(total.function, *total.limits)
