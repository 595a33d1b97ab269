"""Names people type (issue 11, item 10): common aliases read as stepcalc's own name and shown
as it; a near miss of any choice gets "did you mean"."""

from __future__ import annotations

import json

import numpy as np
import pytest

import stepcalc
from conftest import run_cli, train_toml, write_scenario


def exported(path) -> dict:
    code, out, err = run_cli("export", str(path), "-f", "json")
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize(("typed", "canonical"), [("linear", "identity"), ("logistic", "sigmoid"),
                                                  ("ReLU", "relu")])
def test_activation_aliases_read_as_the_canonical_name(tmp_path, typed, canonical):
    path = write_scenario(tmp_path, train_toml(layers=((2, typed), (2, "softmax"))))
    scenario = stepcalc.load(str(path))
    assert scenario.model.layers[0].activation == canonical
    # the slides say the canonical name's function
    code, out, err = run_cli("export", str(path), "-f", "text")
    assert code == 0, err
    assert {"identity": "id(", "sigmoid": "σ(", "relu": "ReLU("}[canonical] in out


@pytest.mark.parametrize(("typed", "canonical"), [("mse", "squared_error"), ("bce", "binary_cross_entropy"),
                                                  ("ce", "cross_entropy")])
def test_loss_aliases(tmp_path, typed, canonical):
    layers = ((2, "relu"), (2, "softmax")) if canonical == "cross_entropy" else ((2, "relu"), (1, "sigmoid"))
    y = (0,) if canonical == "cross_entropy" else ((1.0,),)
    path = write_scenario(tmp_path, train_toml(layers=layers, y=y, loss=typed))
    scenario = stepcalc.load(str(path))
    assert scenario.train.loss == canonical and scenario.train.reduction == "mean"


def test_mse_is_the_mean_squared_error_and_agrees_with_numpy(tmp_path):
    """loss = "mse" on two samples: L = mean((ŷ − y)²), ŷ = x·w (identity, no bias, w = 0.5)."""
    x, y = np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([[1.0], [0.5]])
    w = np.array([[0.5], [0.5]])
    path = write_scenario(tmp_path, train_toml(
        x=x.tolist(), y=y.tolist(), layers=({"units": 1, "activation": "linear", "bias_name": ""},),
        loss="mse", params={"W1": w.tolist()}, steps=0))
    loss = exported(path)["values"]["loss"]
    assert loss == pytest.approx(np.mean((x @ w - y) ** 2), rel=1e-12)


def test_mse_with_a_sum_is_refused(tmp_path):
    path = write_scenario(tmp_path, train_toml(layers=((1, "identity"),), y=((1.0,),), loss="mse",
                                               train={"reduction": "sum"}))
    code, out, err = run_cli("export", str(path))
    assert code == 2 and out == ""
    assert err.startswith(f"stepcalc: {path}: train.reduction: ") and '"squared_error"' in err


@pytest.mark.parametrize(("key", "typed", "meant"), [
    ("activation", "relü", "relu"), ("activation", "sigmod", "sigmoid"), ("loss", "cross_entropi", "cross_entropy"),
    ("optimizer", "adamm", "adam"), ("loss", "bec", "binary_cross_entropy")])
def test_a_near_miss_is_named(tmp_path, key, typed, meant):
    layers = ((2, typed), (2, "softmax")) if key == "activation" else ((2, "relu"), (2, "softmax"))
    train = {"optimizer": typed} if key == "optimizer" else None
    path = write_scenario(tmp_path, train_toml(layers=layers, loss=typed if key == "loss" else "cross_entropy",
                                               train=train))
    code, _, err = run_cli("export", str(path))
    assert code == 2 and err.count("\n") == 1
    assert err.rstrip().endswith(f"(did you mean {meant}?)"), err


def test_a_far_miss_gets_the_list_only(tmp_path):
    path = write_scenario(tmp_path, train_toml(layers=((2, "banana"), (2, "softmax"))))
    code, _, err = run_cli("export", str(path))
    assert code == 2 and "did you mean" not in err and "expected one of identity" in err


def test_listed_choices_take_aliases_too(tmp_path):
    path = write_scenario(tmp_path, 'title = "a"\nkind = "activations"\nfunctions = ["logistic", "linear"]\n'
                                    '[data]\nvalues = [0.0, 1.0]\n')
    values = exported(path)["values"]
    assert "sigmoid" in values and "identity" in values
    assert values["sigmoid"] == pytest.approx([0.5, 1 / (1 + np.exp(-1.0))])
