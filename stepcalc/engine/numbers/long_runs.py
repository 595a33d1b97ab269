"""Long training runs: which steps get full Step records, and progress reporting.

Up to FULL_STEPS training steps are recorded in full (every Step, every value). A longer
run records steps 1..KEEP_HEAD and the last KEEP_TAIL steps in full; the steps in between
are computed (the same numbers) but only their batch loss is kept: in `losses` and in
`values` as "step<n>.loss"; `train.record` and `train.record_every` choose more steps to
keep in full. 10⁵ full steps of even a 2-3-2 net would take gigabytes of
Step records and many minutes (see tests/robustness/test_limits.py).
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Callable, Iterator

import numpy as np

from stepcalc.scenario.model import Scenario

FULL_STEPS = 100
KEEP_HEAD = 5
KEEP_TAIL = 5

# Called as progress(step, total) for every training step of a long run (not every step
# recorded);
# the CLI sets it to print progress on stderr. A context variable, so the Python API
# `stepcalc.trace(sc)` stays a pure function of the scenario.
_progress: contextvars.ContextVar[Callable[[int, int], None] | None] = \
    contextvars.ContextVar("stepcalc_train_progress", default=None)


def current_progress() -> Callable[[int, int], None] | None:
    return _progress.get()


@contextlib.contextmanager
def reporting_progress(callback: Callable[[int, int], None]) -> Iterator[None]:
    """Within this block, long training runs report their progress to ``callback``."""
    token = _progress.set(callback)
    try:
        yield
    finally:
        _progress.reset(token)


# …and only while the recorded values of all steps stay below this many floats (160 MB):
# 100 full steps of a 784-256-10 net on a batch of 1024 would be 1.4 GB.
FULL_VALUES_BUDGET = 20_000_000


def _per_step(scenario: Scenario) -> int:
    """About how many floats one recorded training step keeps."""
    rows = scenario.train.batch_size or scenario.data.x.shape[0]
    n_params = sum(int(np.size(v)) for v in scenario.params.values())
    return 4 * rows * sum(layer.units for layer in scenario.model.layers) + 3 * n_params


def records_every_step(scenario: Scenario) -> bool:
    """Whether every training step gets its Step records (else only the first and last few)."""
    train = scenario.train
    if train.steps <= KEEP_HEAD + KEEP_TAIL:
        return True
    return train.steps <= FULL_STEPS and train.steps * _per_step(scenario) <= FULL_VALUES_BUDGET


def chosen_steps(scenario: Scenario) -> frozenset[int]:
    """The steps between the first and the last few that `record` / `record_every` keep in
    full. Refused when they would hold more than FULL_VALUES_BUDGET floats."""
    train = scenario.train
    chosen = set(train.record)
    if train.record_every:
        chosen.update(range(train.record_every, train.steps + 1, train.record_every))
    middle = frozenset(n for n in chosen if KEEP_HEAD < n <= train.steps - KEEP_TAIL)
    kept = (len(middle) + KEEP_HEAD + KEEP_TAIL) * _per_step(scenario)
    if middle and kept > FULL_VALUES_BUDGET:
        from stepcalc.errors import ScenarioError

        key = "train.record" if train.record else "train.record_every"
        raise ScenarioError(scenario.file, key,
                            f"recording {len(middle)} more steps in full would keep about "
                            f"{kept * 8 / 1e6:.0f} MB of values (the limit is "
                            f"{FULL_VALUES_BUDGET * 8 / 1e6:.0f} MB); record fewer steps")
    return middle


def recorded_in_full(number: int, steps: int, every_step: bool, middle=frozenset()) -> bool:
    """Whether training step ``number`` (1-based) of a run of ``steps`` gets full Step records."""
    return every_step or number <= KEEP_HEAD or number > steps - KEEP_TAIL or number in middle
