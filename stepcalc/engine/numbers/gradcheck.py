"""Central-difference check of every parameter gradient of the first training step.

Three things make a central difference no test of a gradient, and each is reported as
what it is rather than as a mismatch (or as a pass):

* a non-finite gradient, loss or difference: a problem, never max(0, nan) = 0;
* a kink between θ − h and θ + h (ReLU at exactly 0, hinge at margin 0, |·| at 0): the
  forward and backward differences disagree. The gradient passes if it equals one of
  them (ReLU′(0) = 0 is the slope on one side), else the entry is "at a kink: not checked";
* a loss so large that rounding swamps the difference (eps·|L|/h): the part of the error
  within that noise is not counted, and the entry is reported as unresolved.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stepcalc.engine.numbers import network

STEP = 1e-6
MAX_ENTRIES = 24       # per parameter; large layers are spot-checked at fixed entries
ONE_SIDED_TOLERANCE = 1e-4   # one-sided differences carry an O(h·f″) error
_EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class GradCheck:
    name: str
    checked: int
    max_error: float      # max |analytic − numeric| / max(|analytic|, |numeric|, floor)
    at_kink: int = 0      # entries at a kink that matched neither side: not checked
    not_finite: int = 0   # entries whose gradient, loss or difference is nan/inf
    unresolved: int = 0   # entries whose difference is within rounding noise of the loss
    one_sided: int = 0    # entries at a kink whose gradient equals one side's slope

    def ok(self, tolerance: float = 1e-6) -> bool:
        return self.not_finite == 0 and self.max_error <= tolerance

    def notes(self) -> str:
        """What was not (fully) checked, for the report: "" when everything was."""
        parts = []
        if self.not_finite:
            parts.append(f"{self.not_finite} not finite")
        if self.one_sided:
            parts.append(f"{self.one_sided} at a kink: checked one-sided")
        if self.at_kink:
            parts.append(f"{self.at_kink} at a kink: not checked")
        if self.unresolved:
            parts.append(f"{self.unresolved} within rounding noise of the loss")
        return "; ".join(parts)


def entries_to_check(size: int, limit: int) -> np.ndarray:
    if size <= limit:
        return np.arange(size)
    return np.random.default_rng(0).choice(size, limit, replace=False)


def _objective_at(scenario, params, x, y, labels, name, flat_index, value, rows=None) -> float:
    shifted = {key: value_.copy() for key, value_ in params.items()}
    shifted[name].reshape(-1)[flat_index] = value
    return float(network.objective(scenario, shifted, x, y, labels, rows))


def numeric_gradient(scenario, params, x, y, labels, name, flat_index, rows=None) -> float:
    original = float(params[name].reshape(-1)[flat_index])
    plus = _objective_at(scenario, params, x, y, labels, name, flat_index, original + STEP, rows)
    minus = _objective_at(scenario, params, x, y, labels, name, flat_index, original - STEP, rows)
    return (plus - minus) / (2 * STEP)


def _relative(a: float, b: float, floor: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), floor)


def check_gradients(scenario, limit: int = MAX_ENTRIES, floor: float = 1e-3,
                    state=None, tolerance: float = 1e-6) -> list[GradCheck]:
    """Analytic gradients of step 1 against finite differences of loss + penalty.

    ``state`` is step 1's recorded StepState (`Trace.state(1)`): its batch, parameters and
    gradients are the ones the slides show. Without it, step 1 is computed here.
    The relative error's denominator never drops below ``floor`` so that tiny gradients
    are judged by absolute error (finite differences cannot resolve them better).
    """
    with np.errstate(all="ignore"):   # non-finite values are counted below, not warned about
        if state is None or state.grads is None:
            state = first_step(scenario)
        x, y, labels, rows = state.x, state.y, state.labels, state.rows
        params = {name: np.array(value, dtype=float) for name, value in state.params.items()}
        base = float(network.objective(scenario, params, x, y, labels, rows))
        return [_check_one(scenario, params, x, y, labels, name, state.grads[name], base, limit,
                           floor, tolerance, rows) for name in scenario.param_names]


def first_step(scenario):
    """Step 1's state, from a one-step run of the scenario."""
    from dataclasses import replace

    from stepcalc.engine.numbers.run import run_numbers

    one_step = replace(scenario, train=replace(scenario.train, steps=1))
    return run_numbers(one_step).states[0]


def _check_one(scenario, params, x, y, labels, name, gradient, base, limit, floor,
               tolerance, rows=None) -> GradCheck:
    flat = np.asarray(gradient, dtype=float).reshape(-1)
    worst, at_kink, not_finite, unresolved, one_sided = 0.0, 0, 0, 0, 0
    picked = entries_to_check(flat.size, limit)
    for index in picked:
        index = int(index)
        original = float(params[name].reshape(-1)[index])
        plus = _objective_at(scenario, params, x, y, labels, name, index, original + STEP, rows)
        minus = _objective_at(scenario, params, x, y, labels, name, index, original - STEP, rows)
        a = float(flat[index])
        if not all(np.isfinite(v) for v in (a, plus, minus, base)):
            not_finite += 1
            continue
        central = (plus - minus) / (2 * STEP)
        forward, backward = (plus - base) / STEP, (base - minus) / STEP
        if not all(np.isfinite(v) for v in (central, forward, backward)):
            not_finite += 1
            continue
        noise = 4 * _EPS * max(abs(plus), abs(minus), abs(base)) / STEP
        if abs(forward - backward) > ONE_SIDED_TOLERANCE * max(abs(forward), abs(backward), floor) \
                + 2 * noise:
            # a kink between θ − h and θ + h: only a one-sided slope can agree
            if min(_relative(a, forward, floor), _relative(a, backward, floor)) > ONE_SIDED_TOLERANCE:
                at_kink += 1
            else:
                one_sided += 1
            continue
        scale = max(abs(a), abs(central), floor)
        error = abs(a - central)
        if noise > tolerance * scale:   # rounding alone could exceed the tolerance
            unresolved += 1
            error = max(0.0, error - noise)
        worst = max(worst, error / scale)
    return GradCheck(name, len(picked), worst, at_kink, not_finite, unresolved, one_sided)
