"""Index-level formulas of the backward pass, and their expansions (the update's are in
`update_formulas`).

Same shape as `formulas` (forward pass and loss): each builder returns
``(formula, expand)`` closures that build sympy only when a renderer asks.
"""

from __future__ import annotations

import sympy as sp

from stepcalc.engine.slides.formulas import (
    LAMBDA, ONE, Notation, batch_mean, expander, i, j, k, n,
)
from stepcalc.records.notation import (
    Grad, Name, add, applied, entry, equation, long_sum, mul, num,
)


# ---------------------------------------------------------------- backward --------

def fused_delta(note: Notation, u: str, yhat: str, mean: bool):
    """∂L/∂u = (ŷ − y)/N: softmax + cross-entropy, sigmoid + binary cross-entropy."""

    def template(el, get):
        return batch_mean(note, mean, add(get(yhat, el), mul(-1, get("y", el))))

    def formula():
        diff = add(note.index_sym(yhat, j), mul(-1, note.index_sym("y", j)))
        return equation(note.index_sym("grad." + u, j), batch_mean(note, mean, diff))

    return formula, expander(note, "grad." + u, template)


def loss_gradient(note: Notation, loss_def, yhat: str, mean: bool, labels):
    """∂L/∂ŷ: sympy.diff of the loss term (hinge: its subgradient on the scores)."""
    if loss_def.name == "hinge":
        return _hinge_gradient(note, yhat, mean, labels)
    # Real symbols: with complex ones diff(|ŷ − y|) is a re/im expansion holding
    # Derivative(…, ŷ), which cannot take a number (absolute_error crashed).
    yh, yy = sp.Symbol("yhat", real=True), sp.Symbol("y", real=True)
    # factor_terms: 2(ŷ − y) as a lecturer writes it, not sympy's −2y + 2ŷ.
    derivative = sp.factor_terms(sp.diff(loss_def.term(yh, yy), yh))

    def template(el, get):
        return batch_mean(note, mean, _substitute(derivative, {yh: get(yhat, el), yy: get("y", el)}))

    def formula():
        rhs = derivative.xreplace({yh: note.index_sym(yhat, j), yy: note.index_sym("y", j)})
        return equation(note.index_sym("grad." + yhat, j), batch_mean(note, mean, rhs))

    return formula, expander(note, "grad." + yhat, template)


def _hinge_gradient(note: Notation, s: str, mean: bool, labels):
    k_units = note.values[s].shape[1]
    indicator = applied(r"\mathbf{1}", "1")

    def margin(get, sample, c):
        label = int(labels[sample])
        return add(get(s, (sample, c)), mul(-1, get(s, (sample, label))), ONE)

    def template(el, get):
        sample, c = el
        label = int(labels[sample])
        if c != label:
            return batch_mean(note, mean, indicator(sp.StrictGreaterThan(margin(get, sample, c), 0, evaluate=False)))
        others = [indicator(sp.StrictGreaterThan(margin(get, sample, o), 0, evaluate=False))
                  for o in range(k_units) if o != label]
        return batch_mean(note, mean, mul(-1, long_sum(others)))

    def formula():
        y_n = entry("y", n) if note.batched else Name("y")
        m = add(note.index_sym(s, j), mul(-1, note.index_sym(s, y_n)), ONE)
        return equation(note.index_sym("grad." + s, j),
                     batch_mean(note, mean, indicator(sp.StrictGreaterThan(m, 0, evaluate=False))))

    return formula, expander(note, "grad." + s, template)


def _substitute(expr, mapping):
    """Put numbers (or symbols) into an expression without letting sympy evaluate it."""
    with sp.evaluate(False):
        return expr.xreplace(mapping)


def through_activation(note: Notation, act, u: str, a: str):
    """∂L/∂u = ∂L/∂a · f′(u), or the softmax Jacobian-vector product."""
    f_prime = applied(act.latex + "'", act.text + "′")
    k_units = note.values[u].shape[1]

    if not act.elementwise:
        def template(el, get):
            s, unit = el
            inner = long_sum([mul(get("grad." + a, (s, c)), get(a, (s, c))) for c in range(k_units)])
            return mul(get(a, el), add(get("grad." + a, el), mul(-1, inner)))

        def formula():
            inner = sp.Sum(mul(note.index_sym("grad." + a, k), note.index_sym(a, k)), (k, 1, k_units))
            return equation(note.index_sym("grad." + u, j),
                         mul(note.index_sym(a, j), add(note.index_sym("grad." + a, j), mul(-1, inner))))
    else:
        def template(el, get):
            derivative = num(note.values["fprime." + u][el]) if get == note.val else f_prime(get(u, el))
            return mul(get("grad." + a, el), derivative)

        def formula():
            return equation(note.index_sym("grad." + u, j),
                         mul(note.index_sym("grad." + a, j), f_prime(note.index_sym(u, j))))

    return formula, expander(note, "grad." + u, template)


def weight_gradient(note: Notation, inp: str, W: str, u: str, decay: float):
    """∂L/∂W_ij = Σ_n x_ni ∂L/∂u_nj (+ λ W_ij)."""
    off = note.shift
    d_in = note.values[inp].shape[1]

    def input_at(get, s, a):
        if note.folded and a == note.bias_row(d_in):
            return ONE
        return get(inp, (s, a - off))

    def template(el, get):
        a, unit = el if note.row else (el[1], el[0])
        terms = []
        for s in range(note.n_samples):
            pair = (input_at(get, s, a), get("grad." + u, (s, unit)))
            terms.append(mul(*pair) if note.row else mul(*reversed(pair)))
        total = long_sum(terms)
        if decay:
            total = add(total, mul(get("lambda", ()), get(W, el)))
        return total

    def formula():
        w_entry = entry(W, i, j) if note.row else entry(W, j, i)
        pair = (note.index_sym(inp, i), note.index_sym("grad." + u, j))
        rhs = note.sample_sum(mul(*pair) if note.row else mul(*reversed(pair)))
        if decay:
            rhs = add(rhs, mul(LAMBDA, w_entry))
        return equation(Grad(w_entry), rhs)

    return formula, expander(note, "grad." + W, template)


def bias_gradient(note: Notation, b: str, u: str):
    """∂L/∂b_j = Σ_n ∂L/∂u_nj."""

    def template(el, get):
        return long_sum([get("grad." + u, (s, el[0])) for s in range(note.n_samples)])

    def formula():
        return equation(Grad(entry(b, j)), note.sample_sum(note.index_sym("grad." + u, j)))

    return formula, expander(note, "grad." + b, template)


def input_gradient(note: Notation, a: str, W: str, u: str):
    """∂L/∂a_i = Σ_j W_ij ∂L/∂u_j (the error sent back through the weights)."""
    k_units = note.values[u].shape[1]
    off = note.shift

    def template(el, get):
        s, a_idx = el
        terms = []
        for unit in range(k_units):
            w = get(W, (a_idx + off, unit) if note.row else (unit, a_idx + off))
            terms.append(mul(w, get("grad." + u, (s, unit))))
        return long_sum(terms)

    def formula():
        w_entry = entry(W, i, j) if note.row else entry(W, j, i)
        rhs = sp.Sum(mul(w_entry, note.index_sym("grad." + u, j)), (j, 1, k_units))
        return equation(note.index_sym("grad." + a, i), rhs)

    return formula, expander(note, "grad." + a, template)
