"""Long runs (issue 12, item 5): a gap slide says which steps were computed but not
recorded, shows their loss, and where the weights of the next slide come from."""

from __future__ import annotations

import numpy as np
import pytest

import stepcalc
from conftest import train_toml
from stepcalc.render.text import number_text
from stepcalc.tui import build_app
from stepcalc.tui.deck import GAP, Deck
from stepcalc.tui.widgets.slide import SlideView

X = np.array([[1.0, 2.0], [0.5, -1.0], [-1.5, 0.25]])
Y = np.array([1.0, -0.5, 2.0])
STEPS = 150                                  # > 100: steps 1–5 and 146–150 are recorded


def long_trace():
    text = train_toml(x=X.tolist(), y=Y.tolist(), layers=((1, "identity"),), loss="squared_error",
                      lr=0.05, steps=STEPS, params={"W1": [[0.3], [-0.2]], "b1": [0.1]})
    return stepcalc.trace(stepcalc.loads(text))


def mse(W, b) -> float:
    """The batch loss by hand: mean over samples of (x·W + b − y)²."""
    return float(np.mean((X @ np.asarray(W) + np.asarray(b) - Y[:, None]) ** 2))


def test_one_gap_slide_between_step_5_and_step_146_with_the_losses_of_those_steps():
    trace = long_trace()
    deck = Deck(trace)
    gaps = [i for i, step in enumerate(deck.steps) if step.phase == GAP]
    assert len(gaps) == 1 and len(deck) == len(trace.steps) + 1
    i = gaps[0]
    gap = deck.steps[i]
    assert deck.steps[i - 1].step_number == 5 and deck.steps[i + 1].step_number == STEPS - 4
    assert gap.title == f"Steps 6–{STEPS - 5}: computed, not recorded"
    assert deck.heading(i).startswith(f"Not recorded · steps 6–{STEPS - 5} of {STEPS}")
    columns = [int(c) for c in gap.table.column_labels]
    assert columns[0] == 6 and columns[-1] == STEPS - 5 and len(columns) == 9
    # the loss of step 6, by hand, from the weights recorded after step 5
    after5 = trace.state(5).params_after
    assert gap.value[0] == pytest.approx(mse(after5["W1"], after5["b1"]), rel=1e-12)
    start146 = trace.state(STEPS - 4).params
    W, b = np.asarray(start146["W1"]), np.asarray(start146["b1"])
    assert mse(W, b) < gap.value[0]                          # it went down over the gap
    # where the weights come from: the first entry after step 5 → at step 146
    assert f"W⁽¹⁾₁₁ {number_text(after5['W1'][0, 0], 3)} → {number_text(W[0, 0], 3)}" \
        in gap.explanation
    assert f"b⁽¹⁾₁ {number_text(after5['b1'][0], 3)} → {number_text(b[0], 3)}" in gap.explanation


def test_the_losses_of_the_gap_follow_sgd_by_hand():
    """Every column of the gap's table: SGD run by hand from the weights after step 5."""
    trace = long_trace()
    gap = next(step for step in Deck(trace).steps if step.phase == GAP)
    after5 = trace.state(5).params_after
    W, b = np.array(after5["W1"], dtype=float), np.array(after5["b1"], dtype=float)
    wanted = {int(c) for c in gap.table.column_labels}
    seen = {}
    for step in range(6, STEPS - 4):
        error = X @ W + b - Y[:, None]                      # N × 1
        if step in wanted:
            seen[step] = float(np.mean(error ** 2))
        grad = 2 * error / len(X)
        W -= 0.05 * X.T @ grad
        b -= 0.05 * grad.sum(axis=0)
    shown = dict(zip((int(c) for c in gap.table.column_labels), gap.table.values[0]))
    assert shown == pytest.approx(seen, rel=1e-9)
    assert np.allclose(W, trace.state(STEPS - 4).params["W1"], rtol=1e-9)


@pytest.mark.asyncio
async def test_n_walks_into_and_out_of_the_gap_slide():
    trace = long_trace()
    app = build_app(trace)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        index = next(i for i, s in enumerate(screen.deck.steps) if s.phase == GAP)
        screen.go_to(index - 1)
        await pilot.press("n")
        slide = screen.query_one(SlideView)
        assert screen.step.phase == GAP and slide.texts["title"].startswith("Steps 6–145")
        assert "loss" in slide.texts["result"] and "146" not in slide.texts["result"]
        assert screen.step_tree.cursor_node.data == index
        assert "not recorded" in str(screen.step_tree.cursor_node.label)
        await pilot.press("n")
        assert screen.step.step_number == STEPS - 4
