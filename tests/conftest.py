"""Shared test helpers: the CLI runner, scenario builders, and the "tool missing" policy.

Test files import the plain functions (`from conftest import run_cli, train_toml`; pyproject
puts tests/ on sys.path) or use the fixtures of the same names.

Skips: with STEPCALC_REQUIRE_TOOLS=1 (set by .ci/run) every skip is a failure, so CI reports
0 skipped, unless the test carries `@pytest.mark.platform_skip` (a skip that is right on
this platform, e.g. a POSIX-only signal on Windows).
"""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"
REQUIRE_TOOLS_VARIABLE = "STEPCALC_REQUIRE_TOOLS"


def tools_required() -> bool:
    """True in CI: a missing tool is a failure, not a skip."""
    return os.environ.get(REQUIRE_TOOLS_VARIABLE, "") not in ("", "0")


# --------------------------------------------------------------------------- the CLI ---

def run_cli(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """`stepcalc ARGS` in this process (stepcalc.cli.main): (exit code, stdout, stderr).

    argparse's own exits (bad option, --help) come back as their exit code too.
    """
    from stepcalc.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin if stdin is not None else "")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as exc:   # argparse: usage errors, --help
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        sys.stdin = old_stdin
    return code, out.getvalue(), err.getvalue()


def run_cli_process(*args: str, stdin: str | None = None, timeout: float = 120,
                    cwd: Path | str | None = None, env: dict | None = None) -> tuple[int, str, str]:
    """`python -m stepcalc ARGS` in a child process, killed after `timeout` seconds (a hang
    fails the test instead of stalling the suite): (exit code, stdout, stderr)."""
    result = subprocess.run([sys.executable, "-m", "stepcalc", *map(str, args)],
                            input=stdin if stdin is not None else "", capture_output=True,
                            text=True, timeout=timeout, cwd=cwd, env=env)
    return result.returncode, result.stdout, result.stderr


# ------------------------------------------------------------------ scenario builders ---

def toml_value(value) -> str:
    """A Python value as TOML text (numbers, strings, booleans, nested lists)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if hasattr(value, "tolist"):   # numpy arrays
        return toml_value(value.tolist())
    raise TypeError(f"no TOML for {value!r}")


def _table(name: str, entries: dict) -> str:
    lines = [f"[{name}]"] + [f'"{k}" = {toml_value(v)}' if "." in k else f"{k} = {toml_value(v)}"
                             for k, v in entries.items()]
    return "\n".join(lines) + "\n"


def train_toml(*, title: str = "test scenario", x=((1.5, 0.2),), y=(0,),
               layers=((2, "relu"), (2, "softmax")), loss: str = "cross_entropy",
               lr: float = 0.1, steps: int = 1, params: dict | None = None,
               init: dict | None = None, model: dict | None = None, train: dict | None = None,
               display: dict | None = None, expect: dict | None = None, extra: str = "") -> str:
    """A small valid train scenario as TOML text; every part can be replaced.

    layers: (units, activation) pairs or dicts of layer keys. params/init/model/display/expect:
    the tables' entries. train: more [train] keys (loss, lr and steps have their own arguments).
    extra: raw text appended at the end (for deliberately odd documents).
    The default is a 2-2 ReLU/softmax net on one sample; parameters not in `params` come
    from [init], a seeded normal draw unless `init` says otherwise (so numbers are not zero).
    """
    parts = [f"title = {toml_value(title)}\n", _table("data", {"x": list(x), "y": list(y)})]
    if model:
        parts.append(_table("model", model))
    for layer in layers:
        entries = layer if isinstance(layer, dict) else {"units": layer[0], "activation": layer[1]}
        parts.append(_table("[model.layers]", entries))
    if params:
        parts.append(_table("params", params))
    parts.append(_table("init", init if init is not None else {"method": "normal", "seed": 0}))
    parts.append(_table("train", {"loss": loss, "lr": lr, "steps": steps, **(train or {})}))
    if display:
        parts.append(_table("display", display))
    if expect:
        parts.append(_table("expect", expect))
    return "".join(parts) + extra


def write_scenario(folder: Path, text: str | bytes, name: str = "scenario.toml") -> Path:
    """Write a scenario file into `folder` (usually tmp_path) and return its path."""
    path = Path(folder) / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


RANDOM_ACTIVATIONS = ["identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "prelu",
                      "selu", "softplus", "swish", "softsign"]


def random_train(seed: int) -> str:
    """A random small train scenario (TOML) with every activation, loss and option somewhere
    across the seeds: for the scripts that recompute every value (-f numpy, -f pytorch)."""
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
        act = RANDOM_ACTIVATIONS[int(rng.integers(len(RANDOM_ACTIVATIONS)))]
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


# ------------------------------------------------------------------------ tools ---------

def require_tool(name: str) -> str:
    """The path of an external program (node, tmux ...). Missing: skip locally, fail in CI."""
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed")
    return path


def missing(what: str):
    """A test cannot run here: skip locally, fail where STEPCALC_REQUIRE_TOOLS=1."""
    if tools_required():
        pytest.fail(f"{what} ({REQUIRE_TOOLS_VARIABLE}=1: nothing may skip)", pytrace=False)
    pytest.skip(what)


# -------------------------------------------------------------------------- fixtures ----

@pytest.fixture(name="run_cli")
def run_cli_fixture():
    return run_cli


@pytest.fixture(name="run_cli_process")
def run_cli_process_fixture():
    return run_cli_process


@pytest.fixture(name="train_toml")
def train_toml_fixture():
    return train_toml


@pytest.fixture(name="write_scenario")
def write_scenario_fixture():
    return write_scenario


# ---------------------------------------------------- in CI a skip is a failure ---------

def pytest_configure(config):
    config.addinivalue_line("markers", "platform_skip: this test may skip even where "
                            f"{REQUIRE_TOOLS_VARIABLE}=1 (the skip is right on this platform)")


def _skip_is_failure(report, item=None) -> bool:
    if not (tools_required() and report.skipped) or hasattr(report, "wasxfail"):
        return False
    return item is None or item.get_closest_marker("platform_skip") is None


def _as_failure(report, where: str) -> None:
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"skipped {where} ({reason}), but {REQUIRE_TOOLS_VARIABLE}=1: nothing may skip"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if _skip_is_failure(report, item):
        _as_failure(report, f"in {report.when}")
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    report = yield
    if _skip_is_failure(report):
        _as_failure(report, "while collecting")
    return report
