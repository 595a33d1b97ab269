"""The audit of printed values: matching at printed precision and the likely causes."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

import stepcalc
from stepcalc.check import check_all, check_scenario
from stepcalc.engine.slides.audit import audit, likely_cause, matches, off_by_one

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

BASE = """
title = "t"
[data]
x = [[2.0]]
y = [[1.0]]
[[model.layers]]
units = 1
activation = "identity"
weights = "w"
bias_name = "b"
pre = "z"
[params]
w = [[0.5]]
b = [0.0]
[train]
loss = "squared_error"
lr = 0.1
[display]
precision = 4
"""


def entry(expect: str, key: str):
    sc = stepcalc.loads(BASE + "[expect]\n" + expect)
    return {e.id: e for e in audit(sc, stepcalc.trace(sc).values)}[key]


def test_printed_precision():
    assert matches(np.array([0.41015]), np.array([0.4102]), np.array([4]))[0]
    assert not matches(np.array([0.41015]), np.array([0.4105]), np.array([4]))[0]
    assert matches(np.array([1 / 3]), np.array([0.333]), np.array([3]))[0]


def test_element_causes():
    assert likely_cause(0.005, -0.005, 3) == "sign flipped"
    assert likely_cause(0.006281974, 0.0062, 4) == "truncated instead of rounded"
    assert likely_cause(0.4101518, 0.4105, 4).startswith("a digit dropped")
    assert likely_cause(0.4127, 0.4217, 4).startswith("adjacent digits transposed")
    assert likely_cause(6.7, 0.67, 2) == "decimal point shifted (printed = exact × 0.1)"
    assert likely_cause(1.0, 2.5, 1) == ""
    assert off_by_one(-1.69, -1.68, 2) == "last printed digit off by one (-1.69 expected)"
    assert off_by_one(-1.69, -1.66, 2) == ""


def test_factor_left_out_is_named():
    sc = stepcalc.loads(BASE.replace("w = [[0.5]]", "w = [[1.5]]") + '[expect]\n"grad.w" = 4.0\n')
    tr = stepcalc.trace(sc)
    # exact ∂L/∂w = x · 2(ŷ − y) = 2 · 2 · (3 − 1) = 8; printed 4 = exact / x
    assert float(tr.values["grad.w"][0, 0]) == pytest.approx(8.0)
    (m,) = audit(sc, tr.values)[0].mismatches
    assert m.cause == "a factor x[1] = 2 left out (printed = exact / 2)"


def test_update_with_printed_eta_and_printed_gradient():
    sc = stepcalc.loads(BASE.replace("w = [[0.5]]", "w = [[1.5]]")
                        + '[expect]\neta = 0.01\n"new.w" = 1.42\n"new.b" = 1.3\n')
    tr = stepcalc.trace(sc)
    by = {e.id: e for e in audit(sc, tr.values)}
    # exact: w = 1.5 − 0.1·8 = 0.7; with the printed η = 0.01: 1.5 − 0.08 = 1.42
    assert by["new.w"].mismatches[0].cause == "computed with the printed η = 0.01 instead of 0.1 (θ − η∇)"
    # b: ∇ = 4, θ + η∇ = 0.4 would be a sign flip; 1.3 is none of these
    assert by["new.b"].mismatches[0].cause == ""
    # η: the printed updates do not follow from 0.1 either way, so no claim about them
    assert by["eta"].mismatches[0].cause == "decimal point shifted (printed = exact × 0.1)"


def test_unknown_id_is_a_user_error():
    from stepcalc.errors import ScenarioError

    sc = stepcalc.loads(BASE + '[expect]\n"grad.nope" = 1.0\n')
    with pytest.raises(ScenarioError):
        audit(sc, stepcalc.trace(sc).values)


def test_mismatch_flags_carry_the_cause():
    sc = stepcalc.load(SCENARIOS / "dying_relu.toml")
    tr = stepcalc.trace(sc)
    from stepcalc.render.flags import flag_message

    flags = [f for f in tr.step("grad.w").flags if f.kind == "mismatch"]
    # the engine records the fact; the renderers' one wording puts it in words
    assert len(flags) == 3 and all("factor relu[1] = 1.372 left out" in f.mismatch.cause for f in flags)
    assert all(f.mismatch.id == "grad.w" and f.elements == (f.mismatch.element,) for f in flags)
    assert all("factor relu[1] = 1.372 left out" in flag_message(f) for f in flags)


def test_check_report_names_causes():
    out = io.StringIO()
    count, problems = check_scenario(stepcalc.load(SCENARIOS / "softmax_regression.toml"), out)
    text = out.getvalue()
    assert (count, problems) == (21, 5)
    assert "✗ eta: printed 0.1, exact 0.01" in text and "sign flipped" in text


def test_check_all_lists_every_bundled_scenario():
    out = io.StringIO()
    assert check_all(out) == 1
    text = out.getvalue()
    for name in ("dying_relu", "mlp_batch_forward", "zero_init_mlp", "xor_relu_mlp", "momentum_mlp",
                 "softmax_squared_error", "adaline_xor", "mse_mlp_weight_decay", "constant_init_symmetry"):
        assert name in text


# Every printed number of the train seeds: (scenario, id) → number of known errata.
ERRATA = {
    ("dying_relu", "h"): 1, ("dying_relu", "grad.w"): 3, ("dying_relu", "new.m"): 1,
    ("dying_relu", "new.w"): 1, ("dying_relu", "new.bw"): 2, ("dying_relu", "after.h"): 1,
    ("dying_relu", "after.y_hat"): 1,
    ("linear_regression", "x"): 1, ("linear_regression", "after.y_hat"): 1,
    ("linear_regression", "after.loss"): 1,
    ("logistic_regression", "after.z"): 1, ("logistic_regression", "after.y_hat"): 1,
    ("logistic_regression", "after.loss"): 1,
    ("softmax_regression", "eta"): 1, ("softmax_regression", "new.b"): 2,
    ("softmax_regression", "new.w"): 2,
    ("mlp_batch_forward", "h"): 6, ("mlp_batch_forward", "relu"): 3, ("mlp_batch_forward", "z"): 8,
    ("mlp_batch_forward", "y_hat"): 9, ("mlp_batch_forward", "loss"): 1,
}
TRAIN_SEEDS = ("dying_relu", "linear_regression", "logistic_regression", "softmax_regression",
               "mlp_batch_forward", "zero_init_mlp", "xor_relu_mlp")


@pytest.mark.parametrize("name", TRAIN_SEEDS)
def test_every_printed_number_is_pinned(name):
    sc = stepcalc.load(SCENARIOS / f"{name}.toml")
    for e in audit(sc, stepcalc.trace(sc).values):
        assert len(e.mismatches) == ERRATA.get((name, e.id), 0), e.id
        for m in e.mismatches:
            assert m.cause, f"{name} {e.id}{m.element}: no cause"
