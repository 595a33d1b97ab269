"""kind = "experiment": one data set, several training recipes, their curves compared.

```toml
[data]
dataset       = "digits"    # digits | iris (bundled) — or csv = "file.csv" with target = "<column>"
test_fraction = 0.2         # rows held out for the test split (deterministic from seed)
seed          = 0           # the split's seed
normalize     = "none"      # none | unit ([0, 1]) | symmetric ([−1, 1]) | zscore (train split's μ, σ)
max_value     = 16          # unit / symmetric: the largest possible value (digits: 16; else max |x|)

[[runs]]
name       = "recipe"       # quantity-id prefix
hidden     = [128]          # hidden layer widths ([] : softmax regression)
activation = "relu"         # any elementwise activation of the hidden layers
init       = "kaiming"      # normal (needs std) | xavier (1/√D_in) | kaiming (√(2/D_in)), as init_stats
batchnorm  = true           # batch norm after every hidden dense layer, before the activation
normalize  = "symmetric"    # optional: this run's normalisation (default data.normalize)
optimizer  = "adam"         # sgd | momentum | nesterov | adagrad | rmsprop | adam | adamw
lr = 0.001
epochs = 10
batch_size = 32             # 0 = full batch
seed = 0                    # initial weights and the shuffling of every epoch
```
Quantity ids per run ``<run>``, epoch k = 0 (before training) … epochs:
``<run>.epoch<k>.loss`` (training loss over the training split), ``.test_loss``,
``.accuracy`` (test), ``.train_accuracy``; for k ≥ 1 ``.grad_norm`` (one per weight
layer) and, k ≥ 0, ``.act_mean`` / ``.act_std`` (one per hidden layer). Steps:
``<run>.curves``, ``<run>.grad_norms``, ``<run>.activations``; then ``compare.loss``,
``compare.accuracy`` and ``compare.final``.
"""

from __future__ import annotations

import re

import numpy as np
from dataclasses import dataclass

from stepcalc.errors import ScenarioError

from ..fields import REQUIRED, Table, describe, index, one_of
from .experiment_data import NORMALIZE, ExperimentData, parse_data
from .readers import ELEMENTWISE

KEYS = ("data", "runs")
INIT_METHODS = ("normal", "xavier", "kaiming")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
# Hyperparameters each optimizer reads (torch.optim's names and defaults); any other is refused.
OPTIMIZER_KEYS = {
    "sgd": (), "momentum": ("momentum",), "nesterov": ("momentum",), "adagrad": ("eps",),
    "rmsprop": ("rho", "eps"), "adam": ("beta1", "beta2", "eps"), "adamw": ("beta1", "beta2", "eps"),
}
RUN_KEYS = ("name", "hidden", "activation", "init", "std", "batchnorm", "normalize", "optimizer", "lr",
            "epochs", "batch_size", "seed", "momentum", "beta1", "beta2", "rho", "eps",
            "weight_decay")
RESERVED = ("grad", "new", "v", "v0", "after", "compare")

MAX_RUNS = 16
MAX_HIDDEN_LAYERS = 16
MAX_WIDTH = 4096
MAX_EPOCHS = 1000
MAX_WORK = 1e12              # = loader.MAX_WORK (multiply-adds of all runs)
MAX_KEPT = 20_000_000        # floats of one evaluation pass: rows × Σ widths


@dataclass(frozen=True)
class Recipe:
    name: str
    hidden: tuple[int, ...]
    activation: str
    init: str
    std: float | None
    batchnorm: bool
    optimizer: str
    lr: float
    epochs: int
    batch_size: int            # 0 = full batch
    seed: int
    normalize: str = "none"    # the data's normalisation for this run (default: data.normalize)
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    rho: float = 0.99
    eps: float = 1e-8
    weight_decay: float = 0.0

    def dims(self, n_in: int, n_out: int) -> tuple[int, ...]:
        return (n_in, *self.hidden, n_out)


def parse(root: Table) -> dict:
    data = parse_data(root)
    runs = []
    names: set[str] = set()
    tables = root.tables("runs")
    if len(tables) > MAX_RUNS:
        raise root.error("runs", f"expected at most {MAX_RUNS} runs, got {len(tables)}")
    for t in tables:
        run = parse_run(t, data)
        if run.name in names:
            raise t.error("name", f'"{run.name}" is used by an earlier run; names must differ')
        names.add(run.name)
        runs.append(run)
    check_limits(root, data, runs)
    return {"data": data, "runs": tuple(runs)}


