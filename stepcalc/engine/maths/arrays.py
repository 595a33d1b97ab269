"""numpy helpers shared by the activations and the losses (no sympy here)."""

from __future__ import annotations

import numpy as np


def as_float_array(value, *shape_sources) -> np.ndarray:
    """A derivative that is a constant (0, 1, α) comes back as a Python scalar: broadcast it to the
    shape of the inputs so callers always get a float64 array of that shape."""
    shape = np.broadcast_shapes(*(np.shape(s) for s in shape_sources))
    out = np.asarray(value, dtype=np.float64)
    fresh = out.shape == shape and out.base is None and all(out is not s for s in shape_sources)
    if fresh:
        return out  # already a new float64 array of the right shape: no copy needed
    if out.shape != shape:
        out = np.broadcast_to(out, shape)
    return np.array(out, dtype=np.float64)  # a writable copy, never a view of an input
