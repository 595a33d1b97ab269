"""`stepcalc export -f numpy`: a standalone script that recomputes every value and agrees."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import stepcalc
from stepcalc.bundled import bundled
from stepcalc.cli import main
from stepcalc.render.numpy_script import render_numpy

from conftest import random_train

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
