"""Activation functions, each defined once (micrograd-style).

One `Activation` holds, side by side: the numpy forward (stable, vectorised, float64),
the sympy expression as the slides write it, and optionally the slide's identity for
the derivative in terms of u and a = f(u) (σ′ = a(1 − a), tanh′ = 1 − a²). The
derivative itself always comes from `sympy.diff(expression)`; the identities are proven
equal to it by the tests, and are only preferred for *numbers* because they stay finite
where the raw diff would evaluate inf/inf (e.g. σ′ at u = −1e4).

Kinks follow the slides: ReLU′(0) = 0, LeakyReLU′(0) = PReLU′(0) = α, ELU′(0) = α,
SELU′(0) = λ, step′ = 0 everywhere (sympy's diff of the Piecewise). sympy is imported lazily: importing this module costs numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import numpy as np

from stepcalc.engine.maths.registry import lookup

# float64 roundings of the SELU constants; `symbols.SELU_*` keep full precision.
_SELU_LAMBDA = 1.0507009873554804934193349852946
_SELU_ALPHA = 1.6732632423543772848170429916717

# Derivative below which a sigmoid/tanh unit counts as saturated. 1e-3 is 1/250 of σ′'s
# peak (0.25) and 1/1000 of tanh′'s peak (1): it is where the value prints as 0.999 / 0.001
# at the slides' three decimals (σ: |u| ≳ 6.9, tanh: |u| ≳ 3.8), and where the gradient
# through the unit has all but vanished.
SATURATION_THRESHOLD = 1e-3


def _f64(u) -> np.ndarray:
    return np.asarray(u, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Activation:
    name: str
    latex: str
    text: str
    forward_fn: Callable[..., np.ndarray]         # (u, alpha) -> f(u), float64
    expression_fn: Callable[..., object]          # (u, alpha) -> sympy.Expr
    slide_identity: Callable[..., object] | None = None  # (u, a, alpha) -> sympy.Expr
    elementwise: bool = True
    uses_alpha: bool = False
    default_alpha: float | None = None
    # What it does, in one sentence for the slides (training layers and the activations kind).
    summary: str = "The function is applied entry by entry."
    # f′(u) in a form that keeps its digits where the identity cancels (σ′ = a(1 − a) is
    # 1·0 = 0 at u = 40, the true value is 4.2e−18); tested against sympy.diff.
    stable_derivative: Callable[[np.ndarray], np.ndarray] | None = None

    def alpha_or_default(self, alpha):
        return self.default_alpha if alpha is None else alpha

    def forward(self, u, alpha=None) -> np.ndarray:
        """f(u), vectorised float64 (row-wise for softmax)."""
        return self.forward_fn(u, self.alpha_or_default(alpha))

    def expression(self, u, alpha=None):
        """f(u) as the slides write it; alpha may be a number or a sympy Symbol."""
        return self.expression_fn(u, self.alpha_or_default(alpha))

    def identity(self, u, a, alpha=None):
        """The slide's form of f′ in terms of u and a = f(u); None if diff is already it."""
        if self.slide_identity is None:
            return None
        return self.slide_identity(u, a, self.alpha_or_default(alpha))

    def derivative_expression(self, u, alpha=None):
        import sympy as sp

        return sp.diff(self.expression(u, self.alpha_or_default(alpha)), u)

    def derivative_for_numbers(self):
        """(u, a, alpha, f′) with f′ the slide identity in u and a = f(u) where there is
        one, else sympy.diff: what derivatives_numpy.py holds as numpy code."""
        from stepcalc.engine.maths import symbols as S

        u, a, alpha = S.real_symbol("u"), S.real_symbol("a"), S.real_symbol("alpha")
        expr = self.identity(u, a, alpha)
        if expr is None:
            expr = self.derivative_expression(u, alpha)
        return u, a, alpha, expr

    def derivative(self, u, a=None, alpha=None) -> np.ndarray:
        """f′(u) as a float64 array of u's shape; a = f(u) is recomputed if not given."""
        if not self.elementwise:
            raise TypeError(f"{self.name} is not elementwise: use softmax_vjp(a, g)")
        u = _f64(u)
        if self.stable_derivative is not None:
            return self.slope(u, None, alpha)
        alpha = self.alpha_or_default(alpha)
        a = self.forward(u, alpha) if a is None else _f64(a)
        # numpy evaluates every Piecewise branch: e^{1e4} in the branch not taken
        # overflows harmlessly, and σ(u) = 1/(1 + e^{−u}) → 1/inf = 0 is the right limit.
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            return self.slope(u, a, alpha)

    def slope(self, u: np.ndarray, a: np.ndarray | None, alpha) -> np.ndarray:
        """`derivative` without its checks and warning filter, for the training loop's
        every step: u and a = f(u) are float64 arrays (a may be None where the stable
        derivative needs u only), alpha already defaulted, and the caller silences numpy's
        float warnings (run_numbers does, once per run)."""
        if self.stable_derivative is not None:
            return np.asarray(self.stable_derivative(u), dtype=np.float64)   # 0-d stays an array
        value = self._numbers_derivative(u, a, 0.0 if alpha is None else float(alpha))
        if (type(value) is np.ndarray and value.dtype == np.float64 and value.shape == u.shape
                and value.base is None and value is not u and value is not a):
            return value     # a new float64 array of u's shape already (the training loop's case)
        from stepcalc.engine.maths.arrays import as_float_array

        return as_float_array(value, u, a)

    @cached_property
    def _numbers_derivative(self) -> Callable[..., object]:
        """f′ as generated numpy code (derivatives_numpy.py), looked up once."""
        from stepcalc.engine.maths import derivatives_numpy

        return getattr(derivatives_numpy, "activation_" + self.name)


