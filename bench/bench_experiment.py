"""kind = "experiment": the bundled seed_discussion against a plain numpy loop doing the same
training, and against PyTorch (CPU) where it is installed (issue 14).

The same work on every side: the digits split (seed 0, 359 test rows), each run's
normalisation, initial weights and per-epoch shuffles from the run's seed, minibatches of
32, and after every epoch the measurements stepcalc records (training and test loss and
accuracy, per-layer activation mean and std over the training split, the mean weight-
gradient norm per layer). Four runs: 2, 5 and 7 hidden sigmoid layers of 128 with SGD, and
7 ReLU layers with batch norm and Adam.

* stepcalc: `stepcalc.trace(load("seed_discussion"))`: training plus the steps (no
  rendering). Goal: median ratio to the plain numpy loop ≤ 1.3.
* plain numpy: the loop written out here, float64, one BLAS thread (stepcalc's setting:
  the products are small).
* PyTorch: nn.Linear / nn.BatchNorm1d / torch.optim, float64, one thread, the same initial
  weights and shuffles, so its final accuracies must agree too.

Each side runs in a fresh subprocess, alternated so machine noise hits them alike, and is
timed around the training only (imports and data loading first). Every side must reach
the same final test accuracies (to 1e-9; torch to one test row), or the bench fails.

Run: python bench/bench_experiment.py [repeats]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

STEPCALC_CHILD = """
import json, sys, time
import stepcalc
sc = stepcalc.load("seed_discussion")
# imports the engine's lazily imported modules once per process (not the run's cost)
stepcalc.trace(stepcalc.loads('title = "w"\\nkind = "experiment"\\n[data]\\ndataset = "iris"\\n'
                              '[[runs]]\\nname = "w"\\nhidden = [2]\\nbatchnorm = true\\nepochs = 1\\n'))
start = time.perf_counter()
trace = stepcalc.trace(sc)
seconds = time.perf_counter() - start
runs = [r.name for r in sc.spec["runs"]]
print(json.dumps({"seconds": seconds,
                  "accuracy": [float(trace.values[f"{r}.epoch10.accuracy"]) for r in runs]}))
"""

# The data and the recipes, shared by the numpy and torch children (not timed).
SETUP = """
import json, sys, time
import numpy as np
from stepcalc.datasets import load_bundled
digits = load_bundled("digits")
order = np.random.default_rng(0).permutation(len(digits.labels))
test, train = order[:359], order[359:]
RAW = (digits.x[train], digits.labels[train], digits.x[test], digits.labels[test])
RUNS = [dict(hidden=[128] * 2, act="sigmoid", std=0.05, bn=False, opt="sgd", lr=0.01, norm=False),
        dict(hidden=[128] * 5, act="sigmoid", std=0.05, bn=False, opt="sgd", lr=0.01, norm=False),
        dict(hidden=[128] * 7, act="sigmoid", std=0.05, bn=False, opt="sgd", lr=0.01, norm=False),
        dict(hidden=[128] * 7, act="relu", std=None, bn=True, opt="adam", lr=0.001, norm=True)]
EPOCHS, BATCH, SEED, EPS = 10, 32, 1234, 1e-5

def data(run):
    xtr, ytr, xte, yte = RAW
    if run["norm"]:                      # [-1, 1]: x / 8 - 1
        xtr, xte = xtr / 8.0 - 1.0, xte / 8.0 - 1.0
    return xtr, ytr, xte, yte

def initial(run, rng):
    dims = [64] + run["hidden"] + [10]
    Ws = [rng.standard_normal((a, b)) * (run["std"] or np.sqrt(2.0 / a)) for a, b in zip(dims[:-1], dims[1:])]
    return dims, Ws
"""

NUMPY_CHILD = SETUP + """
def act(u, kind):
    return 1.0 / (1.0 + np.exp(-u)) if kind == "sigmoid" else np.maximum(u, 0.0)

def act_slope(u, h, kind):
    return h * (1.0 - h) if kind == "sigmoid" else (u > 0).astype(float)

