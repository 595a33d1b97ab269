"""Trace → JSON: {"generator", "title", "steps": [{id, phase, title, latex, value, flags}],
"values": {id: …}}.

Floats keep full precision (json writes repr); non-finite numbers become null (the step's
flags say so). "generator": "stepcalc" comes first: it is how `export -o` recognises a file
it wrote.
"""

from __future__ import annotations

import json
import math

import numpy as np

from stepcalc.render.flags import flag_message
from stepcalc.render.marks import GENERATOR
from stepcalc.render.printing import to_latex
from stepcalc.records.steps import Trace


def plain(value):
    """numpy → nested lists of Python floats; nan/inf → None (JSON has no such numbers)."""
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        number = float(array)
        return number if math.isfinite(number) else None
    return [plain(row) for row in array]




def trace_dict(trace: Trace) -> dict:
    precision = trace.scenario.precision
    return {
        "generator": GENERATOR,
        "title": trace.scenario.title,
        "steps": [_step_dict(step, precision) for step in trace.steps],
        "values": {key: plain(value) for key, value in trace.values.items()},
    }


def _step_dict(step, precision: int, raw: bool = False) -> dict:
    """One step as JSON data; ``raw`` keeps its arrays as numpy (for the streaming encoder)."""
    plain_ = (lambda v: np.asarray(v, dtype=float)) if raw else plain
    out = {
        "id": step.id,
        "phase": step.phase,
        "title": step.title,
        "latex": to_latex(step.formula, step.precision) if step.formula is not None else "",
        "value": plain_(step.value),
        # What is worth pointing at: dead units, non-finite values, divergence, mismatches.
        "flags": [{"kind": f.kind.value, "message": flag_message(f)} for f in step.flags],
    }
    table = getattr(step, "table", None)
    if table is not None:   # only the non-train kinds have tables: train output is unchanged
        out["table"] = {"rows": list(table.row_labels), "columns": list(table.column_labels),
                        "corner": table.corner, "values": plain_(table.values)}
        if table.plot:
            out["table"]["plot"] = table.plot
    return out


def render_json(trace: Trace) -> str:
    return "".join(iter_json(trace))


# A JSON export holding more numbers than this is refused unless asked for (about 20
# bytes each: 10 M numbers is ~200 MB of text), like the Markdown export elides large arrays.
MAX_NUMBERS = 10_000_000


def number_count(trace: Trace) -> int:
    """How many numbers the JSON export of ``trace`` holds (counted before writing any)."""
    count = sum(int(np.size(v)) for v in trace.values.values())
    for step in trace.steps:
        count += int(np.size(step.value))
        table = getattr(step, "table", None)
        if table is not None:
            count += int(np.size(table.values))
    return count


def iter_json(trace: Trace):
    """The same text as ``json.dumps(trace_dict(trace), indent=1)`` + newline, in pieces.

    Arrays are written a row at a time straight from numpy, never as one nested list or
    one string: the peak memory is a small multiple of the largest array's rows.
    """
    precision = trace.scenario.precision
    document = {"generator": GENERATOR, "title": trace.scenario.title,
                "steps": _LazySteps(trace.steps, precision),
                "values": {key: np.asarray(value, dtype=float) for key, value in trace.values.items()}}
    yield from _encode(document, 0)
    yield "\n"


class _LazySteps(list):
    """The steps list, each step's dict made only when the encoder reaches it."""

    def __init__(self, steps, precision):
        super().__init__()
        self.steps, self.precision = steps, precision

    def items(self):
        return (_step_dict(step, self.precision, raw=True) for step in self.steps)

    def __len__(self):
        return len(self.steps)


def _encode(obj, depth: int):
    """json's indent=1 layout, as a generator (numpy arrays encoded row by row)."""
    inner = "\n" + " " * (depth + 1)
    if isinstance(obj, dict):
        if not obj:
            yield "{}"
            return
        for number, (key, value) in enumerate(obj.items()):
            yield ("{" if number == 0 else ",") + inner + json.dumps(key) + ": "
            yield from _encode(value, depth + 1)
        yield "\n" + " " * depth + "}"
    elif isinstance(obj, _LazySteps):
        if not len(obj):
            yield "[]"
            return
        for number, item in enumerate(obj.items()):
            yield ("[" if number == 0 else ",") + inner
            yield from _encode(item, depth + 1)
        yield "\n" + " " * depth + "]"
    elif isinstance(obj, (np.ndarray, np.generic)):
        yield from _encode_array(np.asarray(obj, dtype=float), depth)
    elif isinstance(obj, list):
        yield json.dumps(obj, indent=1, allow_nan=False).replace("\n", "\n" + " " * depth)
    else:
        yield json.dumps(obj, allow_nan=False)


def _encode_array(array: np.ndarray, depth: int):
    if array.ndim == 0:
        yield json.dumps(plain(array))
        return
    if array.shape[0] == 0:
        yield "[]"
        return
    inner = "\n" + " " * (depth + 1)
    if array.ndim == 1:   # one row: its numbers as json writes them (repr, nan/inf → null)
        yield "[" + inner + ("," + inner).join(
            "null" if number is None else repr(number) for number in plain(array)) + \
            "\n" + " " * depth + "]"
        return
    for number, row in enumerate(array):
        yield ("[" if number == 0 else ",") + inner
        yield from _encode_array(row, depth + 1)
    yield "\n" + " " * depth + "]"
