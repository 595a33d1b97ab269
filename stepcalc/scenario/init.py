"""`[init]`: starting values for the parameters that `[params]` does not give."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .fields import Table
from .model import INIT_METHODS
from .shapes import ParamSlot, readonly

INIT_KEYS = ("method", "std", "value", "low", "high", "seed")
# Which optional keys each method reads; any other key given is a mistake worth naming.
_USES = {"zeros": (), "constant": ("value",), "normal": ("std",), "uniform": ("low", "high"),
         "xavier": (), "kaiming": ()}


@dataclass(frozen=True)
class InitSpec:
    method: str = "zeros"
    std: float = 0.01
    value: float = 0.0
    low: float = -0.05
    high: float = 0.05
    seed: int = 0


def parse_init(table: Table | None) -> InitSpec:
    if table is None:
        return InitSpec()
    table.check_keys(INIT_KEYS)
    method = table.choice("method", INIT_METHODS, "zeros")
    for key in ("std", "value", "low", "high"):
        if table.has(key) and key not in _USES[method]:
            users = [m for m, keys in _USES.items() if key in keys]
            raise table.error(key, f"{key} is only used by method = \"{users[0]}\"; "
                                   f"this [init] uses \"{method}\"")
    low = table.number("low", -0.05)
    high = table.number("high", 0.05)
    if not low < high:
        raise table.error("high", f"expected high > low ({low:g}), got {high:g}")
    return InitSpec(method=method, std=table.number("std", 0.01, ge=0.0),
                    value=table.number("value", 0.0), low=low, high=high,
                    seed=table.integer("seed", 0, low=0))


def initial_params(slots: tuple[ParamSlot, ...], spec: InitSpec,
                   given: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """All parameters in network order: the given ones, the rest from ``spec``.

    Every parameter is drawn (in network order) even when given, so the random values of
    W2 do not change when W1 is written out in `[params]`.
    """
    if all(slot.name in given for slot in slots):
        return {slot.name: given[slot.name] for slot in slots}   # nothing to draw (no rng)
    rng = np.random.default_rng(spec.seed)
    out = {}
    for slot in slots:
        drawn = _draw(slot, spec, rng)
        out[slot.name] = given[slot.name] if slot.name in given else readonly(drawn)
    return out


def _draw(slot: ParamSlot, spec: InitSpec, rng: np.random.Generator) -> np.ndarray:
    # Batch norm starts as torch does, whatever the method: γ = 1, β = 0 (no draws).
    if slot.role == "scale":
        return np.ones(slot.shape)
    if slot.role == "shift":
        return np.zeros(slot.shape)
    if spec.method == "zeros":
        return np.zeros(slot.shape)
    if spec.method == "constant":
        return np.full(slot.shape, spec.value)
    if slot.role == "bias":
        return np.zeros(slot.shape)   # random methods start biases at 0
    # Draw only the weight part; the folded bias row/column starts at 0.
    body_shape = _body_shape(slot)
    if spec.method == "uniform":
        if math.isfinite(spec.high - spec.low):
            body = rng.uniform(spec.low, spec.high, size=body_shape)
        else:   # high − low overflows (±1e308): mix the ends instead, with the same draws
            u = rng.random(size=body_shape)
            body = spec.low * (1.0 - u) + spec.high * u
    else:
        body = rng.normal(0.0, _std(slot, spec), size=body_shape)
    if slot.folded == "row":
        zeros = np.zeros((1, body.shape[1]))
        return np.vstack([body, zeros] if slot.folded_last else [zeros, body])
    if slot.folded == "column":
        zeros = np.zeros((body.shape[0], 1))
        return np.hstack([body, zeros] if slot.folded_last else [zeros, body])
    return body


def _body_shape(slot: ParamSlot) -> tuple[int, int]:
    rows, cols = slot.shape
    if slot.folded == "row":
        return rows - 1, cols
    if slot.folded == "column":
        return rows, cols - 1
    return rows, cols


def _std(slot: ParamSlot, spec: InitSpec) -> float:
    if spec.method == "xavier":
        return math.sqrt(2.0 / (slot.fan_in + slot.fan_out))
    if spec.method == "kaiming":
        return math.sqrt(2.0 / slot.fan_in)
    return spec.std
