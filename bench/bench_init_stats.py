"""Benchmark: the init_stats kind against the slides' own numpy loop, in the same run.

    python bench/bench_init_stats.py [--repeat 3]

Baseline = the POSTECH slide code with a numpy Generator (rng.standard_normal per layer,
matmul, activation), for the five runs of scenarios/init_stats.toml, in the scenario's
dtype. stepcalc = load + trace of that scenario (draws, statistics, histograms, Steps).
Prints both best-of-N times and the ratio stepcalc / baseline.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import sys

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))   # run from a checkout without installing
SCENARIO = ROOT / "scenarios" / "init_stats.toml"


def baseline(spec) -> list[list[np.ndarray]]:
    dtype = np.float32 if spec["dtype"] == "float32" else np.float64
    dims, out = spec["dims"], []
    for run in spec["runs"]:
        rng = np.random.default_rng(run.seed)
        x = rng.standard_normal((spec["batch"], dims[0]), dtype=dtype)
        f = np.tanh if run.activation == "tanh" else (lambda u: np.maximum(0, u))
        hs = []
        for d_in, d_out in zip(dims[:-1], dims[1:]):
            std = {"normal": run.std, "xavier": 1 / math.sqrt(d_in), "kaiming": math.sqrt(2 / d_in)}[run.method]
            W = dtype(std) * rng.standard_normal((d_in, d_out), dtype=dtype)
            x = f(x.dot(W))
            hs.append(x)
        out.append([(h.mean(), h.std()) for h in hs])
    return out


def main() -> None:
    import stepcalc

    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    scenario = stepcalc.load(SCENARIO)
    spec = scenario.spec
    if any(r.activation not in ("tanh", "relu") for r in spec["runs"]):
        raise SystemExit("the baseline knows tanh and relu only")
    times = {"baseline": [], "stepcalc": []}
    for _ in range(args.repeat):   # interleaved, so both see the same machine state
        t = time.perf_counter()
        base = baseline(spec)
        times["baseline"].append(time.perf_counter() - t)
        t = time.perf_counter()
        tr = stepcalc.trace(stepcalc.load(SCENARIO))
        times["stepcalc"].append(time.perf_counter() - t)
    # draw = "outputs" samples x·W from its exact distribution rather than drawing W, so the
    # statistics agree in distribution (a batch of 16 leaves a few % of sampling noise).
    for run, stats in zip(spec["runs"], base):
        ours = tr.values[run.name + ".std"]
        theirs = np.array([s for _, s in stats])
        print(f"  {run.name:<14} last-layer std: stepcalc {ours[-1]:.4g}, slide loop {theirs[-1]:.4g}")
    b, s = min(times["baseline"]), min(times["stepcalc"])
    runs = len(spec["runs"])
    print(f"init_stats: {runs} runs, dims {'-'.join(map(str, spec['dims']))}, batch {spec['batch']}, "
          f"{spec['dtype']}, best of {args.repeat}")
    print(f"  baseline (slide loop) {b:7.3f} s")
    print(f"  stepcalc (load+trace) {s:7.3f} s")
    print(f"  ratio                 {s / b:7.3f}")


if __name__ == "__main__":
    main()