def forward(P, run, x, running=None):
    hs, us, xhats, stats = [x], [], [], []
    a = x
    L = len(run["hidden"])
    for l in range(L):
        u = a @ P["W"][l] + P["b"][l]
        if run["bn"]:
            if running is None:
                mu = u.mean(0); var = ((u - mu) ** 2).mean(0)
                stats.append((mu, var))
            else:
                mu, var = running[l]
            xhat = (u - mu) / np.sqrt(var + EPS)
            xhats.append(xhat)
            u = P["g"][l] * xhat + P["be"][l]
        us.append(u)
        a = act(u, run["act"])
        hs.append(a)
    z = a @ P["W"][L] + P["b"][L]
    z = z - z.max(1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    return hs, us, xhats, stats, logp

def measure(P, run, running, xtr, ytr, xte, yte):
    r = running if run["bn"] else None
    hs, _, _, _, lp = forward(P, run, xtr, r)
    _, _, _, _, lpt = forward(P, run, xte, r)
    return (-lp[np.arange(len(ytr)), ytr].mean(), -lpt[np.arange(len(yte)), yte].mean(),
            np.mean(lpt.argmax(1) == yte), np.mean(lp.argmax(1) == ytr),
            [h.mean() for h in hs[1:]], [h.std() for h in hs[1:]])

def train(run):
    xtr, ytr, xte, yte = data(run)
    rng = np.random.default_rng(SEED)
    dims, Ws = initial(run, rng)
    L = len(run["hidden"])
    P = {"W": Ws, "b": [np.zeros(d) for d in dims[1:]],
         "g": [np.ones(d) for d in dims[1:-1]], "be": [np.zeros(d) for d in dims[1:-1]]}
    keys = [("W", l) for l in range(L + 1)] + [("b", l) for l in range(L + 1)]
    if run["bn"]:
        keys += [("g", l) for l in range(L)] + [("be", l) for l in range(L)]
    m = {k: 0.0 for k in keys}; s = {k: 0.0 for k in keys}
    running = [(np.zeros(d), np.ones(d)) for d in dims[1:-1]]
    history = [measure(P, run, running, xtr, ytr, xte, yte)]
    t = 0
    for epoch in range(EPOCHS):
        perm = rng.permutation(len(ytr))
        norms = []
        for start in range(0, len(ytr), BATCH):
            idx = perm[start:start + BATCH]
            xb, yb, n = xtr[idx], ytr[idx], len(idx)
            hs, us, xhats, stats, logp = forward(P, run, xb)
            d = np.exp(logp); d[np.arange(n), yb] -= 1.0; d /= n
            G = {}
            for l in range(L, -1, -1):
                G["W", l] = hs[l].T @ d
                G["b", l] = d.sum(0)
                if l == 0:
                    break
                d = (d @ P["W"][l].T) * act_slope(us[l - 1], hs[l], run["act"])
                if run["bn"]:
                    xh = xhats[l - 1]
                    G["g", l - 1] = (d * xh).sum(0); G["be", l - 1] = d.sum(0)
                    dx = d * P["g"][l - 1]
                    inv = 1.0 / np.sqrt(stats[l - 1][1] + EPS)
                    d = inv / n * (n * dx - dx.sum(0) - xh * (dx * xh).sum(0))
            norms.append([np.linalg.norm(G["W", l]) for l in range(L + 1)])
            if run["bn"]:
                running = [(0.9 * rm + 0.1 * mu, 0.9 * rv + 0.1 * var * n / (n - 1))
                           for (rm, rv), (mu, var) in zip(running, stats)]
            t += 1
            for k in keys:
                name, l = k
                if run["opt"] == "sgd":
                    P[name][l] -= run["lr"] * G[k]
                else:
                    m[k] = 0.9 * m[k] + 0.1 * G[k]
                    s[k] = 0.999 * s[k] + 0.001 * G[k] * G[k]
                    P[name][l] -= run["lr"] * (m[k] / (1 - 0.9 ** t)) / (np.sqrt(s[k] / (1 - 0.999 ** t)) + 1e-8)
        history.append(measure(P, run, running, xtr, ytr, xte, yte) + (np.mean(norms, 0),))
    return history

with np.errstate(all="ignore"):
    start = time.perf_counter()
    results = [train(run) for run in RUNS]
    seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "accuracy": [float(h[-1][2]) for h in results]}))
"""

TORCH_CHILD = SETUP + """
import torch
torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)
nn = torch.nn

