"""kind = "batchnorm": the fields, validated into ``Scenario.spec`` (read-only values).

```toml
[data]
x = [[1.0, 2.0], [3.0, 6.0], [5.0, 4.0]]   # N × D batch
[batchnorm]
gamma = [1.0, 1.0]    # default ones (D values, or one number for all)
beta  = [0.0, 0.0]    # default zeros
eps   = 1e-5          # default 1e-5
```
Quantity ids: ``mu`` (D), ``var`` (D, biased: 1/N), ``x_hat`` (N × D), ``y`` (N × D).
"""

from __future__ import annotations

from ..fields import Table
from ..shapes import readonly
from .readers import numbers, vector_or_scalar

KEYS = ("data", "batchnorm")


def parse(root: Table) -> dict:
    data = root.table("data", required=True)
    data.check_keys(("x",))
    x = numbers(data, "x", "an N × D matrix (rows are samples)")
    if x.ndim == 1:
        x = readonly(x.reshape(-1, 1).copy())
    d = x.shape[1]
    bn = root.table("batchnorm") or Table({}, "batchnorm", root.file)
    bn.check_keys(("gamma", "beta", "eps"))
    return {"x": x, "gamma": vector_or_scalar(bn, "gamma", d, 1.0),
            "beta": vector_or_scalar(bn, "beta", d, 0.0), "eps": bn.number("eps", 1e-5, ge=0)}
