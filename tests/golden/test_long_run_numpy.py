"""A long run (issue 8's 2-3-2 ReLU/softmax net) against a plain numpy loop written here:
every step's batch loss, the final parameters and the loss after training. Most of these
steps are unrecorded, so this pins the lean path of the training loop (engine/numbers/run.py)
to numbers computed without stepcalc."""

from __future__ import annotations

import numpy as np
import pytest

import stepcalc
from conftest import train_toml
from stepcalc.engine.numbers.run import run_numbers

X = [[0.5, -1.0], [1.5, 0.3], [-0.2, 0.8]]
LABELS = [0, 1, 1]
PARAMS = {"W1": [[0.1, -0.2, 0.3], [0.4, 0.1, -0.5]], "b1": [0.0, 0.1, -0.1],
          "W2": [[0.2, -0.3], [0.5, 0.1], [-0.4, 0.2]], "b2": [0.0, 0.0]}


def plain_loop(steps, lr, batch, optimizer):
    x, labels = np.array(X), np.array(LABELS)
    p = {name: np.array(value, dtype=float) for name, value in PARAMS.items()}
    m = {name: np.zeros_like(value) for name, value in p.items()}
    s = {name: np.zeros_like(value) for name, value in p.items()}
    n_all = x.shape[0]
    losses = []

    def forward(rows):
        u1 = x[rows] @ p["W1"] + p["b1"]
        h = np.maximum(u1, 0.0)
        z = h @ p["W2"] + p["b2"]
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return u1, h, logp

    for step in range(1, steps + 1):
        n_batches = -(-n_all // batch) if batch else 1       # consecutive, the last shorter
        start = ((step - 1) % n_batches) * batch
        rows = slice(start, min(start + batch, n_all)) if batch else slice(0, n_all)
        u1, h, logp = forward(rows)
        lab = labels[rows]
        n = len(lab)
        losses.append(-logp[np.arange(n), lab].mean())
        d2 = np.exp(logp)
        d2[np.arange(n), lab] -= 1.0
        d2 /= n
        d1 = (d2 @ p["W2"].T) * (u1 > 0)
        grads = {"W1": x[rows].T @ d1, "b1": d1.sum(axis=0), "W2": h.T @ d2, "b2": d2.sum(axis=0)}
        for name, g in grads.items():
            if optimizer == "sgd":
                p[name] = p[name] - lr * g
            else:                                   # torch.optim.Adam, defaults
                m[name] = 0.9 * m[name] + 0.1 * g
                s[name] = 0.999 * s[name] + 0.001 * g * g
                mhat, shat = m[name] / (1 - 0.9 ** step), s[name] / (1 - 0.999 ** step)
                p[name] = p[name] - lr * mhat / (np.sqrt(shat) + 1e-8)
    _, _, logp = forward(slice(0, n_all))
    losses.append(-logp[np.arange(n_all), labels].mean())
    return np.array(losses), p


@pytest.mark.parametrize("optimizer, batch", [("sgd", 0), ("adam", 2)])
def test_a_long_runs_losses_and_parameters_are_a_plain_numpy_loops(optimizer, batch):
    steps, lr = 3000, 0.1 if optimizer == "sgd" else 0.01
    sc = stepcalc.loads(train_toml(
        x=X, y=LABELS, layers=((3, "relu"), (2, "softmax")), loss="cross_entropy", lr=lr,
        steps=steps, params=PARAMS, train={"optimizer": optimizer, "batch_size": batch}))
    run = run_numbers(sc)
    assert run.gap is not None                      # most steps take the unrecorded path
    losses, params = plain_loop(steps, lr, batch, optimizer)
    np.testing.assert_allclose(run.losses, losses, rtol=1e-9, atol=1e-15)
    for name, value in params.items():
        np.testing.assert_allclose(run.final_params[name], value, rtol=1e-9, atol=1e-13)
    assert losses[-1] < 0.7 * losses[0]                 # it learned: not a flat comparison
