"""Honest numbers at the extremes (issue 9, defects 12-17): the gradient check never
hides a nan nor cries wolf at a ReLU kink, log(0) is ∞ and flagged, probabilities out of
range are refused, z-scores of huge pixels are exact, no numpy warning reaches stderr, and
σ′/tanh′ keep their digits in the tails."""

from __future__ import annotations

import json
import subprocess
import sys

import mpmath
import numpy as np
import pytest
import sympy as sp
from conftest import run_cli

import stepcalc
from stepcalc.engine.maths.activations import get_activation
from stepcalc.engine.numbers.gradcheck import check_gradients

XOR = """title = "xor"
[data]
x = [[0,0],[0,1],[1,0],[1,1]]
y = [0, 1, 1, 0]
[[model.layers]]
units = 2
activation = "relu"
[[model.layers]]
units = 1
activation = "sigmoid"
[params]
W1 = [[0.5, -0.3], [0.8, 0.2]]
b1 = [0.0, 0.0]
W2 = [[1.0], [-2.0]]
b2 = [0.0]
[train]
loss = "binary_cross_entropy"
"""


def write(tmp_path, text, name="case.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


# ---------------------------------------------------------------- 12: non-finite ----

def test_a_non_finite_gradient_is_a_problem(tmp_path):
    text = """title = "t"
[data]
x = [[1e308]]
y = [0.5]
[[model.layers]]
units = 1
activation = "identity"
[params]
W1 = [[1e-300]]
b1 = [0.0]
[train]
loss = "squared_error"
frozen = ["W1"]
"""
    code, out, err = run_cli("export", write(tmp_path, text), "-f", "json")
    assert json.loads(out)["values"]["grad.W1"] == [[None]]   # x·δ = 1e308 · (−1) · 2 overflows
    code, out, err = run_cli("check", write(tmp_path, text))
    assert code == 1, out
    line = next(l for l in out.splitlines() if l.strip().startswith("W1"))
    assert "NOT FINITE" in line and "1 not finite" in line and "ok" not in line
    result = {r.name: r for r in check_gradients(stepcalc.loads(text))}["W1"]
    assert not result.ok() and result.not_finite == 1


# --------------------------------------------------------------------- 13: kinks ----

def test_relu_kink_is_not_a_mismatch(tmp_path):
    """b1 = 0 and x = (0, 0): u = 0 exactly for the first sample, where ReLU′(0) = 0. The
    central difference straddles the kink; the gradient equals one side's slope."""
    sc = stepcalc.loads(XOR)
    u = sc.data.x @ sc.params["W1"] + sc.params["b1"]
    assert (u[0] == 0).all()   # the kink is really there
    code, out, _ = run_cli("check", write(tmp_path, XOR))
    assert code == 0, out
    assert "b1              2 entries" in out and "at a kink: checked one-sided" in out
    assert "MISMATCH" not in out
    b1 = {r.name: r for r in check_gradients(sc)}["b1"]
    assert b1.ok() and b1.one_sided == 2 and b1.at_kink == 0


def test_one_sided_slopes_of_the_kink_are_computed_by_hand():
    """Independently: the loss as a function of b1[0] has slopes that differ on the two
    sides of 0, and the analytic gradient is the left one (ReLU′(0) = 0)."""
    sc = stepcalc.loads(XOR)
    x, y = sc.data.x, sc.data.y.reshape(-1)
    W1, W2, b2 = sc.params["W1"], sc.params["W2"], sc.params["b2"]

    def loss(b0):
        h = np.maximum(x @ W1 + np.array([b0, 0.0]), 0)
        p = 1 / (1 + np.exp(-(h @ W2 + b2).reshape(-1)))
        return float(np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p)))

    h = 1e-6
    right, left = (loss(h) - loss(0)) / h, (loss(0) - loss(-h)) / h
    assert abs(right - left) > 1e-3     # a real kink
    analytic = stepcalc.trace(sc).values["grad.b1"][0]
    assert analytic == pytest.approx(left, rel=1e-4) or analytic == pytest.approx(right, rel=1e-4)


def test_a_wrong_gradient_away_from_kinks_is_still_a_mismatch():
    from dataclasses import replace

    from stepcalc.engine.numbers.gradcheck import first_step

    sc = stepcalc.loads(XOR)
    state = first_step(sc)
    wrong = replace(state, grads={**state.grads, "W2": np.asarray(state.grads["W2"]) * 1.5})
    results = {r.name: r for r in check_gradients(sc, state=wrong)}
    assert not results["W2"].ok() and results["W2"].max_error > 0.1
    assert results["W1"].ok()


# ------------------------------------------------------------ 14: losses kind log(0) --

LOSSES = """title = "t"
kind = "losses"
[data]
{data}
[loss]
functions = [{functions}]
"""


