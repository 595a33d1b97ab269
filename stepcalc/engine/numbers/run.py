"""The training loop: every step's numbers, computed once, before any slide is planned.

One loop serves every step. A recorded step (see `long_runs`) leaves a frozen
`StepState`; the middle of a long run only writes its batch loss into a preallocated
array, so 100,000 steps cost about what a plain numpy loop costs.

The parameters live in one flat float64 buffer (each parameter is a view of it) and the
backward pass writes the parameter gradients into a second one, so one update (`optim`)
and one finiteness test serve every parameter of a step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from stepcalc.engine.numbers import network, optim
from stepcalc.engine.numbers.long_runs import (
    KEEP_HEAD, KEEP_TAIL, chosen_steps, current_progress, recorded_in_full, records_every_step,
)
from stepcalc.errors import ScenarioError
from stepcalc.records.run import AFTER_NUMBER, StepState
from stepcalc.scenario.model import Scenario

# A loss that grows beyond this factor times max(first loss, 1) counts as diverging.
DIVERGE_FACTOR = 1e6
# Unrecorded steps whose batch losses are computed together (see LossBlock).
LOSS_BLOCK = 256


def batches(n: int, size: int) -> list[slice]:
    """Consecutive minibatches in file order (the last may be shorter), as slices: a batch
    is a view of the data, never a copy."""
    if size <= 0 or size >= n:
        return [slice(0, n)]
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


@dataclass(frozen=True, eq=False)
class Run:
    """A training run's numbers: what the slide plan, the audit and the TUI read."""

    scenario: Scenario
    states: tuple[StepState, ...]        # recorded steps in order, then the after pass (number 0)
    losses: np.ndarray                   # batch loss of step k at [k − 1]; the after pass last
    final_params: dict[str, np.ndarray]
    gap: tuple[int, int] | None          # first and last step not recorded (long runs)
    diverged_at: int | None              # first step whose loss exploded; steps + 1: the after pass
    middle: frozenset[int] = frozenset()  # steps inside the gap recorded in full (train.record)

    def state(self, number: int) -> StepState | None:
        for state in self.states:
            if state.number == number:
                return state
        return None


class DivergenceWatch:
    """Finds the first step whose loss grows beyond DIVERGE_FACTOR × max(first loss, 1) or
    stops being finite. A first loss that is not finite has nothing to grow from."""

    def __init__(self):
        self.limit: float | None = None
        self.at: int | None = None

    def see(self, number: int, loss: float) -> None:
        if number == 1:
            self.limit = DIVERGE_FACTOR * max(loss, 1.0) if math.isfinite(loss) else None
        elif self.at is None and self.limit is not None and not loss <= self.limit:   # nan too
            self.at = number

    def see_many(self, first: int, losses: np.ndarray) -> None:
        """Losses of the consecutive steps first, first + 1, … (never step 1)."""
        if self.at is None and self.limit is not None:
            grown = ~(losses <= self.limit)
            if grown.any():
                self.at = first + int(np.argmax(grown))


class LossBlock:
    """The batch losses of unrecorded steps, LOSS_BLOCK steps at a time.

    Each step leaves what its loss reads (ŷ, and the logits or scores of the stable and
    hinge losses) in a small buffer; one vectorised evaluation then gives the losses of
    the whole block. Every per-sample loss is computed row by row and each step's N
    per-sample losses are summed as one row, so the numbers are the ones a step-by-step
    evaluation gives. Used when every batch has the same number of rows.
    """

    def __init__(self, scenario: Scenario, plan: list[slice], losses: np.ndarray,
                 watch: DivergenceWatch):
        out, data = scenario.model.output, scenario.data
        self.scenario, self.losses, self.watch = scenario, losses, watch
        self.rows = plan[0].stop - plan[0].start
        self.mean = scenario.train.reduction == "mean"
        size = LOSS_BLOCK * self.rows
        self.output = np.empty((size, out.units))
        # What the loss reads besides ŷ (network.loss_inputs): the logits, or the scores.
        self.reads_logits = network.is_fused(scenario)
        self.extra = np.empty((size, out.units)) \
            if self.reads_logits or scenario.train.loss == "hinge" else None
        # One batch (the whole data): its targets are the same at every step, written once.
        self.same_targets = len(plan) == 1
        reps = LOSS_BLOCK if self.same_targets else 1
        self.y = np.empty((size,) + data.y.shape[1:])
        self.labels = None if data.labels is None else np.empty(size, dtype=data.labels.dtype)
        if self.same_targets:
            self.y[...] = np.tile(data.y, (reps,) + (1,) * (data.y.ndim - 1))
            if self.labels is not None:
                self.labels[...] = np.tile(data.labels, reps)
        self.first, self.count = 0, 0
        self.layers = scenario.model.layers

    def keep(self, number: int, fp: network.ForwardPass, y: np.ndarray, labels) -> None:
        if self.count == 0:
            self.first = number
        where = slice(self.count * self.rows, (self.count + 1) * self.rows)
        self.output[where] = fp.post[-1]
        if self.extra is not None:
            self.extra[where] = fp.pre[-1] if self.reads_logits else fp.post[-1]
        if not self.same_targets:
            self.y[where] = y
            if self.labels is not None:
                self.labels[where] = labels
        self.count += 1
        if self.count == LOSS_BLOCK:
            self.flush()

    def flush(self) -> None:
        if self.count == 0:
            return
        used = slice(0, self.count * self.rows)
        blanks = [None] * (len(self.layers) - 1)
        extra = None if self.extra is None else self.extra[used]
        output = self.output[used]
        # loss_inputs reads the logits from pre[-1] (fused losses) or the scores from post[-1].
        fp = network.ForwardPass(None, blanks + [extra if extra is not None else output],
                                 blanks + [output], self.layers)
        labels = None if self.labels is None else self.labels[used]
        per_sample = network.per_sample_loss(self.scenario, fp, self.y[used], labels)
        totals = per_sample.reshape(self.count, self.rows).sum(axis=1)
        values = totals / self.rows if self.mean else totals
        self.losses[self.first - 1:self.first - 1 + self.count] = values
        self.watch.see_many(self.first, values)
        self.count = 0


