"""A 100,000-step run against a plain numpy loop doing the same updates (issue 8).

The scenario: a 2-3-2 ReLU/softmax net on 3 samples, cross-entropy, SGD with lr = 0.1.
Both sides run in fresh subprocesses, alternated so machine noise hits them alike:

* time: `stepcalc.trace(scenario)` (the numbers and the slide plan; no rendering) against
  the plain loop, each timed around the run only. Target: median ratio ≤ 1.5.
* memory: the peak of Python allocations during the run (tracemalloc), for this run only.
  Target: ratio ≤ 2.

"The run only": both children import what they use first, and the stepcalc child first
traces a 1-step run of the same scenario, which imports the engine's lazily imported
modules once per process. That one-time cost is printed on its own line, with each
child's whole-process peak RSS, so nothing is hidden.

Both must end at after.loss = 5.6527563006e-05 (plain numpy, float64).

Run: python bench/bench_long_run.py [repeats]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXPECTED_AFTER_LOSS = 5.6527563006e-05

SCENARIO = """title = "long run"
[data]
x = [[0.5, -1.0], [1.5, 0.3], [-0.2, 0.8]]
y = [0, 1, 1]
[[model.layers]]
units = 3
activation = "relu"
[[model.layers]]
units = 2
activation = "softmax"
[params]
W1 = [[0.1, -0.2, 0.3], [0.4, 0.1, -0.5]]
b1 = [0.0, 0.1, -0.1]
W2 = [[0.2, -0.3], [0.5, 0.1], [-0.4, 0.2]]
b2 = [0.0, 0.0]
[train]
loss = "cross_entropy"
lr = 0.1
steps = 100000
"""

# Each child prints {"seconds": …, "peak": bytes or null, "after_loss": …}.
STEPCALC_CHILD = """
import dataclasses, json, resource, sys, time, tracemalloc
import numpy as np
import stepcalc
sc = stepcalc.load(sys.argv[1])
memory = sys.argv[2] == "memory"
start = time.perf_counter()
stepcalc.trace(dataclasses.replace(sc, train=dataclasses.replace(sc.train, steps=1)))
warm_up = time.perf_counter() - start
if memory:
    tracemalloc.start()
start = time.perf_counter()
trace = stepcalc.trace(sc)
seconds = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1] if memory else None
print(json.dumps({"seconds": seconds, "peak": peak, "after_loss": float(trace.values["after.loss"]),
                  "warm_up": warm_up, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

PLAIN_CHILD = """
import json, resource, sys, time, tracemalloc
import numpy as np
memory = sys.argv[2] == "memory"
if memory:
    tracemalloc.start()
start = time.perf_counter()
x = np.array([[0.5, -1.0], [1.5, 0.3], [-0.2, 0.8]])
labels = np.array([0, 1, 1])
y = np.eye(2)[labels]
W1 = np.array([[0.1, -0.2, 0.3], [0.4, 0.1, -0.5]]); b1 = np.array([0.0, 0.1, -0.1])
W2 = np.array([[0.2, -0.3], [0.5, 0.1], [-0.4, 0.2]]); b2 = np.array([0.0, 0.0])
lr, steps, n = 0.1, 100000, 3
rows = np.arange(n)
losses = np.empty(steps + 1)
for step in range(steps + 1):          # the last pass is the forward pass after training
    u1 = x @ W1 + b1
    h = np.maximum(u1, 0.0)
    z = h @ W2 + b2
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    losses[step] = -np.mean(np.log(p[rows, labels]))
    if step == steps:
        break
    d2 = (p - y) / n
    gW2 = h.T @ d2
    gb2 = d2.sum(axis=0)
    d1 = (d2 @ W2.T) * (u1 > 0)
    gW1 = x.T @ d1
    gb1 = d1.sum(axis=0)
    W1 = W1 - lr * gW1; b1 = b1 - lr * gb1; W2 = W2 - lr * gW2; b2 = b2 - lr * gb2
seconds = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1] if memory else None
print(json.dumps({"seconds": seconds, "peak": peak, "after_loss": float(losses[-1]),
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def child(code: str, scenario: Path, mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, str(scenario), mode], check=True,
                         capture_output=True, text=True, cwd=REPO)
    result = json.loads(out.stdout)
    assert abs(result["after_loss"] - EXPECTED_AFTER_LOSS) <= 1e-10 * EXPECTED_AFTER_LOSS, result["after_loss"]
    return result


def main(repeats: int = 3) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        scenario = Path(tmp) / "long_run.toml"
        scenario.write_text(SCENARIO)
        ours, plain = [], []
        for _ in range(repeats):
            ours.append(child(STEPCALC_CHILD, scenario, "time"))
            plain.append(child(PLAIN_CHILD, scenario, "time"))
        ours_memory = child(STEPCALC_CHILD, scenario, "memory")
        plain_memory = child(PLAIN_CHILD, scenario, "memory")
    ours_peak, plain_peak = ours_memory["peak"], plain_memory["peak"]
    t_ours = statistics.median(r["seconds"] for r in ours)
    t_plain = statistics.median(r["seconds"] for r in plain)
    time_ratio, memory_ratio = t_ours / t_plain, ours_peak / plain_peak
    print(f"100,000 steps: stepcalc.trace {t_ours:.2f} s, plain numpy loop {t_plain:.2f} s "
          f"(medians of {repeats}); ratio {time_ratio:.2f} (target ≤ 1.5)")
    print(f"peak allocations during the run: stepcalc {ours_peak / 1e6:.2f} MB, plain loop "
          f"{plain_peak / 1e6:.2f} MB; ratio {memory_ratio:.2f} (target ≤ 2)")
    print(f"once per process, not counted above: stepcalc's 1-step warm-up (lazy imports) "
          f"{statistics.median(r['warm_up'] for r in ours):.2f} s; whole-process "
          f"peak RSS stepcalc {statistics.median(r['rss'] for r in ours) / 1024:.0f} MB, "
          f"plain loop {statistics.median(r['rss'] for r in plain) / 1024:.0f} MB")
    return time_ratio, memory_ratio


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
