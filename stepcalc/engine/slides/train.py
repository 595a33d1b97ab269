"""The Trace of a `train` scenario: the numbers first (`numbers.run`), then the slides.

The slide plan walks the recorded step states in order: forward, loss, backward and
update of each training step, then the forward pass again after the last update. Each
Step gets closures that build its sympy formula and element expansions only when a
renderer asks for them; they read values that are all known before the Step is made.
"""

from __future__ import annotations

import numpy as np

from stepcalc.engine.numbers.long_runs import KEEP_HEAD, KEEP_TAIL
from stepcalc.engine.numbers.run import Run, run_numbers
from stepcalc.engine.slides.backward_slides import backward_slides, update_slides
from stepcalc.engine.slides.forward_slides import forward_slides, loss_slide
from stepcalc.engine.slides.metrics import metric_slides
from stepcalc.engine.slides.page import Page
from stepcalc.records.run import AFTER_NUMBER, Losses, RunValues
from stepcalc.records.flags import Flag, FlagKind
from stepcalc.records.steps import Step, Trace
from stepcalc.scenario.model import Scenario


def trace_train(scenario: Scenario) -> Trace:
    return plan_slides(run_numbers(scenario))


def plan_slides(run: Run) -> Trace:
    sc = run.scenario
    steps: list[Step] = []
    head: dict = {}
    tail: dict = {}
    events = run_flags(run)
    previous = 0                      # the last training step whose loss has a slide
    for state in run.states:
        number = state.number if state.number != AFTER_NUMBER else sc.train.steps + 1
        values = tail if run.gap is not None and number > run.gap[1] else head
        page = Page(sc, state, steps, values)
        flags = tuple(flag for at, flag in events if previous < at <= number)
        previous = number
        if state.number == AFTER_NUMBER:
            forward_slides(page, phase="check")
            loss_slide(page, flags, phase="check")
            metric_slides(page, phase="check")
            continue
        forward_slides(page)
        if sc.has_loss:         # a forward-only scenario has no targets, so no loss
            loss_slide(page, flags)
            metric_slides(page)
        if state.updated:
            backward_slides(page)
            update_slides(page)
    values = RunValues(head, run.losses, run.gap, tail, run.middle) if run.gap is not None else head
    return Trace(sc, steps, values, Losses(run.losses), final_params=run.final_params,
                 states=run.states)


# A finite loss that grows this many steps in a row gets an early-divergence flag.
GROWTH_RUN = 5


def first_growth(losses: np.ndarray, run: int) -> int | None:
    """The first training step (1-based) whose loss ends ``run`` rises in a row of finite
    losses, or None."""
    if len(losses) <= run:
        return None
    with np.errstate(invalid="ignore"):
        rises = (losses[1:] > losses[:-1]) & np.isfinite(losses[1:]) & np.isfinite(losses[:-1])
    # Windows of ``run`` rises in a row, as numpy booleans: a list of 10⁵ Python bools
    # would hold more memory than the run's own loss array.
    in_a_row = np.lib.stride_tricks.sliding_window_view(rises, run).all(axis=1)
    if not in_a_row.any():
        return None
    # The window starting at rises[j] ends at rises[j + run − 1], which compares step
    # j + run + 1 with the one before.
    return int(np.argmax(in_a_row)) + run + 1


def run_flags(run: Run) -> list[tuple[int, Flag]]:
    """(training step, flag) of what a loss slide reports about the steps up to it: a
    long run's unrecorded middle, and where the loss exploded. The after pass counts as
    step steps + 1; a flag goes on the first loss slide at or after its step."""
    train = run.scenario.train
    out = []
    if run.diverged_at is not None:
        number = run.diverged_at
        first, grown = float(run.losses[0]), float(run.losses[number - 1])
        where = f"at step {number}" if number <= train.steps else "after the last update"
        out.append((number, 0, Flag(
            FlagKind.DIVERGED, f"training diverged: the loss grew from {first:.4g} at step 1 to "
            f"{grown:.4g} {where}; the learning rate (lr = {train.lr:g}) is probably too large")))
    growing = first_growth(run.losses[:train.steps], GROWTH_RUN)
    if growing is not None and (run.diverged_at is None or growing < run.diverged_at):
        start = growing - GROWTH_RUN
        low, high = float(run.losses[start - 1]), float(run.losses[growing - 1])
        batch = "batch " if train.batch_size else ""
        out.append((growing, 0, Flag(
            FlagKind.DIVERGING, f"the {batch}loss has grown {GROWTH_RUN} steps in a row, from "
            f"{low:.4g} at step {start} to {high:.4g} at step {growing}: training may be "
            f"diverging (is lr = {train.lr:g} too large?)")))
    if run.gap is not None:
        skipped = train.steps - KEEP_HEAD - KEEP_TAIL
        shown = sorted(run.middle)
        but = "" if not shown else (
            f" (but step{'s' if len(shown) > 1 else ''} "
            f"{', '.join(str(n) for n in shown[:12])}{', …' if len(shown) > 12 else ''}, "
            "chosen by train.record / record_every)")
        out.append((run.gap[0], 1, Flag(
            FlagKind.NOTE, f"steps {KEEP_HEAD + 1}–{KEEP_HEAD + skipped} of this {train.steps}-step "
            f"run were computed but are not shown step by step{but}; their losses are in the "
            f"loss table (and in values as step<n>.loss)")))
    return [(number, flag) for number, _, flag in sorted(out, key=lambda e: e[:2])]
