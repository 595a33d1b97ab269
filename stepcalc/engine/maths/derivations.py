"""Derivations shown beside the output error, so δ is derived rather than asserted.

* softmax + cross-entropy and sigmoid + binary cross-entropy: sympy.diff of the loss
  written in the logits, simplified to ŷ − y (see `losses.derive_fused_delta`; the shown
  cases are generated into fused_derivations.py by fused_codegen.py);
* any other elementwise loss: δ = ∂ℓ/∂ŷ · f′(u) with both factors from sympy.diff,
  e.g. the MSE output δ = 2(ŷ − y) ⊙ f′(u).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from stepcalc.engine.maths.activations import get_activation
from stepcalc.engine.maths.fused_derivations import BUILDERS
from stepcalc.engine.maths.losses import FusedDerivation, derive_fused_delta, get_loss
from stepcalc.records.notation import Grad, Name, applied, entry, mul
from stepcalc.records.steps import Derivation

SHOWN_CLASSES = 3   # the softmax derivation is written out for at most this many classes


def _indexed(name: str, index: int | None):
    return entry(name, index) if index is not None else Name(name)


@lru_cache(maxsize=8)
def shown_fused_delta(loss: str, K: int, components: int) -> FusedDerivation:
    """`derive_fused_delta`, rebuilt from fused_derivations.py (generated from it) when
    that file has it: about 12 ms instead of 50 in a run that shows one."""
    build = BUILDERS.get((loss, K, components))
    return build() if build is not None else derive_fused_delta(loss, K, components)


def fused_output_delta(scenario, out) -> Derivation:
    k_units = out.units
    shown = min(k_units, SHOWN_CLASSES) if out.activation == "softmax" else 1
    d = shown_fused_delta(scenario.train.loss, shown, 1)   # δ₁ shown; the rest by symmetry
    index = 1 if out.activation == "softmax" else None
    rename = {}
    for position, (u, y, yh) in enumerate(zip(d.logits, d.targets, d.yhat_symbols), 1):
        at = position if index is not None else None
        rename[u] = _indexed(out.pre, at)
        rename[y] = _indexed("y", at)
        rename[yh] = _indexed(out.post, at)
    chain = (d.raw[0].xreplace(rename), d.intermediate[0].xreplace(rename), d.result[0].xreplace(rename))
    comment = (f"Written out for K = {shown} classes; " if out.activation == "softmax" else "")
    if d.constraint is not None:
        comment += "the last line uses Σₖ yₖ = 1 (one-hot or probability targets)."
    else:
        comment += f"the last line writes σ({out.pre}) as {out.post}."
    return Derivation(Grad(_indexed(out.pre, index)).xreplace({}), chain, comment.strip())


def chained_output_delta(scenario, out) -> Derivation | None:
    loss = get_loss(scenario.train.loss)
    act = get_activation(out.activation)
    yh, y, u = entry(out.post, 1), entry("y", 1), entry(out.pre, 1)
    term = loss.term(yh, y) if loss.name != "hinge" else None
    if term is None or not act.elementwise:
        return None
    dl = sp.factor_terms(sp.diff(term, yh))        # 2(ŷ − y), the common factor pulled out
    f_prime = act.identity(u, yh, out.alpha)
    if f_prime is None:
        f_prime = act.derivative_expression(u, out.alpha)
    label = applied(act.latex + "'", act.text + "′")
    chain = (mul(Grad(yh), label(u)), mul(dl, f_prime))
    return Derivation(Grad(u), chain,
                      "Per sample: ∂ℓ/∂ŷ and f′ both come from sympy.diff; "
                      "with a mean over N samples each entry is divided by N.")


def softmax_output_delta(scenario, out) -> Derivation:
    """δ_1 of a softmax output under a loss that is not cross-entropy (e.g. squared error).

    ∂L/∂u_1 = Σᵢ ∂L/∂ŷᵢ · ∂ŷᵢ/∂u_1 with ∂ŷᵢ/∂u_k from sympy.diff of the softmax, the same
    entries rewritten as ŷᵢ(Δᵢₖ − ŷ_k) (sympy checks the two agree for every i, k), then
    collected to ŷ_1(∂L/∂ŷ_1 − Σᵢ ŷᵢ ∂L/∂ŷᵢ), then ∂L/∂ŷᵢ = sympy.diff of the loss term.
    """
    from stepcalc.engine.maths.symbols import softmax_jacobian_derivation

    shown = min(out.units, SHOWN_CLASSES)
    jac = softmax_jacobian_derivation(shown)
    if not all(sp.simplify(e) == 0 for e in (jac.raw - jac.identity_in_u)):
        raise AssertionError("softmax Jacobian: sympy.diff disagrees with h_i(Δ_ik − h_k)")
    rename = {}
    for k in range(shown):
        rename[jac.u[k]] = entry(out.pre, k + 1)
        rename[jac.h_symbols[k]] = entry(out.post, k + 1)
    yh = [entry(out.post, i + 1) for i in range(shown)]
    g = [Grad(e) for e in yh]
    with sp.evaluate(False):
        raw = sp.Add(*(mul(g[i], jac.raw[i, 0].xreplace(rename)) for i in range(shown)))
        in_h = sp.Add(*(mul(g[i], jac.identity[i, 0].xreplace(rename)) for i in range(shown)))
        inner = sp.Add(*(mul(yh[i], g[i]) for i in range(shown)))
        collected = mul(yh[0], sp.Add(g[0], mul(-1, inner)))
    chain = [raw, in_h, collected]
    loss = get_loss(scenario.train.loss)
    ys = [entry("y", i + 1) for i in range(shown)]
    term = loss.term(yh[0], ys[0]) if loss.name != "hinge" else None
    if term is not None:
        d = [sp.diff(loss.term(yh[i], ys[i]), yh[i]) for i in range(shown)]
        with sp.evaluate(False):
            inner_d = sp.Add(*(mul(yh[i], d[i]) for i in range(shown)))
            chain.append(mul(yh[0], sp.Add(d[0], mul(-1, inner_d))))
    comment = (f"Written out for K = {shown} classes. The softmax Jacobian ∂{out.post}ᵢ/∂{out.pre}ₖ = "
               f"{out.post}ᵢ(Δᵢₖ − {out.post}ₖ) (Δ = 1 when i = k, else 0) is sympy.diff of "
               f"e^{{{out.pre}ᵢ}}/Σⱼe^{{{out.pre}ⱼ}}, checked equal to that form for every i, k; "
               f"∂L/∂{out.post}ᵢ is sympy.diff of the loss term. With a mean over N samples each entry is divided by N.")
    return Derivation(Grad(entry(out.pre, 1)), tuple(chain), comment)
