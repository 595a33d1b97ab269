"""Activations: slide numbers, derivatives (finite differences, sympy), stability.

Reference values are computed here with plain `math`, independently of the module; the
slide numbers are the printed ones from the "Activation Functions" slides.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import sympy as sp

from stepcalc.engine.maths.activations import (
    ACTIVATIONS,
    SATURATION_THRESHOLD,
    get_activation,
    softmax_components,
    softmax_jacobian_derivation,
    softmax_vjp,
)
from stepcalc.engine.maths.symbols import SELU_ALPHA, SELU_LAMBDA

DATA = [1.0, 5.0, -4.0, 3.0, -2.0]
LAM = 1.0507009873554804934193349852946
ALP = 1.6732632423543772848170429916717


def _sig(x):
    return 1 / (1 + math.exp(-x))


# Plain-math definitions, written from the slides (not from the module).
REFERENCE = {
    "identity": lambda x, a: x,
    "step": lambda x, a: 1.0 if x >= 0 else 0.0,
    "sigmoid": lambda x, a: _sig(x),
    "tanh": lambda x, a: (math.exp(x) - math.exp(-x)) / (math.exp(x) + math.exp(-x)),
    "relu": lambda x, a: x if x > 0 else 0.0,
    "leaky_relu": lambda x, a: x if x > 0 else a * x,
    "elu": lambda x, a: x if x > 0 else a * (math.exp(x) - 1),
    "prelu": lambda x, a: x if x > 0 else a * x,
    "selu": lambda x, a: LAM * x if x >= 0 else LAM * ALP * (math.exp(x) - 1),
    "softplus": lambda x, a: math.log(1 + math.exp(x)),
    "swish": lambda x, a: x * _sig(x),
    "softsign": lambda x, a: x / (1 + abs(x)),
}

# name: (alpha used on the slide, printed values)
SLIDES = {
    "sigmoid": (None, ["0.731", "0.993", "0.017", "0.95", "0.119"]),
    "tanh": (None, ["0.761", "0.999", "-0.999", "0.995", "-0.964"]),
    "softplus": (None, ["1.313", "5.006", "0.018", "3.048", "0.126"]),
    "relu": (None, ["1", "5", "0", "3", "0"]),
    "leaky_relu": (0.01, ["1", "5", "-0.04", "3", "-0.02"]),
    "elu": (0.1, ["1", "5", "-0.098", "3", "-0.086"]),
    "prelu": (0.1, ["1", "5", "-0.4", "3", "-0.2"]),
    "swish": (None, ["0.731", "4.966", "-0.071", "2.857", "-0.238"]),
}

ELEMENTWISE = [n for n, act in ACTIVATIONS.items() if act.elementwise]
# Away from every kink (0) and within |u| ≤ 4 so finite differences stay accurate.
POINTS = np.array([-3.7, -2.1, -0.7, -0.2, 0.3, 0.9, 2.4, 3.9])


def _decimals(printed: str) -> int:
    return len(printed.split(".")[1]) if "." in printed else 0


def test_registry():
    assert list(ACTIVATIONS) == [
        "identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "prelu",
        "selu", "softplus", "swish", "softsign", "softmax",
    ]
    assert [n for n, a in ACTIVATIONS.items() if not a.elementwise] == ["softmax"]
    assert {n for n, a in ACTIVATIONS.items() if a.uses_alpha} == {"leaky_relu", "elu", "prelu"}
    assert get_activation("sigmoid").latex == r"\sigma"
    assert get_activation("relu").latex == r"\operatorname{ReLU}"
    with pytest.raises(KeyError, match="unknown activation"):
        get_activation("gelu")


@pytest.mark.parametrize("name", sorted(REFERENCE))
@pytest.mark.parametrize("alpha", [0.1, 0.3])
def test_forward_matches_plain_math(name, alpha):
    act = get_activation(name)
    x = DATA + [0.0, 0.37, -0.01, 12.0]
    got = act.forward(np.array(x), alpha)
    assert got.dtype == np.float64 and got.shape == (len(x),)
    np.testing.assert_allclose(got, [REFERENCE[name](v, alpha) for v in x], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", sorted(SLIDES))
def test_slide_values(name):
    """The slides print their values *truncated* to the shown decimals (tanh(1) = 0.76159
    is printed 0.761, softplus(5) = 5.00672 as 5.006), so compare by truncation."""
    alpha, printed = SLIDES[name]
    got = get_activation(name).forward(np.array(DATA), alpha)
    for value, text in zip(got, printed):
        d = _decimals(text)
        assert math.trunc(value * 10**d) / 10**d == pytest.approx(float(text), abs=1e-12), (
            name, value, text)
        assert abs(value - float(text)) < 10**-d


def test_softmax_forward():
    act = get_activation("softmax")
    u = np.array([[1.0, 2.0, 0.5], [3.2, 5.1, -1.7]])
    ref = [[math.exp(v) / sum(math.exp(w) for w in row) for v in row] for row in u]
    np.testing.assert_allclose(act.forward(u), ref, rtol=1e-13)
    with np.errstate(all="raise"):
        big = act.forward(np.array([[1000.0, 1000.0, -1000.0]]))
    np.testing.assert_array_equal(big, [[0.5, 0.5, 0.0]])


def _central_difference(f, u, h=1e-5):
    return (f(u + h) - f(u - h)) / (2 * h)


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("alpha", [None, 0.1])
def test_derivative_matches_finite_differences(name, alpha):
    act = get_activation(name)
    fd = _central_difference(lambda v: act.forward(v, alpha), POINTS)
    got = act.derivative(POINTS, act.forward(POINTS, alpha), alpha)
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_lambdified_diff(name):
    act = get_activation(name)
    u = sp.Symbol("u", real=True)
    alpha = 0.1 if act.uses_alpha else None
    f = sp.lambdify(u, sp.diff(act.expression(u, alpha), u), modules="numpy")
    expected = np.broadcast_to(np.asarray(f(POINTS), dtype=float), POINTS.shape)
    np.testing.assert_allclose(act.derivative(POINTS, None, alpha), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", [n for n, a in ACTIVATIONS.items() if a.slide_identity])
def test_slide_identity_equals_sympy_diff(name):
    act = get_activation(name)
    u, alpha = sp.Symbol("u", real=True), sp.Symbol("alpha", real=True)
    identity = act.identity(u, act.expression(u, alpha), alpha)
    assert sp.simplify(act.derivative_expression(u, alpha) - identity) == 0


def test_identities_present_where_the_slides_have_them():
    with_identity = {n for n, a in ACTIVATIONS.items() if a.slide_identity}
    assert with_identity == {"sigmoid", "tanh", "softplus", "swish", "softmax"}
    u, a = sp.symbols("u a", real=True)
    assert get_activation("sigmoid").identity(u, a) == a * (1 - a)
    assert get_activation("tanh").identity(u, a) == 1 - a**2
    assert get_activation("relu").identity(u, a) is None


def test_derivatives_at_the_kinks():
    zero = np.array([0.0])
    assert get_activation("relu").derivative(zero)[0] == 0.0          # ReLU′(0) = 0
    assert get_activation("leaky_relu").derivative(zero, None, 0.01)[0] == 0.01
    assert get_activation("prelu").derivative(zero, None, 0.1)[0] == 0.1
    assert get_activation("elu").derivative(zero, None, 0.1)[0] == pytest.approx(0.1)
    assert get_activation("selu").derivative(zero)[0] == pytest.approx(LAM)
    np.testing.assert_array_equal(get_activation("step").derivative(np.array([-1.0, 0.0, 2.0])), 0.0)


def test_default_alphas():
    u = np.array([-2.0])
    assert get_activation("leaky_relu").forward(u)[0] == pytest.approx(-0.02)
    assert get_activation("prelu").forward(u)[0] == pytest.approx(-0.5)
    assert get_activation("elu").forward(u)[0] == pytest.approx(math.exp(-2) - 1)


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("shape", [(), (4,), (2, 3)])
def test_derivative_shape_and_dtype(name, shape):
    u = np.linspace(-1.5, 1.5, int(np.prod(shape))).reshape(shape)
    got = get_activation(name).derivative(u)
    assert isinstance(got, np.ndarray) and got.shape == shape and got.dtype == np.float64


def test_stability_no_warnings():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        sig = get_activation("sigmoid").forward
        assert sig(np.array([-1000.0]))[0] == 0.0
        assert sig(np.array([1000.0]))[0] == 1.0
        assert sig(np.array([36.0]))[0] < 1.0      # 1 − σ(36) ≈ 2.3e-16 is still representable
        assert sig(np.array([-40.0]))[0] == pytest.approx(math.exp(-40), rel=1e-14)
        sp_ = get_activation("softplus").forward
        assert sp_(np.array([1000.0]))[0] == 1000.0
        assert sp_(np.array([-1000.0]))[0] == 0.0
        for name in ("elu", "selu", "swish", "softsign", "tanh"):
            out = get_activation(name).forward(np.array([-1e4, 1e4]))
            assert np.all(np.isfinite(out)), name
        u = np.concatenate([np.linspace(-1e4, 1e4, 2001), [0.0, -745.0, 745.0]])
        for name in ELEMENTWISE:
            d = get_activation(name).derivative(u)
            assert np.all(np.isfinite(d)), name


def test_selu_constants_full_precision():
    assert str(SELU_LAMBDA).startswith("1.050700987355480493419334985294")
    assert str(SELU_ALPHA).startswith("1.673263242354377284817042991671")


def test_softmax_is_not_elementwise():
    with pytest.raises(TypeError, match="softmax_vjp"):
        get_activation("softmax").derivative(np.array([[1.0, 2.0]]))


def test_softmax_vjp_matches_finite_differences():
    rng = np.random.default_rng(0)
    u = rng.normal(size=(4, 3))
    g = rng.normal(size=(4, 3))
    sm = get_activation("softmax").forward
    expected = np.zeros_like(u)
    h = 1e-6
    for j in range(3):
        step = np.zeros_like(u)
        step[:, j] = h
        # d/du_j of Σ_i g_i softmax_i(u), row by row
        expected[:, j] = (np.sum(g * sm(u + step), axis=1) - np.sum(g * sm(u - step), axis=1)) / (2 * h)
    np.testing.assert_allclose(softmax_vjp(sm(u), g), expected, rtol=1e-6, atol=1e-10)


def test_softmax_jacobian_derivation():
    d = softmax_jacobian_derivation(3)
    for i in range(3):
        for k in range(3):
            # sympy.diff agrees with h_i(Δ_ik − h_k), with h written out in u
            assert sp.simplify(d.raw[i, k] - d.identity_in_u[i, k]) == 0
    # and the derived Jacobian, evaluated, gives the same vector-Jacobian product
    u = np.array([0.3, -1.2, 2.0])
    J = np.array(sp.lambdify(d.u, d.raw, modules="numpy")(*u), dtype=float)
    g = np.array([0.5, -1.0, 2.0])
    a = get_activation("softmax").forward(u[None, :])
    np.testing.assert_allclose(softmax_vjp(a, g[None, :])[0], g @ J, rtol=1e-12)


def test_softmax_components():
    u, h = softmax_components(4)
    assert len(u) == 4 and len(h) == 4
    assert sp.simplify(sp.Add(*h) - 1) == 0


def test_saturation_and_dead_relu_flags():
    from stepcalc.engine.slides.flags import activation_flags
    from stepcalc.scenario.model import Layer

    u = np.array([[-10.0, -5.0, 0.0, 3.0, 4.0, 5.0, 10.0]])
    # σ′ = σ(1−σ) and tanh′ = 1 − tanh², computed here with math
    sig_d = np.array([[_sig(x) * (1 - _sig(x)) for x in u[0]]])
    tanh_d = np.array([[1 - math.tanh(x) ** 2 for x in u[0]]])
    for name, slope, saturated in (("sigmoid", sig_d, [0, 6]), ("tanh", tanh_d, [0, 1, 5, 6])):
        np.testing.assert_array_equal(np.flatnonzero(slope < SATURATION_THRESHOLD), saturated)
        flags = activation_flags(Layer(7, name, "W1", "b1", "u", "h", None), u, slope)
        assert [f.kind for f in flags] == ["saturated_sigmoid"]
        assert flags[0].elements == tuple((0, j) for j in saturated)
    # one sample: a ReLU unit with u ≤ 0 is dead (units 1, 2, 3)
    flags = activation_flags(Layer(7, "relu", "W1", "b1", "u", "h", None), u, None)
    assert [f.kind for f in flags] == ["dead_relu"] * 3
    assert [f.elements for f in flags] == [((0, 0),), ((0, 1),), ((0, 2),)]
    assert activation_flags(Layer(7, "elu", "W1", "b1", "u", "h", 1.0), u, sig_d) == ()