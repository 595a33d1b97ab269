"""The loss plot's axes: steps on x, round ticks, an honest y range, a log scale. Pure.

Honest: on a linear axis y starts at 0 (a loss is never negative), so a 1.7 % drop looks
like 1.7 % of the height, not all of it. On the log axis the range is whole decades.
The metrics of `[train] metrics` go on a right-hand axis from 0, at the steps the trace
recorded (a long run does not compute them in the gap).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MAX_POINTS = 2000     # a 100,000-step run is drawn from this many evenly spread steps


def nice_step(span: float, count: int) -> float:
    """1, 2 or 5 times a power of ten, so ``span`` holds about ``count`` steps."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values (multiples of a 1-2-5 step) from ``low`` to ``high`` inclusive."""
    step = nice_step(high - low, count)
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [round(k * step, 12) for k in range(first, last + 1)]


def tick_label(value: float) -> str:
    return f"{value:.6g}".replace("-", "−")


def decade_label(power: int) -> str:
    """10^power written as a number where that is short (0.001, 100), else 1e−20."""
    if -3 <= power <= 4:
        return tick_label(10.0 ** power)
    return f"1e{power}".replace("-", "−")


@dataclass(frozen=True)
class Axes:
    x: list[float]                # step numbers (the last: "after")
    y: list[float]                # the loss, or log10 of it
    ylim: tuple[float, float]
    yticks: list[float]
    ylabels: list[str]
    xticks: list[float]
    xlabels: list[str]
    log: bool
    ylabel: str


def loss_axes(losses, log: bool = False) -> Axes:
    """Losses before each update, then after the last one: x = 1 … n, then "after"."""
    values = np.asarray(losses, dtype=float)
    n = values.size
    index = np.unique(np.linspace(0, n - 1, min(n, MAX_POINTS)).round().astype(int))
    x = (index + 1).astype(float)
    y = values[index]
    updates = n - 1                       # the last loss is after the last update
    if updates <= 12:                     # every step
        xticks = [float(t) for t in range(1, max(updates, 1) + 1)]
    else:
        xticks = [t for t in nice_ticks(1, updates, 6) if 1 <= t <= updates and t == int(t)]
        if not xticks or xticks[0] != 1:
            xticks = [1.0] + xticks
    xlabels = [str(int(t)) for t in xticks]
    if n > 1:
        if updates > 12 and n - xticks[-1] < n / 12:     # too close to "after": make room
            xticks, xlabels = xticks[:-1] or xticks, xlabels[:-1] or xlabels
        xticks, xlabels = xticks + [float(n)], xlabels + ["after"]
    positive = values[values > 0]
    if log and positive.size:
        low = math.floor(math.log10(positive.min()))
        high = math.ceil(math.log10(values.max()))
        high = high if high > low else low + 1
        yticks = [t for t in nice_ticks(low, high, 6) if t == int(t)] or [float(low), float(high)]
        y = np.log10(np.where(y > 0, y, positive.min()))
        return Axes(list(x), list(y), (float(low), float(high)), yticks,
                    [decade_label(int(t)) for t in yticks], xticks, xlabels, True,
                    "loss (log scale)")
    low = min(0.0, float(values.min()))
    top = float(values.max())
    step = nice_step(top - low, 5)
    high = round(math.ceil(top / step - 1e-9) * step, 12) if top > 0 else step
    yticks = nice_ticks(low, high, 5)
    return Axes(list(x), list(y), (low, high), yticks, [tick_label(t) for t in yticks],
                xticks, xlabels, False, "loss")


@dataclass(frozen=True)
class MetricSeries:
    name: str
    x: list[float]                # recorded steps (the after pass at the loss axis' "after")
    y: list[float]


def metric_series(values, name: str, recorded_steps, loss_count: int) -> MetricSeries:
    """The metric ``name`` at each recorded step: its id is ``name``, ``step<k>.name`` or
    ``after.name`` (records.quantity); the after pass sits where the loss axis puts it."""
    from stepcalc.records.quantity import AFTER, Quantity

    x, y = [], []
    for number in sorted(set(recorded_steps), key=lambda n: n or loss_count):
        value = values.get(str(Quantity(name, step=number or AFTER)))
        if value is not None:
            x.append(float(number or loss_count))
            y.append(float(value))
    return MetricSeries(name, x, y)


def metric_range(series: list[MetricSeries]) -> tuple[tuple[float, float], list[float], list[str]]:
    """(ylim, ticks, labels) of the metrics' axis: from 0 to 1 for accuracy, or up to a
    round value above the largest error."""
    top = max([1.0 if s.name == "accuracy" else max(s.y, default=0.0) for s in series] or [1.0])
    step = nice_step(top, 5)
    high = round(math.ceil(top / step - 1e-9) * step, 12) if top > 0 else 1.0
    ticks = nice_ticks(0.0, high, 5)
    return (0.0, high), ticks, [tick_label(t) for t in ticks]
