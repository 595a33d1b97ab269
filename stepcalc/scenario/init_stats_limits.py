"""Work and memory limits of kind = "init_stats", checked before anything is drawn.

The same bounds as a train run: at most MAX_WORK (10¹²) multiply-adds for the whole
experiment, at most MAX_WEIGHTS numbers in one drawn weight matrix (the slides' 4096 × 4096,
64 MB of float32), and at most MAX_KEPT activations kept for the statistics and the
expansions (batch × widths × runs).
"""

from __future__ import annotations

from .fields import Table

MAX_WORK = 1e12              # = loader.MAX_WORK (not imported: loader imports the kinds)
MAX_WEIGHTS = 4096 * 4096
MAX_KEPT = 20_000_000


def experiment_work(dims, batch: int, draw: str) -> float:
    """Multiply-adds (and random draws) of one run."""
    work = 0.0
    for d_in, d_out in zip(dims[:-1], dims[1:]):
        if draw == "weights":
            work += float(batch) * d_in * d_out + float(d_in) * d_out
        else:   # gram x·xᵀ, its eigen-decomposition, R·Z
            work += float(batch) ** 2 * d_in + 10.0 * float(batch) ** 3 + float(batch) ** 2 * d_out
    return work


def check_init_stats_limits(net: Table, dims, batch: int, draw: str, runs: int) -> None:
    if draw == "weights":
        largest = max(a * b for a, b in zip(dims[:-1], dims[1:]))
        if largest > MAX_WEIGHTS:
            raise net.error("dims", f'draw = "weights" would draw a weight matrix of {largest:,} '
                                    f"numbers, more than the limit of {MAX_WEIGHTS:,} (4096 × 4096); "
                                    'use smaller layers or draw = "outputs"')
    kept = batch * sum(dims[1:]) * max(runs, 1)
    if kept > MAX_KEPT:
        raise net.error("dims", f"the runs would keep {kept:,} activations (batch × widths × runs), "
                                f"more than the limit of {MAX_KEPT:,}; use a smaller batch, "
                                "fewer or narrower layers, or fewer runs")
    work = experiment_work(dims, batch, draw) * max(runs, 1)
    if work > MAX_WORK:
        raise net.error("dims", f"this experiment needs about {work:.1e} multiply-adds, more than "
                                f"stepcalc's limit of {MAX_WORK:.0e}; use a smaller batch or "
                                "narrower layers")
