"""Loss functions, each defined once: numpy per-sample value, sympy term, derived gradient.

Shapes: ŷ, y, logits are N × K (a flat vector is read as N × 1, the BCE case); labels are
N class indices. Every function returns the *per-sample* loss or its gradient, never
reduced over samples: the engine applies `reduction` (mean/sum) and its 1/N.

The gradient of an elementwise loss is `sympy.diff(term, ŷ_k)` lambdified once, never a
second hand-typed formula. cross_entropy and binary_cross_entropy read the logits when
given (log-sum-exp / softplus form) so that tiny losses such as 2.78e-11 survive, and
after softmax/sigmoid their gradient w.r.t. the logits is the fused δ = ŷ − y, which
`derive_fused_delta` derives with sympy. sympy is imported lazily.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, NamedTuple

import numpy as np

from stepcalc.engine.maths.registry import lookup

_TINY = np.finfo(np.float64).tiny   # smallest normal float: log(_TINY) ≈ −708, finite
_EPS = np.finfo(np.float64).eps


def _2d(x) -> np.ndarray | None:
    if x is None:
        return None
    x = np.asarray(x, dtype=np.float64)
    return x.reshape(-1, 1) if x.ndim == 1 else x


def _labels(labels, y: np.ndarray | None) -> np.ndarray:
    """Class indices; recovered from a one-hot y when not given."""
    if labels is not None:
        return np.asarray(labels, dtype=np.intp).reshape(-1)
    if y is None or not np.all((y == 0) | (y == 1)) or not np.all(y.sum(axis=1) == 1):
        raise ValueError("this loss needs class labels (or a one-hot y)")
    return np.argmax(y, axis=1)


def _one_hot(labels: np.ndarray, K: int) -> np.ndarray:
    out = np.zeros((labels.shape[0], K))
    out[np.arange(labels.shape[0]), labels] = 1.0
    return out


# --- per-sample values (numpy) --------------------------------------------------------


def _squared(yhat, y, logits, labels):
    return ((yhat - y) ** 2).sum(axis=1)


def _half_squared(yhat, y, logits, labels):
    return 0.5 * ((yhat - y) ** 2).sum(axis=1)


def _absolute(yhat, y, logits, labels):
    return np.abs(yhat - y).sum(axis=1)


def _bce(yhat, y, logits, labels):
    if logits is not None:
        # −y log σ(z) − (1−y) log(1−σ(z)) = max(z,0) − z·y + log(1 + e^{−|z|}): no
        # exp of a positive number, and no log(0) when σ(z) rounds to 0 or 1.
        z = logits
        with np.errstate(under="ignore"):
            return (np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))).sum(axis=1)
    p = np.clip(yhat, _TINY, 1 - _EPS)
    return -(y * np.log(p) + (1 - y) * np.log1p(-p)).sum(axis=1)


def _ce(yhat, y, logits, labels):
    if logits is not None:
        # −Σ y_k log softmax_k(z) = Σ y_k (m − z_k) + (Σ y_k)·log Σ_k e^{z_k − m}, m = max z.
        # The last log is log1p of the terms other than the max (which is e^0 = 1), so a
        # loss like log(1 + 2e^{−25}) = 2.78e-11 keeps its digits instead of rounding the
        # 1 + 2.78e-11 first.
        m = (z := logits).max(axis=1, keepdims=True)
        with np.errstate(under="ignore"):
            e = np.exp(z - m)
        e[np.arange(z.shape[0]), np.argmax(z, axis=1)] = 0.0
        log_sum = np.log1p(e.sum(axis=1))
        return (y * (m - z)).sum(axis=1) + y.sum(axis=1) * log_sum
    # Only ŷ: clip below (0·log(tiny) = 0 for the classes with y_k = 0).
    return -(y * np.log(np.clip(yhat, _TINY, None))).sum(axis=1)


def _hinge_margins(scores, labels):
    """s_k − s_y + 1 for k ≠ y, and 0 at k = y (the sum is over k ≠ y)."""
    rows = np.arange(scores.shape[0])
    margins = scores - scores[rows, labels][:, None] + 1.0
    margins[rows, labels] = 0.0
    return margins


def _hinge(yhat, y, logits, labels):
    scores = yhat if logits is None else logits
    return np.maximum(0.0, _hinge_margins(scores, _labels(labels, y))).sum(axis=1)


# --- sympy terms: the per-component summand, as the slides write it ------------------


def _sp():
    import sympy

    return sympy


def _t_squared(yhat, y):
    return (yhat - y) ** 2


def _t_half_squared(yhat, y):
    return _sp().Rational(1, 2) * (yhat - y) ** 2


def _t_absolute(yhat, y):
    return _sp().Abs(yhat - y)


def _t_bce(yhat, y):
    sp = _sp()
    return -y * sp.log(yhat) - (1 - y) * sp.log(1 - yhat)


def _t_ce(yhat, y):
    return -y * _sp().log(yhat)


# --- the record and the registry ------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Loss:
    name: str
    latex: str                      # per-sample formula, for display
    text: str
    per_sample_fn: Callable
    term: Callable | None           # (ŷ_k, y_k) -> sympy.Expr; None for hinge
    # Clip ŷ into the term's domain before evaluating its derivative (−y/ŷ at ŷ = 0).
    domain: tuple[float, float] | None = None
    fused_with: str | None = None   # output activation whose logits get δ = ŷ − y
    title: str = ""                 # how slide titles name it: "cross-entropy"

    def _inputs(self, yhat, y, logits, labels):
        yhat, y, logits = _2d(yhat), _2d(y), _2d(logits)
        if y is None and labels is not None:
            K = (yhat if yhat is not None else logits).shape[1]
            y = _one_hot(np.asarray(labels, dtype=np.intp).reshape(-1), K)
        return yhat, y, logits, labels

    def per_sample(self, yhat, y, logits=None, labels=None) -> np.ndarray:
        """(N,) float64: the loss of each sample."""
        return self.per_sample_fn(*self._inputs(yhat, y, logits, labels))

    def term_derivative(self):
        """(∂term/∂ŷ_k as sympy, (ŷ_k, y_k) symbols); derivatives_numpy.py holds it as numpy."""
        if self.term is None:
            return None
        from stepcalc.engine.maths.symbols import real_symbol

        yhat, y = real_symbol("yhat"), real_symbol("y")
        return _sp().diff(self.term(yhat, y), yhat), (yhat, y)

    def gradient(self, yhat, y, logits=None, labels=None) -> np.ndarray:
        """N × K: ∂(per-sample loss)/∂ŷ (hinge: ∂/∂scores), not reduced over samples."""
        yhat, y, logits, labels = self._inputs(yhat, y, logits, labels)
        if self.term is None:
            return _hinge_gradient(yhat if logits is None else logits, _labels(labels, y))
        from stepcalc.engine.maths import derivatives_numpy
        from stepcalc.engine.maths.arrays import as_float_array

        if self.domain is not None:
            yhat = np.clip(yhat, *self.domain)
        gradient = getattr(derivatives_numpy, "loss_" + self.name)   # sympy.diff of the term
        return as_float_array(gradient(yhat, y), yhat, y)

    def fused_delta(self, yhat, y) -> np.ndarray:
        """∂(per-sample loss)/∂logits = ŷ − y, for CE after softmax (targets summing to 1)
        and BCE after sigmoid; see `derive_fused_delta` for the derivation."""
        if self.fused_with is None:
            raise TypeError(f"{self.name} has no fused delta")
        return _2d(yhat) - _2d(y)

    def derive_fused_delta(self, K: int = 3) -> FusedDerivation:
        return derive_fused_delta(self.name, K)


def _hinge_gradient(scores, labels):
    positive = _hinge_margins(scores, labels) > 0
    grad = positive.astype(np.float64)
    # s_y appears with a minus sign in every positive margin.
    grad[np.arange(scores.shape[0]), labels] = -positive.sum(axis=1)
    return grad


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("squared_error", r"\sum_k (\hat{y}_k - y_k)^2", "Σₖ(ŷₖ − yₖ)²",
             _squared, _t_squared, title="squared error"),
        Loss("half_squared_error", r"\frac{1}{2}\sum_k (\hat{y}_k - y_k)^2", "½Σₖ(ŷₖ − yₖ)²",
             _half_squared, _t_half_squared, title="half squared error"),
        Loss("absolute_error", r"\sum_k \left|\hat{y}_k - y_k\right|", "Σₖ|ŷₖ − yₖ|",
             _absolute, _t_absolute, title="absolute error"),
        Loss("binary_cross_entropy", r"-y \log \hat{y} - (1 - y) \log(1 - \hat{y})",
             "−y log ŷ − (1 − y) log(1 − ŷ)", _bce, _t_bce,
             domain=(_TINY, 1 - _EPS), fused_with="sigmoid", title="binary cross-entropy"),
        Loss("cross_entropy", r"-\sum_k y_k \log \hat{y}_k", "−Σₖ yₖ log ŷₖ",
             _ce, _t_ce, domain=(_TINY, np.inf), fused_with="softmax", title="cross-entropy"),
        Loss("hinge", r"\sum_{k \neq y} \max(0,\ s_k - s_y + 1)", "Σ_{k≠y} max(0, sₖ − s_y + 1)",
             _hinge, None, title="multiclass hinge"),
    )
}


def get_loss(name: str) -> Loss:
    return lookup(LOSSES, name, "loss")


# --- δ = ŷ − y, derived -----------------------------------------------------------------


class FusedDerivation(NamedTuple):
    """The steps a renderer shows for "∂L/∂u_i = ŷ_i − y_i, derived, not asserted".

    CE:  loss −Σ_k y_k log softmax_k(u) → raw sympy.diff → ŷ_i·(Σ_k y_k) − y_i
         → (with Σ_k y_k = 1) ŷ_i − y_i.
    BCE: loss −y log σ(z) − (1−y) log(1−σ(z)) → raw diff → simplified in z
         → (with e^{−z} = (1−ŷ)/ŷ, i.e. ŷ = σ(z)) ŷ − y.
    """

    loss: object                    # sympy.Expr of the logits and targets
    logits: tuple                   # u_1..u_K (CE) or (z,) (BCE)
    targets: tuple                  # y_1..y_K or (y,)
    yhat: tuple                     # ŷ as expressions of the logits
    yhat_symbols: tuple             # ŷ_1..ŷ_K or (ŷ,)
    raw: tuple                      # sympy.diff(loss, logit_i), untouched
    intermediate: tuple             # the middle line (see above)
    constraint: object | None       # Eq(Σ_k y_k, 1) for CE, None for BCE
    result: tuple                   # ŷ_i − y_i, in the ŷ symbols


@lru_cache(maxsize=16)
def derive_fused_delta(name: str, K: int = 3, components: int | None = None) -> FusedDerivation:
    """Derive δ = ∂L/∂logits with sympy (slow-ish: only called when shown; cached).

    ``components`` limits the cross-entropy derivation to ∂L/∂u_1 … ∂L/∂u_components (the
    others are the same by symmetry; a slide shows one): a third of the work for K = 3.
    """
    sp = _sp()
    from stepcalc.engine.maths import symbols as S

    if name == "cross_entropy":
        u, h = S.softmax_components(K)
        y = tuple(S.real_symbol(f"y_{k}") for k in range(1, K + 1))
        yh = tuple(S.real_symbol(f"yhat_{k}") for k in range(1, K + 1))
        loss = -sp.Add(*(yk * sp.log(hk) for yk, hk in zip(y, h)))
        derived = u[:components] if components else u
        raw = tuple(sp.diff(loss, ui) for ui in derived)
        # log(e^{u_k}/S) = u_k − log S (the log-softmax); its derivative needs no simplify,
        # which costs half a second. Keep S = Σ e^{u_k} atomic so e^{u_i}/S can be renamed ŷ_i.
        denom, s_sym = sp.Add(*(sp.exp(uk) for uk in u)), sp.Symbol("S", positive=True)
        log_softmax_loss = -sp.Add(*(yk * (uk - sp.log(denom)) for yk, uk in zip(y, u)))
        middle = tuple(
            sp.collect(sp.expand(sp.diff(log_softmax_loss, ui).subs(denom, s_sym)
                                 .subs(sp.exp(ui), yh[i] * s_sym)), yh[i])
            for i, ui in enumerate(derived)
        )
        constraint = sp.Eq(sp.Add(*y), 1)
        result = tuple(m.subs(constraint.lhs, constraint.rhs) for m in middle)
        expected = tuple(yh[i] - y[i] for i in range(K))
        variables, targets, yhat_exprs = u, y, h
    elif name == "binary_cross_entropy":
        z, y1, yh1 = S.real_symbol("z"), S.real_symbol("y"), S.real_symbol("yhat")
        sigma = S.sigmoid_expr(z)
        loss = -y1 * sp.log(sigma) - (1 - y1) * sp.log(1 - sigma)
        raw = (sp.diff(loss, z),)
        middle = (sp.simplify(raw[0]),)
        constraint = None
        result = (sp.simplify(raw[0].subs(sp.exp(-z), (1 - yh1) / yh1)),)
        expected = (yh1 - y1,)
        variables, targets, yhat_exprs, yh = (z,), (y1,), (sigma,), (yh1,)
    else:
        raise TypeError(f"{name} has no fused delta")
    if any(sp.expand(r - e) != 0 for r, e in zip(result, expected)):
        # The derivation must reach ŷ − y by itself; if sympy's output ever changes shape
        # this is a bug to fix here, not something to paper over with the expected form.
        raise AssertionError(f"derivation of the {name} delta did not reach ŷ − y: {result}")
    return FusedDerivation(loss, variables, targets, yhat_exprs, yh, raw, middle,
                           constraint, result)


# --- distances and penalties for the "losses" kind --------------------------------------


def l1(a, b) -> float:
    """Σ|a − b| (sum of absolute differences)."""
    return float(np.sum(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def l2(a, b) -> float:
    """Σ(a − b)² (sum of squared differences, no square root: as on the slides)."""
    return float(np.sum((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))


def l1_penalty(w) -> float:
    """R¹(W) = Σ|w|."""
    return float(np.sum(np.abs(np.asarray(w, np.float64))))


def l2_penalty(w) -> float:
    """R²(W) = Σw²."""
    return float(np.sum(np.asarray(w, np.float64) ** 2))
