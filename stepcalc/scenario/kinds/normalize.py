"""kind = "normalize": the fields, validated into ``Scenario.spec`` (read-only values).

```toml
[data]
pixels    = [[0, 64, 128], [191, 255, 32]]   # a flat list or a matrix
max_value = 255                              # default 255
[normalize]
methods = ["unit", "symmetric", "zscore"]    # default all three
mean    = 0.5     # optional z-score mean (default: mean of the pixels)
std     = 0.5     # optional z-score std (default: population std of the pixels)
```
Quantity ids: ``x``; ``unit`` = x / max ([0, 1]); ``symmetric`` = x / (max/2) − 1 ([−1, 1]);
``mu``, ``sigma`` and ``zscore`` = (x − μ)/σ.
"""

from __future__ import annotations

import numpy as np

from ..fields import Table
from .readers import listed_choices, numbers

KEYS = ("data", "normalize")
NORMALIZE_METHODS = ("unit", "symmetric", "zscore")


def parse(root: Table) -> dict:
    data = root.table("data", required=True)
    data.check_keys(("pixels", "max_value"))
    pixels = numbers(data, "pixels", "a list or matrix of pixel values")
    max_value = data.number("max_value", 255, gt=0)
    norm = root.table("normalize") or Table({}, "normalize", root.file)
    norm.check_keys(("methods", "mean", "std"))
    methods = listed_choices(norm, "methods", NORMALIZE_METHODS, NORMALIZE_METHODS)
    for key in ("mean", "std"):
        if norm.has(key) and "zscore" not in methods:
            raise norm.error(key, 'only used by the "zscore" method, which is not listed')
    std = norm.number("std", None, gt=0) if norm.has("std") else None
    if std is None and "zscore" in methods and float(np.std(pixels)) == 0.0:
        raise data.error("pixels", "all pixels are equal: their std is 0, so the z-score is "
                                   "undefined; give normalize.std")
    return {"pixels": pixels, "max_value": max_value, "methods": methods,
            "mean": norm.number("mean", None) if norm.has("mean") else None, "std": std}
