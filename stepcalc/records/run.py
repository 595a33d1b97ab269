"""What one training run computed, before any slide is planned: frozen per-step state.

`StepState` is one recorded training step (or the forward pass after the last update):
the batch rows it used, the parameters in use and after the update, every forward value,
every gradient, the optimizer state and the loss. The slide plan builds Steps from these;
the gradient check, the audit and the TUI's network panel read them too, so nothing
rebuilds engine state from id strings.

`RunValues` is the `values` mapping of a Trace: the recorded Steps' values plus the batch
loss of every step a long run did not record, read from one float64 array instead of
100,000 dict entries.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from stepcalc.records.quantity import Quantity, parse_quantity

AFTER_NUMBER = 0     # StepState.number of the forward pass after the last update


@dataclass(frozen=True, eq=False)
class StepState:
    """The numbers of one training step, as the training loop left them."""

    number: int                          # 1-based training step; 0 = after the last update
    rows: slice                          # the batch: rows of the data this step used
    x: np.ndarray                        # data.x[rows] (a view)
    y: np.ndarray
    labels: np.ndarray | None
    params: Mapping[str, np.ndarray]     # the parameters in use (before the update)
    pre: tuple[np.ndarray, ...]          # u of each layer
    post: tuple[np.ndarray, ...]         # a = f(u) of each layer
    slopes: Mapping[int, np.ndarray]     # f′(u) of the layers where it was computed
    loss: float                          # the reduced batch loss (without the penalty)
    eta: float                           # the learning rate of this step's update
    # None for the forward pass after the last update (and for a run of 0 steps):
    grad_pre: tuple[np.ndarray, ...] | None = None
    grad_post: tuple[np.ndarray, ...] | None = None
    grads: Mapping[str, np.ndarray] | None = None        # ∂L/∂θ (+ λθ for weights)
    params_after: Mapping[str, np.ndarray] | None = None
    # batch norm, by layer index: what the forward pass normalised (mu, var, x_hat …) and
    # the gradients of those intermediates (x_hat, var, mu); empty without batch norm
    norms: Mapping[int, object] = field(default_factory=dict)
    grad_norms: Mapping[int, object] = field(default_factory=dict)
    # Optimizer buffers by kind ("v", "m", "s"; after the update also Adam's "mhat",
    # "shat"), each by parameter name; empty for sgd.
    moments_before: Mapping[str, Mapping[str, np.ndarray]] | None = None
    moments: Mapping[str, Mapping[str, np.ndarray]] | None = None

    @property
    def velocity(self) -> Mapping[str, np.ndarray] | None:
        """The momentum velocity after the update (momentum and nesterov), else None."""
        return (self.moments or {}).get("v")

    @property
    def velocity_before(self) -> Mapping[str, np.ndarray] | None:
        return (self.moments_before or {}).get("v")

    @property
    def batched(self) -> bool:
        return self.rows.stop - self.rows.start > 1

    @property
    def updated(self) -> bool:
        return self.params_after is not None


class RunValues(Mapping):
    """Quantity id → value, in slide order; unrecorded steps' losses come from an array.

    ``head`` holds the values up to the gap of a long run, ``losses[k]`` is the batch loss
    of step k + 1, ``gap`` the (first, last) unrecorded step, ``tail`` the values after it.
    """

    def __init__(self, head: dict, losses: np.ndarray | None = None,
                 gap: tuple[int, int] | None = None, tail: dict | None = None):
        self._head = head
        self._losses = losses
        self._gap = gap
        self._tail = tail if tail is not None else {}

    def _gap_number(self, key: str) -> int | None:
        if self._gap is None:
            return None
        try:
            quantity = parse_quantity(key)
        except ValueError:
            return None
        first, last = self._gap
        if quantity == Quantity("loss").at(quantity.step) and quantity.step != "after" \
                and first <= quantity.number <= last:
            return quantity.number
        return None

    def __getitem__(self, key: str) -> np.ndarray:
        if key in self._head:
            return self._head[key]
        if key in self._tail:
            return self._tail[key]
        number = self._gap_number(key) if isinstance(key, str) else None
        if number is None:
            raise KeyError(key)
        return np.asarray(float(self._losses[number - 1]))

    def __iter__(self) -> Iterator[str]:
        yield from self._head
        if self._gap is not None:
            first, last = self._gap
            for number in range(first, last + 1):
                yield str(Quantity("loss", step=number))
        yield from self._tail

    def __len__(self) -> int:
        gap = 0 if self._gap is None else self._gap[1] - self._gap[0] + 1
        return len(self._head) + gap + len(self._tail)

    def __contains__(self, key) -> bool:
        return key in self._head or key in self._tail or (
            isinstance(key, str) and self._gap_number(key) is not None)


class Losses(Sequence):
    """The batch loss before each update, then after the last one, as floats; backed by
    the run's float64 array (a long run's 100,001 losses are not 100,001 Python floats)."""

    def __init__(self, losses: np.ndarray):
        self._losses = losses

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [float(v) for v in self._losses[index]]
        return float(self._losses[index])

    def __len__(self) -> int:
        return len(self._losses)

    def __iter__(self) -> Iterator[float]:
        return iter(self._losses.tolist())

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._losses, dtype=dtype)

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"Losses({self._losses.tolist()!r})"
