"""A new Step as every slide plan makes one, and the significant digits it is shown with:
the scenario's precision, raised where it would hide something (records/precision.py
has the rules)."""

from __future__ import annotations

import numpy as np

from stepcalc.records.precision import MAX_DIGITS, digits_for_printed, digits_to_tell_apart
from stepcalc.engine.slides.flags import non_finite
from stepcalc.records.quantity import parse_quantity
from stepcalc.records.steps import Step
from stepcalc.scenario.model import Scenario


def shown_digits(scenario: Scenario, quantity_id: str, value, before=None) -> int:
    """At least as many digits as the [expect] value of this quantity was printed with, and
    enough that every entry that changed from ``before`` (the same parameter before its
    update, the first loss) shows a change."""
    digits = scenario.precision
    whole = parse_quantity(quantity_id).whole
    for key, printed in scenario.expect.items():
        try:
            if parse_quantity(key).whole != whole:
                continue
        except ValueError:     # not a quantity id; the audit reports it
            continue
        for number, decimals in zip(printed.value.reshape(-1), printed.decimals.reshape(-1)):
            digits = max(digits, digits_for_printed(number, decimals))
    if before is not None:
        digits = digits_to_tell_apart(before, np.asarray(value), digits)
    return min(digits, MAX_DIGITS)


def new_step(scenario: Scenario, step_id, phase: str, value, *, flags=(), before=None,
             representative=None, **fields) -> Step:
    """A Step of ``value`` (kept at full precision): its non-finite entries flagged, shown
    with `shown_digits`, its first entry the one expanded unless told otherwise."""
    value = np.asarray(value)
    return Step(id=step_id, phase=phase, value=value, flags=tuple(flags) + non_finite(value),
                representative=(0,) * value.ndim if representative is None else representative,
                precision=shown_digits(scenario, str(step_id), value, before), **fields)
