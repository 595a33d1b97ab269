"""Numeric extremes: finite where the mathematics is finite, flagged where it is not,
an error where going on makes no sense — never a silent nan, never a numpy warning.

Every test here turns RuntimeWarning into an error (overflow, 0·inf, log 0 ...).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import stepcalc
from stepcalc.engine.maths.losses import get_loss

from conftest import run_cli

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


def doc(x, y, layers, loss, params="", train=""):
    return (f'title = "extreme"\n[data]\nx = {x}\ny = {y}\n{layers}\n[train]\nloss = "{loss}"\n'
            f"{train}\n{params}\n")


def layer(units, activation):
    return f'[[model.layers]]\nunits = {units}\nactivation = "{activation}"\n'



def all_finite(trace) -> bool:
    return all(np.isfinite(np.asarray(v, dtype=float)).all() for v in trace.values.values())


def assert_no_silent_nan(trace) -> None:
    """Every step holding a nan or inf says so in a non_finite flag."""
    for step in trace.steps:
        if not np.isfinite(np.asarray(step.value, dtype=float)).all():
            assert "non_finite" in [f.kind for f in step.flags], step.id


def flags_of(trace, kind):
    return [(s.id, f.message) for s in trace.steps for f in s.flags if f.kind == kind]


# ------------------------------------------------------------- finite where maths is ----

@pytest.mark.parametrize("label,expected", [(0, 0.0), (1, 2e4)])
def test_logits_of_plus_minus_1e4_under_cross_entropy(label, expected):
    sc = stepcalc.loads(doc("[[1.0]]", f"[{label}]", layer(2, "softmax"), "cross_entropy",
                            "[params]\nW1 = [[1e4, -1e4]]\nb1 = [0.0, 0.0]"))
    tr = stepcalc.trace(sc)
    assert tr.values["loss"] == pytest.approx(expected)
    assert all_finite(tr) and not flags_of(tr, "non_finite")
    # δ = ŷ − y exactly: the wrong class gets the full gradient, nothing is nan.
    assert np.allclose(tr.values["grad.u1"], np.eye(2)[[0]] - np.eye(2)[[label]])


def test_inputs_of_1e300_through_a_sigmoid_are_finite():
    sc = stepcalc.loads(doc("[[1e300]]", "[1]", layer(1, "sigmoid"), "binary_cross_entropy",
                            "[params]\nW1 = [[-1.0]]\nb1 = [0.0]", "steps = 0"))
    tr = stepcalc.trace(sc)
    assert tr.values["y_hat"][0, 0] == 0.0              # σ(−1e300) rounds to exactly 0
    assert tr.values["loss"] == pytest.approx(1e300)    # yet −log σ(z) = −z: finite
    assert all_finite(tr)


def test_inputs_of_1e300_then_one_update_flag_what_overflows():
    """The update W = −1 + 0.01·1e300 is finite, but the logit after it (1e598) is not."""
    sc = stepcalc.loads(doc("[[1e300]]", "[1]", layer(1, "sigmoid"), "binary_cross_entropy",
                            "[params]\nW1 = [[-1.0]]\nb1 = [0.0]"))
    tr = stepcalc.trace(sc)
    assert np.isfinite(tr.values["new.W1"]).all()
    assert_no_silent_nan(tr)
    assert [i for i, _ in flags_of(tr, "non_finite")] == ["after.u1", "after.loss"]
    assert "after the last update" in flags_of(tr, "diverged")[0][1]


@pytest.mark.parametrize("z,y,expected", [(1000.0, 1, 0.0), (-1000.0, 1, 1000.0),
                                          (1000.0, 0, 1000.0), (1000.0, 0.5, 500.0)])
def test_yhat_exactly_0_or_1_under_binary_cross_entropy(z, y, expected):
    sc = stepcalc.loads(doc("[[1.0]]", f"[{y}]", layer(1, "sigmoid"), "binary_cross_entropy",
                            f"[params]\nW1 = [[{z}]]\nb1 = [0.0]"))
    tr = stepcalc.trace(sc)
    assert tr.values["y_hat"][0, 0] in (0.0, 1.0)
    assert tr.values["loss"] == pytest.approx(expected, abs=1e-12)
    assert all_finite(tr)


def test_yhat_exactly_0_and_1_in_the_loss_functions_themselves():
    for name, yhat, y in [("binary_cross_entropy", [[0.0], [1.0]], [[1.0], [0.0]]),
                          ("cross_entropy", [[0.0, 1.0]], [[1.0, 0.0]])]:
        loss = get_loss(name)
        assert np.isfinite(loss.per_sample(np.array(yhat), np.array(y))).all()
        assert np.isfinite(loss.gradient(np.array(yhat), np.array(y))).all()


def test_sigmoid_of_minus_1000_is_zero_and_flagged_saturated():
    sc = stepcalc.loads(doc("[[1000.0]]", "[1.0]", layer(1, "sigmoid"), "squared_error",
                            "[params]\nW1 = [[-1.0]]\nb1 = [0.0]"))
    tr = stepcalc.trace(sc)
    assert tr.values["y_hat"][0, 0] == 0.0 and tr.values["loss"] == 1.0
    assert all_finite(tr)
    assert flags_of(tr, "saturated_sigmoid") and flags_of(tr, "zero_gradient")


# -------------------------------------------------------------- flagged where it is not --

OVERFLOW = doc("[[1e300]]", "[0.5]", layer(1, "identity"), "squared_error",
               "[params]\nW1 = [[10.0]]\nb1 = [0.0]", "steps = 0")


def test_a_non_finite_value_is_flagged_in_markdown_and_null_in_json(tmp_path):
    tr = stepcalc.trace(stepcalc.loads(OVERFLOW))
    assert tr.values["u1"][0, 0] == 1e301 and math.isinf(tr.values["loss"])   # (1e301)² = inf
    assert [i for i, _ in flags_of(tr, "non_finite")] == ["loss"]
    assert_no_silent_nan(tr)
    path = tmp_path / "overflow.toml"
    path.write_text(OVERFLOW)
    code, md, err = run_cli("export", str(path))
    assert code == 0 and err == ""
    assert "**non finite**" in md
    code, js, err = run_cli("export", str(path), "-f", "json")
    assert code == 0 and err == ""
    data = json.loads(js)
    assert data["values"]["loss"] is None
    loss = next(s for s in data["steps"] if s["id"] == "loss")
    assert loss["value"] is None and [f["kind"] for f in loss["flags"]] == ["non_finite"]


def test_overflow_in_the_first_update_is_an_explicit_error(tmp_path):
    path = tmp_path / "overflow.toml"
    path.write_text(OVERFLOW.replace("steps = 0", "steps = 1"))
    for command in ("export", "check"):
        code, out, err = run_cli(command, str(path))
        assert code == 2 and out == ""
        assert err.startswith(f"stepcalc: {path}: train: the numbers of step 1 overflow")
        assert err.count("\n") == 1


DIVERGING = doc("[[1.0, 2.0], [3.0, 4.0]]", "[0.5, 1.5]", layer(1, "identity"), "squared_error",
                "[params]\nW1 = [[1.0], [1.0]]\nb1 = [0.0]", "lr = 1e6\nsteps = 20")


def test_a_diverging_run_is_flagged_on_the_step_where_it_diverged(tmp_path):
    tr = stepcalc.trace(stepcalc.loads(DIVERGING))
    assert_no_silent_nan(tr)
    diverged = flags_of(tr, "diverged")
    assert [i for i, _ in diverged] == ["step2.loss"]
    assert "training diverged" in diverged[0][1] and "lr = 1e+06" in diverged[0][1]
    path = tmp_path / "diverge.toml"
    path.write_text(DIVERGING)
    code, md, err = run_cli("export", str(path))
    assert code == 0 and err == "" and "**diverged**: training diverged" in md
    code, js, _ = run_cli("export", str(path), "-f", "json")
    step2 = next(s for s in json.loads(js)["steps"] if s["id"] == "step2.loss")
    assert step2["flags"][0]["kind"] == "diverged"


def test_a_run_whose_parameters_overflow_stops_with_an_error(tmp_path):
    path = tmp_path / "diverge.toml"
    path.write_text(DIVERGING.replace("steps = 20", "steps = 60"))
    code, out, err = run_cli("export", str(path))
    assert code == 2 and out == ""
    assert err.startswith(f"stepcalc: {path}: train.lr: training diverged at step ")
    assert "no longer finite" in err and err.count("\n") == 1


@pytest.mark.parametrize("loss,layers,y", [
    ("cross_entropy", layer(3, "tanh") + layer(2, "softmax"), "[0, 1]"),
    ("binary_cross_entropy", layer(3, "relu") + layer(1, "sigmoid"), "[0, 1]"),
    ("hinge", layer(3, "sigmoid") + layer(2, "identity"), "[0, 1]"),
])
def test_huge_learning_rates_never_leak_warnings_or_silent_nans(loss, layers, y, tmp_path):
    text = doc("[[1.0, 2.0], [3.0, -4.0]]", y, layers, loss,
               '[init]\nmethod = "normal"\nstd = 1.0', "lr = 1e6\nsteps = 20")
    path = tmp_path / "s.toml"
    path.write_text(text)
    # The weights grow huge but every number stays finite (the losses saturate): the run is
    # shown (exit 0; check has no [expect] to miss), flagged, never a nan.
    for command in ("export", "check"):
        code, out, err = run_cli(command, str(path))
        assert "Traceback" not in err and "Warning" not in err
        assert code == 0, err
    assert_no_silent_nan(stepcalc.trace(stepcalc.load(path)))


def test_the_largest_learning_rate_stops_cleanly_and_quickly(tmp_path):
    """lr = 1e308 once hung the CLI: nan weights made the symmetry check loop forever."""
    path = tmp_path / "s.toml"
    path.write_text(doc("[[1.5, 0.2], [0.3, -1.0]]", "[0, 2]",
                        layer(2, "relu") + layer(3, "softmax"), "cross_entropy",
                        "[params]\nW1 = [[0.86, -1.04], [0.41, -0.65]]\n"
                        "W2 = [[0.32, 0.25, 0.14], [-0.47, -1.06, 0.063]]", "lr = 1e308\nsteps = 2"))
    code, out, err = run_cli("export", str(path))
    assert code == 2 and out == ""
    assert err.startswith(f"stepcalc: {path}: train.lr: training diverged at step ")


def test_symmetry_flags_ignore_nan_units():
    from stepcalc.engine.slides.flags import _identical_groups

    columns = np.array([[np.nan, np.nan, 1.0, 1.0], [0.0, 0.0, 2.0, 2.0]])
    assert _identical_groups(columns) == [[2, 3]]
