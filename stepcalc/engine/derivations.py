"""Derivations shown beside the output error, so δ is derived rather than asserted.

* softmax + cross-entropy and sigmoid + binary cross-entropy: sympy.diff of the loss
  written in the logits, simplified to ŷ − y (see `losses.derive_fused_delta`);
* any other elementwise loss: δ = ∂ℓ/∂ŷ · f′(u) with both factors from sympy.diff,
  e.g. the MSE output δ = 2(ŷ − y) ⊙ f′(u).
"""

from __future__ import annotations

import sympy as sp

from stepcalc.engine.activations import get_activation
from stepcalc.engine.losses import derive_fused_delta, get_loss
from stepcalc.engine.notation import Grad, Name, applied, entry, mul
from stepcalc.records import Derivation

SHOWN_CLASSES = 3   # the softmax derivation is written out for at most this many classes


def _indexed(name: str, index: int | None):
    return entry(name, index) if index is not None else Name(name)


def fused_output_delta(scenario, out) -> Derivation:
    k_units = out.units
    shown = min(k_units, SHOWN_CLASSES) if out.activation == "softmax" else 1
    d = derive_fused_delta(scenario.train.loss, shown)
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
    dl = sp.diff(term, yh)
    f_prime = act.identity(u, yh, out.alpha)
    if f_prime is None:
        f_prime = act.derivative_expression(u, out.alpha)
    label = applied(act.latex + "'", act.text + "′")
    chain = (mul(Grad(yh), label(u)), mul(dl, f_prime))
    return Derivation(Grad(u), chain,
                      "Per sample: ∂ℓ/∂ŷ and f′ both come from sympy.diff; "
                      "with a mean over N samples each entry is divided by N.")
