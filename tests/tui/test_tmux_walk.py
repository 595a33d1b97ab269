"""Every slide of every bundled scenario, in a real terminal (tmux) at 120×36.

Fails on a result matrix cut although it has at most 6 columns (and fits the row limit),
and on a number cut without a mark or cut by an ellipsis (a digit right before "…").
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

import stepcalc
from conftest import require_tool
from stepcalc.bundled import bundled
from stepcalc.render.text import as_grid

ROOT = Path(__file__).resolve().parents[2]
WIDTH, HEIGHT = 120, 36
SHOWN_COLUMNS = re.compile(r"columns (\d+)–(\d+) of (\d+)")
CUT_NUMBER = re.compile(r"\d…(?! [\]⎤⎥⎦])")   # "… ]" marks more columns (checked above)


class Terminal:
    """One tmux server of its own (-L) running one command."""

    def __init__(self, command: str) -> None:
        self.tmux = require_tool("tmux")
        self.name = f"stepcalc-walk-{uuid.uuid4().hex[:8]}"
        subprocess.run([self.tmux, "-L", self.name, "new-session", "-d", "-s", self.name,
                        "-x", str(WIDTH), "-y", str(HEIGHT), command], check=True, timeout=30)
        # without a client tmux may keep its default 80×24: set the size for certain
        self.run("set-option", "-t", self.name, "window-size", "manual")
        self.run("resize-window", "-t", self.name, "-x", str(WIDTH), "-y", str(HEIGHT))

    def run(self, *args: str) -> str:
        return subprocess.run([self.tmux, "-L", self.name, *args], capture_output=True,
                              text=True, timeout=30, check=False).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.name)

    def press(self, key: str) -> None:
        self.run("send-keys", "-t", self.name, key)

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        """The screen once ``text`` is on it (a regular expression) at the full size."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            lines = screen.splitlines()
            if re.search(text, screen) and lines and max(len(line) for line in lines) > 100:
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{text!r} never appeared; the screen:\n{self.screen()}")

    def close(self) -> None:
        self.run("kill-server")


def problems(screen: str, step) -> list[str]:
    out = []
    rows, cols = as_grid(step.value).shape
    for match in SHOWN_COLUMNS.finditer(screen):
        if int(match.group(3)) <= 6 and rows <= 8:
            out.append(f"{step.id}: a {rows}×{cols} result is cut ({match.group(0)})")
    for line in screen.splitlines():
        if CUT_NUMBER.search(line):
            out.append(f"{step.id}: a number cut by an ellipsis: {line.strip()!r}")
    return out


@pytest.mark.parametrize("name", sorted(bundled()))
def test_every_slide_fits_at_120x36(name):
    trace = stepcalc.trace(stepcalc.load(bundled()[name]))
    steps = trace.steps
    # COLUMNS/LINES may be set in the test process; Textual would believe them over tmux
    terminal = Terminal(f"cd {ROOT} && unset COLUMNS LINES && {sys.executable} -m stepcalc "
                        f"run {name}; sleep 30")
    found = []
    try:
        if trace.scenario.kind == "experiment":    # it opens on the curves: "s" for the steps
            terminal.wait_for("All runs: training loss per epoch", timeout=120)
            terminal.press("s")
        for index, step in enumerate(steps):
            screen = terminal.wait_for(rf"slide {index + 1}/{len(steps)}(?!\d)")
            found += [f"{problem}\n{screen}" for problem in problems(screen, step)]
            if index + 1 < len(steps):
                terminal.press("n")
    finally:
        terminal.close()
    assert not found, "\n".join(found)
