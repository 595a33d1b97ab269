"""Scenarios built in Python: `stepcalc.scenario(title=..., x=array, layers=[...], ...)`.

The keyword arguments are put where a scenario file has them (``x`` and ``y`` in
``[data]``, ``layers`` in ``[model]`` …), numpy arrays become plain lists, and the result
is validated by the very code that validates a file: the same errors, the same key paths.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .loader import load_data
from .model import Scenario

# keyword → (table, key) in the file; every other keyword is a top-level key or table.
_PLACES = {
    "x": ("data", "x"),
    "y": ("data", "y"),
    "layers": ("model", "layers"),
    "convention": ("model", "convention"),
    "bias": ("model", "bias"),
    "bias_position": ("model", "bias_position"),
    "precision": ("display", "precision"),
}

BUILDER_FILE = "<stepcalc.scenario>"


def build(**fields: Any) -> Scenario:
    """A validated Scenario from keyword arguments shaped like a scenario file."""
    data: dict[str, Any] = {}
    for key, value in fields.items():
        value = plain(value)
        if key in _PLACES:
            table, inner = _PLACES[key]
            data.setdefault(table, {})
            if not isinstance(data[table], dict):
                data[table] = {}   # validation below names the conflict with the given table
            data[table][inner] = value
        elif key in data and isinstance(data[key], dict) and isinstance(value, dict):
            data[key] = {**value, **data[key]}   # data=dict(...) given along with x=...
        else:
            data[key] = value
    return load_data(data, BUILDER_FILE)


def plain(value: Any) -> Any:
    """numpy arrays and scalars → lists, floats and ints, as TOML would have given them."""
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