# --- numpy forwards -----------------------------------------------------------------
# Each silences only underflow (e^{−1000} → 0 is the correct answer, not an error).


def _identity(u, alpha=None):
    return _f64(u).copy()


def _step(u, alpha=None):
    return np.where(_f64(u) >= 0, 1.0, 0.0)


def _sigmoid(u, alpha=None):
    # e^{−|u|} never overflows; the two branches are the same function rearranged:
    # 1/(1 + e) for u ≥ 0, e/(1 + e) below, as one division of the chosen numerator (the
    # experiment kind's deep sigmoid runs spend much of their time here).
    u = _f64(u)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(u))
        return np.divide(np.where(u >= 0, 1.0, e), e + 1.0)


def _tanh(u, alpha=None):
    return np.tanh(_f64(u))


def _relu(u, alpha=None):
    return np.maximum(_f64(u), 0.0)


def _leaky(u, alpha):
    u = _f64(u)
    return np.where(u > 0, u, alpha * u)


def _elu_core(u, alpha):
    # expm1 of min(u, 0): no overflow for large u (that branch is discarded anyway),
    # and accurate e^u − 1 for small |u|.
    u = _f64(u)
    with np.errstate(under="ignore"):
        return np.where(u > 0, u, alpha * np.expm1(np.minimum(u, 0.0)))


def _selu(u, alpha=None):
    return _SELU_LAMBDA * _elu_core(u, _SELU_ALPHA)


def _softplus(u, alpha=None):
    with np.errstate(under="ignore"):
        return np.logaddexp(0.0, _f64(u))


def _swish(u, alpha=None):
    u = _f64(u)
    return u * _sigmoid(u)


def _softsign(u, alpha=None):
    u = _f64(u)
    return u / (1.0 + np.abs(u))


def _softmax(u, alpha=None):
    """Row-wise (last axis); subtracting the row max keeps every exponent ≤ 0."""
    u = _f64(u)
    # np.maximum.reduce / np.add.reduce are what u.max / e.sum call, minus a Python
    # wrapper each: this runs at every training step.
    z = u - np.maximum.reduce(u, axis=-1, keepdims=True)
    with np.errstate(under="ignore"):
        e = np.exp(z)
    return e / np.add.reduce(e, axis=-1, keepdims=True)


# --- sympy expressions (as the slides write them) -------------------------------------


def _sp():
    import sympy

    return sympy


def _e_identity(u, alpha=None):
    return u


def _e_step(u, alpha=None):
    sp = _sp()
    return sp.Piecewise((0, u < 0), (1, True))


def _e_sigmoid(u, alpha=None):
    from stepcalc.engine.maths.symbols import sigmoid_expr

    return sigmoid_expr(u)


def _e_tanh(u, alpha=None):
    return _sp().tanh(u)


def _e_relu(u, alpha=None):
    sp = _sp()
    return sp.Piecewise((0, u <= 0), (u, True))


def _e_leaky(u, alpha):
    sp = _sp()
    return sp.Piecewise((alpha * u, u <= 0), (u, True))


def _e_elu(u, alpha):
    sp = _sp()
    return sp.Piecewise((alpha * (sp.exp(u) - 1), u <= 0), (u, True))


def _e_selu(u, alpha=None):
    # As on the SELU slide: λu for u ≥ 0, so SELU′(0) = λ (ELU's slide puts 0 left).
    from stepcalc.engine.maths.symbols import SELU_ALPHA, SELU_LAMBDA

    sp = _sp()
    return sp.Piecewise((SELU_LAMBDA * SELU_ALPHA * (sp.exp(u) - 1), u < 0), (SELU_LAMBDA * u, True))


def _e_softplus(u, alpha=None):
    sp = _sp()
    return sp.log(1 + sp.exp(u))


def _e_swish(u, alpha=None):
    sp = _sp()
    return u / (1 + sp.exp(-u))


def _e_softsign(u, alpha=None):
    return u / (1 + _sp().Abs(u))


