"""`export -o OUT` (issue 9, defects 18-20): only a regular file or a new path is a target;
the overwrite check runs again just before the rename; a killed run's temporary is removed
by the next export; a huge JSON export is refused with its size (and streamed when allowed)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import stepcalc
from stepcalc.cli import main
from stepcalc.files import remove_stale_temporaries, written_by_stepcalc

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "dying_relu.toml"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def run_process(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """A real process with a timeout: a hang (FIFO opened for reading) fails the test."""
    return subprocess.run([sys.executable, "-m", "stepcalc", *args], capture_output=True,
                          text=True, timeout=60, cwd=REPO, **kwargs)


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".stepcalc-tmp")]


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_fifo_is_refused_without_hanging_and_never_replaced(tmp_path, force):
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    done = run_process("export", str(SCENARIO), "-o", str(fifo), *force)
    assert done.returncode == 2, done.stderr
    assert done.stderr == (f"stepcalc: {fifo}: is a FIFO (named pipe); expected a regular file "
                           "or a new path (never replaced, even with --force)\n")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert leftovers(tmp_path) == []


def test_dev_stdout_into_a_pipe_is_refused_without_hanging():
    done = run_process("export", str(SCENARIO), "-o", "/dev/stdout")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("stepcalc: /dev/stdout: is a symbolic link; expected a regular file")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_is_refused_even_with_force(device):
    before = os.lstat(device)
    for force in ([], ["--force"]):
        code, out, err = run("export", str(SCENARIO), "-o", device, *force)
        assert code == 2 and out == ""
        assert err == (f"stepcalc: {device}: is a character device; expected a regular file "
                       "or a new path (never replaced, even with --force)\n")
    after = os.lstat(device)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_the_mark_check_reads_a_few_bytes_and_never_a_device():
    started = time.monotonic()
    assert not written_by_stepcalc(Path("/dev/zero"))   # would read forever if it read to the end
    assert time.monotonic() - started < 1


def test_a_symlink_is_refused_and_its_target_untouched(tmp_path):
    target = tmp_path / "real.md"
    target.write_text("mine\n")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    code, _, err = run("export", str(SCENARIO), "-o", str(link), "--force")
    assert code == 2 and "is a symbolic link" in err
    assert link.is_symlink() and target.read_text() == "mine\n"


def test_a_file_created_during_the_run_is_not_overwritten(tmp_path, monkeypatch):
    """The target appears while the trace is computed: the check before the rename sees it."""
    out = tmp_path / "out.md"
    real_trace = stepcalc.trace

    def slow_trace(scenario):
        out.write_text("someone else's notes\n")
        return real_trace(scenario)

    monkeypatch.setattr(stepcalc, "trace", slow_trace)
    code, _, err = run("export", str(SCENARIO), "-o", str(out))
    assert code == 2
    assert err == (f"stepcalc: {out}: exists and was not written by stepcalc export; "
                   "use --force to overwrite it\n")
    assert out.read_text() == "someone else's notes\n"
    assert leftovers(tmp_path) == []


def test_a_regular_file_written_by_stepcalc_is_replaced(tmp_path):
    out = tmp_path / "out.json"
    assert run("export", str(SCENARIO), "-f", "json", "-o", str(out))[0] == 0
    first = out.read_text()
    assert run("export", str(SCENARIO), "-f", "json", "-o", str(out))[0] == 0
    assert out.read_text() == first and json.loads(first)["generator"] == "stepcalc"


def test_a_killed_runs_temporary_is_removed_by_the_next_export(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()   # a pid whose process has ended, like a writer killed with -9
    stale = tmp_path / f".out.md.{gone.pid}.k3x9_q.stepcalc-tmp"
    stale.write_text("half an export")
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        busy = tmp_path / f".other.md.{live.pid}.a1b2c3.stepcalc-tmp"
        busy.write_text("a write in progress")
        foreign = tmp_path / ".notes.stepcalc-tmp"   # not our naming: left alone
        foreign.write_text("x")
        code, _, _ = run("export", str(SCENARIO), "-o", str(tmp_path / "out.md"))
        assert code == 0
        assert not stale.exists()
        assert busy.exists() and foreign.exists()
    finally:
        live.kill()
        live.wait()


def test_a_kill_9_during_a_write_leaves_nothing_after_the_next_run(tmp_path):
    """The reproducer itself: a writer killed mid-write, then one more export."""
    out = tmp_path / "out.md"
    writer = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from stepcalc.files import write_atomically\n"
        "def chunks():\n"
        "    yield 'x' * 1000\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(60)\n"
        f"write_atomically(Path({str(out)!r}), chunks())\n")],
        stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert writer.stdout.readline() == "writing\n"
    writer.kill()
    writer.wait()
    assert len(leftovers(tmp_path)) == 1
    remove_stale_temporaries(tmp_path)
    assert leftovers(tmp_path) == [] and not out.exists()


def test_a_huge_json_export_is_refused_with_its_size(tmp_path, monkeypatch):
    from stepcalc.render import json_export

    monkeypatch.setattr(json_export, "MAX_NUMBERS", 50)
    out = tmp_path / "big.json"
    code, _, err = run("export", str(SCENARIO), "-f", "json", "-o", str(out))
    assert code == 2 and not out.exists()
    assert err.startswith(f"stepcalc: {SCENARIO}: the JSON export would hold 122 numbers")
    assert "--allow-large" in err and err.count("\n") == 1
    code, _, _ = run("export", str(SCENARIO), "-f", "json", "-o", str(out), "--allow-large")
    assert code == 0 and json.loads(out.read_text())["generator"] == "stepcalc"


def test_the_json_export_is_streamed_with_peak_memory_a_small_multiple_of_the_model(tmp_path):
    """300×300 weights (90 k numbers, 720 kB): the export holds 4 arrays of that size;
    writing it holds a row at a time, never the arrays as Python lists or as one string."""
    width = 300
    rng = np.random.default_rng(0)
    w = rng.normal(size=(width, width)).round(3).tolist()
    sc = stepcalc.scenario(title="wide", x=np.ones((1, width)), y=[[0.0] * width],
                           layers=[dict(units=width, activation="identity")],
                           params=dict(W1=w, b1=[0.0] * width),
                           train=dict(loss="squared_error", lr=0.1))
    trace = stepcalc.trace(sc)
    from stepcalc.files import write_atomically
    from stepcalc.render.json_export import iter_json, number_count

    total = number_count(trace)
    assert total > 4 * width * width
    tracemalloc.start()
    try:
        write_atomically(tmp_path / "wide.json", iter_json(trace))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    model_bytes = width * width * 8
    assert peak < 2 * model_bytes, peak   # json.dumps of the whole export: ~70× the model
    written = json.loads((tmp_path / "wide.json").read_text())
    assert np.array_equal(np.array(written["values"]["grad.W1"]), trace.values["grad.W1"])
