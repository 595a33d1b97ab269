"""The slide deck over a Trace: ordering, phase blocks, labels. Pure (no textual).

Everything here only reads the Trace; no network number is computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stepcalc.records.quantity import Quantity
from stepcalc.records.steps import PHASE_LABELS, Step, Trace

LOSS = Quantity("loss")

def pretty_name(text: str, names=()) -> str:
    """Names and ids in a label the slide way (ŷ, W⁽¹⁾, ∂L/∂w₁₁): see notation.display_prose."""
    from stepcalc.records.notation import display_prose

    return display_prose(text, names)


def short_label(step: Step, names=()) -> str:
    """A compact label for the step list: ``h = x·m + bm``, ``∂L/∂w``, ``L: cross-entropy``.

    The engine writes it from the step's quantity; steps without one show their title."""
    return pretty_name(step.label or step.title, names)


@dataclass
class Block:
    """Consecutive steps of one phase within one training step."""

    number: int            # training step (0 = the forward pass after the last update)
    phase: str
    start: int
    stop: int              # exclusive

    @property
    def label(self) -> str:
        return PHASE_LABELS.get(self.phase, self.phase.capitalize())


@dataclass
class Deck:
    trace: Trace
    blocks: list[Block] = field(init=False)

    def __post_init__(self):
        self.blocks = []
        for index, step in enumerate(self.steps):
            last = self.blocks[-1] if self.blocks else None
            if last and last.number == step.step_number and last.phase == step.phase:
                last.stop = index + 1
            else:
                self.blocks.append(Block(step.step_number, step.phase, index, index + 1))
        self.index_of = {step.id: i for i, step in enumerate(self.steps)}

    @property
    def steps(self) -> list[Step]:
        return self.trace.steps

    @property
    def scenario(self):
        return self.trace.scenario

    @property
    def is_train(self) -> bool:
        return getattr(self.scenario, "kind", "train") == "train"

    @property
    def training_steps(self) -> int:
        train = getattr(self.scenario, "train", None)
        return train.steps if (train is not None and self.is_train) else 0

    def __len__(self) -> int:
        return len(self.steps)

    def block_of(self, index: int) -> Block:
        for block in self.blocks:
            if block.start <= index < block.stop:
                return block
        raise IndexError(index)

    def next_phase(self, index: int) -> int:
        block = self.block_of(index)
        return block.stop if block.stop < len(self) else index

    def previous_phase(self, index: int) -> int:
        block = self.block_of(index)
        if index > block.start:
            return block.start
        position = self.blocks.index(block)
        return self.blocks[position - 1].start if position else index

    def reached(self, index: int) -> set[str]:
        """Ids of the steps shown so far (up to and including ``index``)."""
        return {step.id for step in self.steps[: index + 1]}

    def heading(self, index: int) -> str:
        """'Backward pass · step 1 of 1 · slide 11/21' (training step only when > 1)."""
        step = self.steps[index]
        parts = [PHASE_LABELS.get(step.phase, step.phase)] if self.is_train else []
        if self.training_steps > 1 and step.step_number > 0:
            parts.append(f"training step {step.step_number} of {self.training_steps}")
        parts.append(f"slide {index + 1}/{len(self)}")
        return " · ".join(parts)

    def losses_so_far(self, index: int, include_current: bool = True) -> list[tuple[str, float]]:
        """(label, loss) of the loss steps already shown, read from the trace."""
        out = []
        stop = index + 1 if include_current else index
        for step in self.steps[:stop]:
            if step.quantity.local == LOSS and step.value.ndim == 0:
                label = "after" if step.step_number == 0 else f"step {step.step_number}"
                out.append((label, float(step.value)))
        return out