def losses_values(tmp_path, data, functions):
    path = write(tmp_path, LOSSES.format(data=data, functions=functions))
    code, out, err = run_cli("export", path, "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    return doc["values"], {s["id"]: s["flags"] for s in doc["steps"]}


def test_log_of_zero_is_infinite_and_flagged(tmp_path):
    values, flags = losses_values(tmp_path, "predictions = [[0.0, 1.0]]\nlabels = [0]",
                                  '"cross_entropy"')
    assert values["cross_entropy.samples"] == [None] and values["cross_entropy"] is None
    assert any(f["kind"] == "non_finite" for f in flags["cross_entropy"])
    md = run_cli("export", write(tmp_path, LOSSES.format(
        data="predictions = [[0.0, 1.0]]\nlabels = [0]", functions='"cross_entropy"')))[1]
    assert "= \\infty" in md and "708" not in md


def test_bce_of_a_certain_right_prediction_is_exactly_zero(tmp_path):
    values, _ = losses_values(tmp_path, "predictions = [1.0, 0.0, 0.5]\ntargets = [1.0, 0.0, 1.0]",
                              '"binary_cross_entropy"')
    assert values["binary_cross_entropy.samples"][:2] == [0.0, 0.0]
    assert values["binary_cross_entropy.samples"][2] == pytest.approx(np.log(2), rel=1e-15)


def test_cross_entropy_keeps_zero_probabilities_of_other_classes(tmp_path):
    values, _ = losses_values(tmp_path, "predictions = [[0.0, 0.25, 0.75]]\nlabels = [2]",
                              '"cross_entropy"')
    assert values["cross_entropy"] == pytest.approx(-np.log(0.75), rel=1e-15)


@pytest.mark.parametrize("data,functions,where,expected", [
    ("predictions = [[-0.5, 1.5]]\nlabels = [0]", '"cross_entropy"', "data.predictions[0][0]",
     "expected a probability in [0, 1] for cross_entropy, got -0.5"),
    ("predictions = [1.5]\ntargets = [1.0]", '"binary_cross_entropy"', "data.predictions[0]",
     "expected a probability in [0, 1] for binary_cross_entropy, got 1.5"),
    ("predictions = [0.5]\ntargets = [2.0]", '"binary_cross_entropy"', "data.targets[0]",
     "expected a target in [0, 1] for binary_cross_entropy, got 2"),
    ("scores = [[1.0, 2.0]]\ntargets = [[0.5, 0.6]]", '"cross_entropy"', "data.targets[0]",
     "expected a probability row (numbers >= 0 that sum to 1) for cross_entropy"),
])
def test_probabilities_out_of_range_are_refused(tmp_path, data, functions, where, expected):
    path = write(tmp_path, LOSSES.format(data=data, functions=functions))
    code, out, err = run_cli("export", path)
    assert code == 2 and out == ""
    assert err == f"stepcalc: {path}: {where}: {expected}\n"


def test_squared_error_still_takes_any_predictions(tmp_path):
    values, _ = losses_values(tmp_path, "predictions = [[-0.5, 1.5]]\ntargets = [[2.0, -3.0]]",
                              '"squared_error"')
    assert values["squared_error"] == pytest.approx(2.5 ** 2 + 4.5 ** 2)


# ---------------------------------------------------------------- 15: normalize ----

@pytest.mark.parametrize("pixels,expected", [
    ([1e308, -1e308], [1.0, -1.0]),
    ([1e308, 1e308, -1e308, -1e308], [1.0, 1.0, -1.0, -1.0]),
    ([1e300, 3e300], [-1.0, 1.0]),
])
def test_zscore_of_huge_pixels_is_exact(tmp_path, pixels, expected):
    text = f'title = "t"\nkind = "normalize"\n[data]\npixels = {pixels}\n[normalize]\nmethods = ["zscore"]\n'
    code, out, err = run_cli("export", write(tmp_path, text), "-f", "json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert doc["values"]["zscore"] == pytest.approx(expected, rel=1e-15)
    a = np.array(pixels) / max(abs(p) for p in pixels)   # σ by hand, on the scaled data
    assert doc["values"]["sigma"] == pytest.approx(float(np.std(a)) * max(abs(p) for p in pixels))
    assert not any(f["kind"] == "non_finite" for s in doc["steps"] for f in s["flags"])


def test_zscore_of_ordinary_pixels_is_unchanged():
    x = np.array([[0, 64, 128], [191, 255, 32]], dtype=float)
    text = f'title = "t"\nkind = "normalize"\n[data]\npixels = {x.tolist()}\n[normalize]\nmethods = ["zscore"]\n'
    z = stepcalc.trace(stepcalc.loads(text)).values["zscore"]
    assert np.allclose(z, (x - x.mean()) / x.std(), rtol=1e-14, atol=1e-15)


# ------------------------------------------------------------ 16: numpy warnings ----

EXTREMES = {
    "overflow.toml": """title = "t"
[data]
x = [[1e200, -1e200], [1e300, 1e300]]
y = [0, 1]
[[model.layers]]
units = 3
activation = "relu"
[[model.layers]]
units = 2
activation = "softmax"
[init]
method = "normal"
std = 1e100
[train]
loss = "cross_entropy"
steps = 0
[expect]
loss = 1.0
""",
    "batchnorm.toml": "title = \"t\"\nkind = \"batchnorm\"\n[data]\nx = [[1,2],[1,6],[1,4]]\n"
                      "[batchnorm]\neps = 0.0\n[expect]\nx_hat = [[0.0,-1.22],[0.0,1.22],[0.0,0.0]]\n",
    "init_stats.toml": "title = \"t\"\nkind = \"init_stats\"\n[network]\ndims = [8, 8, 8]\n"
                       "[[runs]]\nname = \"r\"\nactivation = \"relu\"\nmethod = \"normal\"\nstd = 1e200\n",
    "losses.toml": LOSSES.format(data="predictions = [[0.0, 1.0]]\nlabels = [0]",
                                 functions='"cross_entropy"'),
    "activations.toml": "title = \"t\"\nkind = \"activations\"\n[data]\nvalues = [1e308, -1e308, 800, -800]\n"
                        + "".join(f"[[activations]]\nname = \"{n}\"\n" for n in
                                  ("sigmoid", "tanh", "elu", "softplus", "swish", "selu", "softsign")),
}


def test_no_numpy_warning_reaches_stderr(tmp_path):
    """In a real process (warnings shown as Python prints them): nothing on stderr."""
    for name, text in EXTREMES.items():
        path = write(tmp_path, text, name)
        for args in (["export", str(path)], ["export", str(path), "-f", "json"], ["check", str(path)]):
            run = subprocess.run([sys.executable, "-W", "default", "-m", "stepcalc", *args],
                                 capture_output=True, text=True, timeout=120)
            assert "Warning" not in run.stderr, (name, args, run.stderr)
            assert "Traceback" not in run.stderr, (name, run.stderr)
            assert run.returncode in (0, 1), (name, args, run.stderr)


def test_overflowing_values_are_flagged(tmp_path):
    path = write(tmp_path, EXTREMES["overflow.toml"])
    code, out, err = run_cli("export", path, "-f", "json")
    assert code == 0, err
    flagged = {s["id"] for s in json.loads(out)["steps"] if any(f["kind"] == "non_finite" for f in s["flags"])}
    assert flagged   # the overflow shows on the steps it reaches


# ---------------------------------------------------------------- 17: σ′ and tanh′ ----

@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_stable_derivative_equals_the_sympy_derivative(name):
    """The numeric σ′/tanh′ against sympy.diff of the slides' expression, evaluated at
    120 digits: relative error at the level of float64 rounding everywhere, tails included."""
    act = get_activation(name)
    u = sp.Symbol("u", real=True)
    exact = sp.lambdify(u, act.derivative_expression(u), "mpmath")
    points = np.concatenate([np.linspace(-50, 50, 201), [-700.0, -40.0, -1e-9, 0.0, 1e-9, 40.0, 700.0]])
    got = act.derivative(points)
    with mpmath.workdps(120):   # 1 − tanh² near |u| = 50 cancels 44 digits
        want = np.array([float(exact(mpmath.mpf(float(p)))) for p in points])
    representable = want > 0          # tanh′(±700) ≈ 1e−608 underflows to 0 in float64
    assert np.all(got[~representable] == 0.0) and np.all(got[representable] > 0)
    assert np.max(np.abs(got - want)[representable] / want[representable]) < 1e-14


def test_the_reported_tail_values():
    sigma_prime = get_activation("sigmoid").derivative(np.array([40.0]))[0]
    tanh_prime = get_activation("tanh").derivative(np.array([40.0, -40.0]))
    assert sigma_prime == pytest.approx(np.exp(-40.0) / (1 + np.exp(-40.0)) ** 2, rel=1e-14)
    assert sigma_prime == pytest.approx(4.248354255291589e-18, rel=1e-12)
    assert tanh_prime == pytest.approx([7.219405547327535e-35] * 2, rel=1e-12)


def test_the_activations_kind_prints_the_tail_derivatives(tmp_path):
    text = ('title = "t"\nkind = "activations"\n[data]\nvalues = [40.0, -40.0]\n'
            '[[activations]]\nname = "sigmoid"\n[[activations]]\nname = "tanh"\n')
    code, out, _ = run_cli("export", write(tmp_path, text), "-f", "json")
    values = json.loads(out)["values"]
    assert values["d.sigmoid"] == pytest.approx([4.248354255291589e-18] * 2, rel=1e-12)
    assert values["d.tanh"] == pytest.approx([7.219405547327535e-35] * 2, rel=1e-12)
