"""One BLAS thread while small matrices are multiplied.

A minibatch step multiplies 32 × 128 by 128 × 128: microseconds of arithmetic, while
OpenBLAS's worker threads wake up and synchronise on every call. On a loaded 2-core machine
that made an epoch 10× slower than single-threaded. ``single_thread()`` sets the OpenBLAS
that numpy loaded to one thread for a block and restores the count afterwards (what
threadpoolctl does, without the dependency); with another BLAS it does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
from functools import lru_cache
from typing import Iterator

# OpenBLAS builds prefix their symbols differently (numpy's wheels: scipy_openblas, 64-bit ints).
_PREFIXES = (("scipy_openblas_", "64_"), ("openblas_", "64_"), ("openblas_", ""), ("scipy_openblas_", ""))


@lru_cache(maxsize=1)
def _controls():
    """(get, set) of numpy's OpenBLAS thread count, or None."""
    import numpy as np

    folder = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in sorted(glob.glob(os.path.join(folder, "*openblas*"))):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for head, tail in _PREFIXES:
            get = getattr(lib, f"{head}get_num_threads{tail}", None)
            put = getattr(lib, f"{head}set_num_threads{tail}", None)
            if get is not None and put is not None:
                get.restype = ctypes.c_int
                put.argtypes = [ctypes.c_int]
                return get, put
    return None


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    controls = _controls()
    if controls is None:
        yield
        return
    get, put = controls
    before = get()
    put(1)
    try:
        yield
    finally:
        put(before)
