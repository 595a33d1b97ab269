"""Validation of the kinds other than `train`: activations, losses, init_stats, batchnorm,
normalize. Each builds a Scenario whose ``spec`` holds validated, read-only values.

Every kind shares ``title``, ``source``, ``notes``, ``kind``, ``[display]`` and ``[expect]``
with `train`; ``[expect]`` keys are the quantity ids listed below.

## kind = "activations"

```toml
[data]
values = [1, 5, -4, 3, -2]         # the data vector (required; a flat list)

[[activations]]                    # one table per function, in display order
name  = "elu"                      # identity step sigmoid tanh relu leaky_relu elu prelu selu softplus swish softsign
alpha = 0.1                        # only for leaky_relu (default 0.01), elu (1.0), prelu (0.25)
id    = "elu"                      # quantity id (default: the name; needed to list a function twice)
```
Shorthand instead of ``[[activations]]``: ``functions = ["sigmoid", "tanh"]`` (default alphas).
Quantity ids: ``data``; ``<id>`` = f(data) per function; ``d.<id>`` = f′(data) (derived with
sympy.diff); ``values`` and ``derivatives`` = the tables (functions × data entries).

## kind = "losses"

```toml
[data]
scores      = [[3.2, 5.1, -1.7], [1.3, 4.9, 2.0]]   # N × K scores/logits, one row per sample
labels      = [0, 1]                                 # N class indices (0-based)
predictions = [[0.7, 0.3]]                           # N × K (or flat) predictions ŷ
targets     = [[1.0, 0.0]]                           # N × K (or flat) targets y
class_names = ["cat", "chair", "car"]                # optional, for tables

[loss]
functions = ["cross_entropy", "hinge"]   # squared_error half_squared_error absolute_error binary_cross_entropy cross_entropy hinge
reduction = "mean"                       # mean | sum

[distance]                 # L1/L2 between two matrices (sums, no square root)
prediction = [[15, 20], [34, 32]]
target     = [[12, 24], [34, 32]]
functions  = ["l2", "l1"]  # default both

[regularization]           # penalty terms of named weight vectors/matrices
weights   = { w1 = [1, 0, 0, 0], w2 = [0.25, 0.25, 0.25, 0.25] }
functions = ["l2"]         # l1 | l2 (default both)
lambda    = 0.0            # optional: also show λ·R
```
cross_entropy and hinge read ``scores`` + ``labels`` (cross_entropy via a stable log-sum-exp;
given ``predictions`` instead, it reads them as probabilities with ``targets`` or ``labels``);
the other losses read ``predictions`` + ``targets`` (binary_cross_entropy also accepts
``scores`` + ``targets``/``labels`` as logits). At least one of [loss], [distance],
[regularization] is required.
Quantity ids: ``probs`` (softmax of the scores, when cross_entropy reads scores);
``<loss>.samples`` (N per-sample losses) and ``<loss>`` (reduced); ``diff`` (prediction −
target), ``distance.l1``, ``distance.l2``; ``penalty.l2.<w>`` per weight, ``penalty.l2``
(sum over the weights), the same for l1, and ``penalty.l2.scaled`` = λ·R when λ is given.

## kind = "init_stats"

```toml
[network]
dims   = [4096, 4096, 4096, 4096, 4096, 4096, 4096]   # layer widths: len(dims) − 1 weight layers
batch  = 16           # rows of the unit-Gaussian input
seed   = 0            # each run draws from a fresh numpy Generator(seed)
bins   = 20           # histogram bins per layer
dtype  = "float32"    # float32 | float64
draw   = "outputs"    # outputs: draw x·W from its exact distribution N(0, s²·xxᵀ) per column
                      #   (batch × width numbers a layer, fast); weights: draw every W as the
                      #   slides' loop does (width² numbers a layer, seconds for 4096²)

[[runs]]
name       = "tanh_xavier"   # quantity-id prefix (letters, digits, _)
activation = "tanh"          # any elementwise activation
method     = "xavier"        # normal (needs std) | xavier (std 1/√D_in) | kaiming (std √(2/D_in))
std        = 0.01            # only for method = "normal"
seed       = 0               # optional, overrides network.seed
```
Quantity ids per run: ``<name>.mean``, ``<name>.std`` (one per layer), ``<name>.stats``
(layers × [mean, std]), ``<name>.hist`` (layers × bins counts), ``<name>.edges``
(layers × bins+1 edges, np.histogram).

## kind = "batchnorm"

```toml
[data]
x = [[1.0, 2.0], [3.0, 6.0], [5.0, 4.0]]   # N × D batch
[batchnorm]
gamma = [1.0, 1.0]    # default ones (D values, or one number for all)
beta  = [0.0, 0.0]    # default zeros
eps   = 1e-5          # default 1e-5
```
Quantity ids: ``mu`` (D), ``var`` (D, biased: 1/N), ``x_hat`` (N × D), ``y`` (N × D).

## kind = "normalize"

```toml
[data]
pixels    = [[0, 64, 128], [191, 255, 32]]   # a flat list or a matrix
max_value = 255                              # default 255
[normalize]
methods = ["unit", "symmetric", "zscore"]    # default all three
mean    = 0.5     # optional z-score mean (default: mean of the pixels)
std     = 0.5     # optional z-score std (default: population std of the pixels)
```
Quantity ids: ``x``; ``unit`` = x / max ([0, 1]); ``symmetric`` = x / (max/2) − 1 ([−1, 1]);
``mu``, ``sigma`` and ``zscore`` = (x − μ)/σ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from stepcalc.errors import ScenarioError

from .init_stats_limits import check_init_stats_limits
from .fields import REQUIRED, Table, check_name, describe, index, one_of
from .model import ACTIVATION_NAMES, DEFAULT_ALPHA, LOSS_NAMES, REDUCTIONS, Scenario
from .shapes import matrix, readonly, to_array

COMMON_KEYS = ("title", "source", "notes", "kind", "display", "expect")
ELEMENTWISE = tuple(a for a in ACTIVATION_NAMES if a != "softmax")
INIT_RUN_METHODS = ("normal", "xavier", "kaiming")
NORMALIZE_METHODS = ("unit", "symmetric", "zscore")
DISTANCES = ("l2", "l1")
DTYPES = ("float32", "float64")


# ------------------------------------------------------------------ records ---------

@dataclass(frozen=True)
class ActivationEntry:
    id: str
    name: str
    alpha: float | None


@dataclass(frozen=True)
class InitRun:
    name: str
    activation: str
    method: str
    std: float | None
    seed: int


# ------------------------------------------------------------------ helpers ---------

def _numbers(table: Table, key: str, what: str, *, ndim: tuple[int, ...] = (1, 2),
             default: Any = REQUIRED) -> np.ndarray | None:
    """A flat list or matrix of finite numbers (float64, read-only)."""
    value = table.raw(key, default, what)
    if value is None:
        return None
    arr, _ = matrix(value, table.at(key), table.file, what)
    if arr.ndim not in ndim:
        raise table.error(key, f"expected {what}, got a {'×'.join(map(str, arr.shape))} array")
    return readonly(np.array(arr, dtype=np.float64))


def _vector_or_scalar(table: Table, key: str, size: int, default: float) -> np.ndarray:
    if not table.has(key):
        return readonly(np.full(size, default))
    value = table.raw(key)
    if not isinstance(value, list):
        return readonly(np.full(size, table.number(key)))
    arr, _ = to_array(value, table.at(key), table.file)
    if arr.shape != (size,):
        raise table.error(key, f"expected one number or {size} numbers (one per feature), "
                               f"got shape {arr.shape}")
    return readonly(arr)


def _choices(table: Table, key: str, choices: tuple[str, ...], default: tuple[str, ...]) -> tuple[str, ...]:
    names = table.strings(key, default if default is REQUIRED else list(default))
    if not names:
        raise table.error(key, f"expected at least one of {one_of(choices)}, got []")
    for i, name in enumerate(names):
        if name not in choices:
            raise ScenarioError(table.file, index(table.at(key), i),
                                f'expected one of {one_of(choices)}, got "{name}"')
        if name in names[:i]:
            raise ScenarioError(table.file, index(table.at(key), i), f'"{name}" is listed twice')
    return tuple(names)


def _build(root: Table, kind: str, keys: tuple[str, ...], parse: Callable[[Table], dict]) -> Scenario:
    from .loader import _common   # loader imports this module at its end

    common = _common(root, kind, COMMON_KEYS + keys)
    return Scenario(spec=parse(root), **common)


# ------------------------------------------------------------------ activations -----

def _parse_activations(root: Table) -> dict:
    data = root.table("data", required=True)
    data.check_keys(("values",))
    values = _numbers(data, "values", "a flat list of numbers", ndim=(1,))
    if root.has("functions") and root.has("activations"):
        raise root.error("functions", "give either functions = [...] or [[activations]] tables, not both")
    entries: list[ActivationEntry] = []
    if root.has("functions"):
        for name in _choices(root, "functions", ELEMENTWISE, ()):
            entries.append(ActivationEntry(name, name, DEFAULT_ALPHA.get(name)))
    else:
        for t in root.tables("activations"):
            t.check_keys(("name", "alpha", "id"))
            name = t.raw("name", REQUIRED, f"one of {one_of(ELEMENTWISE)}")
            if name == "softmax":
                raise t.error("name", "softmax is not elementwise (it needs a whole vector); "
                                      f"expected one of {one_of(ELEMENTWISE)}")
            name = t.choice("name", ELEMENTWISE)
            alpha = None
            if name in DEFAULT_ALPHA:
                alpha = t.number("alpha", DEFAULT_ALPHA[name])
            elif t.has("alpha"):
                raise t.error("alpha", f"{name} takes no alpha (only {one_of(DEFAULT_ALPHA)} do)")
            act_id = t.name("id", name, reserved=("data", "values", "derivatives"))
            entries.append(ActivationEntry(act_id, name, alpha))
    seen: set[str] = set()
    for i, e in enumerate(entries):
        if e.id in seen:
            raise ScenarioError(root.file, index("activations", i) + ".id",
                                f'the id "{e.id}" is used twice; give each entry its own id')
        seen.add(e.id)
    return {"data": values, "activations": tuple(entries)}


# ------------------------------------------------------------------ losses ----------

def _parse_losses(root: Table) -> dict:
    spec: dict[str, Any] = {}
    if not any(root.has(k) for k in ("loss", "distance", "regularization")):
        raise root.error(None, "expected at least one of the tables [loss], [distance], [regularization]")
    loss_t = root.table("loss")
    if loss_t is not None:
        loss_t.check_keys(("functions", "reduction"))
        functions = _choices(loss_t, "functions", LOSS_NAMES, REQUIRED)
        data = root.table("data", required=True)
        data.check_keys(("scores", "labels", "predictions", "targets", "class_names"))
        scores = _numbers(data, "scores", "an N × K matrix of scores", ndim=(2,), default=None)
        preds = _numbers(data, "predictions", "a list or an N × K matrix of predictions", default=None)
        targets = _numbers(data, "targets", "a list or an N × K matrix of targets", default=None)
        if preds is not None and preds.ndim == 1:
            preds = readonly(preds.reshape(-1, 1).copy())
        if targets is not None and targets.ndim == 1:
            targets = readonly(targets.reshape(-1, 1).copy())
        main = scores if scores is not None else preds
        if main is None:
            raise data.error("scores", "missing; expected scores (N × K) or predictions")
        n, k = main.shape
        labels = None
        if data.has("labels"):
            raw = data.raw("labels")
            if not isinstance(raw, list) or len(raw) != n:
                raise data.error("labels", f"expected {n} class indices (one per sample), got {describe(raw)}"
                                 + (f" of length {len(raw)}" if isinstance(raw, list) else ""))
            for i, v in enumerate(raw):
                if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < k:
                    raise ScenarioError(data.file, index(data.at("labels"), i),
                                        f"expected a class index in 0..{k - 1}, got {describe(v)}")
            labels = readonly(np.array(raw, dtype=np.intp))
        for key, arr in (("predictions", preds), ("targets", targets)):
            if arr is not None and arr.shape != (n, k):
                raise data.error(key, f"expected shape {n}×{k} like the "
                                      f"{'scores' if scores is not None else 'predictions'}, got "
                                      f"{'×'.join(map(str, arr.shape))}")
        names = data.strings("class_names", [f"class {c + 1}" for c in range(k)])
        if len(names) != k:
            raise data.error("class_names", f"expected {k} names (one per column), got {len(names)}")
        for i, name in enumerate(functions):
            where = index(loss_t.at("functions"), i)
            if name in ("hinge",) and (scores is None or labels is None):
                raise ScenarioError(root.file, where, "hinge needs data.scores and data.labels")
            if name == "cross_entropy" and not ((scores is not None or preds is not None)
                                                and (labels is not None or targets is not None)):
                raise ScenarioError(root.file, where, "cross_entropy needs scores (or predictions) "
                                                      "and labels (or targets)")
            if name == "binary_cross_entropy":
                if k != 1 and preds is None:
                    raise ScenarioError(root.file, where, "binary_cross_entropy needs one column")
                if targets is None and labels is None:
                    raise ScenarioError(root.file, where, "binary_cross_entropy needs targets")
            if name in ("squared_error", "half_squared_error", "absolute_error") and \
                    (preds is None or targets is None):
                raise ScenarioError(root.file, where, f"{name} needs data.predictions and data.targets")
        _check_probabilities(data, functions, scores, preds, targets)
        spec["loss"] = dict(functions=functions, reduction=loss_t.choice("reduction", REDUCTIONS, "mean"),
                            scores=scores, labels=labels, predictions=preds, targets=targets,
                            class_names=tuple(names))
    elif root.has("data"):
        raise root.error("data", "[data] is only read by [loss]; add a [loss] table or remove [data]")
    dist = root.table("distance")
    if dist is not None:
        dist.check_keys(("prediction", "target", "functions"))
        a = _numbers(dist, "prediction", "a list or matrix of numbers")
        b = _numbers(dist, "target", "a list or matrix of numbers")
        if a.shape != b.shape:
            raise dist.error("target", f"expected the shape of prediction {a.shape}, got {b.shape}")
        spec["distance"] = dict(prediction=a, target=b,
                                functions=_choices(dist, "functions", DISTANCES, DISTANCES))
    reg = root.table("regularization")
    if reg is not None:
        reg.check_keys(("weights", "functions", "lambda"))
        weights_t = reg.table("weights", required=True)
        if not weights_t.data:
            raise reg.error("weights", "expected at least one named weight, like { w1 = [1, 0] }")
        weights = {}
        for key in weights_t.data:
            check_name(key, weights_t.at(key), weights_t.file)
            if key in LOSSES_KIND_IDS:
                raise ScenarioError(weights_t.file, weights_t.at(key),
                                    f'"{key}" is reserved: it is a quantity id of the losses kind '
                                    f"({', '.join(sorted(LOSSES_KIND_IDS))}); choose another name")
            weights[key] = _numbers(weights_t, key, "a list or matrix of numbers")
        spec["regularization"] = dict(
            weights=weights, functions=_choices(reg, "functions", DISTANCES, DISTANCES),
            lam=reg.number("lambda", None, ge=0) if reg.has("lambda") else None)
    return spec


def _check_probabilities(data: Table, functions, scores, preds, targets) -> None:
    """What the train kind refuses, refused here too: a cross-entropy of "probabilities"
    outside [0, 1], a BCE target outside [0, 1], a cross-entropy target row that is not a
    probability row."""
    def where(key: str, i: int, j: int) -> str:
        nested = isinstance(data.raw(key), list) and any(isinstance(v, list) for v in data.raw(key))
        return index(index(data.at(key), i), j) if nested else index(data.at(key), i)

    for fn in functions:
        reads_preds = preds is not None and (fn == "binary_cross_entropy" or
                                             (fn == "cross_entropy" and scores is None))
        if reads_preds:
            bad = np.argwhere((preds < 0) | (preds > 1))
            if len(bad):
                i, j = bad[0]
                raise ScenarioError(data.file, where("predictions", i, j),
                                    f"expected a probability in [0, 1] for {fn}, got "
                                    f"{preds[i, j]:g}")
        if targets is None:
            continue
        if fn == "binary_cross_entropy":
            bad = np.argwhere((targets < 0) | (targets > 1))
            if len(bad):
                i, j = bad[0]
                raise ScenarioError(data.file, where("targets", i, j),
                                    f"expected a target in [0, 1] for binary_cross_entropy, got "
                                    f"{targets[i, j]:g}")
        if fn == "cross_entropy":
            for i, row in enumerate(targets):
                if (row < 0).any() or abs(row.sum() - 1) > 1e-6:
                    raise ScenarioError(data.file, index(data.at("targets"), i),
                                        "expected a probability row (numbers >= 0 that sum to 1) "
                                        "for cross_entropy")


# Ids the losses kind writes itself: a regularization weight of the same name would
# overwrite its value ("diff", "lambda") or its step.
LOSSES_KIND_IDS = frozenset({"s", "y", "labels", "yhat", "probs", "scores", "f", "t", "diff",
                             "lambda", "loss", "penalty", "distance"} | set(LOSS_NAMES))


# ------------------------------------------------------------------ init_stats ------

def _parse_init_stats(root: Table) -> dict:
    net = root.table("network", required=True)
    net.check_keys(("dims", "batch", "seed", "bins", "dtype", "draw"))
    raw = net.raw("dims", REQUIRED, "a list of at least two layer widths")
    if not isinstance(raw, list) or len(raw) < 2:
        raise net.error("dims", f"expected a list of at least two layer widths, got {describe(raw)}")
    for i, v in enumerate(raw):
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 65536:
            raise ScenarioError(net.file, index(net.at("dims"), i),
                                f"expected a layer width in 1..65536, got {describe(v)}")
    seed = net.integer("seed", 0, low=0)
    runs = []
    names: set[str] = set()
    for t in root.tables("runs"):
        t.check_keys(("name", "activation", "method", "std", "seed"))
        name = t.name("name")
        if name in names:
            raise t.error("name", f'"{name}" is used by an earlier run; names must differ')
        names.add(name)
        if t.raw("activation", None) == "softmax":
            raise t.error("activation", f"softmax is not elementwise; expected one of {one_of(ELEMENTWISE)}")
        activation = t.choice("activation", ELEMENTWISE)
        method = t.choice("method", INIT_RUN_METHODS)
        std = None
        if method == "normal":
            std = t.number("std", gt=0)
        elif t.has("std"):
            raise t.error("std", f'only method = "normal" takes std ({method} sets its own)')
        runs.append(InitRun(name, activation, method, std, t.integer("seed", seed, low=0)))
    spec = {"dims": tuple(raw), "batch": net.integer("batch", 16, low=1, high=4096),
            "bins": net.integer("bins", 20, low=1, high=200),
            "dtype": net.choice("dtype", DTYPES, "float32"),
            "draw": net.choice("draw", ("outputs", "weights"), "outputs"), "runs": tuple(runs)}
    check_init_stats_limits(net, spec["dims"], spec["batch"], spec["draw"], len(runs))
    return spec


# ------------------------------------------------------------------ batchnorm -------

def _parse_batchnorm(root: Table) -> dict:
    data = root.table("data", required=True)
    data.check_keys(("x",))
    x = _numbers(data, "x", "an N × D matrix (rows are samples)")
    if x.ndim == 1:
        x = readonly(x.reshape(-1, 1).copy())
    d = x.shape[1]
    bn = root.table("batchnorm") or Table({}, "batchnorm", root.file)
    bn.check_keys(("gamma", "beta", "eps"))
    return {"x": x, "gamma": _vector_or_scalar(bn, "gamma", d, 1.0),
            "beta": _vector_or_scalar(bn, "beta", d, 0.0), "eps": bn.number("eps", 1e-5, ge=0)}


# ------------------------------------------------------------------ normalize -------

def _parse_normalize(root: Table) -> dict:
    data = root.table("data", required=True)
    data.check_keys(("pixels", "max_value"))
    pixels = _numbers(data, "pixels", "a list or matrix of pixel values")
    max_value = data.number("max_value", 255, gt=0)
    norm = root.table("normalize") or Table({}, "normalize", root.file)
    norm.check_keys(("methods", "mean", "std"))
    methods = _choices(norm, "methods", NORMALIZE_METHODS, NORMALIZE_METHODS)
    for key in ("mean", "std"):
        if norm.has(key) and "zscore" not in methods:
            raise norm.error(key, 'only used by the "zscore" method, which is not listed')
    std = norm.number("std", None, gt=0) if norm.has("std") else None
    if std is None and "zscore" in methods and float(np.std(pixels)) == 0.0:
        raise data.error("pixels", "all pixels are equal: their std is 0, so the z-score is "
                                   "undefined; give normalize.std")
    return {"pixels": pixels, "max_value": max_value, "methods": methods,
            "mean": norm.number("mean", None) if norm.has("mean") else None, "std": std}


# ------------------------------------------------------------------ registry --------

_PARSERS = {
    "activations": (("data", "activations", "functions"), _parse_activations),
    "losses": (("data", "loss", "distance", "regularization"), _parse_losses),
    "init_stats": (("network", "runs"), _parse_init_stats),
    "batchnorm": (("data", "batchnorm"), _parse_batchnorm),
    "normalize": (("data", "normalize"), _parse_normalize),
}


def _loader(keys, parse):
    return lambda root, kind: _build(root, kind, keys, parse)


KIND_LOADERS = {kind: _loader(keys, parse) for kind, (keys, parse) in _PARSERS.items()}
