"""Every analytic parameter gradient agrees with central differences (relative 1e-6).

Random small networks: depth 1–3, every activation, every loss, both conventions, both
bias styles, momentum, weight decay and minibatches. Gradients of later steps are checked
at the parameters that step really saw (the previous step's new.* values).
"""

import itertools
import zlib

import numpy as np
import pytest

import stepcalc
from stepcalc.engine.numbers import network
from stepcalc.engine.numbers.gradcheck import check_gradients

HIDDEN = ("identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "prelu",
          "selu", "softplus", "swish", "softsign")
REGRESSION_OUTPUTS = ("identity", "sigmoid", "tanh", "softplus", "leaky_relu", "swish")
TOLERANCE = 1e-6


def matrix(rows) -> str:
    return "[" + ", ".join("[" + ", ".join(repr(float(v)) for v in row) + "]" for row in rows) + "]"


def scenario_text(rng, *, hidden, output, units, loss, convention="row", bias="separate",
                  n=4, d=3, extra_train="") -> str:
    x = rng.normal(size=(n, d))
    k = units[-1]
    if loss in ("cross_entropy", "hinge"):
        y = "[" + ", ".join(str(int(c)) for c in rng.integers(0, k, size=n)) + "]"
    elif loss == "binary_cross_entropy":
        y = "[" + ", ".join(str(float(c)) for c in rng.integers(0, 2, size=n)) + "]"
    else:
        y = matrix(rng.normal(size=(n, k)) * 0.5 + 0.2)
    layers = ""
    for index, size in enumerate(units):
        act = output if index == len(units) - 1 else hidden[index % len(hidden)]
        layers += f'\n[[model.layers]]\nunits = {size}\nactivation = "{act}"\n'
    return f"""
title = "random"
[data]
x = {matrix(x)}
y = {y}
[model]
convention = "{convention}"
bias = "{bias}"
{layers}
[init]
method = "normal"
std = 0.7
seed = {int(rng.integers(0, 10_000))}
[train]
loss = "{loss}"
lr = 0.05
{extra_train}
"""


def assert_gradients(sc):
    for result in check_gradients(sc, limit=64):
        assert result.max_error <= TOLERANCE, (result.name, result.max_error)


def output_for(loss, rng):
    if loss == "cross_entropy":
        return "softmax"
    if loss == "binary_cross_entropy":
        return "sigmoid"
    return REGRESSION_OUTPUTS[int(rng.integers(0, len(REGRESSION_OUTPUTS)))]


@pytest.mark.parametrize("hidden,convention,bias", itertools.product(HIDDEN, ("row", "column"),
                                                                      ("separate", "folded")))
def test_every_hidden_activation(hidden, convention, bias):
    rng = np.random.default_rng(zlib.crc32(repr((hidden, convention, bias)).encode()))
    for loss, depth in (("cross_entropy", 2), ("squared_error", 3)):
        units = [3] * (depth - 1) + [3]
        # A second step layer could see exactly 0 (all-zero inputs, zero bias) and jump
        # under the finite difference, so deeper layers alternate with tanh.
        text = scenario_text(rng, hidden=(hidden, "tanh"), output=output_for(loss, rng), units=units,
                             loss=loss, convention=convention, bias=bias)
        assert_gradients(stepcalc.loads(text))


LOSSES = ("squared_error", "half_squared_error", "absolute_error", "binary_cross_entropy",
          "cross_entropy", "hinge")


@pytest.mark.parametrize("loss,convention,bias,depth", itertools.product(
    LOSSES, ("row", "column"), ("separate", "folded"), (1, 2, 3)))
def test_every_loss(loss, convention, bias, depth):
    rng = np.random.default_rng(zlib.crc32(repr((loss, convention, bias, depth)).encode()))
    k = 1 if loss == "binary_cross_entropy" else 3
    units = [4] * (depth - 1) + [k]
    for reduction in ("mean", "sum"):
        text = scenario_text(rng, hidden=("tanh", "relu"), output=output_for(loss, rng), units=units,
                             loss=loss, convention=convention, bias=bias,
                             extra_train=f'reduction = "{reduction}"')
        assert_gradients(stepcalc.loads(text))


def numeric_gradient(sc, params, x, y, labels, name, index, h=1e-6):
    plus = {k: v.copy() for k, v in params.items()}
    minus = {k: v.copy() for k, v in params.items()}
    plus[name][index] += h
    minus[name][index] -= h
    return (network.objective(sc, plus, x, y, labels) - network.objective(sc, minus, x, y, labels)) / (2 * h)


@pytest.mark.parametrize("extra", [
    'optimizer = "momentum"\nmomentum = 0.9\nsteps = 3',
    'weight_decay = 0.1\nsteps = 2',
    'batch_size = 2\nsteps = 3',
    'optimizer = "momentum"\nweight_decay = 0.05\nbatch_size = 3\nsteps = 4',
])
@pytest.mark.parametrize("convention,bias", itertools.product(("row", "column"), ("separate", "folded")))
def test_later_steps_momentum_decay_minibatches(extra, convention, bias):
    rng = np.random.default_rng(7)
    text = scenario_text(rng, hidden=("tanh",), output="softmax", units=[3, 3], loss="cross_entropy",
                         convention=convention, bias=bias, n=5, extra_train=extra)
    sc = stepcalc.loads(text)
    tr = stepcalc.trace(sc)
    steps, size = sc.train.steps, sc.train.batch_size or 5
    plan = [np.arange(s, min(s + size, 5)) for s in range(0, 5, size)]
    params = {k: np.array(v, dtype=float) for k, v in sc.params.items()}
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    for number in range(1, steps + 1):
        prefix = "" if number == 1 else f"step{number}."
        rows = plan[(number - 1) % len(plan)]
        x, y, labels = sc.data.x[rows], sc.data.y[rows], sc.data.labels[rows]
        assert tr.values[prefix + "y_hat"].shape[0] == len(rows)
        for name, value in params.items():
            grad = tr.values[prefix + "grad." + name]
            for index in np.ndindex(value.shape):
                numeric = numeric_gradient(sc, params, x, y, labels, name, index)
                assert abs(grad[index] - numeric) <= TOLERANCE * max(abs(grad[index]), abs(numeric), 1e-3)
            # The update rule, written out independently.
            if sc.train.optimizer == "momentum":
                velocity[name] = sc.train.momentum * velocity[name] - sc.train.lr * grad
                expected = value + velocity[name]
            else:
                expected = value - sc.train.lr * grad
            assert tr.values[prefix + "new." + name] == pytest.approx(expected)
        params = {name: np.array(tr.values[prefix + "new." + name]) for name in params}
    assert "after.loss" in tr.values


def test_frozen_parameter_keeps_its_value():
    rng = np.random.default_rng(3)
    text = scenario_text(rng, hidden=("relu",), output="softmax", units=[3, 3], loss="cross_entropy",
                         extra_train='frozen = ["W1"]\nsteps = 2')
    sc = stepcalc.loads(text)
    tr = stepcalc.trace(sc)
    assert np.array_equal(tr.values["new.W1"], sc.params["W1"])
    assert np.array_equal(tr.values["step2.new.W1"], sc.params["W1"])
    assert not np.array_equal(tr.values["new.W2"], sc.params["W2"])
