"""Quiz checking and the session score. Pure (no textual)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


def parse_answer(text: str) -> float | None:
    """A typed number: accepts a typographic minus, spaces and a decimal comma."""
    cleaned = text.strip().replace("−", "-").replace(" ", "").replace(",", ".")
    if not cleaned:
        return None
    try:
        return float(cleaned)
    except ValueError:
        return None


def round_significant(value: float, precision: int) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.{max(precision - 1, 0)}e}")


def is_right(typed: float, exact: float, precision: int) -> bool:
    """Checked at display precision: both rounded to ``precision`` significant digits."""
    return round_significant(typed, precision) == round_significant(float(exact), precision)


@dataclass
class Score:
    """Answers this session: right / asked."""

    right: int = 0
    asked: int = 0
    revealed: set = field(default_factory=set)      # (step id, element) answered right

    def record(self, step_id: str, element: tuple[int, ...], ok: bool) -> None:
        self.asked += 1
        if ok:
            self.right += 1
            self.revealed.add((step_id, tuple(element)))

    def is_revealed(self, step_id: str, element: tuple[int, ...]) -> bool:
        return (step_id, tuple(element)) in self.revealed

    def __str__(self) -> str:
        return f"{self.right}/{self.asked}"
