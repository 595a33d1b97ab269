"""Shared sympy pieces for activations and losses.

This module imports sympy at the top; `activations` and `losses` import it lazily, so
`import stepcalc` (and a CLI `list`) does not pay for sympy until a formula is needed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
import sympy as sp
from sympy.printing.pretty.stringpict import prettyForm

# SELU constants (Klambauer et al. 2017) kept at full published precision for the
# symbolic side; numpy uses their float64 roundings.
SELU_LAMBDA = sp.Float("1.0507009873554804934193349852946", 32)
SELU_ALPHA = sp.Float("1.6732632423543772848170429916717", 32)


def real_symbol(name: str) -> sp.Symbol:
    """A real symbol: with it diff(|x|) is sign(x), not the complex re/im expansion."""
    return sp.Symbol(name, real=True)


def sigmoid_expr(x: sp.Expr) -> sp.Expr:
    """σ(x) = 1/(1 + e^{−x}), written as on the slides."""
    return 1 / (1 + sp.exp(-x))


class OtherExpSum(sp.Symbol):
    """Σ_{k≠i} e^{u_k}: the softmax denominator without the component's own term.

    Writing one softmax component as e^u / (e^u + Σ_{k≠i} e^{u_k}) keeps u the only
    variable, so sympy.diff gives the diagonal Jacobian entry h(1 − h) exactly.
    """

    def _latex(self, printer) -> str:
        return r"\sum_{k \neq i} e^{u_{k}}"

    def _sympystr(self, printer) -> str:
        return "Σ_{k≠i} exp(u_k)"

    def _pretty(self, printer):
        return prettyForm("Σₖ≠ᵢ eᵘᵏ")


def softmax_one_component(u: sp.Symbol) -> sp.Expr:
    return sp.exp(u) / (sp.exp(u) + OtherExpSum("S", positive=True))


def softmax_components(K: int) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Expr, ...]]:
    """(u_1..u_K, h_1..h_K) with h_i = e^{u_i} / Σ_k e^{u_k}, all K symbols explicit."""
    u = tuple(real_symbol(f"u_{k}") for k in range(1, K + 1))
    denominator = sp.Add(*(sp.exp(uk) for uk in u))
    return u, tuple(sp.exp(ui) / denominator for ui in u)


class SoftmaxJacobian(NamedTuple):
    """∂h_i/∂u_k derived with sympy.diff, next to the slide's form h_i(Δ_ik − h_k)."""

    u: tuple[sp.Symbol, ...]
    h: tuple[sp.Expr, ...]          # h_i as functions of u
    h_symbols: tuple[sp.Symbol, ...]
    raw: sp.Matrix                  # sympy.diff(h_i, u_k), unsimplified
    identity: sp.Matrix             # h_i(Δ_ik − h_k) in the h symbols (for display)
    identity_in_u: sp.Matrix        # the same with h_i replaced by its expression in u


@lru_cache(maxsize=8)
def softmax_jacobian_derivation(K: int = 3) -> SoftmaxJacobian:
    u, h = softmax_components(K)
    hs = tuple(real_symbol(f"h_{k}") for k in range(1, K + 1))
    raw = sp.Matrix(K, K, lambda i, k: sp.diff(h[i], u[k]))
    identity = sp.Matrix(K, K, lambda i, k: hs[i] * (sp.KroneckerDelta(i, k) - hs[k]))
    in_u = identity.subs(dict(zip(hs, h)))
    return SoftmaxJacobian(u, h, hs, raw, identity, in_u)
