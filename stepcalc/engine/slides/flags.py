"""Flags worth pointing at: dead ReLU units, saturated sigmoids, exact zeros, non-finite values."""

from __future__ import annotations

import numpy as np

from stepcalc.engine.maths.activations import SATURATION_THRESHOLD
from stepcalc.records.flags import Flag, FlagKind

SATURATING = ("sigmoid", "tanh")


def _where(mask: np.ndarray, limit: int = 50) -> tuple[tuple[int, ...], ...]:
    """The first few flagged entries (a flag's message carries the full count)."""
    flat = mask.reshape(-1)
    hits = np.flatnonzero(flat[:4096])[:limit]
    if hits.size < limit and flat.size > 4096:
        hits = np.flatnonzero(flat)[:limit]
    return tuple(tuple(int(i) for i in np.unravel_index(h, mask.shape)) for h in hits)


def non_finite(value: np.ndarray) -> tuple[Flag, ...]:
    bad = ~np.isfinite(value)
    if not bad.any():
        return ()
    return (Flag(FlagKind.NON_FINITE, f"{int(bad.sum())} entries are not finite (nan or inf)", _where(bad)),)


def zero_gradient(grad: np.ndarray) -> tuple[Flag, ...]:
    zero = grad == 0
    if not zero.any():
        return ()
    if zero.all():
        return (Flag(FlagKind.ZERO_GRADIENT, "the gradient is exactly zero: nothing here will change", _where(zero)),)
    return (Flag(FlagKind.ZERO_GRADIENT, f"{int(zero.sum())} of {zero.size} entries are exactly zero", _where(zero)),)


def activation_flags(layer, u: np.ndarray, fprime: np.ndarray | None) -> tuple[Flag, ...]:
    flags: list[Flag] = []
    if layer.activation == "relu":
        dead_units = np.all(u <= 0, axis=0)
        for unit in np.flatnonzero(dead_units):
            flags.append(Flag(
                FlagKind.DEAD_RELU,
                f"unit {unit + 1} of {layer.post} is dead: {layer.pre} ≤ 0 for every sample, "
                f"so ReLU′ = 0 and no gradient reaches its weights",
                _where(np.broadcast_to(np.arange(u.shape[1]) == unit, u.shape)),
            ))
    if layer.activation in SATURATING and fprime is not None:
        saturated = fprime < SATURATION_THRESHOLD
        if saturated.any():
            flags.append(Flag(
                FlagKind.SATURATED_SIGMOID,
                f"{int(saturated.sum())} entries are saturated ({layer.activation}′ < {SATURATION_THRESHOLD:g}): "
                "almost no gradient flows back through them",
                _where(saturated),
            ))
    return tuple(flags)


def _identical_groups(columns: np.ndarray) -> list[list[int]]:
    """Groups (of two or more) of identical columns, in column order.

    Columns are first bucketed by a random projection (one mat-vec), and only columns that
    share a bucket are compared exactly: a 1024 × 256 batch must not cost a sort of rows.
    """
    if columns.shape[1] < 2:
        return []
    # Any fixed vector with no simple relation between its entries will do (identical
    # columns always share a bucket; the exact comparison below decides). Not
    # np.random: importing it costs a cold export ~20 ms.
    probe = np.sin(np.arange(1, columns.shape[0] + 1) * 2.718281828459045) + 1.6180339887498949
    finite = np.isfinite(columns).all(axis=0)   # nan/inf units are flagged non_finite instead
    with np.errstate(over="ignore", invalid="ignore"):
        fingerprint = probe @ columns
    _, inverse, counts = np.unique(fingerprint, return_inverse=True, return_counts=True)
    groups = []
    for bucket in np.flatnonzero(counts > 1):
        members = [m for m in np.flatnonzero(inverse == bucket).tolist() if finite[m]]
        while len(members) > 1:
            first, rest = members[0], members[1:]
            # `first` always leaves the list: with a nan column array_equal(c, c) is False,
            # and the loop never ended (lr = 1e308 hung the CLI).
            same = [first] + [m for m in rest
                              if np.array_equal(columns[:, first], columns[:, m], equal_nan=True)]
            if len(same) > 1:
                groups.append(same)
            taken = set(same)   # a set: a zero-initialised layer is one bucket of every unit
            members = [m for m in rest if m not in taken]
    return sorted(groups)


def _units_text(group: list[int]) -> str:
    names = [str(u + 1) for u in group]
    return ", ".join(names[:-1]) + " and " + names[-1]


def symmetric_units(layer, u: np.ndarray) -> tuple[Flag, ...]:
    """Hidden units whose pre-activations are identical for every sample of the batch."""
    u = np.atleast_2d(u)
    flags = []
    for group in _identical_groups(u):
        flags.append(Flag(
            FlagKind.SYMMETRIC_UNITS,
            f"units {_units_text(group)} of {layer.pre} are identical for every sample: they receive "
            "identical gradients, so gradient descent cannot tell them apart (the symmetry problem)",
            _where(np.broadcast_to(np.isin(np.arange(u.shape[1]), group), u.shape)),
        ))
    return tuple(flags)


def symmetric_weights(layer, W: np.ndarray, bias: np.ndarray | None, row: bool) -> tuple[Flag, ...]:
    """Hidden units with identical incoming weights (and biases): they stay identical."""
    incoming = np.asarray(W, dtype=float) if row else np.asarray(W, dtype=float).T   # in × units
    if bias is not None:
        incoming = np.vstack([incoming, np.asarray(bias, dtype=float).reshape(1, -1)])
    flags = []
    for group in _identical_groups(incoming):
        mask = np.isin(np.arange(incoming.shape[1]), group)
        mask = np.broadcast_to(mask, np.shape(W)) if row else np.broadcast_to(mask[:, None], np.shape(W))
        flags.append(Flag(
            FlagKind.SYMMETRIC_UNITS,
            f"units {_units_text(group)} of {layer.pre} still have identical incoming weights"
            + (" and biases" if bias is not None else "")
            + ": they will compute the same values and get the same updates again",
            _where(mask),
        ))
    return tuple(flags)
