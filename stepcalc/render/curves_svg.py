"""Curves as an inline SVG: one line per row of a table over its columns (the experiment's
loss and accuracy of every run per epoch), drawn by stepcalc, no plotting library.

The drawing is deterministic (coordinates rounded to 0.1 px) so an export is the same
text each time. A non-finite entry (a diverged run, a shorter run's missing epochs)
breaks its line rather than drawing to 0. A positive curve spanning more than two decades
is drawn on a log scale, where a stalled run and a learning one stay both readable.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

# Okabe–Ito: told apart with the common colour-vision deficiencies, and in greyscale by dashes.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
DASHES = ("", "6 3", "2 2", "8 3 2 3")
WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 150, 30, 40     # margins: y ticks, legend, title, x ticks
LOG_SPAN = 100.0                               # max/min beyond which a positive curve goes log


def uses_log(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool(finite.size and finite.min() > 0 and finite.max() / finite.min() > LOG_SPAN)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 5 × 10ᵏ steps) covering [low, high]."""
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 12))
    return ticks


def log_ticks(low: float, high: float) -> list[float]:
    return [10.0 ** k for k in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)]


def tick_text(value: float) -> str:
    if value != 0 and (abs(value) >= 1e4 or abs(value) < 1e-3):
        return f"{value:.0e}".replace("e-0", "e-").replace("e+0", "e")
    return f"{value:g}"


def curves_svg(labels, values, title: str, y_label: str, x_label: str = "epoch",
               log: bool | None = None) -> str:
    """``values`` is series × points (x = 0, 1, …); ``log`` None chooses by ``uses_log``."""
    values = np.asarray(values, dtype=float)
    log = uses_log(values) if log is None else log
    finite = values[np.isfinite(values) & ((values > 0) if log else True)]
    if finite.size:
        low, high = float(finite.min()), float(finite.max())
    else:
        low, high = (1.0, 10.0) if log else (0.0, 1.0)
    ticks = log_ticks(low, high) if log else nice_ticks(min(low, 0.0) if low >= 0 and high <= 1 else low, high)
    y0, y1 = ticks[0], ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(values.shape[1] if values.ndim == 2 else 0, 2)

    def x_of(k: float) -> float:
        return LEFT + plot_w * k / (n - 1)

    def y_of(v: float) -> float:
        if log:
            frac = (math.log10(v) - math.log10(y0)) / (math.log10(y1) - math.log10(y0))
        else:
            frac = (v - y0) / (y1 - y0)
        return TOP + plot_h * (1.0 - frac)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
           'font-family="sans-serif" font-size="11">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{LEFT}" y="18" font-size="13" font-weight="bold">{escape(title)}</text>']
    for t in ticks:
        y = y_of(t)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick_text(t)}</text>')
    for k in nice_ticks(0, n - 1, min(n - 1, 10)):
        if k <= n - 1 and float(k).is_integer():
            x = x_of(k)
            out.append(f'<line x1="{x:.1f}" y1="{TOP + plot_h}" x2="{x:.1f}" y2="{TOP + plot_h + 4}" stroke="#333"/>')
            out.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{int(k)}</text>')
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle">{escape(x_label)}</text>')
    scale = " (log scale)" if log else ""
    out.append(f'<text transform="translate(14 {TOP + plot_h / 2:.1f}) rotate(-90)" '
               f'text-anchor="middle">{escape(y_label + scale)}</text>')
    for i, (label, row) in enumerate(zip(labels, values)):
        colour, dash = COLOURS[i % len(COLOURS)], DASHES[(i // len(COLOURS) + i) % len(DASHES)]
        style = f' stroke-dasharray="{dash}"' if dash else ""
        for segment in _segments(row, log):
            points = " ".join(f"{x_of(k):.1f},{y_of(v):.1f}" for k, v in segment)
            if len(segment) == 1:
                (k, v), = segment
                out.append(f'<circle cx="{x_of(k):.1f}" cy="{y_of(v):.1f}" r="2" fill="{colour}"/>')
            else:
                out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                           f'stroke-width="2"{style}/>')
        y = TOP + 8 + 18 * i
        x = LEFT + plot_w + 12
        out.append(f'<line x1="{x}" y1="{y}" x2="{x + 24}" y2="{y}" stroke="{colour}" '
                   f'stroke-width="2"{style}/>')
        out.append(f'<text x="{x + 30}" y="{y + 4}">{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def table_plot(table, title: str) -> str:
    """A records Table with ``plot = "curves"``: its rows as curves over its columns."""
    return curves_svg(table.row_labels, table.values, title, table.plot_label or "value")


def _segments(row: np.ndarray, log: bool) -> list[list[tuple[int, float]]]:
    """Runs of drawable points (finite, and positive on a log scale)."""
    segments, current = [], []
    for k, v in enumerate(row):
        if math.isfinite(v) and (v > 0 or not log):
            current.append((k, float(v)))
        elif current:
            segments.append(current)
            current = []
    if current:
        segments.append(current)
    return segments
