"""`stepcalc export -f pytorch`: the same check written with autograd and torch.optim.

The scripts run in this process (torch is imported once) except for the command-line
test, which runs one as a user would. torch is an optional extra: without it these tests
skip locally and fail in CI, which installs it.
"""

from __future__ import annotations

import runpy
import subprocess
import sys

import pytest

import stepcalc
from stepcalc.bundled import bundled
from stepcalc.cli import main
from stepcalc.render.numpy_script import render_pytorch

from conftest import missing, random_train


def needs_torch() -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        missing("torch is not installed (pip install 'stepcalc[torch]')")


def run_in_process(text: str, folder) -> tuple[int, list[str]]:
    needs_torch()
    path = folder / "check_values.py"
    path.write_text(text, encoding="utf-8")
    script = runpy.run_path(str(path), run_name="check")   # not __main__: no sys.exit
    return script["compare"](script["computed"], script["STEPCALC"])


def train_names() -> list[str]:
    return sorted(name for name, path in bundled().items() if stepcalc.load(path).kind == "train")


@pytest.mark.parametrize("name", train_names())
def test_script_of_every_bundled_train_scenario_agrees(name, tmp_path):
    trace = stepcalc.trace(stepcalc.load(bundled()[name]))
    agree, problems = run_in_process(render_pytorch(trace), tmp_path)
    assert problems == []
    assert agree == len(trace.values)


@pytest.mark.parametrize("seed", range(40))
def test_scripts_of_random_scenarios_agree(seed, tmp_path):
    text = random_train(seed)
    trace = stepcalc.trace(stepcalc.loads(text))
    agree, problems = run_in_process(render_pytorch(trace), tmp_path)
    assert problems == [], text
    assert agree == len(trace.values)


def test_autograd_is_what_checks_the_gradients(tmp_path):
    """The script derives nothing by hand: another loss in it must move every gradient,
    and another learning rate every new parameter but no step-1 gradient."""
    trace = stepcalc.trace(stepcalc.load(bundled()["dying_relu"]))
    text = render_pytorch(trace)
    assert "loss.backward()" in text and "optimizer.step()" in text and "torch.optim.SGD" in text
    fused = 'F.cross_entropy(z, Y, reduction="none")'
    assert fused in text
    _, problems = run_in_process(text.replace(fused, f"2 * {fused}"), tmp_path)
    wrong = {problem.split(":")[0] for problem in problems}
    assert {"grad.w", "grad.m", "grad.bw", "grad.bm", "grad.z", "loss"} <= wrong
    _, problems = run_in_process(text.replace("LR, STEPS, BATCH = 0.01,", "LR, STEPS, BATCH = 0.02,"),
                                 tmp_path)
    wrong = {problem.split(":")[0] for problem in problems}
    assert {"new.m", "new.w", "new.bm", "new.bw"} <= wrong
    assert "grad.w" not in wrong


def test_cli_writes_a_script_that_runs_and_agrees(tmp_path):
    needs_torch()
    out = tmp_path / "momentum_mlp.py"
    assert main(["export", "momentum_mlp", "-f", "pytorch", "-o", str(out)]) == 0
    done = subprocess.run([sys.executable, str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    count = len(stepcalc.trace(stepcalc.load(bundled()["momentum_mlp"])).values)
    assert done.stdout.strip().splitlines()[-1] == f"{count} values agree"


def test_other_kinds_are_refused_with_a_pointer_to_numpy(run_cli):
    code, out, err = run_cli("export", "tum_regularization", "-f", "pytorch")
    assert code == 2 and out == ""
    assert "tum_regularization.toml" in err and "use -f numpy" in err and "Traceback" not in err
