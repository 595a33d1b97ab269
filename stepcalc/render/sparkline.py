"""A row of counts as block characters: the histogram column of tables (Markdown, TUI)."""

from __future__ import annotations

import numpy as np

SPARK = "▁▂▃▄▅▆▇█"


def sparkline(counts) -> str:
    """Counts as a row of block characters (the tallest bar is the largest count)."""
    counts = np.asarray(counts, dtype=float)
    top = counts.max() if counts.size else 0.0
    if top <= 0:
        return " " * counts.size
    levels = np.ceil(counts / top * (len(SPARK) - 1)).astype(int)
    return "".join(" " if c == 0 else SPARK[level] for c, level in zip(counts, levels))