def parse_run(t: Table, data: ExperimentData) -> Recipe:
    t.check_keys(RUN_KEYS)
    name = t.name("name", reserved=RESERVED)
    if re.fullmatch(r"step[0-9]+", name):
        raise t.error("name", f'"{name}" reads as a training-step prefix; choose another name')
    hidden = _widths(t)
    if t.raw("activation", None) == "softmax":
        raise t.error("activation", f"softmax is not elementwise; expected one of {one_of(ELEMENTWISE)}")
    init = t.choice("init", INIT_METHODS, "kaiming")
    if init == "normal":
        std = t.number("std", REQUIRED, gt=0)
    elif t.has("std"):
        raise t.error("std", f'only init = "normal" takes std ({init} sets its own)')
    else:
        std = None
    batchnorm = t.raw("batchnorm", False)
    if not isinstance(batchnorm, bool):
        raise t.error("batchnorm", f"expected true or false, got {describe(batchnorm)}")
    optimizer = t.choice("optimizer", OPTIMIZERS, "sgd")
    for key in ("momentum", "beta1", "beta2", "rho", "eps"):
        if t.has(key) and key not in OPTIMIZER_KEYS[optimizer]:
            users = [o for o, keys in OPTIMIZER_KEYS.items() if key in keys]
            raise t.error(key, f"{key} is only used by {one_of(users)}; this run uses {optimizer}")
    hyper = dict(momentum=t.number("momentum", 0.9, ge=0.0, lt=1.0),
                 beta1=t.number("beta1", 0.9, ge=0.0, lt=1.0),
                 beta2=t.number("beta2", 0.999, ge=0.0, lt=1.0),
                 rho=t.number("rho", 0.99, ge=0.0, lt=1.0),
                 eps=t.number("eps", 1e-10 if optimizer == "adagrad" else 1e-8, gt=0.0),
                 weight_decay=t.number("weight_decay", 0.0, ge=0.0))
    return Recipe(name=name, hidden=hidden, activation=t.choice("activation", ELEMENTWISE, "relu"),
                  init=init, std=std, batchnorm=batchnorm, optimizer=optimizer,
                  lr=t.number("lr", 0.01, gt=0.0), epochs=t.integer("epochs", 10, low=1, high=MAX_EPOCHS),
                  batch_size=t.integer("batch_size", 32, low=0, high=1_000_000),
                  seed=t.integer("seed", 0, low=0), normalize=_normalize(t, data), **hyper)


def _normalize(t: Table, data: ExperimentData) -> str:
    method = t.choice("normalize", NORMALIZE, data.normalize)
    if method in ("unit", "symmetric") and data.max_value is None:
        raise t.error("normalize", f'"{method}" needs the largest possible value: give '
                                   "data.max_value (a bundled dataset knows its own)")
    if method == "zscore" and float(np.std(data.x)) == 0.0:
        raise t.error("normalize", "every value of the data is the same, so the z-score is "
                                   "undefined (σ = 0)")
    return method


def _widths(t: Table) -> tuple[int, ...]:
    raw = t.raw("hidden", REQUIRED, "a list of hidden layer widths ([] for none)")
    if not isinstance(raw, list):
        raise t.error("hidden", f"expected a list of hidden layer widths, got {describe(raw)}")
    if len(raw) > MAX_HIDDEN_LAYERS:
        raise t.error("hidden", f"expected at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(raw)}")
    for i, v in enumerate(raw):
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_WIDTH:
            raise ScenarioError(t.file, index(t.at("hidden"), i),
                                f"expected a layer width in 1..{MAX_WIDTH}, got {describe(v)}")
    return tuple(raw)


def run_work(run: Recipe, n_in: int, n_out: int, n_train: int, n_rows: int) -> float:
    """Multiply-adds of one run: forward + backward (≈ 3×) over the training rows every
    epoch, and one forward pass over all rows per evaluation (epochs + 1 of them)."""
    dims = run.dims(n_in, n_out)
    weights = sum(a * b for a, b in zip(dims[:-1], dims[1:]))
    return float(weights) * (3.0 * n_train * run.epochs + n_rows * (run.epochs + 1))


def check_limits(root: Table, data: ExperimentData, runs: list[Recipe]) -> None:
    n_rows, n_in = data.x.shape
    n_out = len(data.classes)
    n_train = n_rows - data.n_test
    work = 0.0
    for i, run in enumerate(runs):
        where = Table({}, index(root.at("runs"), i), root.file)
        kept = n_rows * sum(run.hidden + (n_out,))
        if kept > MAX_KEPT:
            raise where.error("hidden", f"an evaluation pass would keep {kept:,} activations "
                                        f"(rows × widths), more than the limit of {MAX_KEPT:,}; "
                                        "use narrower layers or less data")
        work += run_work(run, n_in, n_out, n_train, n_rows)
        if work > MAX_WORK:
            raise where.error("epochs", f"the runs up to this one need about {work:.1e} "
                                        f"multiply-adds, more than stepcalc's limit of "
                                        f"{MAX_WORK:.0e}; use fewer epochs, rows or units")
