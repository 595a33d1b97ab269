"""Numbers from TOML lists: rectangular float64 arrays, and the shapes parameters must have."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from stepcalc.errors import ScenarioError

from .fields import as_number, describe, index
from .model import Model

_NUMBER_TYPES = (int, float)


def readonly(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def to_array(value: Any, path: str, file: str) -> tuple[np.ndarray, bool]:
    """A number or a rectangular nested list → (float64 array, whether all were TOML ints).

    Rows of plain numbers are converted by numpy in one go (a 1024×784 batch must load
    quickly); only a bad row is walked element by element to name the culprit.
    """
    if not isinstance(value, list):
        return np.array(float(as_number(value, path, file))), type(value) is int
    if not value:
        raise ScenarioError(file, path, "expected a non-empty list of numbers, got []")
    types = set(map(type, value))
    if all(issubclass(t, _NUMBER_TYPES) and t is not bool for t in types):
        return _row(value, path, file), types == {int}
    parts = []
    all_int = True
    for i, item in enumerate(value):
        arr, ints = to_array(item, index(path, i), file)
        if i and arr.shape != parts[0].shape:
            raise ScenarioError(
                file, index(path, i),
                f"expected {_shape_words(parts[0].shape)} like the "
                f"{'rows' if parts[0].ndim else 'elements'} before, got {_shape_words(arr.shape)}")
        parts.append(arr)
        all_int = all_int and ints
    return np.stack(parts), all_int


def _row(value: list, path: str, file: str) -> np.ndarray:
    try:
        arr = np.array(value, dtype=np.float64)
    except OverflowError:   # an integer beyond float range: let as_number name it
        arr = None
    if arr is None or not np.isfinite(arr).all():
        for i, item in enumerate(value):
            as_number(item, index(path, i), file)
    return arr


def _shape_words(shape: tuple[int, ...]) -> str:
    if not shape:
        return "a number"
    if len(shape) == 1:
        return f"{shape[0]} numbers" if shape[0] != 1 else "1 number"
    return "a " + "×".join(map(str, shape)) + " array"


def shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape)) if shape else "a single number"


def matrix(value: Any, path: str, file: str, what: str) -> tuple[np.ndarray, bool]:
    """A flat list or a matrix (at most 2-D), non-empty."""
    if not isinstance(value, list):
        raise ScenarioError(file, path, f"expected {what}, got {describe(value)}")
    arr, all_int = to_array(value, path, file)
    if arr.ndim > 2:
        raise ScenarioError(file, path, f"expected {what}, got a {shape_text(arr.shape)} array")
    return arr, all_int


# -- parameter shapes ---------------------------------------------------------------------

@dataclass(frozen=True)
class ParamSlot:
    """One parameter of the model and the shape it must have."""

    name: str
    role: str                 # "weights" | "bias" | "scale" (batchnorm γ) | "shift" (β)
    layer: int                # 0-based layer index
    shape: tuple[int, ...]
    fan_in: int               # inputs of the layer, without the folded 1
    fan_out: int              # units of the layer
    folded: str               # where the folded bias sits: "" | "row" | "column"
    folded_last: bool = False  # the folded bias is the last row/column, not the first


def param_slots(model: Model) -> tuple[ParamSlot, ...]:
    """Every parameter in network order (W1, b1, W2, b2 ...)."""
    slots = []
    fan_in = model.n_inputs
    extra = 1 if model.bias == "folded" else 0
    last = model.bias_position == "last"
    for i, layer in enumerate(model.layers):
        n_in, n_out = fan_in + extra, layer.units
        if layer.type == "batchnorm":
            slots.append(ParamSlot(layer.weights, "scale", i, (n_out,), fan_in, n_out, ""))
            slots.append(ParamSlot(layer.bias_name, "shift", i, (n_out,), fan_in, n_out, ""))
        elif layer.dense:
            shape = (n_in, n_out) if model.convention == "row" else (n_out, n_in)
            folded = model.convention if extra else ""
            slots.append(ParamSlot(layer.weights, "weights", i, shape, fan_in, n_out, folded,
                                   bool(extra) and last))
            if layer.bias_name:
                slots.append(ParamSlot(layer.bias_name, "bias", i, (n_out,), fan_in, n_out, ""))
        fan_in = n_out
    return tuple(slots)


def fit_param(value: Any, slot: ParamSlot, convention: str, path: str,
              file: str) -> np.ndarray:
    """The given value in the slot's shape, or an error saying which shape was expected."""
    arr, _ = to_array(value, path, file)
    if slot.role != "weights":
        # A bias may be written flat, as a column (out×1) or as a row (1×out).
        if arr.size == slot.fan_out and (arr.ndim <= 1 or (arr.ndim == 2 and 1 in arr.shape)):
            return readonly(arr.reshape(slot.shape).copy())
        raise ScenarioError(file, path, f"expected {slot.fan_out} numbers (one per unit of "
                                        f"layer {slot.layer + 1}), got {shape_text(arr.shape)}")
    if arr.shape == slot.shape:
        return readonly(arr)
    # When one side is 1 a flat list is unambiguous: [0.5, -0.2] for a 1×2 matrix.
    if arr.ndim <= 1 and 1 in slot.shape and arr.size == max(slot.shape) * min(slot.shape):
        return readonly(arr.reshape(slot.shape).copy())
    rows, cols = ("in", "out") if convention == "row" else ("out", "in")
    folded = f"; in counts the folded bias {slot.folded}" if slot.folded else ""
    if slot.folded:
        folded += " (the last one)" if slot.folded_last else " (the first one)"
    hint = " (transposed?)" if arr.shape == slot.shape[::-1] else ""
    raise ScenarioError(
        file, path,
        f"expected a {shape_text(slot.shape)} matrix ({rows} × {cols}, {convention} "
        f"convention{folded}), got {shape_text(arr.shape)}{hint}")
