"""The shared helpers of tests/conftest.py do what they say (other tests lean on them)."""

import json
import subprocess

import numpy as np
import pytest

import stepcalc
from conftest import run_cli, run_cli_process, train_toml, write_scenario


def test_train_toml_is_a_valid_small_scenario(tmp_path):
    sc = stepcalc.loads(train_toml())
    assert sc.kind == "train" and sc.data.x.shape == (1, 2)
    code, out, err = run_cli("export", write_scenario(tmp_path, train_toml()), "-f", "json")
    assert code == 0, err
    assert json.loads(out)["values"]["loss"] > 0


def test_train_toml_overrides_reach_the_scenario():
    text = train_toml(title='say "hi"', x=[[1.0], [2.0]], y=[[0.5], [1.0]],
                      layers=[{"units": 1, "activation": "identity", "weights": "w"}],
                      loss="squared_error", lr=0.05, steps=3,
                      params={"w": [[2.0]], "b1": [0.0]}, train={"optimizer": "momentum"},
                      display={"precision": 4}, expect={"loss": 1.0})
    sc = stepcalc.loads(text)
    assert sc.title == 'say "hi"' and sc.train.steps == 3 and sc.train.lr == 0.05
    assert sc.train.optimizer == "momentum" and sc.precision == 4
    np.testing.assert_array_equal(sc.data.x, [[1.0], [2.0]])
    tr = stepcalc.trace(sc)
    # squared error of ŷ = 2x against y, mean over the two samples: ((2 − 0.5)² + (4 − 1)²) / 2
    assert tr.values["loss"] == pytest.approx(((2 - 0.5) ** 2 + (4 - 1) ** 2) / 2)


def test_run_cli_returns_argparse_exits_and_reads_stdin():
    code, out, err = run_cli("export")               # missing argument: argparse says so
    assert code == 2 and "usage:" in err and out == ""
    code, out, _ = run_cli("--help", stdin="ignored")
    assert code == 0 and "export" in out


def test_run_cli_process_matches_in_process(tmp_path):
    path = write_scenario(tmp_path, b"title = \n", name="broken.toml")
    child = run_cli_process("export", path)
    assert child == run_cli("export", path)
    assert child[0] == 2 and child[2].startswith(f"stepcalc: {path}: ")
    with pytest.raises(subprocess.TimeoutExpired):
        run_cli_process("list", timeout=0.01)
