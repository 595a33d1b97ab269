"""`[data]`: inputs x (N × D) and targets y (N × K), with class labels when y names classes."""

from __future__ import annotations

import numpy as np

from stepcalc.errors import ScenarioError

from .fields import REQUIRED, Table, index, show_number
from .model import Layer
from .shapes import matrix, readonly, shape_text

DATA_KEYS = ("x", "y")
# Losses whose flat integer targets are always class indices, even with one output unit.
CLASS_LOSSES = ("cross_entropy", "hinge")
# Tolerance for "this row of targets sums to 1" (probability targets for softmax).
PROB_TOL = 1e-6


def parse_inputs(table: Table) -> np.ndarray:
    """x as rows of samples; a flat list is N samples of one feature."""
    x, _ = matrix(table.raw("x", REQUIRED, "a list of samples"), table.at("x"), table.file,
                  "a list of rows (samples) or a flat list of numbers")
    return readonly(x.reshape(len(x), -1) if x.ndim == 1 else x)


def parse_targets(table: Table, n: int, output: Layer,
                  loss: str) -> tuple[np.ndarray, np.ndarray | None]:
    """(y, labels), read according to the output layer and the loss (see DESIGN.md).

    * flat ints for a classifier → class indices: ``labels`` = them, ``y`` = one-hot N×K;
    * flat numbers (or ints for a 1-unit regression / binary_cross_entropy) → N×1 targets;
    * an N×K matrix → targets as given; ``labels`` = argmax when it is exactly one-hot.
    """
    path, file, k = table.at("y"), table.file, output.units
    what = "class indices, an N×K matrix or a flat list of targets"
    raw, is_int = matrix(table.raw("y", REQUIRED, what), path, file, what)
    if raw.shape[0] != n:
        raise ScenarioError(file, path, f"expected {n} samples like data.x, "
                                        f"got {raw.shape[0]}")
    labels = None
    if raw.ndim == 2:
        if raw.shape[1] != k:
            raise ScenarioError(file, path, f"expected {k} targets per sample (the output "
                                            f"layer has {k} units), got {shape_text(raw.shape)}")
        y = raw
        if k >= 2 and _is_one_hot(y):
            labels = y.argmax(axis=1)
    elif is_int and loss != "binary_cross_entropy" and (k > 1 or loss in CLASS_LOSSES):
        labels = raw.astype(np.int64)
        for i, c in enumerate(labels):
            if not 0 <= c < k:
                raise ScenarioError(file, index(path, i),
                                    f"expected a class index in 0..{k - 1} (the output "
                                    f"layer has {k} units), got {c}")
        y = np.eye(k)[labels]
    else:
        if k != 1:
            hint = (f"for multi-label targets write an N×{k} matrix of 0 and 1"
                    if loss == "binary_cross_entropy" else "write class indices as integers")
            raise ScenarioError(file, path, f"expected {k} targets per sample (the output "
                                            f"layer has {k} units), got one number per "
                                            f"sample; {hint}")
        y = raw.reshape(n, 1)
    _check_target_values(y, labels, raw.ndim, output, loss, path, file)
    return (readonly(np.ascontiguousarray(y, dtype=np.float64)),
            None if labels is None else readonly(labels))


def _is_one_hot(y: np.ndarray) -> bool:
    return bool(np.isin(y, (0.0, 1.0)).all() and (y.sum(axis=1) == 1).all())


def _check_target_values(y: np.ndarray, labels, ndim: int, output: Layer, loss: str,
                         path: str, file: str) -> None:
    def where(i: int, j: int) -> str:
        return index(index(path, i), j) if ndim == 2 else index(path, i)

    if loss == "binary_cross_entropy":
        bad = np.argwhere((y < 0) | (y > 1))
        if len(bad):
            i, j = bad[0]
            raise ScenarioError(file, where(i, j), "expected a target in [0, 1] for "
                                f"binary_cross_entropy, got {show_number(y[i, j])}")
    if output.activation == "softmax" and labels is None:
        for i, row in enumerate(y):
            if (row < 0).any() or abs(row.sum() - 1) > PROB_TOL:
                raise ScenarioError(file, index(path, i), "expected a probability row "
                                    "(numbers >= 0 that sum to 1) to compare with a softmax "
                                    "output, or class indices")
    if loss == "hinge" and labels is None:
        raise ScenarioError(file, path, "hinge needs class labels: class indices (integers) "
                                        "or one-hot rows")
