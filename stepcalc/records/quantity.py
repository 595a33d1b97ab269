"""Quantity ids as values: which number of a run a Step (or an `[expect]` key) names.

A quantity is (training step, kind, name, element). Its ``str()`` is the public id used in
JSON exports, `[expect]` keys and the CLI, so those never change:

    h            value of h at step 1             (step 1 carries no prefix)
    grad.m       ∂L/∂m at step 1
    new.w        w after the update of step 1
    v.W1         momentum velocity of W1 after step 1 (v0.W1: before it)
    m.W1, s.W1   Adam's moments / the squared-gradient accumulator (m0., s0.: before it)
    mhat.W1      Adam's bias-corrected moments (shat.W1)
    step2.z      z at training step 2
    after.loss   the loss of the forward pass after the last update
    grad.w[1][2] one entry (1-based, as printed on slides)

`parse_quantity` is the only code that takes an id string apart; everything else builds
quantities and compares them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal, Union

AFTER = "after"
StepNumber = Union[int, Literal["after"]]

# What a quantity of one training step can be besides its plain value.
KINDS = {
    "value": "",       # the quantity itself: x, h, y_hat, loss …
    "grad": "grad",    # ∂L/∂(quantity)
    "new": "new",      # a parameter after the update
    "v": "v",          # the momentum velocity after the update
    "v0": "v0",        # the velocity before the update
    "m": "m",          # Adam's first moment after the update
    "m0": "m0",        # … before it
    "s": "s",          # the second moment / squared-gradient accumulator after the update
    "s0": "s0",        # … before it
    "mhat": "mhat",    # Adam's bias-corrected moments of the step
    "shat": "shat",
}
_KIND_OF_PREFIX = {prefix: kind for kind, prefix in KINDS.items() if prefix}

# "step1." is not a prefix (step 1 is written without one), so "step1.loss" stays unknown.
_STEP = re.compile(r"step([2-9]|[1-9][0-9]+)\.")
_ELEMENT = re.compile(r"\[([1-9][0-9]*)\]")


@dataclass(frozen=True, slots=True)
class Quantity:
    """One named number (or array) of a calculation."""

    name: str
    kind: str = "value"                   # a key of KINDS
    step: StepNumber = 1                  # training step (1-based), or "after"
    element: tuple[int, ...] | None = None   # 0-based entry, or None for the whole array

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown quantity kind {self.kind!r}")
        if self.step == 0:                 # Step.step_number's "after the last update"
            object.__setattr__(self, "step", AFTER)

    def __str__(self) -> str:
        return _text(self.name, self.kind, self.step, self.element)

    # -------------------------------------------------------------- reading ----
    @property
    def number(self) -> int:
        """The training step as Step.step_number counts it: 0 after the last update."""
        return 0 if self.step == AFTER else int(self.step)

    @property
    def local(self) -> "Quantity":
        """The same quantity without its training step (what a step's formulas call it)."""
        return replace(self, step=1, element=None) if (self.step != 1 or self.element) else self

    @property
    def whole(self) -> "Quantity":
        """The whole array this entry belongs to."""
        return replace(self, element=None) if self.element is not None else self

    # -------------------------------------------------------------- building ---
    def at(self, step: StepNumber) -> "Quantity":
        """The same quantity at another training step (a number, 0 or "after")."""
        return replace(self, step=step if step == AFTER else int(step))

    def entry(self, element: tuple[int, ...]) -> "Quantity":
        """One entry (0-based indices) of this quantity."""
        return replace(self, element=tuple(int(i) for i in element))

    def of(self, kind: str) -> "Quantity":
        """∂L/∂·, the updated value, the velocity … of the same name at the same step."""
        return replace(self, kind=kind)




@lru_cache(maxsize=4096)
def _text(name: str, kind: str, step: StepNumber, element) -> str:
    head = "after." if step == AFTER else ("" if step == 1 else f"step{step}.")
    prefix = KINDS[kind]
    where = "".join(f"[{i + 1}]" for i in element) if element else ""
    return f"{head}{prefix + '.' if prefix else ''}{name}{where}"


@lru_cache(maxsize=4096)
def parse_quantity(text: str) -> Quantity:
    """The quantity an id names: "step2.grad.W1[1][3]" → Quantity("W1", "grad", 2, (0, 2)).

    Raises ValueError for text that is no quantity id (empty name, index 0, bad brackets).
    Names of the other kinds may contain dots ("d.relu", "relu_kaiming.hist"): only a
    leading step and a leading kind are taken off.
    """
    rest = text
    step: StepNumber = 1
    if rest.startswith("after."):
        step, rest = AFTER, rest[len("after."):]
    else:
        match = _STEP.match(rest)
        if match:
            step, rest = int(match.group(1)), rest[match.end():]
    kind = "value"
    head, dot, tail = rest.partition(".")
    if dot and head in _KIND_OF_PREFIX and tail:
        kind, rest = _KIND_OF_PREFIX[head], tail
    element = None
    bracket = rest.find("[")
    if bracket >= 0:
        indices = rest[bracket:]
        found = _ELEMENT.findall(indices)
        if "".join(f"[{i}]" for i in found) != indices:
            raise ValueError(f"{text!r}: an entry is written [i][j] with indices from 1")
        rest, element = rest[:bracket], tuple(int(i) - 1 for i in found)
    if not rest or rest.startswith(".") or rest.endswith(".") or ".." in rest:
        raise ValueError(f"{text!r} names no quantity")
    return Quantity(rest, kind, step, element)
