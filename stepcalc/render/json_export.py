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


def _step_dict(step, precision: int) -> dict:
    out = {
        "id": step.id,
        "phase": step.phase,
        "title": step.title,
        "latex": to_latex(step.formula, precision) if step.formula is not None else "",
        "value": plain(step.value),
        # What is worth pointing at: dead units, non-finite values, divergence, mismatches.
        "flags": [{"kind": f.kind.value, "message": flag_message(f)} for f in step.flags],
    }
    table = getattr(step, "table", None)
    if table is not None:   # only the non-train kinds have tables: train output is unchanged
        out["table"] = {"rows": list(table.row_labels), "columns": list(table.column_labels),
                        "corner": table.corner, "values": plain(table.values)}
    return out


def render_json(trace: Trace) -> str:
    return json.dumps(trace_dict(trace), indent=1, allow_nan=False) + "\n"
