"""Validation of the kinds other than `train`, one module per kind beside its documentation.

Each module documents its fields and quantity ids at the top, and offers ``KEYS`` (its
top-level tables) and ``parse(root) -> spec``: the validated, read-only values the engine's
tracer of that kind reads from ``Scenario.spec``. Every kind shares ``title``, ``source``,
``notes``, ``kind``, ``[display]`` and ``[expect]`` with `train` (common.py); ``[expect]``
keys are the quantity ids each module lists.

To add a kind: a module here named after it, an entry in model.KINDS, and its tracer
in engine/kinds/.
"""

from __future__ import annotations

from importlib import import_module

from ..common import common_fields
from ..fields import Table
from ..model import Scenario


def kind_module(kind: str):
    """The module of ``kind`` (one of model.KINDS other than train, which the loader has
    checked), imported only now: a train scenario needs none of them, and experiment alone
    brings csv and gzip."""
    return import_module(f"{__name__}.{kind}")


def load_kind(root: Table, kind: str) -> Scenario:
    """The Scenario of a non-train kind: the shared fields, and the kind's own as ``spec``."""
    module = kind_module(kind)
    common = common_fields(root, kind, module.KEYS)   # unknown top-level keys first
    return Scenario(spec=module.parse(root), **common)
