"""Inputs that crashed with a traceback (issue 9, defects 2 and 7-11): each is now one
line on stderr and exit 2, or a report with honest numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import run_cli

import stepcalc
from stepcalc.render.markdown import render_markdown

ONE_NEURON = """title = "t"
[data]
x = {x}
y = [0.5]
[[model.layers]]
units = 1
activation = "identity"
{extra}
[train]
loss = "squared_error"
"""


def write(tmp_path, text: str, name: str = "case.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def assert_one_line_error(tmp_path, text: str, expected_start: str) -> str:
    path = write(tmp_path, text)
    for command in ("export", "check"):
        code, out, err = run_cli(command, path)
        assert code == 2 and out == "", err
        assert err.startswith(f"stepcalc: {path}: {expected_start}"), err
        assert err.count("\n") == 1 and "Traceback" not in err
    return err


# ------------------------------------------------------------------ 7: deep nesting --

def test_x_nested_65_deep_is_refused_with_its_key_path(tmp_path):
    x = "[" * 65 + "1.0" + "]" * 65
    err = assert_one_line_error(tmp_path, ONE_NEURON.format(x=x, extra=""), "data.x[0][0]")
    assert "nested 17 levels deep (tables, arrays); a scenario nests at most 16" in err


@pytest.mark.parametrize("depth", [500, 5000])
def test_arrays_nested_hundreds_deep_are_refused_not_a_recursion_error(tmp_path, depth):
    x = "[" * depth + "1.0" + "]" * depth
    assert_one_line_error(tmp_path, ONE_NEURON.format(x=x, extra=""),
                          "invalid TOML for stepcalc: arrays or inline tables nested hundreds deep")


def test_inline_tables_nested_500_deep_are_refused(tmp_path):
    text = 'title = "t"\nfoo = ' + "{a = " * 500 + "1" + "}" * 500 + "\n"
    assert_one_line_error(tmp_path, text, "invalid TOML for stepcalc")


def test_inline_tables_nested_40_deep_name_the_key_path(tmp_path):
    text = 'title = "t"\n[data]\nx = [[1.0]]\ny = ' + "{a = " * 40 + "1" + "}" * 40 + "\n"
    assert_one_line_error(tmp_path, text, "data.y" + ".a" * 15 + ": nested 17 levels")


def test_the_builder_api_refuses_deep_nesting_too():
    deep = 1.0
    for _ in range(20):
        deep = [deep]
    with pytest.raises(stepcalc.ScenarioError if hasattr(stepcalc, "ScenarioError")
                       else Exception, match="nested 17 levels deep"):
        stepcalc.loads(ONE_NEURON.format(x=json.dumps(deep), extra=""))


# ----------------------------------------------------------- 8: uniform init overflow --

def test_uniform_init_over_the_whole_float_range_draws_finite_weights(tmp_path):
    init = '[init]\nmethod = "uniform"\nlow = -1e308\nhigh = 1e308\nseed = 3'
    sc = stepcalc.loads(ONE_NEURON.format(x="[[1.0], [2.0]]", extra=init).replace("y = [0.5]", "y = [0.5, 0.5]"))
    w = sc.params["W1"]
    u = np.random.default_rng(3).random((1, 1))   # the same draw, mixed by hand
    assert np.isfinite(w).all()
    assert w[0, 0] == pytest.approx(-1e308 * (1 - u[0, 0]) + 1e308 * u[0, 0], rel=1e-12)
    path = write(tmp_path, ONE_NEURON.format(x="[[1.0]]", extra=init))
    for command in ("export", "check"):
        code, _, err = run_cli(command, path)
        assert code in (0, 1, 2) and "Traceback" not in err and "Warning" not in err


def test_ordinary_uniform_init_keeps_its_numbers():
    init = '[init]\nmethod = "uniform"\nlow = -0.5\nhigh = 0.25\nseed = 7'
    sc = stepcalc.loads(ONE_NEURON.format(x="[[1.0]]", extra=init))
    assert sc.params["W1"][0, 0] == np.random.default_rng(7).uniform(-0.5, 0.25, size=(1, 1))[0, 0]


# ----------------------------------------------------- 9: init_stats with a huge std --

@pytest.mark.parametrize("draw,activation", [("outputs", "relu"), ("weights", "relu"),
                                             ("outputs", "tanh")])
def test_init_stats_with_std_1e200_is_flagged_not_a_linalg_error(tmp_path, draw, activation):
    text = f"""title = "t"
