"""Flags worth pointing at: dead ReLU units, saturated sigmoids, exact zeros, non-finite values."""

from __future__ import annotations

import numpy as np

from stepcalc.records import Flag

# Below this slope a sigmoid/tanh unit passes on less than 0.1 % of its error signal.
SATURATION_SLOPE = 1e-3


def _where(mask: np.ndarray, limit: int = 50) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(int(i) for i in idx) for idx in np.argwhere(mask)[:limit])


def non_finite(value: np.ndarray) -> tuple[Flag, ...]:
    bad = ~np.isfinite(value)
    if not bad.any():
        return ()
    return (Flag("non_finite", f"{int(bad.sum())} entries are not finite (nan or inf)", _where(bad)),)


def zero_gradient(grad: np.ndarray) -> tuple[Flag, ...]:
    zero = grad == 0
    if not zero.any():
        return ()
    if zero.all():
        return (Flag("zero_gradient", "the gradient is exactly zero: nothing here will change", _where(zero)),)
    return (Flag("zero_gradient", f"{int(zero.sum())} of {zero.size} entries are exactly zero", _where(zero)),)


def activation_flags(layer, u: np.ndarray, fprime: np.ndarray | None) -> tuple[Flag, ...]:
    flags: list[Flag] = []
    if layer.activation == "relu":
        dead_units = np.all(u <= 0, axis=0)
        for unit in np.flatnonzero(dead_units):
            flags.append(Flag(
                "dead_relu",
                f"unit {unit + 1} of {layer.post} is dead: {layer.pre} ≤ 0 for every sample, "
                f"so ReLU′ = 0 and no gradient reaches its weights",
                _where(np.broadcast_to(np.arange(u.shape[1]) == unit, u.shape)),
            ))
    if layer.activation in ("sigmoid", "tanh") and fprime is not None:
        saturated = fprime < SATURATION_SLOPE
        if saturated.any():
            flags.append(Flag(
                "saturated_sigmoid",
                f"{int(saturated.sum())} entries are saturated ({layer.activation}′ < {SATURATION_SLOPE:g}): "
                "almost no gradient flows back through them",
                _where(saturated),
            ))
    return tuple(flags)
