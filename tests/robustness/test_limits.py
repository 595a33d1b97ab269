"""Sizes are guarded before anything is allocated; long runs finish (or stop cleanly);
`export -o` never clobbers a file that stepcalc did not write."""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

import stepcalc
from stepcalc.cli import MARKDOWN_MARKER, Progress
from stepcalc.engine.numbers import long_runs
from stepcalc.engine.numbers import run as run_engine

from conftest import run_cli

REPO = Path(__file__).resolve().parents[2]



def net(x: str, units: list[int], steps: int = 1, init: str = 'method = "normal"', y="[0.5]",
        last="identity", loss="squared_error") -> str:
    layers = "".join(f'[[model.layers]]\nunits = {u}\nactivation = "tanh"\n' for u in units[:-1])
    layers += f'[[model.layers]]\nunits = {units[-1]}\nactivation = "{last}"\n'
    return (f'title = "limits"\n[data]\nx = {x}\ny = {y}\n{layers}[init]\n{init}\n'
            f'[train]\nloss = "{loss}"\nsteps = {steps}\n')


# ------------------------------------------------------------------------ size guards ----

def test_a_layer_of_a_million_units_is_refused(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text(net("[[1.0]]", [10**6, 1]))
    code, _, err = run_cli("export", str(path))
    assert code == 2
    assert err == (f"stepcalc: {path}: model.layers[0].units: expected an integer in "
                   "1..100000, got 1000000\n")


def test_wide_inputs_times_many_units_are_refused_before_allocating(tmp_path):
    """10⁵ inputs × 10⁵ units would be 80 GB of weights: refused while reading [model],
    before [params]/[init] draw anything (10⁶ units are refused by the per-layer cap)."""
    path = tmp_path / "wide.toml"
    path.write_text(net("[[" + ", ".join(["0.5"] * 10**5) + "]]", [100_000, 1]))
    tracemalloc.start()
    try:
        code, _, err = run_cli("check", str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 2
    assert err.startswith(f"stepcalc: {path}: model.layers[0].units: the network would have "
                          "more than 10,000,000 parameters")
    assert peak < 100 * 2**20   # the parsed file itself, not the weights


def test_a_run_that_would_take_hours_is_refused(tmp_path):
    path = tmp_path / "slow.toml"
    path.write_text(net("[[" + ", ".join(["0.5"] * 100) + "]]", [3000, 3000, 1], steps=100_000))
    code, _, err = run_cli("export", str(path))
    assert code == 2
    assert err.startswith(f"stepcalc: {path}: train.steps: this run needs about 2.8e+12 "
                          "multiply-adds")


# --------------------------------------------------------------------------- long runs ----

TINY = net("[[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]", [3, 2], y="[0, 1, 1, 0]",
           last="softmax", loss="cross_entropy", init='method = "normal"\nstd = 0.5')


def test_a_long_run_keeps_the_first_and_last_steps_and_every_loss():
    steps = 1000
    tr = stepcalc.trace(stepcalc.loads(TINY.replace("steps = 1", f"steps = {steps}")))
    numbers = sorted({s.step_number for s in tr.steps})
    head, tail = long_runs.KEEP_HEAD, long_runs.KEEP_TAIL
    assert numbers == [0] + list(range(1, head + 1)) + list(range(steps - tail + 1, steps + 1))
    assert len(tr.losses) == steps + 1
    assert all(f"step{n}.loss" in tr.values for n in range(2, steps + 1))
    assert "step500.grad.W1" not in tr.values
    note = tr.step(f"step{head + 1 + (steps - head - tail)}.loss").flags
    assert "not shown step by step" in note[0].message
    # The same numbers as a run recorded in full.
    short = stepcalc.trace(stepcalc.loads(TINY.replace("steps = 1", "steps = 30")))
    assert tr.losses[:30] == short.losses[:30]


def test_a_short_run_is_recorded_in_full():
    tr = stepcalc.trace(stepcalc.loads(TINY.replace("steps = 1", "steps = 50")))
    assert sorted({s.step_number for s in tr.steps}) == list(range(0, 51))


def test_100000_steps_finish_with_progress_on_stderr_and_clean_json_on_stdout(tmp_path):
    """Speed is measured in bench/bench_long_run.py (ratios, not a timed test); here only
    that the run ends, reports progress, and stays far from recording every step in memory."""
    path = tmp_path / "long.toml"
    path.write_text(TINY.replace("steps = 1", "steps = 100000"))
    code, out, err, peak_mb = run_measured(
        [sys.executable, "-m", "stepcalc", "export", str(path), "-f", "json"], tmp_path, timeout=300)
    assert code == 0, err
    lines = err.splitlines()
    assert lines[0] == "stepcalc: training step 10,000/100,000 (10%)"
    assert lines[-1] == "stepcalc: training step 100,000/100,000 (100%)" and len(lines) == 10
    doc = json.loads(out)
    assert len(doc["values"]) > 100_000 and doc["values"]["step50000.loss"] > 0
    assert peak_mb < 300, peak_mb


# Runs the command as its own child and writes that child's peak RSS (kB) to argv[1]. A
# go-between is needed: Linux counts into a child's ru_maxrss the resident size of the
# process that spawned it (the old memory map at exec), so a child of the pytest process
# itself would report at least pytest's peak, hundreds of MB once torch is loaded.
MEASURE = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def run_measured(command: list[str], folder: Path, timeout: float) -> tuple[int, str, str, float]:
    """Run a child; (exit code, stdout, stderr, the command's own peak RSS in MB).
    Output goes to files so nothing blocks on a pipe."""
    out_path, err_path, peak_path = folder / "stdout", folder / "stderr", folder / "peak_kb"
    with out_path.open("w") as out, err_path.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-c", MEASURE, str(peak_path), *command],
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL, text=True,
                                cwd=REPO, start_new_session=True)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        pytest.fail(f"{' '.join(command)} did not finish in {timeout} s")
    peak_mb = int(peak_path.read_text()) / 1024                # Linux: kilobytes
    return code, out_path.read_text(), err_path.read_text(), peak_mb


def test_progress_on_a_terminal_redraws_one_line():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    progress = Progress(stream)
    for step in range(1, 1001):
        progress(step, 1000)
    text = stream.getvalue()
    assert text.startswith("\rstepcalc: training step 1/1,000 (0%)")
    assert text.endswith("\rstepcalc: training step 1,000/1,000 (100%)\n")
    assert text.count("\n") == 1


def test_keyboard_interrupt_exits_130_with_one_line(monkeypatch, tmp_path):
    path = tmp_path / "long.toml"
    path.write_text(TINY.replace("steps = 1", "steps = 1000"))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run_engine, "_run", interrupted)
    code, out, err = run_cli("export", str(path))
    assert code == 130 and out == ""
    assert err.splitlines()[-1] == "stepcalc: interrupted" and "Traceback" not in err


