"""`stepcalc export -f pytorch`: the same check written with autograd and torch.optim.

The scripts run in this process (torch is imported once) except for the command-line
test, which runs one as a user would. torch is an optional extra: without it these tests
skip locally and fail in CI, which installs it.
"""

from __future__ import annotations

import runpy
import subprocess
import sys

import numpy as np
import pytest

import stepcalc
from stepcalc.bundled import bundled
from stepcalc.cli import main
from stepcalc.render.numpy_script import render_pytorch

from conftest import missing, random_train, train_toml


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


RNG = np.random.default_rng(11)
X = np.round(RNG.normal(size=(5, 3)), 2)
LABELS = [0, 2, 1, 1, 0]


def layer_scenarios():
    """Every layer type and bias option, over minibatch steps."""
    w1, b1 = np.round(RNG.normal(size=(3, 4)), 2), np.round(RNG.normal(size=4), 2)
    w2, b2 = np.round(RNG.normal(size=(4, 3)), 2), np.round(RNG.normal(size=3), 2)
    train = dict(loss="cross_entropy", lr=0.3, steps=3, batch_size=2)
    mask = (RNG.random((5, 4)) > 0.3).astype(float)
    return {
        "batchnorm": stepcalc.scenario(
            title="bn", x=X, y=LABELS,
            layers=[dict(units=4, activation="identity"),
                    dict(type="batchnorm", activation="relu", weights="g", bias_name="be"),
                    dict(units=3, activation="softmax")],
            params=dict(W1=w1, b1=b1, g=[1.0, 0.5, 2.0, 1.5], be=[0.0, 0.1, -0.1, 0.2], W3=w2, b3=b2),
            train=train),
        "dropout": stepcalc.scenario(
            title="dropout", x=X, y=LABELS,
            layers=[dict(units=4, activation="tanh"), dict(type="dropout", p=0.25, mask=mask),
                    dict(units=3, activation="softmax")],
            params=dict(W1=w1, b1=b1, W3=w2, b3=b2), train=train),
        "softmax layer": stepcalc.scenario(
            title="softmax layer", x=X, y=LABELS,
            layers=[dict(units=3, activation="identity"), dict(type="activation", activation="softmax")],
            params=dict(W1=w2[:3], b1=b2), train=train),
        "no bias": stepcalc.scenario(
            title="none", x=X, y=LABELS, bias="none",
            layers=[dict(units=4, activation="relu"), dict(units=3, activation="softmax")],
            params=dict(W1=w1, W2=w2), train=train),
        "folded last": stepcalc.scenario(
            title="folded last", x=X, y=LABELS, model=dict(bias="folded", bias_position="last"),
            layers=[dict(units=3, activation="softmax")],
            params=dict(W1=np.vstack([w2[:3], b2])), train=train),
        "multi-label": stepcalc.scenario(
            title="multi-label", x=X, y=(RNG.random((5, 3)) > 0.5).astype(int).tolist(),
            layers=[dict(units=4, activation="relu"), dict(units=3, activation="sigmoid")],
            params=dict(W1=w1, b1=b1, W2=w2, b2=b2),
            train=dict(loss="binary_cross_entropy", lr=0.4, steps=3, batch_size=3)),
        "forward only": stepcalc.scenario(
            title="forward only", x=X[:2],
            layers=[dict(units=3, activation="identity"), dict(type="activation", activation="softmax")],
            params=dict(W1=w2[:3], b1=b2)),
    }


@pytest.mark.parametrize("label", list(layer_scenarios()))
def test_scripts_of_every_layer_type_agree(label, tmp_path):
    trace = stepcalc.trace(layer_scenarios()[label])
    text = render_pytorch(trace)
    if label == "batchnorm":   # torch's own batch_norm is asked to agree inside the script
        assert "F.batch_norm(" in text
    agree, problems = run_in_process(text, tmp_path)
    assert problems == []
    assert agree == len(trace.values)


OPTIMIZER_SETTINGS = {
    "sgd": {},
    "momentum classic": {"optimizer": "momentum", "momentum": 0.8},
    "momentum pytorch + step schedule": {"optimizer": "momentum", "momentum": 0.8,
                                         "momentum_form": "pytorch", "lr_schedule": "step",
                                         "lr_step": 2, "lr_gamma": 0.5},
    "nesterov": {"optimizer": "nesterov", "momentum": 0.9},
    "adagrad": {"optimizer": "adagrad"},
    "rmsprop + exponential schedule": {"optimizer": "rmsprop", "rho": 0.9, "lr_schedule": "exponential",
                                       "lr_gamma": 0.8},
    "adam": {"optimizer": "adam", "beta1": 0.8, "beta2": 0.99},
    "adamw": {"optimizer": "adamw"},
}


@pytest.mark.parametrize("label", list(OPTIMIZER_SETTINGS))
def test_scripts_of_every_optimizer_agree(label, tmp_path):
    """torch.optim's own optimizers and schedulers, with weight decay on the weights, a
    frozen parameter and minibatches, over five steps."""
    settings = dict(OPTIMIZER_SETTINGS[label], weight_decay=0.05, batch_size=2, frozen=["b2"])
    text = train_toml(x=X.tolist(), y=LABELS, layers=((4, "tanh"), (3, "softmax")), lr=0.2, steps=5,
                      train=settings)
    trace = stepcalc.trace(stepcalc.loads(text))
    script = render_pytorch(trace)
    assert "torch.optim." in script
    agree, problems = run_in_process(script, tmp_path)
    assert problems == []
    assert agree == len(trace.values)


def test_classic_momentum_with_a_schedule_is_refused_with_the_way_out(run_cli, tmp_path):
    text = train_toml(train={"optimizer": "momentum", "lr_schedule": "exponential", "lr_gamma": 0.9})
    path = tmp_path / "classic.toml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run_cli("export", str(path), "-f", "pytorch")
    assert code == 2 and out == ""
    assert "classic.toml" in err and 'momentum_form = "pytorch"' in err and "Traceback" not in err
