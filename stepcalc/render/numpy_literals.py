"""Python literals of numbers and arrays at full precision, for the `export -f numpy` script
(used by the frame and by both calculation writers, so they share no import circle)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np


def array(value: Any) -> str:
    """A numpy literal of ``value`` at full precision: np.array([[1.5, 0.2]])."""
    return f"np.array({json.dumps(np.asarray(value, dtype=float).tolist())})"


def number(value: float) -> str:
    return repr(float(value))
