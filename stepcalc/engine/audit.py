"""Audit of printed values: compare `[expect]` numbers with the exact ones.

A printed value matches when the exact value rounds to it at the number of decimals it
was printed with (0.4105 must round-match to 4 decimals). A mismatch gets the most
likely cause this module can tell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stepcalc.errors import ScenarioError
from stepcalc.scenario.model import Printed, Scenario


@dataclass(frozen=True)
class Mismatch:
    element: tuple[int, ...]
    printed: float
    exact: float
    decimals: int
    cause: str = ""


@dataclass(frozen=True)
class AuditEntry:
    id: str
    printed: np.ndarray
    exact: np.ndarray
    decimals: np.ndarray
    mismatches: tuple[Mismatch, ...]

    @property
    def ok(self) -> bool:
        return not self.mismatches


def tolerance(decimals: np.ndarray, printed: np.ndarray) -> np.ndarray:
    # Half a unit in the last printed place, plus float noise of the printed number itself.
    return 0.5 * 10.0 ** (-decimals.astype(float)) * (1 + 1e-9) + 1e-12 * np.abs(printed)


def matches(exact: np.ndarray, printed: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    return np.abs(exact - printed) <= tolerance(decimals, printed)


def likely_cause(exact: float, printed: float, decimals: int) -> str:
    tol = 0.5 * 10.0 ** (-decimals) * (1 + 1e-9)
    if exact != 0 and abs(-exact - printed) <= tol:
        return "sign flipped"
    scale = 10.0 ** decimals
    if abs(np.trunc(exact * scale) / scale - printed) <= 1e-12 + 1e-9 * abs(printed):
        return "truncated instead of rounded"
    return ""


def shaped(scenario: Scenario, key: str, printed: Printed, exact: np.ndarray):
    """Printed values in the exact value's shape (a flat list for a 1 × n row is fine)."""
    if printed.value.size != exact.size:
        raise ScenarioError(scenario.file, f'expect."{key}"',
                            f"expected {exact.size} numbers shaped {exact.shape}, got shape {printed.value.shape}")
    return printed.value.reshape(exact.shape), printed.decimals.reshape(exact.shape)


def audit(scenario: Scenario, values: dict[str, np.ndarray]) -> list[AuditEntry]:
    entries = []
    for key, printed in scenario.expect.items():
        if key not in values:
            known = ", ".join(sorted(values)[:40])
            raise ScenarioError(scenario.file, f'expect."{key}"', f"unknown quantity id; known ids: {known}")
        exact = np.asarray(values[key], dtype=float)
        value, decimals = shaped(scenario, key, printed, exact)
        ok = matches(exact, value, decimals)
        mismatches = tuple(
            Mismatch(idx, float(value[idx]), float(exact[idx]), int(decimals[idx]),
                     likely_cause(float(exact[idx]), float(value[idx]), int(decimals[idx])))
            for idx in np.ndindex(exact.shape) if not ok[idx]
        )
        entries.append(AuditEntry(key, value, exact, decimals, mismatches))
    return entries
