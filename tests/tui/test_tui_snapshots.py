"""SVG snapshots of the TUI at a fixed size (pytest-textual-snapshot; plain `def` tests).

Update after a deliberate change: pytest --snapshot-update tests/tui/test_tui_snapshots.py
"""

from __future__ import annotations

import pytest

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


# Three scenarios (one step, several steps with a collapsed tree, a kind with its own side
# panel) at the three sizes people open terminals with, presentation mode off and on.
SIZES = {"80x24": (80, 24), "120x36": (120, 36), "200x50": (200, 50)}
OPENED_AT = {"dying_relu": "y_hat", "momentum_mlp": "step2.grad.V", "activations": "sigmoid"}


@pytest.mark.parametrize("presenting", [False, True], ids=["panels", "presentation"])
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", list(OPENED_AT))
def test_sizes_and_presentation(snap_compare, name, size, presenting):
    app = build_app(name, step=OPENED_AT[name])
    assert snap_compare(app, terminal_size=SIZES[size], press=["f"] if presenting else [])
