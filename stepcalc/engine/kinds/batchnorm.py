"""kind = "batchnorm": μ, σ², x̂ = (x − μ)/√(σ² + ε), y = γx̂ + β over a small batch.

σ² is the biased batch variance (1/N), as on the slides and in training-mode batch norm.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from stepcalc.engine.kinds.common import Emitter
from stepcalc.records.notation import Name, add, entry, long_sum, mul

i, j = sp.symbols("i j", integer=True)
EPS = sp.Symbol("epsilon")


def _sigma2(idx):
    return sp.Pow(entry("sigma", *(int(a) + 1 for a in idx)), 2, evaluate=False)


def trace(scenario):
    em = Emitter(scenario)
    spec = scenario.spec
    x, gamma, beta, eps = spec["x"], spec["gamma"], spec["beta"], spec["eps"]
    N = x.shape[0]
    mu = x.mean(axis=0)
    var = ((x - mu) ** 2).mean(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    y = gamma * x_hat + beta
    em.values.update(gamma=gamma, beta=beta, eps=np.asarray(eps))
    em.alias.update(var=_sigma2, eps=lambda idx: EPS)
    em.emit("x", "forward", "The batch", x, f"{N} samples (rows) × {x.shape[1]} features (columns).",
            symbol=Name("x"))
    em.emit("mu", "forward", "Per-feature mean μ", mu, "The mean of each column over the batch.",
            formula=lambda: sp.Eq(entry("mu", j), mul(sp.Rational(1, N), sp.Sum(entry("x", i, j), (i, 1, N)))),
            expand=em.expander("mu", lambda el: em.sym("mu", el), lambda el, get: mul(
                long_sum([get("x", (r, el[0])) for r in range(N)]), sp.Pow(sp.Integer(N), -1, evaluate=False))),
            symbol=Name("mu"))
    em.emit("var", "forward", "Per-feature variance σ²", var,
            "The mean squared distance from μ (divided by N, not N − 1).",
            formula=lambda: sp.Eq(sp.Pow(entry("sigma", j), 2, evaluate=False), mul(sp.Rational(1, N), sp.Sum(
                sp.Pow(add(entry("x", i, j), mul(-1, entry("mu", j))), 2, evaluate=False), (i, 1, N)))),
            expand=em.expander("var", lambda el: _sigma2(el), lambda el, get: mul(long_sum([
                sp.Pow(add(get("x", (r, el[0])), mul(-1, get("mu", el))), 2, evaluate=False)
                for r in range(N)]), sp.Pow(sp.Integer(N), -1, evaluate=False))),
            symbol=sp.Pow(Name("sigma"), 2, evaluate=False))

    def hat(el, get):
        r, c = el
        return mul(add(get("x", el), mul(-1, get("mu", (c,)))),
                   sp.Pow(sp.sqrt(add(get("var", (c,)), get("eps", ())), evaluate=False), -1, evaluate=False))

    em.emit("x_hat", "forward", "Normalised x̂", x_hat,
            f"Each feature shifted to mean 0 and scaled to variance ≈ 1; ε = {eps:g} keeps the "
            "division safe when σ² = 0.",
            formula=lambda: sp.Eq(entry("x_hat", i, j), mul(add(entry("x", i, j), mul(-1, entry("mu", j))),
                                  sp.Pow(sp.sqrt(add(sp.Pow(entry("sigma", j), 2, evaluate=False), EPS), evaluate=False), -1, evaluate=False))),
            expand=em.expander("x_hat", lambda el: em.sym("x_hat", el), hat), symbol=Name("x_hat"))
    em.emit("y", "forward", "Scale and shift: y = γx̂ + β", y,
            "Learnable γ and β let the layer undo the normalisation if that helps "
            "(γ = σ, β = μ recovers x).",
            formula=lambda: sp.Eq(entry("y", i, j), add(mul(entry("gamma", j), entry("x_hat", i, j)), entry("beta", j))),
            expand=em.expander("y", lambda el: em.sym("y", el), lambda el, get: add(
                mul(get("gamma", (el[1],)), get("x_hat", el)), get("beta", (el[1],)))),
            symbol=Name("y"))
    return em.trace()
