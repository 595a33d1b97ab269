"""Core speed, as ratios against baselines measured in the same run.

1. `stepcalc export dying_relu` (Markdown) vs `python -c "import numpy, sympy"`, both
   with their bytecode compiled (see ENV). Target: ≤ 1.25×.
2. `stepcalc.trace` of one SGD step of a 784-256-10 ReLU/softmax MLP on a batch of 1024
   vs the same step written directly in numpy (forward, loss, backward, update, forward
   again — the trace computes the after-pass too). Target: ≤ 1.5×.

Run: python bench/bench_core.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

REPEATS = 12


# Both sides read compiled bytecode, as an installed package does (pip compiles stepcalc's
# modules like numpy's and sympy's): with PYTHONDONTWRITEBYTECODE set, as on some
# development machines, every run would compile stepcalc's ~100 modules from source.
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - start


def median_interleaved(*commands) -> list[float]:
    """Alternate the commands so machine noise hits all of them alike, in A B, B A order:
    a command run right after the other pays for what that one left behind (the kernel
    still reclaiming a large process's memory), so neither may always go second."""
    times = [[] for _ in commands]
    pairs = list(zip(times, commands))
    for round_ in range(REPEATS):
        for slot, cmd in (pairs if round_ % 2 == 0 else pairs[::-1]):
            slot.append(cmd())
    return [statistics.median(t) for t in times]


def bench_export() -> float:
    py = sys.executable
    wall([py, "-m", "stepcalc", "export", "dying_relu"])       # writes stepcalc's bytecode once
    export, baseline = median_interleaved(
        lambda: wall([py, "-m", "stepcalc", "export", "dying_relu"]),
        lambda: wall([py, "-c", "import numpy, sympy"]),
    )
    ratio = export / baseline
    print(f"export dying_relu → Markdown: {export * 1000:.0f} ms; import numpy, sympy: "
          f"{baseline * 1000:.0f} ms; ratio {ratio:.2f} (target ≤ 1.25)")
    return ratio


def big_scenario():
    import stepcalc

    rng = np.random.default_rng(0)
    x = rng.random((1024, 784))
    labels = rng.integers(0, 10, 1024)
    sc = stepcalc.loads("""
title = "FashionMNIST-sized MLP"
[data]
x = [[0.0]]
y = [0]
[[model.layers]]
units = 1
activation = "relu"
[[model.layers]]
units = 2
activation = "softmax"
[train]
loss = "cross_entropy"
""")
    # The shapes are built in numpy here: a 1024×784 TOML literal would only measure tomllib.
    from dataclasses import replace

    from stepcalc.scenario.model import Data, Layer

    layers = (Layer(256, "relu", "W1", "b1", "u1", "a1", None), Layer(10, "softmax", "W2", "b2", "u2", "y_hat", None))
    model = replace(sc.model, n_inputs=784, layers=layers)
    params = {"W1": rng.normal(0, 0.05, (784, 256)), "b1": np.zeros(256),
              "W2": rng.normal(0, 0.05, (256, 10)), "b2": np.zeros(10)}
    data = Data(x, np.eye(10)[labels], labels)
    return replace(sc, model=model, params=params, data=data), x, labels, params


def numpy_step(x, labels, params, lr=0.01):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = x.shape[0]
    u1 = x @ W1 + b1
    a1 = np.maximum(u1, 0)
    u2 = a1 @ W2 + b2
    z = u2 - u2.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    p = np.exp(logp)
    loss = -logp[np.arange(n), labels].mean()
    d2 = p.copy()
    d2[np.arange(n), labels] -= 1
    d2 /= n
    gW2, gb2 = a1.T @ d2, d2.sum(0)
    da1 = d2 @ W2.T
    d1 = da1 * (u1 > 0)
    gW1, gb1 = x.T @ d1, d1.sum(0)
    W1n, b1n, W2n, b2n = W1 - lr * gW1, b1 - lr * gb1, W2 - lr * gW2, b2 - lr * gb2
    u2n = np.maximum(x @ W1n + b1n, 0) @ W2n + b2n        # forward again
    return loss, u2n


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_big_trace() -> float:
    import stepcalc

    sc, x, labels, params = big_scenario()
    stepcalc.trace(sc)                      # warm imports and lazy lambdify once
    traced, direct = median_interleaved(lambda: timed(lambda: stepcalc.trace(sc)),
                                        lambda: timed(lambda: numpy_step(x, labels, params)))
    ratio = traced / direct
    print(f"trace 784-256-10, batch 1024: {traced * 1000:.1f} ms; plain numpy step: "
          f"{direct * 1000:.1f} ms; ratio {ratio:.2f} (target ≤ 1.5)")
    return ratio


if __name__ == "__main__":
    bench_export()
    bench_big_trace()
