"""Index-level formulas of batch normalisation and dropout, forward and backward.

Same shape as `formulas`: each builder returns ``(formula, expand)`` closures that build
sympy only when a renderer asks. Batch-norm quantities are per feature j (μ_j, σ²_j, γ_j,
β_j) or per sample and feature (x̂_nj); sums run over the samples of the batch. The
backward formulas are the classic derivation, one intermediate at a time.
"""

from __future__ import annotations

import sympy as sp

from stepcalc.engine.slides.formulas import ONE, Notation, expander, j, n
from stepcalc.records.notation import Grad, Name, add, entry, equation, long_sum, mul, num

EPSILON = Name("epsilon")
HALF = sp.Rational(1, 2)


def _eps(note: Notation, get, eps: float):
    return num(eps) if get == note.val else EPSILON


def _inv_n(note: Notation):
    return sp.Rational(1, note.n_samples)


def _batch_sum(note: Notation, template_at, j_idx: int):
    """Σ_n of the per-sample terms template_at(s) of feature j_idx, written out."""
    return long_sum([template_at(s) for s in range(note.n_samples)])


def _centred(get, x: str, mu: str, s: int, unit: int):
    return add(get(x, (s, unit)), mul(-1, get(mu, (unit,))))


def _root(note: Notation, get, var: str, unit: int, eps: float):
    return sp.sqrt(add(get(var, (unit,)), _eps(note, get, eps)), evaluate=False)


def _sym_root(note: Notation, var: str):
    return sp.sqrt(add(entry(var, j), EPSILON), evaluate=False)


def _sym_centred(note: Notation, x: str, mu: str):
    return add(note.index_sym(x, j), mul(-1, entry(mu, j)))


# ---------------------------------------------------------------- forward ---------

def batch_mean(note: Notation, x: str, mu: str):
    """μ_j = (1/N) Σ_n x_nj."""

    def template(el, get):
        unit = el[0]
        return mul(_inv_n(note), _batch_sum(note, lambda s: get(x, (s, unit)), unit))

    def formula():
        return equation(entry(mu, j), mul(_inv_n(note), note.sample_sum(note.index_sym(x, j))))

    return formula, expander(note, mu, template)


def batch_variance(note: Notation, x: str, mu: str, var: str):
    """σ²_j = (1/N) Σ_n (x_nj − μ_j)² (biased, as batch norm normalises in training)."""

    def template(el, get):
        unit = el[0]
        return mul(_inv_n(note), _batch_sum(
            note, lambda s: sp.Pow(_centred(get, x, mu, s, unit), 2, evaluate=False), unit))

    def formula():
        square = sp.Pow(_sym_centred(note, x, mu), 2, evaluate=False)
        return equation(entry(var, j), mul(_inv_n(note), note.sample_sum(square)))

    return formula, expander(note, var, template)


def normalised(note: Notation, x: str, mu: str, var: str, x_hat: str, eps: float):
    """x̂_nj = (x_nj − μ_j) / √(σ²_j + ε)."""

    def template(el, get):
        s, unit = el
        return mul(_centred(get, x, mu, s, unit),
                   sp.Pow(_root(note, get, var, unit, eps), -1, evaluate=False))

    def formula():
        return equation(note.index_sym(x_hat, j),
                        mul(_sym_centred(note, x, mu), sp.Pow(_sym_root(note, var), -1, evaluate=False)))

    return formula, expander(note, x_hat, template)


def scale_shift(note: Notation, x_hat: str, gamma: str, beta: str, y: str):
    """y_nj = γ_j x̂_nj + β_j."""

    def template(el, get):
        s, unit = el
        return add(mul(get(gamma, (unit,)), get(x_hat, el)), get(beta, (unit,)))

    def formula():
        return equation(note.index_sym(y, j),
                        add(mul(entry(gamma, j), note.index_sym(x_hat, j)), entry(beta, j)))

    return formula, expander(note, y, template)


def dropout(note: Notation, x: str, mask: str, a: str, p: float):
    """a_nj = x_nj · m_nj / (1 − p): inverted dropout with the given mask."""

    def keep(get):
        return add(ONE, mul(-1, num(p) if get == note.val else Name("p")))

    def template(el, get):
        return mul(get(x, el), get(mask, el), sp.Pow(keep(get), -1, evaluate=False))

    def formula():
        return equation(note.index_sym(a, j), mul(note.index_sym(x, j), note.index_sym(mask, j),
                                                  sp.Pow(keep(note.sym), -1, evaluate=False)))

    return formula, expander(note, a, template)


# ---------------------------------------------------------------- backward --------

