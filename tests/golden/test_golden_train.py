"""Golden values of the slides' plain training examples, computed independently in numpy.

Nothing here is pasted from stepcalc's output: each test writes the example's maths out
by hand (a few lines of numpy) and compares with the trace.
"""

import numpy as np
import pytest

import stepcalc
from stepcalc.bundled import bundled


def trace_of(name):
    return stepcalc.trace(stepcalc.load(bundled()[name]))


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def test_dying_relu_full_step():
    x = np.array([1.5, 0.2])
    m = np.array([[0.86, -1.04], [0.41, -0.65]])
    w = np.array([[0.32, 0.25, 0.14], [-0.47, -1.06, 0.063]])
    y = np.array([1.0, 0.0, 0.0])
    h = x @ m
    r = np.maximum(h, 0)
    z = r @ w
    p = softmax(z)
    loss = -np.log(p[0])
    dz = p - y
    dw = np.outer(r, dz)
    dr = w @ dz
    dh = dr * (h > 0)
    dm = np.outer(x, dh)
    new_m, new_w = m - 0.01 * dm, w - 0.01 * dw
    new_bm, new_bw = -0.01 * dh, -0.01 * dz
    h2 = x @ new_m + new_bm
    after = -np.log(softmax(np.maximum(h2, 0) @ new_w + new_bw)[0])

    tr = trace_of("dying_relu")
    v = tr.values
    assert v["h"] == pytest.approx(h[None, :])
    assert v["relu"][0, 1] == 0.0
    assert v["y_hat"] == pytest.approx(p[None, :])
    assert float(v["loss"]) == pytest.approx(loss)
    assert float(v["loss"]) == pytest.approx(0.98939, abs=5e-6)      # the slide's 0.989
    assert v["grad.z"] == pytest.approx(dz[None, :])
    assert v["grad.w"] == pytest.approx(dw)
    assert v["grad.relu"] == pytest.approx(dr[None, :])
    assert v["grad.h"] == pytest.approx(dh[None, :])
    assert v["grad.m"] == pytest.approx(dm)
    assert v["grad.m"][0, 0] == pytest.approx(-0.114, abs=5e-4)
    assert v["grad.bm"] == pytest.approx(dh)
    assert v["new.m"] == pytest.approx(new_m)
    assert v["new.w"] == pytest.approx(new_w)
    assert v["new.bm"] == pytest.approx(new_bm)
    assert v["new.bw"] == pytest.approx(new_bw)
    assert float(v["after.loss"]) == pytest.approx(after)
    assert float(v["after.loss"]) == pytest.approx(0.97218, abs=5e-6)
    # The dead unit: nothing reaches its weights, before or after the update.
    assert np.all(v["grad.m"][:, 1] == 0) and v["after.relu"][0, 1] == 0


def test_linear_regression_uses_x_6_7():
    x, y, lr = 6.7, 9.1, 0.01
    yhat = 0.0
    dw, db = 2 * x * (yhat - y), 2 * (yhat - y)
    w, b = -lr * dw, -lr * db
    tr = trace_of("linear_regression")
    v = tr.values
    assert float(v["loss"]) == pytest.approx(82.81)
    assert float(v["grad.w"].item()) == pytest.approx(dw)
    assert dw == pytest.approx(-121.94)
    assert float(v["grad.b"].item()) == pytest.approx(db)
    assert float(v["new.w"].item()) == pytest.approx(1.2194)
    assert float(v["new.b"].item()) == pytest.approx(0.182)
    assert float(v["after.loss"]) == pytest.approx((x * w + b - y) ** 2)


def test_logistic_regression_zero_init_folded_bias():
    x = np.array([1.0, 1.4, 0.2])          # the folded 1 first: θᵀ = [b w1 w2]
    theta = np.zeros(3)
    yhat = 1 / (1 + np.exp(-(x @ theta)))
    grad = x * (yhat - 0)
    new = theta - 0.01 * grad
    z2 = x @ new
    yhat2 = 1 / (1 + np.exp(-z2))
    tr = trace_of("logistic_regression")
    v = tr.values
    assert float(v["loss"]) == pytest.approx(np.log(2))
    assert v["grad.theta"].ravel() == pytest.approx([0.5, 0.7, 0.1])
    assert v["new.theta"].ravel() == pytest.approx(new)
    assert float(v["after.z"].item()) == pytest.approx(z2)
    assert z2 == pytest.approx(-0.015)
    assert float(v["after.loss"]) == pytest.approx(-np.log(1 - yhat2))


def test_softmax_regression_zero_init():
    x, lr = 1.4, 0.01
    y = np.array([1.0, 0.0])
    p = softmax(np.zeros(2))
    dz = p - y
    new_w, new_b = -lr * x * dz, -lr * dz
    tr = trace_of("softmax_regression")
    v = tr.values
    assert float(v["loss"]) == pytest.approx(np.log(2))
    assert v["grad.w"].ravel() == pytest.approx([-0.7, 0.7])
    assert v["new.b"].ravel() == pytest.approx(new_b)
    assert new_b == pytest.approx([0.005, -0.005])
    assert v["new.w"].ravel() == pytest.approx(new_w)
    z2 = new_w * x + new_b
    assert v["after.z"].ravel() == pytest.approx(z2)
    assert float(v["after.loss"]) == pytest.approx(-np.log(softmax(z2)[0]))


def test_cross_entropy_is_stable_for_confident_logits():
    # Logits [5, −20, −20], class 0: −log softmax = log(1 + 2e^{−25}) ≈ 2.78e−11, not 0.
    sc = stepcalc.loads("""
title = "confident"
[data]
x = [[1.0]]
y = [0]
[[model.layers]]
units = 3
activation = "softmax"
[params]
W1 = [[5.0, -20.0, -20.0]]
b1 = [0.0, 0.0, 0.0]
[train]
loss = "cross_entropy"
steps = 0
""")
    loss = float(stepcalc.trace(sc).values["loss"])
    assert loss == pytest.approx(np.log1p(2 * np.exp(-25.0)), rel=1e-9)
    assert loss == pytest.approx(2.78e-11, rel=1e-3)