def _e_softmax(u, alpha=None):
    """One component, e^u / (e^u + Σ_{k≠i} e^{u_k}); the full K-vector is
    `softmax_components(K)`."""
    from stepcalc.engine.maths.symbols import softmax_one_component

    return softmax_one_component(u)


# --- the slides' derivative identities (tests prove each equals sympy.diff) ----------


def _i_sigmoid(u, a, alpha=None):
    return a * (1 - a)


def _i_tanh(u, a, alpha=None):
    return 1 - a**2


def _i_softplus(u, a, alpha=None):
    from stepcalc.engine.maths.symbols import sigmoid_expr

    return sigmoid_expr(u)


def _i_swish(u, a, alpha=None):
    from stepcalc.engine.maths.symbols import sigmoid_expr

    return a + sigmoid_expr(u) * (1 - a)


# --- derivatives that keep their digits in the tails ----------------------------------
# Same functions as sympy.diff of the expressions above (tests/robustness/test_numerics.py
# compares them at 50 digits), rearranged so that nothing cancels: e^{−|u|} never
# overflows, and 1 − a² is never formed from an a that has rounded to ±1.


def _d_sigmoid(u):
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(u))
        return e / (1.0 + e) ** 2          # σ′(u) = e^{−|u|}/(1 + e^{−|u|})² (σ′ is even)


def _d_tanh(u):
    with np.errstate(under="ignore"):
        e = np.exp(-2.0 * np.abs(u))
        return 4.0 * e / (1.0 + e) ** 2    # 1/cosh²(u) = 4/(e^u + e^{−u})², even


# ∂h_i/∂u_i only (the diagonal of the Jacobian); the full Jacobian is
# softmax_jacobian_derivation and the backward pass uses softmax_vjp.
_i_softmax_diagonal = _i_sigmoid


ACTIVATIONS: dict[str, Activation] = {
    act.name: act
    for act in (
        Activation("identity", r"\operatorname{id}", "id", _identity, _e_identity,
                   summary="The identity passes the value through unchanged."),
        Activation("step", r"\operatorname{step}", "step", _step, _e_step,
                   summary="The step function outputs 1 for x ≥ 0, else 0."),
        Activation("sigmoid", r"\sigma", "σ", _sigmoid, _e_sigmoid, _i_sigmoid,
                   summary="The sigmoid squashes each value into (0, 1).",
                   stable_derivative=_d_sigmoid),
        Activation("tanh", r"\tanh", "tanh", _tanh, _e_tanh, _i_tanh,
                   summary="tanh squashes each value into (−1, 1), centred at 0.",
                   stable_derivative=_d_tanh),
        Activation("relu", r"\operatorname{ReLU}", "ReLU", _relu, _e_relu,
                   summary="ReLU keeps positive values and zeroes the rest."),
        Activation("leaky_relu", r"\operatorname{LeakyReLU}", "LeakyReLU", _leaky, _e_leaky,
                   uses_alpha=True, default_alpha=0.01),
        Activation("elu", r"\operatorname{ELU}", "ELU", _elu_core, _e_elu,
                   uses_alpha=True, default_alpha=1.0),
        Activation("prelu", r"\operatorname{PReLU}", "PReLU", _leaky, _e_leaky,
                   uses_alpha=True, default_alpha=0.25),
        Activation("selu", r"\operatorname{SELU}", "SELU", _selu, _e_selu),
        Activation("softplus", r"\operatorname{softplus}", "softplus", _softplus, _e_softplus,
                   _i_softplus, summary="Softplus is a smooth ReLU: log(1 + eˣ)."),
        Activation("swish", r"\operatorname{swish}", "swish", _swish, _e_swish, _i_swish,
                   summary="Swish multiplies x by its own sigmoid."),
        Activation("softsign", r"\operatorname{softsign}", "softsign", _softsign, _e_softsign),
        Activation("softmax", r"\operatorname{softmax}", "softmax", _softmax, _e_softmax,
                   _i_softmax_diagonal, elementwise=False,
                   summary="Softmax turns scores into probabilities that sum to 1."),
    )
}


def get_activation(name: str) -> Activation:
    return lookup(ACTIVATIONS, name, "activation")


def softmax_vjp(a, g) -> np.ndarray:
    """g·J for softmax, row-wise: a ⊙ (g − Σ_k g_k a_k), without building the K×K Jacobian
    J_ik = a_i(Δ_ik − a_k)."""
    a, g = _f64(a), _f64(g)
    return a * (g - (g * a).sum(axis=-1, keepdims=True))


def __getattr__(name: str):
    # Lazy re-export of the symbolic softmax helpers (they need sympy).
    if name in ("softmax_components", "softmax_jacobian_derivation", "SoftmaxJacobian"):
        from stepcalc.engine.maths import symbols

        return getattr(symbols, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
