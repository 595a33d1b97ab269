"""`stepcalc new train --random`: deterministic exercises with numbers nice by hand."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

import stepcalc
from stepcalc.cli import main


def new(capsys, *args) -> tuple[int, str, str]:
    code = main(["new", "train", "--random", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_same_seed_gives_the_same_exercise(capsys):
    first = new(capsys, "--seed", "7")
    again = new(capsys, "--seed", "7")
    assert first[0] == 0 and first[1] == again[1]
    assert new(capsys, "--seed", "8")[1] != first[1]


def forward_by_hand(data: dict):
    """The generated network's forward pass, in numpy, from the TOML alone."""
    params = data["params"]
    a = np.array(data["data"]["x"])
    pres = []
    layers = data["model"]["layers"]
    for index, layer in enumerate(layers, 1):
        u = a @ np.array(params[f"W{index}"]) + np.array(params[f"b{index}"])
        pres.append(u)
        a = {"relu": lambda v: np.maximum(v, 0), "identity": lambda v: v,
             "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh,
             "softmax": lambda v: np.exp(v) / np.exp(v).sum(axis=1, keepdims=True)}[layer["activation"]](u)
    return pres, a


@pytest.mark.parametrize("options,decimals", [
    (["--layers", "2-2-3"], 1),
    (["--layers", "3-2-2", "--activation", "sigmoid", "--precision", "2"], 2),
    (["--layers", "2-3-1", "--loss", "binary_cross_entropy", "--activation", "tanh"], 1),
    (["--layers", "2-2-2", "--loss", "squared_error", "--samples", "2"], 1),
])
def test_variants_differ_are_nice_and_pass_check(options, decimals, tmp_path, capsys):
    code, _, err = new(capsys, "--seed", "3", "--variants", "12", "-o", str(tmp_path), *options)
    assert code == 0, err
    files = sorted(tmp_path.glob("*.toml"))
    assert len(files) == 12
    texts = [f.read_text() for f in files]
    numbers = [t.split("[data]", 1)[1] for t in texts]
    assert len(set(numbers)) == 12                      # all different
    for text in texts:
        data = tomllib.loads(text)
        for value in [data["data"]["x"]] + list(data["params"].values()):
            scaled = np.array(value) * 10 ** decimals
            assert np.allclose(scaled, np.round(scaled))   # at most `decimals` decimals
        pres, out = forward_by_hand(data)
        assert all(np.all(u != 0) for u in pres)           # no kink
        if data["model"]["layers"][0]["activation"] == "relu":
            assert np.all((pres[0] > 0).any(axis=0))          # no dead hidden unit
    capsys.readouterr()
    assert main(["check", str(tmp_path)]) == 0           # gradient check of every exercise
    report = capsys.readouterr().out.splitlines()
    assert len(report) == 13 and all(line.split()[-1] == "0" for line in report[1:])


def test_dead_unit_on_request(capsys):
    code, out, _ = new(capsys, "--seed", "1", "--dead-unit")
    assert code == 0
    pres, _ = forward_by_hand(tomllib.loads(out))
    assert np.any(np.all(pres[0] < 0, axis=0))           # a hidden ReLU unit below 0: dead


def test_an_exercise_is_a_scenario_that_loads(capsys):
    _, out, _ = new(capsys, "--seed", "5", "--layers", "2-3-2", "--loss", "hinge")
    sc = stepcalc.loads(out)
    assert sc.train.loss == "hinge" and [layer.units for layer in sc.model.layers] == [3, 2]
    assert "--seed 5" in sc.source


@pytest.mark.parametrize("args,needle", [
    (["--layers", "2-x-3"], "--layers: expected widths"),
    (["--layers", "2-2-3", "--loss", "binary_cross_entropy"], "one output unit"),
    (["--loss", "mse_typo"], "--loss: expected one of"),
    (["--activation", "softmax"], "--activation: expected one of"),
    (["--variants", "3"], "-o DIR"),
    (["--activation", "tanh", "--dead-unit"], "--dead-unit"),
])
def test_bad_options_exit_2_with_one_line(args, needle, capsys):
    code, _, err = new(capsys, *args)
    assert code == 2
    assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_existing_files_are_not_overwritten_without_force(tmp_path, capsys):
    assert new(capsys, "--variants", "2", "-o", str(tmp_path))[0] == 0
    assert new(capsys, "--variants", "2", "-o", str(tmp_path))[0] == 2
    assert new(capsys, "--variants", "2", "-o", str(tmp_path), "--force")[0] == 0