def build(run, rng):
    dims, Ws = initial(run, rng)
    layers = []
    for l, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
        lin = nn.Linear(a, b)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(Ws[l].T)); lin.bias.zero_()
        layers.append(lin)
        if l < len(dims) - 2:
            if run["bn"]:
                layers.append(nn.BatchNorm1d(b, eps=EPS, momentum=0.1))
            layers.append(nn.Sigmoid() if run["act"] == "sigmoid" else nn.ReLU())
    return nn.Sequential(*layers)

def measure(model, run, xtr, ytr, xte, yte):
    model.eval()
    with torch.no_grad():
        acts, h = [], xtr
        for layer in model:
            h = layer(h)
            if isinstance(layer, (nn.Sigmoid, nn.ReLU)):
                acts.append(h)
        lp, lpt = torch.log_softmax(h, 1), torch.log_softmax(model(xte), 1)
        out = (float(nn.functional.nll_loss(lp, ytr)), float(nn.functional.nll_loss(lpt, yte)),
               float((lpt.argmax(1) == yte).double().mean()), float((lp.argmax(1) == ytr).double().mean()),
               [float(a.mean()) for a in acts], [float(a.std(unbiased=False)) for a in acts])
    model.train()
    return out

def train(run):
    xtr, ytr, xte, yte = (torch.from_numpy(np.asarray(v)) for v in data(run))
    rng = np.random.default_rng(SEED)
    model = build(run, rng)
    opt = (torch.optim.SGD(model.parameters(), lr=run["lr"]) if run["opt"] == "sgd" else
           torch.optim.Adam(model.parameters(), lr=run["lr"]))
    weights = [l.weight for l in model if isinstance(l, nn.Linear)]
    history = [measure(model, run, xtr, ytr, xte, yte)]
    for epoch in range(EPOCHS):
        perm = torch.from_numpy(rng.permutation(len(ytr)))
        norms = []
        for start in range(0, len(ytr), BATCH):
            idx = perm[start:start + BATCH]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xtr[idx]), ytr[idx])
            loss.backward()
            norms.append([float(w.grad.norm()) for w in weights])
            opt.step()
        history.append(measure(model, run, xtr, ytr, xte, yte) + (np.mean(norms, 0),))
    return history

start = time.perf_counter()
results = [train(run) for run in RUNS]
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "accuracy": [h[-1][2] for h in results]}))
"""


def child(code: str) -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                         env=env, check=True, timeout=900)
    return json.loads(out.stdout.strip().splitlines()[-1])


def has_torch() -> bool:
    return subprocess.run([sys.executable, "-c", "import torch"], capture_output=True).returncode == 0


def main(repeats: int = 3) -> int:
    sides = {"stepcalc": STEPCALC_CHILD, "numpy": NUMPY_CHILD}
    if has_torch():
        sides["torch"] = TORCH_CHILD
    times = {side: [] for side in sides}
    accuracy = {}
    for _ in range(repeats):
        for side, code in sides.items():
            result = child(code)
            times[side].append(result["seconds"])
            accuracy[side] = result["accuracy"]
    for side, seconds in times.items():
        print(f"{side:9s} median {statistics.median(seconds):6.2f} s  "
              f"({', '.join(f'{s:.2f}' for s in seconds)})  final test accuracies "
              f"{', '.join(f'{a:.4f}' for a in accuracy[side])}")
    ok = all(abs(a - b) < 1e-9 for a, b in zip(accuracy["stepcalc"], accuracy["numpy"]))
    if "torch" in accuracy:
        ok &= all(abs(a - b) <= 1.5 / 359 for a, b in zip(accuracy["stepcalc"], accuracy["torch"]))
    ratio = statistics.median(times["stepcalc"]) / statistics.median(times["numpy"])
    print(f"stepcalc / plain numpy: {ratio:.2f} (goal ≤ 1.3)")
    if "torch" in times:
        print(f"stepcalc / PyTorch CPU: {statistics.median(times['stepcalc']) / statistics.median(times['torch']):.2f}")
    else:
        print("PyTorch not installed: no torch comparison (pip install torch)")
    if not ok:
        print("FAILED: the sides do not reach the same final accuracies")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
