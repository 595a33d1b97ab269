"""Scenario data → TOML text (tomllib reads, it does not write).

Only what a scenario holds: tables, arrays of tables, strings, booleans, integers,
floats and (nested) arrays of those. A float printed in the file with its own decimals
(`1.50`, kept by the loader as a LiteralFloat) is written back as it was printed, so the
audit's printed precision survives the round trip.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def dumps(data: dict) -> str:
    lines: list[str] = []
    _table(data, (), lines)
    return "\n".join(lines).lstrip("\n") + "\n"


def _table(data: dict, path: tuple[str, ...], lines: list[str]) -> None:
    """Plain keys first, then sub-tables, then arrays of tables (TOML's order rule)."""
    tables, arrays = [], []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        elif _is_array_of_tables(value):
            arrays.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in tables:
        nested_only = value and all(isinstance(v, dict) or _is_array_of_tables(v) for v in value.values())
        if not nested_only:   # [model] need not be written when only [[model.layers]] follow
            lines.append("")
            lines.append(f"[{_dotted(path + (key,))}]")
        _table(value, path + (key,), lines)
    for key, items in arrays:
        for item in items:
            lines.append("")
            lines.append(f"[[{_dotted(path + (key,))}]]")
            _table(item, path + (key,), lines)


def _is_array_of_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(_key(part) for part in path)


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        literal = getattr(value, "literal", None)
        if literal is not None:
            return literal
        if not math.isfinite(value):   # the loader refuses these; write what TOML can hold
            return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        return repr(value)
    if isinstance(value, str):
        # JSON's escapes are valid in TOML; DEL is raw in JSON but must be escaped in TOML.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
