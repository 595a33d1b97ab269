"""kind = "activations": the fields, validated into ``Scenario.spec`` (read-only values).

```toml
[data]
values = [1, 5, -4, 3, -2]         # the data vector (required; a flat list)

[[activations]]                    # one table per function, in display order
name  = "elu"                      # identity step sigmoid tanh relu leaky_relu elu prelu selu softplus swish softsign softmax
alpha = 0.1                        # only for leaky_relu (default 0.01), elu (1.0), prelu (0.25)
id    = "elu"                      # quantity id (default: the name; needed to list a function twice)
```
Shorthand instead of ``[[activations]]``: ``functions = ["sigmoid", "tanh"]`` (default alphas).
Quantity ids: ``data``; ``<id>`` = f(data) per function; ``d.<id>`` = f′(data) (derived with
sympy.diff); ``values`` and ``derivatives`` = the tables (functions × data entries).
Softmax acts on the whole vector: its ``d.<id>`` is the Jacobian (entries × entries), left
out of the ``derivatives`` table.
"""

from __future__ import annotations

from dataclasses import dataclass

from stepcalc.errors import ScenarioError

from ..fields import Table, index, one_of
from ..model import ACTIVATION_NAMES, DEFAULT_ALPHA
from .readers import listed_choices, numbers

KEYS = ("data", "activations", "functions")


@dataclass(frozen=True)
class ActivationEntry:
    id: str
    name: str
    alpha: float | None


def parse(root: Table) -> dict:
    data = root.table("data", required=True)
    data.check_keys(("values",))
    values = numbers(data, "values", "a flat list of numbers", ndim=(1,))
    if root.has("functions") and root.has("activations"):
        raise root.error("functions", "give either functions = [...] or [[activations]] tables, not both")
    entries: list[ActivationEntry] = []
    if root.has("functions"):
        for name in listed_choices(root, "functions", ACTIVATION_NAMES, ()):
            entries.append(ActivationEntry(name, name, DEFAULT_ALPHA.get(name)))
    else:
        for t in root.tables("activations"):
            t.check_keys(("name", "alpha", "id"))
            name = t.choice("name", ACTIVATION_NAMES)
            alpha = None
            if name in DEFAULT_ALPHA:
                alpha = t.number("alpha", DEFAULT_ALPHA[name])
            elif t.has("alpha"):
                raise t.error("alpha", f"{name} takes no alpha (only {one_of(DEFAULT_ALPHA)} do)")
            act_id = t.name("id", name, reserved=("data", "values", "derivatives"))
            entries.append(ActivationEntry(act_id, name, alpha))
    seen: set[str] = set()
    for i, e in enumerate(entries):
        if e.id in seen:
            raise ScenarioError(root.file, index("activations", i) + ".id",
                                f'the id "{e.id}" is used twice; give each entry its own id')
        seen.add(e.id)
    return {"data": values, "activations": tuple(entries)}