def dropout_gradient(note: Notation, x: str, mask: str, a: str, p: float):
    """∂L/∂x_nj = ∂L/∂a_nj · m_nj / (1 − p)."""

    def keep(get):
        return add(ONE, mul(-1, num(p) if get == note.val else Name("p")))

    def template(el, get):
        return mul(get("grad." + a, el), get(mask, el), sp.Pow(keep(get), -1, evaluate=False))

    def formula():
        return equation(note.index_sym("grad." + x, j),
                        mul(note.index_sym("grad." + a, j), note.index_sym(mask, j),
                            sp.Pow(keep(note.sym), -1, evaluate=False)))

    return formula, expander(note, "grad." + x, template)


def xhat_gradient(note: Notation, y: str, gamma: str, x_hat: str):
    """∂L/∂x̂_nj = ∂L/∂y_nj · γ_j."""

    def template(el, get):
        return mul(get("grad." + y, el), get(gamma, (el[1],)))

    def formula():
        return equation(note.index_sym("grad." + x_hat, j),
                        mul(note.index_sym("grad." + y, j), entry(gamma, j)))

    return formula, expander(note, "grad." + x_hat, template)


def var_gradient(note: Notation, x: str, mu: str, var: str, x_hat: str, eps: float):
    """∂L/∂σ²_j = Σ_n ∂L/∂x̂_nj · (x_nj − μ_j) · (−½)(σ²_j + ε)^(−3/2)."""

    def power(get, unit):
        return sp.Pow(add(get(var, (unit,)), _eps(note, get, eps)), sp.Rational(-3, 2), evaluate=False)

    def template(el, get):
        unit = el[0]
        total = _batch_sum(note, lambda s: mul(get("grad." + x_hat, (s, unit)),
                                               _centred(get, x, mu, s, unit)), unit)
        return mul(total, -HALF, power(get, unit))

    def formula():
        inner = note.sample_sum(mul(note.index_sym("grad." + x_hat, j), _sym_centred(note, x, mu)))
        power_sym = sp.Pow(add(entry(var, j), EPSILON), sp.Rational(-3, 2), evaluate=False)
        return equation(Grad(entry(var, j)), mul(inner, -HALF, power_sym))

    return formula, expander(note, "grad." + var, template)


def mu_gradient(note: Notation, x: str, mu: str, var: str, x_hat: str, eps: float):
    """∂L/∂μ_j = Σ_n ∂L/∂x̂_nj · (−1/√(σ²_j + ε)) + ∂L/∂σ²_j · (1/N) Σ_n −2(x_nj − μ_j)."""

    def template(el, get):
        unit = el[0]
        first = _batch_sum(note, lambda s: mul(get("grad." + x_hat, (s, unit)), -1,
                                               sp.Pow(_root(note, get, var, unit, eps), -1,
                                                      evaluate=False)), unit)
        second = mul(get("grad." + var, (unit,)), _inv_n(note),
                     _batch_sum(note, lambda s: mul(-2, _centred(get, x, mu, s, unit)), unit))
        return add(first, second)

    def formula():
        first = note.sample_sum(mul(note.index_sym("grad." + x_hat, j), -1,
                                    sp.Pow(_sym_root(note, var), -1, evaluate=False)))
        second = mul(Grad(entry(var, j)), _inv_n(note),
                     note.sample_sum(mul(-2, _sym_centred(note, x, mu))))
        return equation(Grad(entry(mu, j)), add(first, second))

    return formula, expander(note, "grad." + mu, template)


def input_gradient(note: Notation, x: str, mu: str, var: str, x_hat: str, eps: float):
    """∂L/∂x_nj = ∂L/∂x̂_nj / √(σ²_j + ε) + ∂L/∂σ²_j · 2(x_nj − μ_j)/N + ∂L/∂μ_j / N."""

    def template(el, get):
        s, unit = el
        return add(mul(get("grad." + x_hat, el), sp.Pow(_root(note, get, var, unit, eps), -1, evaluate=False)),
                   mul(get("grad." + var, (unit,)), 2, _centred(get, x, mu, s, unit), _inv_n(note)),
                   mul(get("grad." + mu, (unit,)), _inv_n(note)))

    def formula():
        return equation(note.index_sym("grad." + x, j), add(
            mul(note.index_sym("grad." + x_hat, j), sp.Pow(_sym_root(note, var), -1, evaluate=False)),
            mul(Grad(entry(var, j)), 2, _sym_centred(note, x, mu), _inv_n(note)),
            mul(Grad(entry(mu, j)), _inv_n(note))))

    return formula, expander(note, "grad." + x, template)


def gamma_gradient(note: Notation, y: str, x_hat: str, gamma: str):
    """∂L/∂γ_j = Σ_n ∂L/∂y_nj · x̂_nj."""

    def template(el, get):
        unit = el[0]
        return _batch_sum(note, lambda s: mul(get("grad." + y, (s, unit)), get(x_hat, (s, unit))), unit)

    def formula():
        return equation(Grad(entry(gamma, j)),
                        note.sample_sum(mul(note.index_sym("grad." + y, j), note.index_sym(x_hat, j))))

    return formula, expander(note, "grad." + gamma, template)