class ParameterBuffer:
    """Every parameter as a view of one flat array; trainable ones first, frozen ones last.

    `views(flat)` lays any array of the same length out the same way: the gradients and
    the optimizer's buffers share the layout, so one operation on the trainable prefix
    updates every trainable parameter.
    """

    def __init__(self, scenario: Scenario):
        frozen = scenario.train.frozen
        self.names = tuple(scenario.param_names)
        order = [n for n in self.names if n not in frozen] + [n for n in self.names if n in frozen]
        self.layout: dict[str, tuple[int, int, tuple[int, ...]]] = {}
        start = 0
        for name in order:
            shape = np.shape(scenario.params[name])
            size = int(np.prod(shape, dtype=np.int64))
            self.layout[name] = (start, size, shape)
            start += size
        self.size = start
        self.trainable = sum(size for n, (_, size, _) in self.layout.items() if n not in frozen)
        self.flat = np.empty(self.size)
        self.params = self.views(self.flat)
        for name in self.names:
            self.params[name][...] = np.asarray(scenario.params[name], dtype=float)

    def ranges(self, names) -> list[slice]:
        """Where the parameters ``names`` sit in the flat layout."""
        return [slice(self.layout[n][0], self.layout[n][0] + self.layout[n][1]) for n in names]

    def views(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        """Parameter-shaped views of ``flat``, in the scenario's order (the slides' order)."""
        out = {}
        for name in self.names:
            start, size, shape = self.layout[name]
            out[name] = flat[start:start + size].reshape(shape)
        return out


def snapshot(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Copies, so a recorded state never changes when the buffers move on."""
    return {name: value.copy() for name, value in arrays.items()}


def run_numbers(scenario: Scenario) -> Run:
    """Train for scenario.train.steps steps (forward pass only for 0) and keep the state."""
    # Overflow and 0·inf are not errors here: the slides flag every non-finite value and
    # a diverging run is flagged or stopped, so numpy's warnings would only repeat that.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return _run(scenario)


def _run(scenario: Scenario) -> Run:
    train, data = scenario.train, scenario.data
    steps = train.steps
    every_step = records_every_step(scenario)
    middle = frozenset() if every_step else chosen_steps(scenario)
    progress = None if every_step else current_progress()
    plan = batches(data.x.shape[0], train.batch_size)
    buffer = ParameterBuffer(scenario)
    params, flat = buffer.params, buffer.flat
    grad_flat = np.zeros(buffer.size)
    grads = buffer.views(grad_flat)
    optimizer = optim.Optimizer(train, buffer.size, buffer.trainable,
                                buffer.ranges(network.weight_names(scenario)))
    moments = {kind: buffer.views(flat) for kind, flat in optimizer.flat.items()}
    has_loss = scenario.has_loss
    net = network.Network(scenario)

    # A forward-only scenario (no targets) has no loss at all.
    losses = np.empty(max(steps, 1) + (1 if steps >= 1 else 0) if has_loss else 0)
    states: list[StepState] = []
    watch = DivergenceWatch()
    tail_start = steps - KEEP_TAIL
    equal_batches = len({batch.stop - batch.start for batch in plan}) == 1
    block = LossBlock(scenario, plan, losses, watch) if not every_step and equal_batches else None
    # Each batch's rows of the data, as views made once.
    batch_data = [(data.x[rows], None if data.y is None else data.y[rows],
                   None if data.labels is None else data.labels[rows]) for rows in plan]
    for number in range(1, max(steps, 1) + 1):
        rows = plan[(number - 1) % len(plan)]
        x, y, labels = batch_data[(number - 1) % len(plan)]
        if progress is not None:
            progress(number, steps)
        record = recorded_in_full(number, steps, every_step, middle)
        if record and block is not None:
            block.flush()       # the block holds consecutive steps only
        fp = net.forward(params, x, rows)
        if not has_loss:
            states.append(_forward_state(scenario, 1, rows, x, y, labels, snapshot(params), fp,
                                         math.nan))
            break
        if record or block is None:
            loss = network.reduce(scenario, network.per_sample_loss(scenario, fp, y, labels))
            losses[number - 1] = loss
            watch.see(number, loss)
        else:
            block.keep(number, fp, y, labels)
            if number == tail_start:
                block.flush()
        if steps == 0:
            states.append(_forward_state(scenario, 1, rows, x, y, labels, snapshot(params), fp, loss))
            break
        g = net.backward(params, fp, y, labels, full=record, into=grads)
        before = snapshot(params) if record else None
        moments_before = _moments(moments, optimizer.kinds) if record else None
        optimizer.step(flat, grad_flat, buffer.trainable, number)
        if not math.isfinite(np.add.reduce(flat)):     # flat.sum() without its Python wrapper
            if block is not None:
                block.flush()           # the error names this step's loss
            _stop_if_not_finite(scenario, params, losses, number)
        if record:
            state = _forward_state(scenario, number, rows, x, y, labels, before, fp, loss)
            states.append(replace(
                state, grad_pre=tuple(g.pre), grad_post=tuple(g.post), grads=snapshot(grads),
                grad_norms=g.norms,
                moments_before=moments_before, params_after=snapshot(params),
                moments=_moments(moments, optimizer.kinds + optimizer.derived)))
    final = snapshot(params)
    gap = (KEEP_HEAD + 1, tail_start) if not every_step else None
    if steps >= 1:
        x, y, labels = data.x, data.y, data.labels
        fp = net.forward(final, x, slice(0, x.shape[0]))
        loss = network.reduce(scenario, network.per_sample_loss(scenario, fp, y, labels))
        losses[steps] = loss
        watch.see(steps + 1, loss)
        states.append(_forward_state(scenario, AFTER_NUMBER, slice(0, x.shape[0]), x, y, labels,
                                     final, fp, loss))
    return Run(scenario, tuple(states), losses, final, gap, watch.at, middle)


def _moments(moments: dict, kinds: tuple[str, ...]) -> dict[str, dict[str, np.ndarray]]:
    """Copies of the optimizer buffers ``kinds`` (v, m, s, mhat, shat) by parameter."""
    return {kind: snapshot(moments[kind]) for kind in kinds}


def _forward_state(scenario, number, rows, x, y, labels, params, fp, loss) -> StepState:
    return StepState(number=number, rows=rows, x=x, y=y, labels=labels, params=params,
                     pre=tuple(fp.pre), post=tuple(fp.post), slopes=fp.computed_slopes(), loss=float(loss),
                     eta=scenario.train.eta(max(number, 1)), norms=dict(fp.norms))


def _stop_if_not_finite(scenario: Scenario, params: dict, losses: np.ndarray, number: int) -> None:
    """Parameters that are no longer finite make every later step nan: stop with an error."""
    bad = [name for name, value in params.items() if not np.isfinite(value).all()]
    if not bad:
        return      # the sum overflowed, the parameters did not
    first, last = float(losses[0]), float(losses[number - 1])
    if number == 1 and not math.isfinite(first):
        raise ScenarioError(
            scenario.file, "train",
            f"the numbers of step 1 overflow float64 (loss = {first:g}, so the update of "
            f"{', '.join(bad)} is not finite); scale down data.x or the initial parameters, "
            "or set train.steps = 0 to see the forward pass only")
    raise ScenarioError(
        scenario.file, "train.lr",
        f"training diverged at step {number}: after its update {', '.join(bad)} "
        f"{'is' if len(bad) == 1 else 'are'} no longer finite (the loss went from "
        f"{first:.4g} at step 1 to {last:.4g}); use a smaller learning rate than "
        f"{scenario.train.lr:g} or fewer steps")
