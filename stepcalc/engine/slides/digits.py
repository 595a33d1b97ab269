"""The significant digits a Step is shown with: the scenario's precision, raised where it
would hide something (records/precision.py has the rules)."""

from __future__ import annotations

import numpy as np

from stepcalc.records.precision import MAX_DIGITS, digits_for_printed, digits_to_tell_apart
from stepcalc.records.quantity import parse_quantity
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
