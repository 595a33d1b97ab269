"""`[expect]`: numbers as a source document printed them, with their printed decimals."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from stepcalc.errors import ScenarioError

from .fields import Table, describe
from .model import Printed
from .shapes import readonly, to_array

# An id, then optionally one entry, 1-based as displayed: "grad.w[1][2]".
_ID = re.compile(r"[A-Za-z0-9_.]+(\[[1-9][0-9]{0,5}\]){0,4}")
# The longest real id is "step100000." + "grad." + a 32-character name (+ its indices).
ID_MAX = 80


class LiteralFloat(float):
    """A TOML float that remembers how it was written ("1.50" keeps its two decimals)."""

    __slots__ = ("literal",)


def parse_toml_float(text: str) -> float:
    """``parse_float`` hook for tomllib, so the audit compares at the printed precision.

    Only literals whose decimals ``repr`` could get wrong are kept as LiteralFloat
    (trailing zeros: 1.50; exponents: 1.0e-2; more than 15 digits); any other literal
    of at most 15 significant digits round-trips through repr unchanged, and plain
    floats keep the parse of a 1024×784 batch fast.
    """
    if text[-1] == "0" or "e" in text or "E" in text or len(text) > 15:
        out = LiteralFloat(text)
        out.literal = text
        return out
    return float(text)


def decimals(value: int | float) -> int:
    """Digits after the decimal point as printed: 0.4105 → 4, 1.0 → 1, 2.8e-11 → 12."""
    if isinstance(value, int):
        return 0
    text = getattr(value, "literal", None) or repr(float(value))
    text = text.replace("_", "").lower().lstrip("+-")
    mantissa, _, exponent = text.partition("e")
    places = len(mantissa.partition(".")[2])
    return max(0, places - int(exponent or 0))


def _decimals_tree(value: Any) -> Any:
    if isinstance(value, list):
        return [_decimals_tree(item) for item in value]
    return decimals(value)


def parse_expect(table: Table | None) -> dict[str, Printed]:
    """Only the form is checked here; the engine knows which quantity ids exist."""
    if table is None:
        return {}
    out: dict[str, Printed] = {}
    for key, value in table.data.items():
        path = table.at(key)
        if len(key) > ID_MAX or not _ID.fullmatch(key):
            raise ScenarioError(table.file, path, 'expected a quantity id made of letters, '
                                f'digits, _ and . (at most {ID_MAX} characters, like "grad.w" '
                                'or "step2.loss"), optionally one entry, 1-based: "grad.w[1][2]"')
        if not isinstance(value, (list, int, float)) or isinstance(value, bool):
            raise ScenarioError(table.file, path,
                                f"expected a number or a list of numbers, got {describe(value)}")
        arr, _ = to_array(value, path, table.file)
        places = np.array(_decimals_tree(value), dtype=np.int64).reshape(arr.shape)
        out[key] = Printed(value=readonly(arr), decimals=readonly(places))
    return out

