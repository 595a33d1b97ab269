"""kind = "init_stats": activation statistics of a deep network at initialisation.

The experiment of the slides (dims = [4096] * 7, batch 16): x ~ N(0, 1), then per layer
W ~ N(0, std²) and x ← f(x·W); record the mean, std and histogram of every layer.
`run_experiment` is the whole numeric core, with two ways to draw a layer:

* ``draw = "weights"``: the slides' loop — W ~ N(0, s²) of width², then x·W;
* ``draw = "outputs"`` (default): given x, the columns of u = x·W are independent and
  each is N(0, s²·xxᵀ), so u = s·R·Z with RRᵀ = xxᵀ and Z ~ N(0, 1) of batch × width.
  Same distribution of every statistic, from batch × width numbers instead of width².
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from stepcalc.engine.maths.activations import get_activation
from stepcalc.engine.kinds.common import Emitter, table
from stepcalc.records.notation import Cdots, Name, add, entry, mul
from stepcalc.records.flags import Flag, FlagKind

BOUNDED = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "step": (0.0, 1.0), "softsign": (-1.0, 1.0)}


def weight_std(method: str, d_in: int, std: float | None) -> float:
    if method == "xavier":
        return 1.0 / math.sqrt(d_in)
    if method == "kaiming":
        return math.sqrt(2.0 / d_in)
    return float(std)


def gram_root(x: np.ndarray) -> np.ndarray:
    """R with R·Rᵀ = x·xᵀ (symmetric square root; fine when xxᵀ is singular, e.g. dead ReLUs)."""
    x = x.astype(np.float64)
    # einsum, not BLAS: for 16-row products OpenBLAS's thread wake-ups cost 100× the arithmetic.
    gram = np.einsum("ik,jk->ij", x, x)
    values, vectors = np.linalg.eigh(gram)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def run_experiment(dims, batch: int, activation: str, method: str, std: float | None,
                   seed: int, dtype=np.float32, draw: str = "outputs") -> list[np.ndarray]:
    """The activations h¹ … h^L of one run (each batch × width)."""
    act = get_activation(activation)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, dims[0]), dtype=dtype)
    if draw == "outputs":
        layers = []
        for d_in, d_out in zip(dims[:-1], dims[1:]):
            z = rng.standard_normal((batch, d_out))
            u = weight_std(method, d_in, std) * np.einsum("ij,jk->ik", gram_root(x), z)
            x = act.forward(u).astype(dtype, copy=False)
            layers.append(x)
        return layers
    buffer = np.empty(max(a * b for a, b in zip(dims[:-1], dims[1:])), dtype=dtype)
    layers = []
    for d_in, d_out in zip(dims[:-1], dims[1:]):
        W = buffer[:d_in * d_out].reshape(d_in, d_out)   # contiguous, reused: no page faults
        rng.standard_normal(out=W, dtype=dtype)
        u = x @ W
        u *= dtype(weight_std(method, d_in, std))
        x = act.forward(u).astype(dtype, copy=False)
        layers.append(x)
    return layers


def trace(scenario):
    em = Emitter(scenario)
    spec = scenario.spec
    dims, batch, bins = spec["dims"], spec["batch"], spec["bins"]
    dtype = np.float32 if spec["dtype"] == "float32" else np.float64
    L = len(dims) - 1
    layer_names = [f"layer {l + 1}" for l in range(L)]
    for run in spec["runs"]:
        hs = run_experiment(dims, batch, run.activation, run.method, run.std, run.seed, dtype,
                            spec.get("draw", "outputs"))
        means = np.array([float(h.mean(dtype=np.float64)) for h in hs])
        stds = np.array([float(h.std(dtype=np.float64)) for h in hs])
        counts, edges = [], []
        for h in hs:
            lo_hi = BOUNDED.get(run.activation) or (float(h.min()), float(h.max()))
            if lo_hi[0] == lo_hi[1]:
                lo_hi = (lo_hi[0] - 0.5, lo_hi[1] + 0.5)
            c, e = np.histogram(h, bins=bins, range=lo_hi)
            counts.append(c)
            edges.append(e)
        prefix = run.name
        em.values[prefix + ".mean"] = means
        em.values[prefix + ".std"] = stds
        em.values[prefix + ".edges"] = np.array(edges)
        stats = np.column_stack([means, stds])
        act = get_activation(run.activation)
        described = _describe(run, dims)
        em.emit(prefix + ".stats", "forward", f"{run.name}: {act.text}, {described}", stats,
                f"Forward pass of a {L}-layer net ({'-'.join(map(str, dims))}, batch {batch}): "
                "mean and std of each layer's activations.",
                formula=_formula(act, run), table=table(layer_names, ("mean", "std"), stats, corner="layer"),
                flags=_flags(run, stds), expand=_std_expander(em, prefix, hs, stds))
        em.emit(prefix + ".hist", "forward", f"{run.name}: histogram of each layer", np.array(counts),
                f"np.histogram with {bins} bins over "
                + ("the activation's range." if run.activation in BOUNDED else "each layer's [min, max]."),
                table=table(layer_names, [f"{e:.3g}" for e in edges[-1][:-1]], np.array(counts),
                            corner="bin from", sparkline=True))
    return em.trace()


def _describe(run, dims) -> str:
    if run.method == "normal":
        return f"W ~ N(0, {run.std:g}²)"
    if run.method == "xavier":
        return f"Xavier (std = 1/√{dims[0]})"
    return f"Kaiming (std = √(2/{dims[0]}))"


def _formula(act, run):
    def formula():
        l, n, j, i = sp.symbols("l n j i", integer=True)
        h = sp.IndexedBase(Name("h"))
        w = sp.IndexedBase(Name("W"))
        f = sp.Function(act.text)
        product = sp.Sum(h[l - 1, n, i] * w[l, i, j], (i, 1, sp.Symbol("D_in")))
        return sp.Eq(h[l, n, j], f(product))
    return formula


def _std_expander(em, prefix, hs, stds):
    """σ_l = sqrt(mean((h − μ)²)) for one layer, with the first few terms written out."""
    def expand(element):
        from stepcalc.records.steps import Expansion
        from stepcalc.records.notation import num

        layer, column = element
        h = hs[layer].reshape(-1)
        mu = float(h.mean(dtype=np.float64))
        count = h.size
        with sp.evaluate(False):
            if column == 0:
                terms = [num(v) for v in (h[0], h[1], h[-1])]
                numeric = mul(add(terms[0], terms[1], Cdots(), terms[2]),
                              sp.Pow(sp.Integer(count), -1, evaluate=False))
                value = mu
                lhs = entry("mu", layer + 1)
            else:
                terms = [sp.Pow(sp.Add(num(v), num(-mu), evaluate=False), 2, evaluate=False)
                         for v in (h[0], h[1], h[-1])]
                numeric = sp.sqrt(mul(add(terms[0], terms[1], Cdots(), terms[2]),
                                      sp.Pow(sp.Integer(count), -1, evaluate=False)), evaluate=False)
                value = float(stds[layer])
                lhs = entry("sigma", layer + 1)
        return Expansion(element, lhs, None, numeric, value)
    return expand


def _flags(run, stds):
    flags = []
    if stds[-1] < 0.05 * max(stds[0], 1e-300):
        flags.append(Flag(FlagKind.NOTE, f"the activations collapse towards 0: the last layer's std is "
                          f"{stds[-1]:.3g}, the first layer's {stds[0]:.3g} (vanishing signal)"))
    if run.activation in ("tanh", "sigmoid") and stds[-1] > 0.9:
        flags.append(Flag(FlagKind.SATURATED_SIGMOID, "most activations sit at the ends of the range "
                          "(saturated): the local gradient is ≈ 0"))
    return tuple(flags)
