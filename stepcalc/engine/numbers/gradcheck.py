"""Central-difference check of every parameter gradient of the first training step."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stepcalc.engine.numbers import network

STEP = 1e-6
MAX_ENTRIES = 24       # per parameter; large layers are spot-checked at fixed entries


@dataclass(frozen=True)
class GradCheck:
    name: str
    checked: int
    max_error: float      # max |analytic − numeric| / max(|analytic|, |numeric|, floor)

    def ok(self, tolerance: float = 1e-6) -> bool:
        return self.max_error <= tolerance


def entries_to_check(size: int, limit: int) -> np.ndarray:
    if size <= limit:
        return np.arange(size)
    return np.random.default_rng(0).choice(size, limit, replace=False)


def numeric_gradient(scenario, params, x, y, labels, name, flat_index) -> float:
    shifted = {key: value.copy() for key, value in params.items()}
    target = shifted[name].reshape(-1)
    original = target[flat_index]
    target[flat_index] = original + STEP
    plus = network.objective(scenario, shifted, x, y, labels)
    target[flat_index] = original - STEP
    minus = network.objective(scenario, shifted, x, y, labels)
    return (plus - minus) / (2 * STEP)


def check_gradients(scenario, limit: int = MAX_ENTRIES, floor: float = 1e-3,
                    state=None) -> list[GradCheck]:
    """Analytic gradients of step 1 against central differences of loss + penalty.

    ``state`` is step 1's recorded StepState (`Trace.state(1)`): its batch, parameters and
    gradients are the ones the slides show. Without it, step 1 is computed here.
    The relative error's denominator never drops below ``floor`` so that tiny gradients
    are judged by absolute error (finite differences cannot resolve them better).
    """
    if state is None or state.grads is None:
        state = first_step(scenario)
    x, y, labels = state.x, state.y, state.labels
    params = {name: np.array(value, dtype=float) for name, value in state.params.items()}
    analytic = state.grads
    results = []
    for name in scenario.param_names:
        flat = np.asarray(analytic[name]).reshape(-1)
        worst = 0.0
        picked = entries_to_check(flat.size, limit)
        for index in picked:
            numeric = numeric_gradient(scenario, params, x, y, labels, name, int(index))
            a = float(flat[index])
            error = abs(a - numeric) / max(abs(a), abs(numeric), floor)
            worst = max(worst, error)
        results.append(GradCheck(name, len(picked), worst))
    return results


def first_step(scenario):
    """Step 1's state, from a one-step run of the scenario."""
    from dataclasses import replace

    from stepcalc.engine.numbers.run import run_numbers

    one_step = replace(scenario, train=replace(scenario.train, steps=1))
    return run_numbers(one_step).states[0]
