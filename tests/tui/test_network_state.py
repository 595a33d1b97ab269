"""The network panel reads the training step's recorded state: the batch it used and the
weights in use, also on the first step shown after a long run's unrecorded middle.

Expected numbers come from a plain numpy loop written here, not from the program.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("textual")

import stepcalc  # noqa: E402
from conftest import train_toml  # noqa: E402
from stepcalc.render.text import number_text  # noqa: E402
from stepcalc.tui import build_app  # noqa: E402

SIZE = (120, 40)
X = ((1.5, 0.2), (-0.7, 2.25), (0.3, -1.1))
Y = ((1.0,), (0.0,), (2.0,))
W0, B0, LR = [[0.5], [-0.3]], [0.1], 0.05


def linear(steps: int, train: dict | None = None) -> str:
    return train_toml(x=X, y=Y, layers=((1, "identity"),), loss="squared_error", lr=LR,
                      steps=steps, params={"W1": W0, "b1": B0}, train=train)


def by_hand(steps: int) -> tuple[np.ndarray, np.ndarray]:
    """W, b after ``steps`` full-batch SGD steps of the mean squared error."""
    x, y = np.array(X), np.array(Y)
    W, b = np.array(W0), np.array(B0)
    for _ in range(steps):
        error = 2 * (x @ W + b - y) / len(x)
        W, b = W - LR * (x.T @ error), b - LR * error.sum(axis=0)
    return W, b


async def show(pilot, step_id: str, weights: bool = False) -> str:
    screen = pilot.app.screen
    screen.index = screen.deck.index_of[step_id]
    network = screen.query_one("#network")
    if weights and not network.show_weights:
        await pilot.press("w")
    await pilot.pause()
    return str(network.render())


@pytest.mark.asyncio
async def test_weights_in_use_after_a_long_run_gap():
    trace = stepcalc.trace(stepcalc.loads(linear(150)))
    first_after_gap = min(n for n in {s.step_number for s in trace.steps} if n > 5)
    assert first_after_gap == 146                       # steps 6–145 are not recorded
    W, b = by_hand(first_after_gap - 1)
    app = build_app(trace)
    async with app.run_test(size=SIZE) as pilot:
        drawn = await show(pilot, f"step{first_after_gap}.u1", weights=True)
        network = app.screen.query_one("#network")
        used = network.weights_in_use(first_after_gap)
        np.testing.assert_allclose(used["W1"], W, rtol=1e-12)
        np.testing.assert_allclose(used["b1"], b, rtol=1e-12)
        assert f"in use in step {first_after_gap}" in drawn
        shown = number_text(W[1, 0], 3)
        assert shown != number_text(W0[1][0], 3) and shown in drawn


@pytest.mark.asyncio
async def test_minibatch_steps_show_the_inputs_of_their_batch():
    trace = stepcalc.trace(stepcalc.loads(linear(3, train={"batch_size": 1})))
    app = build_app(trace)
    async with app.run_test(size=SIZE) as pilot:
        for number, row in ((1, 0), (2, 1), (3, 2)):
            step_id = "u1" if number == 1 else f"step{number}.u1"
            drawn = await show(pilot, step_id)
            assert f"x₁ {number_text(X[row][0], 3)}" in drawn, drawn
            assert f"x₂ {number_text(X[row][1], 3)}" in drawn, drawn
            assert "x₁ ·" not in drawn
