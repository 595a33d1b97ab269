"""The audit's cause "computed from the printed (rounded) upstream values" (issue 11, item 12).

The expected numbers are worked out here with numpy from the scenario's own numbers, not
read from stepcalc.
"""

from __future__ import annotations

import numpy as np
import pytest

import stepcalc
from stepcalc.engine.slides.audit import audit

TWO_LAYERS = """
title = "t"
[data]
x = [[1.0, 2.0]]
y = [[0.0]]
[model]
bias = "none"
[[model.layers]]
units = 2
activation = "sigmoid"
weights = "W1"
pre = "u"
post = "a"
[[model.layers]]
units = 1
activation = "identity"
weights = "W2"
pre = "z"
[params]
W1 = {W1}
W2 = [[0.7], [0.6]]
[train]
loss = "squared_error"
lr = 0.1
steps = 0
[expect]
a = {a}
z = {z}
"""

ONE_LAYER = """
title = "t"
[data]
x = [[1.3]]
y = [[1.0]]
[[model.layers]]
units = 1
activation = "identity"
weights = "w"
bias_name = "b"
pre = "z"
[params]
w = [[0.37]]
b = [0.0]
[train]
loss = "squared_error"
lr = 0.07
[expect]
"""


def causes(text: str) -> dict[str, list[str]]:
    sc = stepcalc.loads(text)
    tr = stepcalc.trace(sc)
    return {e.id: [m.cause for m in e.mismatches] for e in audit(sc, tr.values, tr.states)}


def sigmoid(u):
    return 1 / (1 + np.exp(-u))


def test_a_layer_multiplied_out_from_rounded_hidden_outputs():
    W1 = np.array([[0.2, -0.2], [1.0, 1.0]])
    a = sigmoid(np.array([[1.0, 2.0]]) @ W1)                 # 0.90025, 0.85815
    W2 = np.array([[0.7], [0.6]])
    exact, from_printed = (a @ W2).item(), (np.round(a, 2) @ W2).item()
    assert round(exact, 3) == 1.145 and round(from_printed, 3) == 1.146
    found = causes(TWO_LAYERS.format(W1="[[0.2, -0.2], [1.0, 1.0]]", a="[[0.90, 0.86]]", z="[[1.146]]"))
    assert found["a"] == []                                  # the hidden outputs are rounded right
    (cause,) = found["z"]
    assert cause.startswith("computed from the printed (rounded) upstream values a")
    assert "1.146" in cause


def test_the_printed_upstream_values_come_before_truncation():
    # z = 0.15494 rounds to 0.155; 0.154 is both z truncated and z from the rounded a.
    W1 = np.array([[-0.4, -0.2], [-0.9, -0.8]])
    a = sigmoid(np.array([[1.0, 2.0]]) @ W1)
    exact = (a @ np.array([[0.7], [0.6]])).item()
    assert np.trunc(exact * 1000) / 1000 == 0.154 and round(exact, 3) == 0.155
    assert 0.10 * 0.7 + 0.14 * 0.6 == pytest.approx(0.154)
    found = causes(TWO_LAYERS.format(W1="[[-0.4, -0.2], [-0.9, -0.8]]", a="[[0.10, 0.14]]", z="[[0.154]]"))
    assert found["z"][0].startswith("computed from the printed (rounded) upstream values a")


def test_a_wrong_upstream_value_is_carried_over_not_rounded():
    found = causes(TWO_LAYERS.format(W1="[[0.2, -0.2], [1.0, 1.0]]", a="[[0.95, 0.86]]",
                                     z=f"[[{0.95 * 0.7 + 0.86 * 0.6:.3f}]]"))
    assert found["a"] and found["z"][0].startswith("carried over from the printed a")
    assert "rounded" not in found["z"][0]


def test_the_after_pass_from_the_rounded_new_weights():
    w, b, x, y, lr = 0.37, 0.0, 1.3, 1.0, 0.07
    dz = 2 * (x * w + b - y)
    new_w, new_b = w - lr * dz * x, b - lr * dz               # 0.464458, 0.07266
    exact = x * new_w + new_b
    from_printed = x * round(new_w, 3) + round(new_b, 3)
    assert round(exact, 4) == 0.6765 and round(from_printed, 4) == 0.6762
    found = causes(ONE_LAYER + f'"new.w" = [[{new_w:.3f}]]\n"new.b" = [{new_b:.3f}]\n'
                               f'"after.z" = [[{from_printed:.4f}]]\n')
    (cause,) = found["after.z"]
    assert cause.startswith("computed from the printed (rounded) upstream values new.w, new.b")


def test_an_update_from_a_rounded_gradient_and_from_a_wrong_one():
    w, x, y, lr = 0.37, 1.3, 1.0, 0.07
    grad = 2 * (x * w - y) * x                                # −1.34940
    assert round(grad, 1) == -1.3
    rounded = causes(ONE_LAYER + f'"grad.w" = [[-1.3]]\n"new.w" = [[{w + lr * 1.3:.3f}]]\n')
    assert rounded["grad.w"] == []
    assert rounded["new.w"] == ["computed from the printed (rounded) gradient -1.3"]
    wrong = causes(ONE_LAYER + f'"grad.w" = [[-1.5]]\n"new.w" = [[{w + lr * 1.5:.3f}]]\n')
    assert wrong["grad.w"]
    (cause,) = wrong["new.w"]
    assert cause.startswith("carried over from the printed gradient -1.5") and "rounded" not in cause


def test_a_weight_gradient_from_rounded_activations():
    W1 = np.array([[0.2, -0.2], [1.0, 1.0]])
    a = sigmoid(np.array([[1.0, 2.0]]) @ W1)
    z = (a @ np.array([[0.7], [0.6]])).item()
    delta = 2 * (z - 0.0)                                     # ∂L/∂z, one sample
    exact = a.T * delta
    from_printed = np.round(a, 2).T * round(delta, 3)
    assert round(exact[1, 0], 3) != round(from_printed[1, 0], 3)
    text = TWO_LAYERS.replace("steps = 0", "steps = 1").format(
        W1="[[0.2, -0.2], [1.0, 1.0]]", a="[[0.90, 0.86]]", z=f"[[{z:.4f}]]")
    text += f'"grad.z" = [[{delta:.3f}]]\n"grad.W2" = [[{from_printed[0, 0]:.4f}], [{from_printed[1, 0]:.4f}]]\n'
    found = causes(text)
    assert found["grad.z"] == [] and found["grad.W2"]
    assert all(c.startswith("computed from the printed (rounded) upstream values grad.z, a ")
               for c in found["grad.W2"])
