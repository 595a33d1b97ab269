"""kind = "init_stats": the fields, validated into ``Scenario.spec`` (read-only values).

```toml
[network]
dims   = [4096, 4096, 4096, 4096, 4096, 4096, 4096]   # layer widths: len(dims) − 1 weight layers
batch  = 16           # rows of the unit-Gaussian input
seed   = 0            # each run draws from a fresh numpy Generator(seed)
bins   = 20           # histogram bins per layer
dtype  = "float32"    # float32 | float64
draw   = "outputs"    # outputs: draw x·W from its exact distribution N(0, s²·xxᵀ) per column
                      #   (batch × width numbers a layer, fast); weights: draw every W as the
                      #   slides' loop does (width² numbers a layer, seconds for 4096²)

[[runs]]
name       = "tanh_xavier"   # quantity-id prefix (letters, digits, _)
activation = "tanh"          # any elementwise activation
method     = "xavier"        # normal (needs std) | xavier (std 1/√D_in) | kaiming (std √(2/D_in))
std        = 0.01            # only for method = "normal"
seed       = 0               # optional, overrides network.seed
```
Quantity ids per run: ``<name>.mean``, ``<name>.std`` (one per layer), ``<name>.stats``
(layers × [mean, std]), ``<name>.hist`` (layers × bins counts), ``<name>.edges``
(layers × bins+1 edges, np.histogram).
"""

from __future__ import annotations

from dataclasses import dataclass

from stepcalc.errors import ScenarioError

from ..fields import REQUIRED, Table, describe, index, one_of
from .readers import ELEMENTWISE

KEYS = ("network", "runs")
INIT_RUN_METHODS = ("normal", "xavier", "kaiming")
DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class InitRun:
    name: str
    activation: str
    method: str
    std: float | None
    seed: int


def parse(root: Table) -> dict:
    net = root.table("network", required=True)
    net.check_keys(("dims", "batch", "seed", "bins", "dtype", "draw"))
    raw = net.raw("dims", REQUIRED, "a list of at least two layer widths")
    if not isinstance(raw, list) or len(raw) < 2:
        raise net.error("dims", f"expected a list of at least two layer widths, got {describe(raw)}")
    for i, v in enumerate(raw):
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 65536:
            raise ScenarioError(net.file, index(net.at("dims"), i),
                                f"expected a layer width in 1..65536, got {describe(v)}")
    seed = net.integer("seed", 0, low=0)
    runs = []
    names: set[str] = set()
    for t in root.tables("runs"):
        t.check_keys(("name", "activation", "method", "std", "seed"))
        name = t.name("name")
        if name in names:
            raise t.error("name", f'"{name}" is used by an earlier run; names must differ')
        names.add(name)
        if t.raw("activation", None) == "softmax":
            raise t.error("activation", f"softmax is not elementwise; expected one of {one_of(ELEMENTWISE)}")
        activation = t.choice("activation", ELEMENTWISE)
        method = t.choice("method", INIT_RUN_METHODS)
        std = None
        if method == "normal":
            std = t.number("std", gt=0)
        elif t.has("std"):
            raise t.error("std", f'only method = "normal" takes std ({method} sets its own)')
        runs.append(InitRun(name, activation, method, std, t.integer("seed", seed, low=0)))
    return {"dims": tuple(raw), "batch": net.integer("batch", 16, low=1, high=4096),
            "bins": net.integer("bins", 20, low=1, high=200),
            "dtype": net.choice("dtype", DTYPES, "float32"),
            "draw": net.choice("draw", ("outputs", "weights"), "outputs"), "runs": tuple(runs)}
