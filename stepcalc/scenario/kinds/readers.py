"""Readers shared by the kinds' validation: numbers, per-feature vectors, lists of choices."""

from __future__ import annotations

from typing import Any

import numpy as np

from stepcalc.errors import ScenarioError

from ..fields import REQUIRED, Table, index, listed_choices, one_of  # noqa: F401  (listed_choices: re-exported)
from ..model import ACTIVATION_NAMES
from ..shapes import matrix, readonly, to_array

# The activations a kind may apply entry by entry (softmax needs a whole vector).
ELEMENTWISE = tuple(a for a in ACTIVATION_NAMES if a != "softmax")


def numbers(table: Table, key: str, what: str, *, ndim: tuple[int, ...] = (1, 2),
            default: Any = REQUIRED) -> np.ndarray | None:
    """A flat list or matrix of finite numbers (float64, read-only)."""
    value = table.raw(key, default, what)
    if value is None:
        return None
    arr, _ = matrix(value, table.at(key), table.file, what)
    if arr.ndim not in ndim:
        raise table.error(key, f"expected {what}, got a {'×'.join(map(str, arr.shape))} array")
    return readonly(np.array(arr, dtype=np.float64))


def vector_or_scalar(table: Table, key: str, size: int, default: float) -> np.ndarray:
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


