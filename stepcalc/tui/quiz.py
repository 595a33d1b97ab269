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


def last_digit(value: float, precision: int) -> float:
    """One unit in the last shown digit of ``value`` at ``precision`` significant digits."""
    value = round_significant(float(value), precision)
    if value == 0 or not math.isfinite(value):
        return 0.0
    return 10.0 ** (math.floor(math.log10(abs(value))) - (precision - 1))


def is_right(typed: float, exact: float, precision: int) -> bool:
    """Checked at display precision: both rounded to ``precision`` significant digits."""
    return round_significant(typed, precision) == round_significant(float(exact), precision)


@dataclass(frozen=True)
class Verdict:
    right: bool
    why: str = ""           # how a right answer that is not the exact rounding was accepted


def judge(typed: float, exact: float, precision: int, as_shown: float | None = None) -> Verdict:
    """Right at display precision; also right (and said so) when it is what the rounded
    numbers on the slide give (0.2905 from exp(0.1921)/… for 0.29044), or within ±1 in the
    last shown digit (−0.862 for −0.8619): working from the slide is not an error."""
    exact = float(exact)
    if is_right(typed, exact, precision):
        return Verdict(True)
    if as_shown is not None and math.isfinite(as_shown) and is_right(typed, as_shown, precision):
        return Verdict(True, "what the rounded numbers shown give")
    unit = last_digit(exact, precision)
    shown = round_significant(exact, precision)
    if unit and abs(round_significant(typed, precision) - shown) <= unit * (1 + 1e-9):
        return Verdict(True, "within ±1 in the last digit")
    return Verdict(False)


@dataclass
class StepScore:
    right: int = 0
    asked: int = 0
    given: int = 0          # entries revealed with r (no point)


@dataclass
class Score:
    """Answers this session: right / asked, and per step."""

    right: int = 0
    asked: int = 0
    revealed: set = field(default_factory=set)      # (step id, element) answered right or given
    steps: dict = field(default_factory=dict)       # step id → StepScore

    def _step(self, step_id: str) -> StepScore:
        return self.steps.setdefault(step_id, StepScore())

    def record(self, step_id: str, element: tuple[int, ...], ok: bool) -> None:
        self.asked += 1
        step = self._step(step_id)
        step.asked += 1
        if ok:
            self.right += 1
            step.right += 1
            self.revealed.add((step_id, tuple(element)))

    def give(self, step_id: str, element: tuple[int, ...]) -> None:
        """r: the entry is shown without a point."""
        key = (step_id, tuple(element))
        if key not in self.revealed:
            self.revealed.add(key)
            self._step(step_id).given += 1

    def is_revealed(self, step_id: str, element: tuple[int, ...]) -> bool:
        return (step_id, tuple(element)) in self.revealed

    def summary(self, step_id: str) -> str:
        step = self.steps.get(step_id, StepScore())
        text = f"{step.right} right of {step.asked} answer{'s' if step.asked != 1 else ''}"
        return text + (f", {step.given} revealed" if step.given else "")

    def reset(self) -> None:
        self.right = self.asked = 0
        self.revealed.clear()
        self.steps.clear()

    def __str__(self) -> str:
        return f"{self.right}/{self.asked}"
