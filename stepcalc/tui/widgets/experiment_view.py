"""What the experiment screen shows, read from the trace's steps (never recomputed): the
curves of all runs, the final numbers, and the per-layer gradient norms as a heat strip.

Pure functions of the trace and small Rich renderables, so they are testable without a
running app.
"""

from __future__ import annotations

import math

import numpy as np
from rich.color import Color
from rich.style import Style
from rich.text import Text

from stepcalc.render.text import number_text

# The steps the experiment kind writes (docs/scenarios.md, kind = "experiment").
CURVES = {"loss": "compare.loss", "accuracy": "compare.accuracy"}
FINAL = "compare.final"
# viridis at five stops: dark (small gradient) to yellow (large), readable on dark and light
VIRIDIS = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))


def is_experiment(trace) -> bool:
    return getattr(trace.scenario, "kind", "") == "experiment"


def step_by_id(trace, step_id: str):
    return next(s for s in trace.steps if s.id == step_id)


def curves(trace, key: str) -> tuple[tuple[str, ...], np.ndarray]:
    """(run names, runs × epochs+1) of ``key`` ("loss" or "accuracy"); NaN past a run's end."""
    table = step_by_id(trace, CURVES[key]).table
    return table.row_labels, np.asarray(table.values, dtype=float)


def final_rows(trace) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """(column labels, one row per run) of the numbers after each run's last epoch."""
    table = step_by_id(trace, FINAL).table
    precision = trace.scenario.precision
    rows = [(name, *(number_text(v, precision) for v in row))
            for name, row in zip(table.row_labels, table.values)]
    return ("run", *table.column_labels), rows


def gradient_norms(trace) -> dict[str, np.ndarray]:
    """Each run's weight-gradient norms, epochs × weight layers."""
    names, _ = curves(trace, "loss")
    return {name: np.asarray(step_by_id(trace, f"{name}.grad_norms").table.values, dtype=float)
            for name in names}


def drawable(values: np.ndarray, log: bool) -> tuple[list[int], list[float]]:
    """The points of one curve a plot can take: finite, and positive on a log scale."""
    keep = np.isfinite(values) & ((values > 0) if log else True)
    xs = np.flatnonzero(keep)
    return [int(x) for x in xs], [float(values[x]) for x in xs]


def shade(fraction: float) -> Color:
    """A viridis colour for 0 ≤ fraction ≤ 1."""
    fraction = min(max(fraction, 0.0), 1.0) * (len(VIRIDIS) - 1)
    low = min(int(fraction), len(VIRIDIS) - 2)
    t = fraction - low
    a, b = VIRIDIS[low], VIRIDIS[low + 1]
    return Color.from_rgb(*(round(x + (y - x) * t) for x, y in zip(a, b)))


def heat_strip(norms: dict[str, np.ndarray], epoch: int = -1) -> Text:
    """One row per run: a cell per weight layer (W1 … output), coloured by log₁₀ of its
    gradient norm in ``epoch`` on one scale for all runs, so a vanishing first layer shows
    dark beside a bright output layer."""
    rows = {name: n[epoch] if n.size else np.array([]) for name, n in norms.items()}
    logs = np.concatenate([np.log10(r[np.isfinite(r) & (r > 0)]) for r in rows.values()] or [np.array([])])
    low, high = (float(logs.min()), float(logs.max())) if logs.size else (0.0, 1.0)
    span = high - low or 1.0
    width = max((len(name) for name in rows), default=3)
    text = Text()
    layers = max((len(r) for r in rows.values()), default=0)
    text.append(" " * (width + 1) + "".join(f"W{k + 1:<3d}" for k in range(layers)) + "\n",
                style="dim")
    for name, row in rows.items():
        text.append(f"{name:<{width}} ")
        for value in row:
            if math.isfinite(value) and value > 0:
                colour = shade((math.log10(value) - low) / span)
                text.append("███ ", style=Style(color=colour))
            else:
                text.append(" ·  ", style="dim")
        text.append("\n")
    text.append(f"‖∂L/∂W‖ in the last epoch: dark {10 ** low:.1e} … bright {10 ** high:.1e}",
                style="dim")
    return text
