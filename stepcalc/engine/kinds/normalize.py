"""kind = "normalize": pixel data scaled to [0, 1], to [−1, 1], and z-scored."""

from __future__ import annotations

import numpy as np
import sympy as sp

from stepcalc.engine.kinds.common import Emitter
from stepcalc.records.notation import Name, add, entry, long_sum, mul

i = sp.Symbol("i", integer=True)


def exact(value: float):
    """255 → 255, 127.5 → 255/2: divisors printed exactly, not rounded to 3 digits."""
    return sp.Integer(int(value)) if float(value).is_integer() else sp.Rational(str(value))


def to_unit(x: np.ndarray, top: float) -> np.ndarray:
    """[0, top] → [0, 1]."""
    return x / top


def to_symmetric(x: np.ndarray, top: float) -> np.ndarray:
    """[0, top] → [−1, 1]: divide by half the range, shift by −1."""
    return x / (top / 2) - 1


def zscore(x: np.ndarray, mean: float | None, std: float | None):
    """(z, μ, σ), computed on x / max|x| and scaled back: the sum of squares of pixels
    near 1e308 would overflow (σ = ∞, z = 0), while on the scaled data σ ≤ max|x| and
    z = (x/s − μ/s) / (σ/s) stays exact (±1 for [1e308, −1e308])."""
    peak = float(np.max(np.abs(x)))
    scale = peak if np.isfinite(peak) and peak > 0 else 1.0
    scaled = x / scale
    mu_s = float(scaled.mean()) if mean is None else mean / scale
    sigma_s = float(scaled.std()) if std is None else std / scale
    with np.errstate(all="ignore"):   # a given σ tiny next to huge pixels: z = ±inf, flagged
        z = (scaled - mu_s) / sigma_s
    mu = float(mu_s * scale) if mean is None else mean
    sigma = float(sigma_s * scale) if std is None else std
    return z, mu, sigma


def trace(scenario):
    em = Emitter(scenario)
    spec = scenario.spec
    x, top = spec["pixels"], spec["max_value"]
    em.values["m"] = np.asarray(top)
    em.values["half"] = np.asarray(top / 2)
    em.alias.update(m=lambda idx: exact(top), half=lambda idx: exact(top / 2),
                    mu=lambda idx: Name("mu"), sigma=lambda idx: Name("sigma"))
    em.emit("x", "forward", "The pixels", x, f"Raw values in [0, {top:g}].", symbol=Name("x"))
    idx = (i,) if x.ndim == 1 else sp.symbols("i j", integer=True)
    X = entry("x", *idx)

    def lhs(name):
        return lambda el: em.sym(name, el)

    for method in spec["methods"]:
        if method == "unit":
            em.emit("unit", "forward", "Scale to [0, 1]: x / 255" if top == 255 else f"Scale to [0, 1]: x / {top:g}",
                    to_unit(x, top), "Divide by the largest possible value.",
                    formula=lambda: sp.Eq(entry("unit", *idx), mul(X, sp.Pow(exact(top), -1, evaluate=False))),
                    expand=em.expander("unit", lhs("unit"), lambda el, get: mul(
                        get("x", el), sp.Pow(exact(top), -1, evaluate=False))), symbol=Name("unit"))
        elif method == "symmetric":
            em.emit("symmetric", "forward", f"Scale to [−1, 1]: x / {top / 2:g} − 1", to_symmetric(x, top),
                    f"Divide by half the range ({top / 2:g}) and shift by −1 (the same as PyTorch "
                    "Normalize(0.5, 0.5) after ToTensor).",
                    formula=lambda: sp.Eq(entry("symmetric", *idx), add(mul(X, sp.Pow(exact(top / 2), -1, evaluate=False)), -1)),
                    expand=em.expander("symmetric", lhs("symmetric"), lambda el, get: add(mul(
                        get("x", el), sp.Pow(exact(top / 2), -1, evaluate=False)), -1)), symbol=Name("symmetric"))
        else:
            z, mu, sigma = zscore(x, spec["mean"], spec["std"])
            flat = list(np.ndindex(x.shape))
            em.values["mu"] = np.asarray(mu)
            em.emit("mu", "forward", "Mean μ of the pixels" if spec["mean"] is None else "Given mean μ", mu,
                    "Computed from the data." if spec["mean"] is None else "Given in the scenario.",
                    expand=None if spec["mean"] is not None else em.expander("mu", lambda el: Name("mu"),
                        lambda el, get: mul(long_sum([get("x", e) for e in flat]),
                                            sp.Pow(sp.Integer(len(flat)), -1, evaluate=False))))
            em.emit("sigma", "forward", "Standard deviation σ of the pixels" if spec["std"] is None
                    else "Given std σ", sigma,
                    "Population std (divided by N), as np.std." if spec["std"] is None else "Given in the scenario.",
                    expand=None if spec["std"] is not None else em.expander("sigma", lambda el: Name("sigma"),
                        lambda el, get: sp.sqrt(mul(long_sum([sp.Pow(add(get("x", e), mul(-1, get("mu", ()))), 2,
                                                                     evaluate=False) for e in flat]),
                                                    sp.Pow(sp.Integer(len(flat)), -1, evaluate=False)), evaluate=False)))
            em.emit("zscore", "forward", "z-score: (x − μ) / σ", z,
                    "Mean 0 and std 1 over the data.",
                    formula=lambda: sp.Eq(entry("zscore", *idx), mul(add(X, mul(-1, Name("mu"))),
                                                                     sp.Pow(Name("sigma"), -1, evaluate=False))),
                    expand=em.expander("zscore", lhs("zscore"), lambda el, get: mul(
                        add(get("x", el), mul(-1, get("mu", ()))), sp.Pow(get("sigma", ()), -1, evaluate=False))),
                    symbol=Name("zscore"))
    return em.trace()