kind = "init_stats"
[network]
dims = [8, 8, 8]
draw = "{draw}"
[[runs]]
name = "r"
activation = "{activation}"
method = "normal"
std = 1e200
"""
    path = write(tmp_path, text)
    code, out, err = run_cli("export", path, "-f", "json")
    assert code == 0 and err == "", err
    stats = next(s for s in json.loads(out)["steps"] if s["id"] == "r.stats")
    if activation == "relu":   # float32 overflows at the first layer
        assert any("overflow from layer 1" in f["message"] for f in stats["flags"])
        assert stats["value"][0] == [None, None]
    else:                      # tanh saturates at ±1: finite, and said to be saturated
        assert all(v is not None for row in stats["value"] for v in row)


# ------------------------------------------------- 10: [expect] on non-finite values --

BATCHNORM_EPS0 = """title = "t"
kind = "batchnorm"
[data]
x = [[1,2],[1,6],[1,4]]
[batchnorm]
eps = 0.0
[expect]
x_hat = [[0.0,-1.22],[0.0,1.22],[0.0,0.0]]
"""


def test_expect_on_a_nan_result_is_a_mismatch_not_a_crash(tmp_path):
    path = write(tmp_path, BATCHNORM_EPS0)
    code, out, err = run_cli("check", path)
    assert code == 1 and err == ""
    assert "    ✗ x_hat[1][1]: printed 0.0, exact nan  — the exact value is not a finite number (nan/inf)" in out
    assert "✓" not in out.split("x_hat[1][1]")[1].split("\n")[0]
    assert "  6 printed values, 3 problems" in out
    code, out, err = run_cli("export", path)
    assert code == 0 and err == ""
    assert "= 0.0, exact nan (the exact value is not a finite number" in out


def test_expect_on_an_infinite_after_loss_is_a_mismatch(tmp_path):
    text = ONE_NEURON.format(x="[[1e150]]", extra="[params]\nW1 = [[1.0]]\nb1 = [0.0]") + \
        'lr = 0.1\n[expect]\n"after.loss" = 1.0\n'
    path = write(tmp_path, text)
    code, out, err = run_cli("check", path)
    assert code == 1 and err == ""
    assert "✗ after.loss: printed 1.0, exact inf  — the exact value is not a finite number" in out
    assert run_cli("export", path)[0] == 0


def test_expect_on_non_finite_values_in_the_tui():
    import asyncio

    from stepcalc.tui.app import StepcalcApp

    async def walk():
        app = StepcalcApp(stepcalc.trace(stepcalc.loads(BATCHNORM_EPS0)))
        async with app.run_test(size=(120, 36)) as pilot:
            for key in ["n", "n", "n", "G"]:
                await pilot.press(key)
                await pilot.pause()

    asyncio.run(walk())


# ------------------------------------- 11: losses kind, one-hot targets + cross_entropy --

ONE_HOT_CE = """title = "t"
kind = "losses"
[data]
scores = [[1.0,2.0]]
targets = [[0.0,1.0]]
[loss]
functions = ["cross_entropy"]
"""


def test_cross_entropy_with_one_hot_targets_renders_everywhere():
    trace = stepcalc.trace(stepcalc.loads(ONE_HOT_CE))
    expected = np.log(np.exp(1.0) + np.exp(2.0)) - 2.0
    assert trace.values["cross_entropy"] == pytest.approx(expected, rel=1e-15)
    md = render_markdown(trace)
    assert "\\log{\\left(0.731 \\right)}" in md.replace("0.7311", "0.731") or "0.731" in md
    step = trace.step("cross_entropy.samples")
    expansion = step.expand((0,))
    assert float(expansion.value) == pytest.approx(expected)

    import asyncio

    from stepcalc.tui.app import StepcalcApp

    async def walk():
        app = StepcalcApp(trace)
        async with app.run_test(size=(120, 36)) as pilot:
            for key in ["n", "n", "n", "right", "G"]:
                await pilot.press(key)
                await pilot.pause()

    asyncio.run(walk())


# ---------------------------------------------------------------- 2: reserved names --

TRAIN = """title = "t"
[data]
x = [[1.5, 0.2]]
y = [0]
[[model.layers]]
units = 2
activation = "relu"
{key} = "{name}"
[[model.layers]]
units = 3
activation = "softmax"
[init]
method = "normal"
[train]
loss = "cross_entropy"
optimizer = "momentum"
weight_decay = 0.01
"""


@pytest.mark.parametrize("key", ["weights", "bias_name", "pre", "post"])
@pytest.mark.parametrize("name", ["eta", "gamma", "lambda", "x", "y", "loss", "mhat", "shat",
                                  "v", "grad", "new", "after", "step2", "step10"])
def test_built_in_ids_are_refused_as_names(tmp_path, key, name):
    path = write(tmp_path, TRAIN.format(key=key, name=name))
    code, out, err = run_cli("export", path)
    assert code == 2 and out == ""
    assert err.startswith(f'stepcalc: {path}: model.layers[0].{key}: "{name}" is reserved: it is '
                          "the id of "), err
    assert err.endswith("; choose another name\n")


@pytest.mark.parametrize("name", ["m", "s", "W", "eta2", "steps", "stepx", "velocity"])
def test_names_near_built_in_ids_work(tmp_path, name):
    """m is the design's own example name (dying_relu names its weights m); near misses of
    reserved words are ordinary names: the update and the velocity are theirs."""
    text = TRAIN.format(key="weights", name=name)
    sc = stepcalc.loads(text)
    trace = stepcalc.trace(sc)
    w, g = sc.params[name], trace.values[f"grad.{name}"]
    v = -0.01 * g                       # classic momentum from v = 0, lr 0.01
    assert np.allclose(trace.values[f"v.{name}"], v, rtol=1e-12, atol=0)
    assert np.allclose(trace.values[f"new.{name}"], w + v, rtol=1e-12, atol=0)
    code, out, _ = run_cli("export", write(tmp_path, text), "-f", "json")
    assert code == 0 and f"new.{name}" in json.loads(out)["values"]


REGULARIZATION = """title = "t"
kind = "losses"
[distance]
prediction = [[15.0, 20.0]]
target = [[12.0, 24.0]]
[regularization]
weights = {{ {name} = [1.0, 2.0], w = [3.0, 4.0] }}
lambda = 0.5
"""


@pytest.mark.parametrize("name", ["lambda", "diff", "f", "t", "s", "y", "probs", "cross_entropy",
                                  "hinge", "penalty", "distance"])
def test_regularization_weight_names_that_are_losses_ids_are_refused(tmp_path, name):
    path = write(tmp_path, REGULARIZATION.format(name=name))
    code, _, err = run_cli("export", path)
    assert code == 2
    assert err.startswith(f'stepcalc: {path}: regularization.weights.{name}: "{name}" is reserved: '
                          "it is a quantity id of the losses kind"), err


def test_the_reproducer_keeps_diff_and_both_weights(tmp_path):
    """lambda and diff as weight names lost a weight and overwrote diff; with other names
    every value is there: diff = prediction − target, the penalties of both weights."""
    text = REGULARIZATION.format(name="w0").replace("w = [3.0, 4.0]", "w1 = [3.0, 4.0]")
    trace = stepcalc.trace(stepcalc.loads(text))
    assert np.array_equal(trace.values["diff"], np.array([[3.0, -4.0]]))
    assert trace.values["penalty.l2.w0"] == 1.0 + 4.0
    assert trace.values["penalty.l2.w1"] == 9.0 + 16.0
    assert trace.values["penalty.l2.scaled"] == 0.5 * 30.0
    assert render_markdown(trace)
