"""The fields every kind of scenario shares: title, source, notes, kind, [display], [expect]."""

from __future__ import annotations

from typing import Any

from .expect import parse_expect
from .fields import Table

COMMON_KEYS = ("title", "source", "notes", "kind", "display", "expect")


def common_fields(root: Table, kind: str, kind_keys: tuple[str, ...]) -> dict[str, Any]:
    """The shared fields as Scenario keyword arguments; any top-level key that is neither
    shared nor one of ``kind_keys`` is an error."""
    root.check_keys(COMMON_KEYS + kind_keys)
    display = root.table("display")
    precision = 3
    if display is not None:
        display.check_keys(("precision",))
        precision = display.integer("precision", 3, low=1, high=15)
    return dict(
        title=root.string("title", nonempty=True),
        file=root.file,
        kind=kind,
        source=root.string("source", ""),
        notes=root.string("notes", ""),
        precision=precision,
        expect=parse_expect(root.table("expect")),
        source_data=root.data,
    )