def test_ctrl_c_on_a_real_run_exits_130_without_a_traceback(tmp_path):
    path = tmp_path / "long.toml"
    path.write_text(TINY.replace("steps = 1", "steps = 100000"))
    err_path = tmp_path / "stderr"
    with err_path.open("w") as err_file:
        proc = subprocess.Popen([sys.executable, "-m", "stepcalc", "export", str(path)],
                                stdout=subprocess.PIPE, stderr=err_file, stdin=subprocess.DEVNULL,
                                text=True, cwd=REPO)
    try:
        # The 10 % line: training is under way. Polled with a deadline (a blocking readline
        # would hang the suite if the line never came).
        deadline = time.monotonic() + 120
        while "training step 10,000/" not in err_path.read_text() and proc.poll() is None:
            assert time.monotonic() < deadline, "no progress line within 120 s"
            time.sleep(0.05)
        assert proc.poll() is None, err_path.read_text()
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = err_path.read_text()
    assert err.startswith("stepcalc: training step 10,000/"), err
    assert proc.returncode == 130, err
    assert err.splitlines()[-1] == "stepcalc: interrupted" and "Traceback" not in err
    assert out == ""


# ------------------------------------------------------------------ export -o safety ----

def test_export_does_not_overwrite_a_file_it_did_not_write(tmp_path):
    out = tmp_path / "notes.md"
    out.write_text("my own notes\n")
    code, _, err = run_cli("export", "dying_relu", "-o", str(out))
    assert code == 2
    assert err == (f"stepcalc: {out}: exists and was not written by stepcalc export; "
                   "use --force to overwrite it\n")
    assert out.read_text() == "my own notes\n"
    assert run_cli("export", "dying_relu", "-o", str(out), "--force")[0] == 0
    assert out.read_text().rstrip().endswith(MARKDOWN_MARKER)


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_export_overwrites_its_own_exports(tmp_path, fmt):
    out = tmp_path / f"ex.{fmt}"
    assert run_cli("export", "dying_relu", "-f", fmt, "-o", str(out))[0] == 0
    first = out.read_text()
    if fmt == "json":
        assert first.startswith('{\n "generator": "stepcalc"')
    assert run_cli("export", "softmax_regression", "-f", fmt, "-o", str(out))[0] == 0
    assert out.read_text() != first
    # Either format may replace the other: both carry the mark.
    other = "json" if fmt == "markdown" else "markdown"
    assert run_cli("export", "dying_relu", "-f", other, "-o", str(out))[0] == 0
    # An ordinary file: not the 0600 of a temporary file.
    assert stat.S_IMODE(out.stat().st_mode) & 0o044


def test_export_to_a_directory_or_a_missing_folder_is_refused(tmp_path):
    code, _, err = run_cli("export", "dying_relu", "-o", str(tmp_path))
    assert code == 2 and "is a directory" in err
    missing = tmp_path / "nope" / "out.md"
    code, _, err = run_cli("export", "dying_relu", "-o", str(missing))
    assert code == 2 and "does not exist" in err and err.count("\n") == 1
    assert not list(tmp_path.iterdir())


def test_export_help_explains_the_overwrite_rule():
    code, text, _ = run_cli("export", "--help")
    assert code == 0
    assert "--force" in text and MARKDOWN_MARKER in text and '"generator": "stepcalc"' in text


def test_stdout_markdown_carries_the_mark_too():
    code, md, _ = run_cli("export", "dying_relu")
    assert code == 0 and md.endswith(f"\n{MARKDOWN_MARKER}\n")
