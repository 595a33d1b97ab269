"""Smoke test: the real `python -m stepcalc run dying_relu` in tmux; q quits."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

from conftest import require_tool

ROOT = Path(__file__).resolve().parents[2]


def tmux(socket: str, *args: str) -> str:
    """tmux on a server of its own (-L): nothing shared with the user's sessions."""
    return subprocess.run(["tmux", "-L", socket, *args], capture_output=True, text=True,
                          check=False, timeout=30).stdout


def wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_run_shows_first_step_and_q_quits(tmp_path):
    tmux_path = require_tool("tmux")
    session = socket = f"stepcalc-smoke-{uuid.uuid4().hex[:8]}"
    done = tmp_path / "exit-code"
    command = (f"cd {ROOT} && {sys.executable} -m stepcalc run dying_relu; "
               f"echo $? > {done}; sleep 30")
    subprocess.run([tmux_path, "-L", socket, "new-session", "-d", "-s", session, "-x", "100",
                    "-y", "30", command], check=True, timeout=30)
    try:
        screen = lambda: tmux(socket, "capture-pane", "-p", "-t", session)  # noqa: E731
        assert wait_for(lambda: "Layer 1: h = x·m + bm" in screen()), screen()
        assert "Forward pass" in screen()
        tmux(socket, "send-keys", "-t", session, "q")
        assert wait_for(done.exists), screen()
        assert wait_for(lambda: done.read_text().strip() != "")
        assert done.read_text().strip() == "0"
    finally:
        tmux(socket, "kill-server")


def test_run_with_a_bad_file_prints_one_line(tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text("title = \n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "stepcalc", "run", str(bad)],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("stepcalc: ") and "Traceback" not in result.stderr


def test_run_without_a_terminal_exits_2_at_once():
    """Piped (or in CI) the app would hang writing escape codes: one line, exit 2."""
    result = subprocess.run([sys.executable, "-m", "stepcalc", "run", "dying_relu"],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=ROOT,
                            timeout=60)
    assert result.returncode == 2
    assert result.stderr == "stepcalc: stepcalc run needs a terminal; try stepcalc export\n"
    assert result.stdout == ""


def test_ctrl_c_quits_with_exit_code_130(tmp_path):
    tmux_path = require_tool("tmux")
    session = socket = f"stepcalc-smoke-{uuid.uuid4().hex[:8]}"
    done = tmp_path / "exit-code"
    command = (f"cd {ROOT} && {sys.executable} -m stepcalc run dying_relu; "
               f"echo $? > {done}; sleep 30")
    subprocess.run([tmux_path, "-L", socket, "new-session", "-d", "-s", session, "-x", "100",
                    "-y", "30", command], check=True, timeout=30)
    try:
        screen = lambda: tmux(socket, "capture-pane", "-p", "-t", session)  # noqa: E731
        assert wait_for(lambda: "Layer 1: h = x·m + bm" in screen()), screen()
        tmux(socket, "send-keys", "-t", session, "C-c")
        assert wait_for(lambda: done.exists() and done.read_text().strip() != ""), screen()
        assert done.read_text().strip() == "130"
    finally:
        tmux(socket, "kill-server")
