"""Losses: the loss-function slides' numbers, gradients vs finite differences, δ = ŷ − y.

Reference values are computed here with `math`, independently of the module, and compared
with the slides' printed values at their printed precision.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import sympy as sp

from stepcalc.engine.maths.activations import get_activation, softmax_vjp
from stepcalc.engine.maths.losses import (
    LOSSES,
    derive_fused_delta,
    get_loss,
    l1,
    l1_penalty,
    l2,
    l2_penalty,
)
from stepcalc.engine.maths.symbols import sigmoid_expr, softmax_components

# Columns of the slide's table are images; rows are the classes cat, chair, car.
SCORES = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
LABELS = np.array([0, 1, 2])
# Hinge vs cross-entropy slide: three models, true class 0.
MODELS = np.array([[5.0, -3.0, 2.0], [5.0, 10.0, 10.0], [5.0, -20.0, -20.0]])


def _ce_math(scores, label):
    return -math.log(math.exp(scores[label]) / sum(math.exp(s) for s in scores))


def _hinge_math(scores, label):
    return sum(max(0.0, s - scores[label] + 1) for k, s in enumerate(scores) if k != label)


def _round_match(value, printed: str) -> bool:
    d = len(printed.split(".")[1]) if "." in printed else 0
    return round(value, d) == float(printed)


def test_registry():
    assert list(LOSSES) == ["squared_error", "half_squared_error", "absolute_error",
                            "binary_cross_entropy", "cross_entropy", "hinge"]
    assert get_loss("hinge").term is None
    assert get_loss("cross_entropy").fused_with == "softmax"
    assert get_loss("binary_cross_entropy").fused_with == "sigmoid"
    with pytest.raises(KeyError, match="unknown loss"):
        get_loss("focal")


def test_cross_entropy_slide_table():
    got = get_loss("cross_entropy").per_sample(None, None, SCORES, LABELS)
    ref = [_ce_math(s, l) for s, l in zip(SCORES, LABELS)]
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    for value, printed in zip(got, ["2.04", "0.079", "6.156"]):
        assert _round_match(value, printed), (value, printed)
    assert _round_match(got.mean(), "2.76")


def test_cross_entropy_from_probabilities_agrees():
    probs = get_activation("softmax").forward(SCORES)
    onehot = np.eye(3)[LABELS]
    got = get_loss("cross_entropy").per_sample(probs, onehot)
    np.testing.assert_allclose(got, [_ce_math(s, l) for s, l in zip(SCORES, LABELS)], rtol=1e-12)


def test_hinge_slide_table():
    got = get_loss("hinge").per_sample(None, None, SCORES, LABELS)
    ref = [_hinge_math(s, l) for s, l in zip(SCORES, LABELS)]
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    np.testing.assert_allclose(got, [2.9, 0.0, 12.9], atol=1e-12)
    assert _round_match(got.mean(), "5.27") and _round_match(got.mean(), "5.3")


def test_hinge_labels_from_one_hot_and_scores_from_yhat():
    hinge = get_loss("hinge")
    onehot = np.eye(3)[LABELS]
    np.testing.assert_allclose(hinge.per_sample(SCORES, onehot), [2.9, 0.0, 12.9], atol=1e-12)
    with pytest.raises(ValueError, match="labels"):
        hinge.per_sample(SCORES, np.full((3, 3), 1 / 3))


def test_hinge_vs_cross_entropy_slide():
    labels = np.zeros(3, dtype=int)
    hinge = get_loss("hinge").per_sample(None, None, MODELS, labels)
    ce = get_loss("cross_entropy").per_sample(None, None, MODELS, labels)
    # Slide: max(0, 10 − 5 + 1) + max(0, 10 − 5 + 1) = 12 for model 2.
    np.testing.assert_allclose(hinge, [0.0, 12.0, 0.0], atol=1e-12)
    assert _round_match(ce[0], "0.05") and ce[0] == pytest.approx(_ce_math(MODELS[0], 0), rel=1e-12)
    assert _round_match(ce[1], "5.70") and ce[1] == pytest.approx(_ce_math(MODELS[1], 0), rel=1e-12)
    # Model 3: log(1 + 2e^{−25}); naive −log(softmax) loses ~5 digits here, and returning 0
    # would hide the point of the slide ("cross-entropy always wants to improve").
    exact = math.log1p(2 * math.exp(-25))
    assert ce[2] == pytest.approx(exact, rel=1e-6)
    assert ce[2] == pytest.approx(2.78e-11, rel=1e-3)
    # The slide prints "2 * 10^-11": the value is 2.78e-11, i.e. 3e-11 at one digit.
    assert f"{ce[2]:.0e}" == "3e-11"


def test_binary_cross_entropy_logits_and_probabilities():
    bce = get_loss("binary_cross_entropy")
    z = np.array([-3.0, 0.5, 2.0, 0.0])
    y = np.array([0.0, 1.0, 1.0, 0.3])
    ref = [-(t * math.log(1 / (1 + math.exp(-v))) + (1 - t) * math.log(1 - 1 / (1 + math.exp(-v))))
           for v, t in zip(z, y)]
    p = get_activation("sigmoid").forward(z)
    np.testing.assert_allclose(bce.per_sample(None, y, z), ref, rtol=1e-12)
    np.testing.assert_allclose(bce.per_sample(p, y), ref, rtol=1e-12)
    assert bce.per_sample(p, y).shape == (4,)


def test_log_losses_never_take_log_zero():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        bce = get_loss("binary_cross_entropy")
        # From logits: exact even where σ(z) rounds to 0 or 1.
        np.testing.assert_allclose(bce.per_sample(None, [0.0, 1.0, 1.0], [800.0, -800.0, 800.0]),
                                   [800.0, 800.0, 0.0])
        out = bce.per_sample([0.0, 1.0, 0.0], [1.0, 0.0, 0.0])
        assert np.all(np.isfinite(out)) and out[2] < 1e-300
        ce = get_loss("cross_entropy")
        out = ce.per_sample([[0.0, 1.0, 0.0]], [[1.0, 0.0, 0.0]])
        assert np.isfinite(out).all() and out[0] > 700
        assert ce.per_sample([[0.0, 1.0, 0.0]], [[0.0, 1.0, 0.0]])[0] == 0.0
        for name in ("binary_cross_entropy", "cross_entropy"):
            g = get_loss(name).gradient([[0.0, 1.0]], [[1.0, 0.0]])
            assert np.isfinite(g).all()


def test_elementwise_values_by_hand():
    yhat = np.array([[0.2, 0.5, 0.3], [1.0, -2.0, 0.0]])
    y = np.array([[0.0, 1.0, 0.0], [1.5, 0.0, 0.0]])
    # (0.04 + 0.25 + 0.09), (0.25 + 4 + 0)
    np.testing.assert_allclose(get_loss("squared_error").per_sample(yhat, y), [0.38, 4.25])
    np.testing.assert_allclose(get_loss("half_squared_error").per_sample(yhat, y), [0.19, 2.125])
    np.testing.assert_allclose(get_loss("absolute_error").per_sample(yhat, y), [1.0, 2.5])
    np.testing.assert_allclose(get_loss("cross_entropy").per_sample(yhat[:1], y[:1]), [math.log(2)])


def test_gradient_comes_from_sympy_diff():
    yh, y = sp.symbols("yhat y", real=True)
    expected = {
        "squared_error": 2 * (yh - y),
        "half_squared_error": yh - y,
        "absolute_error": sp.sign(yh - y),
        "binary_cross_entropy": -y / yh + (1 - y) / (1 - yh),
        "cross_entropy": -y / yh,
    }
    for name, want in expected.items():
        expr, (a, b) = get_loss(name).term_derivative()
        assert sp.simplify(expr.subs({a: yh, b: y}) - want) == 0, name
    assert get_loss("hinge").term_derivative() is None


def _fd_gradient(f, x, h=1e-6):
    """Central differences of a per-sample loss f(x) -> (N,) w.r.t. each entry of x (N×K)."""
    g = np.zeros_like(x)
    for k in range(x.shape[1]):
        step = np.zeros_like(x)
        step[:, k] = h
        g[:, k] = (f(x + step) - f(x - step)) / (2 * h)
    return g


@pytest.mark.parametrize("name", ["squared_error", "half_squared_error", "absolute_error",
                                  "binary_cross_entropy", "cross_entropy"])
def test_gradient_matches_finite_differences(name):
    rng = np.random.default_rng(1)
    loss = get_loss(name)
    yhat = rng.uniform(0.1, 0.9, size=(5, 3))            # inside (0, 1) for the log losses
    y = rng.uniform(0.0, 1.0, size=(5, 3))
    y[np.abs(yhat - y) < 1e-3] += 0.01                    # away from |·|'s kink
    got = loss.gradient(yhat, y)
    assert got.shape == (5, 3)                            # per sample, not reduced
    fd = _fd_gradient(lambda v: loss.per_sample(v, y), yhat)
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-9)


def test_hinge_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    scores = rng.normal(scale=2.0, size=(6, 4))
    labels = rng.integers(0, 4, size=6)
    hinge = get_loss("hinge")
    margins = scores - scores[np.arange(6), labels][:, None] + 1
    assert np.min(np.abs(margins)) > 1e-3                 # no sample sits on a kink
    got = hinge.gradient(None, None, scores, labels)
    fd = _fd_gradient(lambda s: hinge.per_sample(None, None, s, labels), scores)
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-9)


def test_hinge_gradient_slide_example():
    # Image 1: chair (5.1) beats cat by more than the margin, car (−1.7) does not.
    got = get_loss("hinge").gradient(None, None, SCORES[:1], LABELS[:1])
    np.testing.assert_array_equal(got, [[-1.0, 1.0, 0.0]])


def test_cross_entropy_fused_delta_matches_finite_differences():
    rng = np.random.default_rng(3)
    u = rng.normal(size=(4, 3))
    y = np.eye(3)[[0, 2, 1, 1]]
    y[3] = [0.2, 0.5, 0.3]                                 # soft targets summing to 1
    ce = get_loss("cross_entropy")
    a = get_activation("softmax").forward(u)
    fd = _fd_gradient(lambda z: ce.per_sample(None, y, z), u)
    np.testing.assert_allclose(ce.fused_delta(a, y), fd, rtol=1e-6, atol=1e-9)
    # the unfused route (∂L/∂ŷ then the softmax VJP) lands on the same δ
    np.testing.assert_allclose(softmax_vjp(a, ce.gradient(a, y)), ce.fused_delta(a, y), rtol=1e-10)


def test_binary_cross_entropy_fused_delta_matches_finite_differences():
    z = np.array([[-2.5], [0.3], [1.7]])
    y = np.array([[0.0], [1.0], [0.4]])
    bce = get_loss("binary_cross_entropy")
    sig = get_activation("sigmoid")
    a = sig.forward(z)
    fd = _fd_gradient(lambda v: bce.per_sample(None, y, v), z)
    np.testing.assert_allclose(bce.fused_delta(a, y), fd, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(bce.gradient(a, y) * sig.derivative(z, a), bce.fused_delta(a, y), rtol=1e-10)


def test_fused_delta_only_for_fused_losses():
    with pytest.raises(TypeError):
        get_loss("squared_error").fused_delta([[0.1]], [[0.0]])


@pytest.mark.parametrize("K", [2, 3])
def test_derive_cross_entropy_delta(K):
    d = get_loss("cross_entropy").derive_fused_delta(K)
    u, h = softmax_components(K)
    # independently: with y_K = 1 − Σ_{k<K} y_k the raw sympy.diff equals h_i − y_i
    sum_to_one = {d.targets[-1]: 1 - sp.Add(*d.targets[:-1])}
    for i in range(K):
        assert sp.simplify((d.raw[i] - (h[i] - d.targets[i])).subs(sum_to_one)) == 0
        assert sp.simplify(d.result[i] - (d.yhat_symbols[i] - d.targets[i])) == 0
        # the shown middle line is ŷ_i·Σy_k − y_i
        assert sp.expand(d.intermediate[i] - (d.yhat_symbols[i] * sp.Add(*d.targets) - d.targets[i])) == 0
    assert d.constraint == sp.Eq(sp.Add(*d.targets), 1)
    assert derive_fused_delta("cross_entropy", K) is d        # cached


def test_derive_binary_cross_entropy_delta():
    d = derive_fused_delta("binary_cross_entropy")
    (z,), (y,), (yh,) = d.logits, d.targets, d.yhat_symbols
    assert sp.simplify(d.raw[0] - (sigmoid_expr(z) - y)) == 0
    assert sp.simplify(d.result[0] - (yh - y)) == 0
    assert d.constraint is None


def test_distances_and_penalties():
    # Regularisation slide: w1 = [1, 0, 0, 0], w2 = [0.25]*4 → R²: 1, 0.25, total 1.25.
    w1, w2 = [1.0, 0.0, 0.0, 0.0], [0.25] * 4
    assert l2_penalty(w1) == 1.0 and l2_penalty(w2) == 0.25
    assert l2_penalty(np.array([w1, w2])) == 1.25
    assert l1_penalty(w1) == 1.0 and l1_penalty(w2) == 1.0
    a, b = np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([[0.0, 1.0], [0.5, 1.0]])
    assert l1(a, b) == 1 + 3 + 0 + 2
    assert l2(a, b) == 1 + 9 + 0 + 4
