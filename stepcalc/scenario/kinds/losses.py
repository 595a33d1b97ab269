"""kind = "losses": the fields, validated into ``Scenario.spec`` (read-only values).

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
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stepcalc.errors import ScenarioError

from ..fields import REQUIRED, Table, check_name, describe, index
from ..model import LOSS_NAMES, REDUCTIONS
from ..shapes import readonly
from .readers import listed_choices, numbers

KEYS = ("data", "loss", "distance", "regularization")
DISTANCES = ("l2", "l1")


def parse(root: Table) -> dict:
    spec: dict[str, Any] = {}
    if not any(root.has(k) for k in ("loss", "distance", "regularization")):
        raise root.error(None, "expected at least one of the tables [loss], [distance], [regularization]")
    loss_t = root.table("loss")
    if loss_t is not None:
        loss_t.check_keys(("functions", "reduction"))
        functions = listed_choices(loss_t, "functions", LOSS_NAMES, REQUIRED)
        data = root.table("data", required=True)
        data.check_keys(("scores", "labels", "predictions", "targets", "class_names"))
        scores = numbers(data, "scores", "an N × K matrix of scores", ndim=(2,), default=None)
        preds = numbers(data, "predictions", "a list or an N × K matrix of predictions", default=None)
        targets = numbers(data, "targets", "a list or an N × K matrix of targets", default=None)
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
        a = numbers(dist, "prediction", "a list or matrix of numbers")
        b = numbers(dist, "target", "a list or matrix of numbers")
        if a.shape != b.shape:
            raise dist.error("target", f"expected the shape of prediction {a.shape}, got {b.shape}")
        spec["distance"] = dict(prediction=a, target=b,
                                functions=listed_choices(dist, "functions", DISTANCES, DISTANCES))
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
            weights[key] = numbers(weights_t, key, "a list or matrix of numbers")
        spec["regularization"] = dict(
            weights=weights, functions=listed_choices(reg, "functions", DISTANCES, DISTANCES),
            lam=reg.number("lambda", None, ge=0) if reg.has("lambda") else None)
    return spec


def _check_probabilities(data: Table, functions, scores, preds, targets) -> None:
    """What the train kind refuses, refused here too: a cross-entropy of "probabilities"
    outside [0, 1], a BCE target outside [0, 1], a cross-entropy target row that is not a
    probability row."""
    def where(key: str, i: int, j: int) -> str:
        nested = isinstance(data.raw(key), list) and any(isinstance(v, list) for v in data.raw(key))
        return index(index(data.at(key), i), j) if nested else index(data.at(key), i)

    def refuse_outside_unit(key: str, values, what: str, fn: str) -> None:
        bad = np.argwhere((values < 0) | (values > 1))
        if len(bad):
            i, j = bad[0]
            raise ScenarioError(data.file, where(key, i, j),
                                f"expected {what} in [0, 1] for {fn}, got {values[i, j]:g}")

    for fn in functions:
        reads_preds = preds is not None and (fn == "binary_cross_entropy" or
                                             (fn == "cross_entropy" and scores is None))
        if reads_preds:
            refuse_outside_unit("predictions", preds, "a probability", fn)
        if targets is None:
            continue
        if fn == "binary_cross_entropy":
            refuse_outside_unit("targets", targets, "a target", fn)
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
