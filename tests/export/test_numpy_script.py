"""`stepcalc export -f numpy`: a standalone script that recomputes every value and agrees."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import stepcalc
from stepcalc.bundled import bundled
from stepcalc.cli import main
from stepcalc.render.numpy_script import render_numpy

ACTIVATIONS = ["identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "prelu",
               "selu", "softplus", "swish", "softsign"]


def run_script(text: str, folder: Path) -> subprocess.CompletedProcess:
    path = folder / "check_values.py"
    path.write_text(text, encoding="utf-8")
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300,
                          cwd=folder)


@pytest.mark.parametrize("name", sorted(bundled()))
def test_script_of_every_bundled_scenario_agrees(name, tmp_path):
    trace = stepcalc.trace(stepcalc.load(bundled()[name]))
    done = run_script(render_numpy(trace), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1] == f"{len(trace.values)} values agree"


def random_train(seed: int) -> str:
    """A random small network with every option somewhere across the seeds."""
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(1, 5)), int(rng.integers(1, 4))
    hidden = [int(rng.integers(1, 4)) for _ in range(int(rng.integers(0, 3)))]
    loss = ["squared_error", "half_squared_error", "absolute_error", "binary_cross_entropy",
            "cross_entropy", "hinge"][seed % 6]
    out_units = {"binary_cross_entropy": 1}.get(loss, int(rng.integers(2, 4)))
    out_act = {"binary_cross_entropy": "sigmoid", "cross_entropy": "softmax"}.get(
        loss, ["identity", "softmax", "sigmoid", "tanh"][seed % 4] if loss != "hinge" else "identity")
    x = np.round(rng.normal(size=(n, d)), 2)
    if loss in ("cross_entropy", "hinge"):
        y = rng.integers(0, out_units, size=n).tolist()
    elif loss == "binary_cross_entropy":
        y = rng.integers(0, 2, size=n).astype(float).tolist()
    elif out_act == "softmax":   # a softmax output is compared with probability rows
        y = np.eye(out_units)[rng.integers(0, out_units, size=n)].tolist()
    else:
        y = np.round(rng.normal(size=(n, out_units)), 2).tolist()
    bias = ["separate", "folded"][seed % 2]
    lines = [f'title = "random {seed}"', "[data]", f"x = {x.tolist()}", f"y = {y}",
             "[model]", f'convention = "{["row", "column"][(seed // 2) % 2]}"', f'bias = "{bias}"']
    for units in hidden:
        act = ACTIVATIONS[int(rng.integers(len(ACTIVATIONS)))]
        lines += ["[[model.layers]]", f"units = {units}", f'activation = "{act}"']
        if act in ("leaky_relu", "elu", "prelu"):
            lines.append(f"alpha = {float(np.round(rng.uniform(0.05, 0.5), 2))}")
        if bias == "separate" and rng.random() < 0.2:
            lines.append('bias_name = ""')
    lines += ["[[model.layers]]", f"units = {out_units}", f'activation = "{out_act}"']
    lines += ["[init]", 'method = "normal"', "std = 0.5", f"seed = {seed}"]
    optimizer = ["sgd", "momentum"][(seed // 3) % 2]
    lines += ["[train]", f'loss = "{loss}"', f'reduction = "{["mean", "sum"][(seed // 5) % 2]}"',
              "lr = 0.1", f"steps = {int(rng.integers(0, 4))}", f'optimizer = "{optimizer}"',
              f"weight_decay = {[0.0, 0.01][(seed // 4) % 2]}",
              f"batch_size = {int(rng.integers(0, n + 1))}"]
    if seed % 7 == 3:
        lines.append('frozen = ["W1"]')
    return "\n".join(lines) + "\n"


def test_scripts_of_random_scenarios_agree(tmp_path):
    for seed in range(40):
        text = random_train(seed)
        trace = stepcalc.trace(stepcalc.loads(text))
        done = run_script(render_numpy(trace), tmp_path)
        assert done.returncode == 0, f"seed {seed}:\n{text}\n{done.stdout}{done.stderr}"
        assert done.stdout.strip().endswith(f"{len(trace.values)} values agree")


def test_the_script_recomputes_rather_than_copies(tmp_path):
    """A script with another learning rate must disagree on every updated parameter."""
    trace = stepcalc.trace(stepcalc.load(bundled()["dying_relu"]))
    text = render_numpy(trace)
    assert "LR, STEPS, BATCH = 0.01, 1, 0" in text
    done = run_script(text.replace("LR, STEPS, BATCH = 0.01, 1, 0", "LR, STEPS, BATCH = 0.02, 1, 0"),
                      tmp_path)
    assert done.returncode == 1
    disagree = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("DISAGREE")]
    assert {"new.m:", "new.w:", "new.bm:", "new.bw:"} <= set(disagree)
    assert "grad.w:" not in disagree   # the gradients of step 1 do not depend on η


def test_cli_writes_the_script_and_replaces_its_own_file(tmp_path, capsys):
    out = tmp_path / "dying_relu.py"
    assert main(["export", "dying_relu", "-f", "numpy", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("#!/usr/bin/env python3")
    assert main(["export", "dying_relu", "-f", "numpy", "-o", str(out)]) == 0   # its own file
    foreign = tmp_path / "mine.py"
    foreign.write_text("print('mine')\n")
    assert main(["export", "dying_relu", "-f", "numpy", "-o", str(foreign)]) == 2
    assert foreign.read_text() == "print('mine')\n"
