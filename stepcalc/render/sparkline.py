"""A row of counts as block characters: the histogram column of tables (Markdown, TUI)."""

from __future__ import annotations

import numpy as np

SPARK = "▁▂▃▄▅▆▇█"


def sparkline(counts) -> str:
    """Counts as a row of block characters (the tallest bar is the largest count).

    A non-finite entry (a diverged training curve, a run with fewer epochs) is a blank."""
    counts = np.asarray(counts, dtype=float)
    finite = np.isfinite(counts)
    top = counts[finite].max() if finite.any() else 0.0
    if top <= 0:
        return " " * counts.size
    levels = np.ceil(np.where(finite, counts, 0.0) / top * (len(SPARK) - 1)).astype(int)
    return "".join(" " if not ok or c <= 0 else SPARK[level]
                   for c, ok, level in zip(counts, finite, levels))
