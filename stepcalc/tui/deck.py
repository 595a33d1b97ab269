"""The slide deck over a Trace: ordering, phase blocks, labels. Pure (no textual).

Everything here only reads the Trace; no network number is computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stepcalc.records.quantity import Quantity
from stepcalc.records.steps import PHASE_LABELS, Step, Table, Trace

LOSS = Quantity("loss")
GAP = "gap"                      # the phase of a gap slide (steps computed, not recorded)
LABELS = {**PHASE_LABELS, GAP: "Not recorded"}
GAP_COLUMNS = 9                  # losses shown in a gap slide's table (first … last)

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
        return LABELS.get(self.phase, self.phase.capitalize())


def gap_step(trace: Trace, before: int, after: int, names=()) -> Step:
    """The slide between recorded training steps ``before`` and ``after`` of a long run:
    which steps were computed but not recorded, their loss (read from trace.losses), and
    where the weights of the next slide come from (the recorded states on both sides)."""
    from stepcalc.records.notation import entry_text, text_name
    from stepcalc.render.text import number_text

    first, last = before + 1, after - 1
    losses = np.asarray(trace.losses[first - 1:last], dtype=float)
    picked = np.unique(np.linspace(0, losses.size - 1, min(GAP_COLUMNS, losses.size)).round().astype(int))
    precision = trace.scenario.precision
    sc = trace.scenario
    count = last - first + 1
    lines = [f"A run of {sc.train.steps} steps keeps the first and the last few in full "
             f"(train.record and train.record_every keep more). Steps {first}–{last} were "
             f"computed with the same rules, one update each; only their loss was kept: "
             f"{number_text(losses[0], precision)} at step {first}, "
             f"{number_text(losses.min(), precision)} at its lowest, "
             f"{number_text(losses[-1], precision)} at step {last}."]
    done, coming = trace.state(before), trace.state(after)
    if done is not None and coming is not None and done.params_after is not None:
        changes = []
        for name, value in coming.params.items():
            was = np.asarray(done.params_after[name])
            now = np.asarray(value)
            if was.size:
                where = tuple(0 for _ in range(was.ndim))
                entry = entry_text(name, [1] * was.ndim) if was.ndim else text_name(name)
                changes.append(f"{entry} {number_text(was[where], precision)} → "
                               f"{number_text(now[where], precision)}")
        lines.append(f"The weights on the next slide (step {after}) are what these {count} "
                     f"updates made of those after step {before}: " + ", ".join(changes) + ".")
    table = Table(row_labels=("loss",), column_labels=tuple(str(first + int(i)) for i in picked),
                  values=losses[picked].reshape(1, -1), corner="step", sparkline=True)
    return Step(id=Quantity("loss", step=first), phase=GAP, value=losses[picked],
                title=f"Steps {first}–{last}: computed, not recorded", explanation="\n\n".join(lines),
                step_number=first, table=table, precision=precision,
                label=f"⋯ steps {first}–{last} not recorded")


def with_gaps(trace: Trace) -> list[Step]:
    """The trace's steps with a gap slide wherever recorded training steps skip numbers."""
    out: list[Step] = []
    previous = None
    for step in trace.steps:
        number = step.step_number
        if previous and number > previous + 1 and step.phase != GAP:
            out.append(gap_step(trace, previous, number))
        out.append(step)
        if number:
            previous = number
    return out


@dataclass
class Deck:
    trace: Trace
    blocks: list[Block] = field(init=False)

    def __post_init__(self):
        self.slides = with_gaps(self.trace) if self.is_train else list(self.trace.steps)
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
        """The slides: the trace's steps, and a gap slide where a long run kept no steps."""
        return self.slides

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
        parts = [LABELS.get(step.phase, step.phase)] if self.is_train else []
        if step.phase == GAP:
            parts.append(f"{step.title.split(':')[0].lower()} of {self.training_steps}")
        elif self.training_steps > 1 and step.step_number > 0:
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
