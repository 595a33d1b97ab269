"""SVG snapshots of the TUI at a fixed size (pytest-textual-snapshot; plain `def` tests).

Update after a deliberate change: pytest --snapshot-update tests/tui/test_tui_snapshots.py
"""

from __future__ import annotations

from stepcalc.tui import build_app

SIZE = (100, 32)


def test_first_step(snap_compare):
    assert snap_compare(build_app("dying_relu"), terminal_size=SIZE)


def test_backward_step(snap_compare):
    assert snap_compare(build_app("dying_relu", step="grad.m"), terminal_size=SIZE)


def test_drill_down(snap_compare):
    assert snap_compare(build_app("dying_relu", step="grad.m"), terminal_size=SIZE,
                        press=["down"])


def test_quiz(snap_compare):
    assert snap_compare(build_app("dying_relu", step="grad.relu"), terminal_size=SIZE,
                        press=["t", "h"])


def test_help(snap_compare):
    assert snap_compare(build_app("dying_relu"), terminal_size=SIZE, press=["question_mark"])


def test_small_terminal(snap_compare):
    assert snap_compare(build_app("dying_relu", step="grad.h"), terminal_size=(80, 24))
