"""The training loop (engine/numbers/run.py): its numbers against plain numpy written here,
and the long-run path (losses computed in blocks) against the recorded path."""

from __future__ import annotations

import numpy as np
import pytest

import stepcalc
from conftest import train_toml
from stepcalc.engine.numbers import run as run_module
from stepcalc.engine.numbers.run import DivergenceWatch, batches, run_numbers

X = ((1.5, 0.2), (-0.7, 2.25), (0.3, -1.1), (0.9, 0.4))
Y = ((1.0,), (0.0,), (2.0,), (-1.0,))
W0, B0 = [[0.5], [-0.3]], [0.1]


def test_momentum_weight_decay_and_a_frozen_bias_match_plain_numpy():
    lr, gamma, lam, steps = 0.05, 0.9, 0.01, 7
    sc = stepcalc.loads(train_toml(
        x=X, y=Y, layers=((1, "identity"),), loss="squared_error", lr=lr, steps=steps,
        params={"W1": W0, "b1": B0},
        train={"optimizer": "momentum", "momentum": gamma, "weight_decay": lam,
               "frozen": ["b1"], "batch_size": 2}))
    run = run_numbers(sc)
    x, y = np.array(X), np.array(Y)
    W, b, v = np.array(W0), np.array(B0), np.zeros((2, 1))
    losses = []
    for step in range(steps):
        rows = slice(2 * (step % 2), 2 * (step % 2) + 2)
        error = x[rows] @ W + b - y[rows]
        losses.append(np.mean(np.sum(error ** 2, axis=1)))
        grad = x[rows].T @ (2 * error / 2) + lam * W
        v = gamma * v - lr * grad
        W = W + v
    np.testing.assert_allclose(run.final_params["W1"], W, rtol=1e-13)
    np.testing.assert_array_equal(run.final_params["b1"], B0)            # frozen
    np.testing.assert_allclose(run.losses[:steps], losses, rtol=1e-13)
    last = run.state(steps)
    np.testing.assert_allclose(last.velocity["W1"], v, rtol=1e-13)
    assert last.rows == slice(0, 2) and last.x.base is not None          # step 7: rows 1–2 again


@pytest.mark.parametrize("loss, activation, y, batch", [
    ("cross_entropy", "softmax", (0, 1, 1, 0), 0),
    ("hinge", "identity", (0, 1, 1, 0), 2),
    ("binary_cross_entropy", "sigmoid", ((1.0,), (0.0,), (1.0,), (0.0,)), 0),
    ("squared_error", "identity", Y, 1),
])
def test_a_long_runs_losses_are_the_recorded_paths_numbers(monkeypatch, loss, activation, y, batch):
    units = 1 if isinstance(y[0], tuple) else 2
    sc = stepcalc.loads(train_toml(x=X, y=y, layers=((3, "tanh"), (units, activation)), loss=loss,
                                   lr=0.05, steps=600, train={"batch_size": batch}))
    blocked = run_numbers(sc)
    assert blocked.gap == (6, 595)
    monkeypatch.setattr(run_module, "records_every_step", lambda scenario: True)
    stepwise = run_numbers(sc)
    assert stepwise.gap is None
    np.testing.assert_array_equal(blocked.losses, stepwise.losses)       # bit for bit
    for name, value in stepwise.final_params.items():
        np.testing.assert_array_equal(blocked.final_params[name], value)


def test_divergence_watch():
    watch = DivergenceWatch()
    watch.see(1, 2.0)
    watch.see(2, 1.9e6)
    assert watch.at is None
    watch.see_many(3, np.array([1.0, 2.1e6, np.inf]))
    assert watch.at == 4
    nan_first = DivergenceWatch()
    nan_first.see(1, float("nan"))
    nan_first.see(2, float("inf"))
    assert nan_first.at is None                  # nothing to grow from


def test_batches_are_consecutive_slices():
    assert batches(5, 2) == [slice(0, 2), slice(2, 4), slice(4, 5)]
    assert batches(5, 0) == batches(5, 9) == [slice(0, 5)]


def _first_growth_by_hand(losses, run):
    count = 0
    for step in range(2, len(losses) + 1):
        a, b = losses[step - 2], losses[step - 1]
        count = count + 1 if np.isfinite(a) and np.isfinite(b) and b > a else 0
        if count == run:
            return step
    return None


def test_first_growth_is_the_step_ending_five_rises_in_a_row():
    from stepcalc.engine.slides.train import first_growth

    rng = np.random.default_rng(3)
    for trial in range(300):
        n = int(rng.integers(0, 40))
        losses = rng.choice([1.0, -1.0], size=n, p=[0.7, 0.3]).cumsum()   # mostly rising
        losses[rng.random(n) < 0.05] = np.nan
        losses[rng.random(n) < 0.05] = np.inf
        assert first_growth(losses, 5) == _first_growth_by_hand(losses, 5), losses
    assert first_growth(np.arange(7.0), 5) == 6          # steps 1..6 rise 5 times
    assert first_growth(np.arange(6.0)[::-1], 5) is None
