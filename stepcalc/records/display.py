"""How records show themselves in a notebook: Jupyter calls their ``_repr_*_`` methods.

The records sit below the renderers and never import them, so the renderers register
what each record looks like here (render/notebook.py), and `stepcalc.trace` loads that
module when it runs under IPython. Without a registration a record has no rich display
(None: Jupyter falls back to its repr).
"""

from __future__ import annotations

from typing import Any, Callable

_SHOWN: dict[str, Callable[[Any], str]] = {}


def register(kind: str, show: Callable[[Any], str]) -> None:
    """``kind`` is "<record>/<mime>", e.g. "trace/markdown", "step/latex"."""
    _SHOWN[kind] = show


def shown(kind: str, record: Any) -> str | None:
    show = _SHOWN.get(kind)
    return show(record) if show is not None else None
