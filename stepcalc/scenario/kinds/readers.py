"""Readers shared by the kinds' validation: numbers, per-feature vectors, lists of choices."""

from __future__ import annotations

from typing import Any

import numpy as np

from stepcalc.errors import ScenarioError

from ..fields import REQUIRED, Table, canonical_choice, choice_problem, index, one_of
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


def listed_choices(table: Table, key: str, choices: tuple[str, ...], default: tuple[str, ...]) -> tuple[str, ...]:
    typed = table.strings(key, default if default is REQUIRED else list(default))
    if not typed:
        raise table.error(key, f"expected at least one of {one_of(choices)}, got []")
    names = [canonical_choice(name, choices) for name in typed]
    for i, name in enumerate(names):
        if name is None:
            raise ScenarioError(table.file, index(table.at(key), i), choice_problem(typed[i], choices))
        if name in names[:i]:
            raise ScenarioError(table.file, index(table.at(key), i), f'"{name}" is listed twice')
    return tuple(names)
