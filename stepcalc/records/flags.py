"""The flag vocabulary: every kind of thing a step can point at, with how it is shown.

One place for the icon, the label and the styles, so the Markdown export, the text
printer and the TUI cannot drift apart (they once showed ⇌ and ⇄ for the same flag).
A FlagKind is a ``str``: it compares equal to its name and JSON writes it as that name.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FlagKind(StrEnum):
    DEAD_RELU = "dead_relu"
    ZERO_GRADIENT = "zero_gradient"
    SATURATED_SIGMOID = "saturated_sigmoid"
    SYMMETRIC_UNITS = "symmetric_units"
    MISMATCH = "mismatch"
    NON_FINITE = "non_finite"
    DIVERGED = "diverged"
    DIVERGING = "diverging"      # an early warning: the loss grew several steps in a row
    NOTE = "note"

    @property
    def icon(self) -> str:
        return _LOOK[self].icon

    @property
    def label(self) -> str:
        """The words shown before the message ("dead relu: unit 2 of h is dead …")."""
        return self.value.replace("_", " ")

    @property
    def style(self) -> str:
        """Rich style of the icon and label (TUI, terminal text)."""
        return _LOOK[self].style

    @property
    def cell_style(self) -> str:
        """Rich style of the flagged entries of a matrix ("" = not marked)."""
        return _LOOK[self].cell_style


@dataclass(frozen=True)
class _Look:
    icon: str
    style: str
    cell_style: str = ""


_LOOK = {
    FlagKind.DEAD_RELU: _Look("☠", "bold red", "red"),
    FlagKind.ZERO_GRADIENT: _Look("0", "yellow", "dim"),
    FlagKind.SATURATED_SIGMOID: _Look("〰", "yellow", "yellow"),
    FlagKind.SYMMETRIC_UNITS: _Look("⇌", "yellow"),
    FlagKind.MISMATCH: _Look("✗", "bold red", "red underline"),
    FlagKind.NON_FINITE: _Look("∞", "bold red", "red"),
    FlagKind.DIVERGED: _Look("↗", "bold red"),
    FlagKind.DIVERGING: _Look("⇡", "yellow"),
    FlagKind.NOTE: _Look("ℹ", "cyan"),
}


@dataclass(frozen=True)
class MismatchFact:
    """A value printed by the source document that disagrees with the exact one.

    The engine records the fact; renderers word it (render/flags.py).
    """

    id: str                          # quantity id the printed value belongs to
    element: tuple[int, ...]         # 0-based entry ((), for a scalar)
    printed: float
    exact: float
    decimals: int                    # digits after the point as printed
    cause: str = ""                  # most likely cause the audit could tell, or ""


@dataclass(frozen=True)
class Flag:
    """Something worth pointing at on a step.

    ``message`` is the engine's sentence for the kinds it words itself; a mismatch carries
    the fact instead (``mismatch``) and its message is "": renderers word it with
    ``stepcalc.render.flags.flag_message``, which serves every kind.
    """

    kind: FlagKind
    message: str = ""
    elements: tuple[tuple[int, ...], ...] = ()   # which entries (0-based), if any
    mismatch: MismatchFact | None = None

    def __post_init__(self) -> None:
        # A plain string names a kind too ("dead_relu"); an unknown one is a bug, here.
        object.__setattr__(self, "kind", FlagKind(self.kind))
