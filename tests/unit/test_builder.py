"""The builder API (`stepcalc.scenario(...)`) and `Scenario.to_toml()`."""

from __future__ import annotations

import dataclasses
import tomllib

import numpy as np
import pytest

import stepcalc
from stepcalc.bundled import bundled
from stepcalc.errors import ScenarioError
from stepcalc.render.markdown import render_markdown

# The same one-sample 2-2-3 network, once as a file and once built in Python.
FILE = """
title = "Dying ReLU, built"
[data]
x = [[1.5, 0.2]]
y = [0]
[model]
convention = "row"
[[model.layers]]
units = 2
activation = "relu"
weights = "m"
bias_name = "bm"
pre = "h"
post = "relu"
[[model.layers]]
units = 3
activation = "softmax"
weights = "w"
bias_name = "bw"
pre = "z"
[params]
m  = [[0.86, -1.04], [0.41, -0.65]]
bm = [0.0, 0.0]
w  = [[0.32, 0.25, 0.14], [-0.47, -1.06, 0.063]]
bw = [0.0, 0.0, 0.0]
[train]
loss = "cross_entropy"
lr = 0.01
[display]
precision = 4
"""


def built():
    return stepcalc.scenario(
        title="Dying ReLU, built",
        x=np.array([[1.5, 0.2]]), y=np.array([0]), convention="row",
        layers=[dict(units=2, activation="relu", weights="m", bias_name="bm", pre="h", post="relu"),
                dict(units=np.int64(3), activation="softmax", weights="w", bias_name="bw", pre="z")],
        params=dict(m=np.array([[0.86, -1.04], [0.41, -0.65]]), bm=np.zeros(2),
                    w=np.array([[0.32, 0.25, 0.14], [-0.47, -1.06, 0.063]]), bw=[0.0, 0.0, 0.0]),
        train=dict(loss="cross_entropy", lr=np.float64(0.01)),
        precision=4,
    )


def same_scenario(a, b) -> None:
    """Field by field, arrays by value (dataclass == cannot compare numpy arrays)."""
    for f in dataclasses.fields(a):
        if not f.compare:
            continue
        left, right = getattr(a, f.name), getattr(b, f.name)
        if f.name == "file":
            continue
        if f.name in ("params", "spec", "expect"):
            assert _plain(left) == _plain(right), f.name
        elif f.name == "data" and left is not None:
            for g in ("x", "y", "labels"):
                assert np.array_equal(getattr(left, g), getattr(right, g)), g
        else:
            assert left == right, f.name


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def test_built_scenario_exports_the_same_markdown_as_the_file():
    from_file = stepcalc.trace(stepcalc.loads(FILE))
    from_python = stepcalc.trace(built())
    assert render_markdown(from_python) == render_markdown(from_file)
    # h = x·m: 1.5·0.86 + 0.2·0.41 = 1.372 (by hand)
    assert from_python.values["h"][0, 0] == pytest.approx(1.372)


@pytest.mark.parametrize("name", sorted(bundled()))
def test_to_toml_round_trips_every_bundled_scenario(name):
    original = stepcalc.load(bundled()[name])
    text = original.to_toml()
    tomllib.loads(text)   # valid TOML
    again = stepcalc.loads(text, file=str(bundled()[name]))
    same_scenario(original, again)
    assert again.to_toml() == text
    if original.kind != "init_stats":   # 7 × 4096 runs: the scenario comparison is enough
        assert render_markdown(stepcalc.trace(again)) == render_markdown(stepcalc.trace(original))


def test_built_scenario_round_trips_through_toml():
    sc = built()
    same_scenario(sc, stepcalc.loads(sc.to_toml()))


def test_printed_decimals_survive_the_round_trip():
    sc = stepcalc.loads(FILE + '[expect]\nloss = 0.9890\nh = [1.372, -1.690]\n"grad.w" = 1.0e-2\n')
    again = stepcalc.loads(sc.to_toml())
    assert again.expect["loss"].decimals.tolist() == 4
    assert again.expect["h"].decimals.tolist() == [3, 3]
    assert again.expect["grad.w"].decimals.tolist() == sc.expect["grad.w"].decimals.tolist()
    assert "0.9890" in sc.to_toml() and "1.0e-2" in sc.to_toml()


def test_strings_with_quotes_newlines_and_control_characters_round_trip():
    title = 'He said "hi"\\ \n\ttab \x7f del ✓'
    sc = stepcalc.scenario(title=title, kind="normalize", data=dict(pixels=[0, 255]))
    assert stepcalc.loads(sc.to_toml()).title == title


@pytest.mark.parametrize("fields,table_text", [
    (dict(layers=[dict(units=2, activation="rleu")]),
     '[[model.layers]]\nunits = 2\nactivation = "rleu"\n'),
    (dict(layers=[dict(units=0, activation="relu")]),
     '[[model.layers]]\nunits = 0\nactivation = "relu"\n'),
    (dict(layers=[dict(units=1, activation="sigmoid")], unknown=1),
     'unknown = 1\n[[model.layers]]\nunits = 1\nactivation = "sigmoid"\n'),
])
def test_builder_errors_are_the_file_errors(fields, table_text):
    common = dict(title="t", x=[[1.0]], y=[0.0], train=dict(loss="squared_error"))
    with pytest.raises(ScenarioError) as from_python:
        stepcalc.scenario(**common, **fields)
    text = 'title = "t"\n' + ('unknown = 1\n' if "unknown" in fields else "") + \
        '[data]\nx = [[1.0]]\ny = [0.0]\n[train]\nloss = "squared_error"\n' + \
        table_text.replace("unknown = 1\n", "")
    with pytest.raises(ScenarioError) as from_file:
        stepcalc.loads(text, file="<stepcalc.scenario>")
    assert str(from_python.value) == str(from_file.value)
    assert from_python.value.path == from_file.value.path


def test_non_finite_numbers_are_refused_with_their_key_path():
    with pytest.raises(ScenarioError, match=r"data\.x\[0\]\[1\]: expected a finite number"):
        stepcalc.scenario(title="t", x=np.array([[1.0, np.nan]]), y=[0.0],
                          layers=[dict(units=1, activation="identity")],
                          train=dict(loss="squared_error"))


def test_objects_that_are_not_data_are_refused():
    with pytest.raises(ScenarioError, match=r"train\.lr: expected a number"):
        stepcalc.scenario(title="t", x=[[1.0]], y=[0.0], layers=[dict(units=1, activation="identity")],
                          train=dict(loss="squared_error", lr=object()))
