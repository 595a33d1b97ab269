"""init_stats (issue 9, defect 20): work and memory limits before anything is drawn,
and progress on stderr for a long experiment."""

from __future__ import annotations

import contextlib
import io
import time
import tracemalloc

import pytest

from stepcalc.cli import Progress, main
from stepcalc.engine.kinds import init_stats
from stepcalc.engine.numbers.long_runs import reporting_progress
from stepcalc.scenario.init_stats_limits import experiment_work


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def scenario(dims, batch=16, draw="outputs", runs=1) -> str:
    text = (f'title = "deep"\nkind = "init_stats"\n[network]\ndims = {list(dims)}\n'
            f'batch = {batch}\ndraw = "{draw}"\n')
    for r in range(runs):
        text += f'[[runs]]\nname = "r{r}"\nactivation = "tanh"\nmethod = "xavier"\n'
    return text


def test_a_16_gib_weight_matrix_is_refused_before_allocating(tmp_path):
    path = tmp_path / "huge.toml"
    path.write_text(scenario([65536, 65536], draw="weights"))
    tracemalloc.start()
    try:
        started = time.monotonic()
        code, out, err = run("export", str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 2 and out == ""
    assert err == (f'stepcalc: {path}: network.dims: draw = "weights" would draw a weight matrix '
                   "of 4,294,967,296 numbers, more than the limit of 16,777,216 (4096 × 4096); "
                   'use smaller layers or draw = "outputs"\n')
    assert peak < 50 * 2**20 and time.monotonic() - started < 10


def test_the_two_minute_experiment_is_refused_before_drawing(tmp_path):
    """dims [4096]*3 with batch 4096 and draw = "weights" ran 122 s silently: it would keep
    33.5 M activations (and 1.4·10¹¹ multiply-adds) — refused, with the count."""
    path = tmp_path / "slow.toml"
    path.write_text(scenario([4096, 4096, 4096], batch=4096, draw="weights"))
    started = time.monotonic()
    code, _, err = run("check", str(path))
    assert code == 2 and time.monotonic() - started < 10
    assert err == (f"stepcalc: {path}: network.dims: the runs would keep 33,554,432 activations "
                   "(batch × widths × runs), more than the limit of 20,000,000; use a smaller "
                   "batch, fewer or narrower layers, or fewer runs\n")


def test_work_over_the_limit_is_refused_with_its_count(tmp_path):
    """A batch of 4096 drawn as outputs: each layer decomposes a 4096 × 4096 Gram matrix."""
    path = tmp_path / "gram.toml"
    path.write_text(scenario([1, 1, 1], batch=4096))
    expected = 2 * (4096.0 ** 2 * 2 + 10 * 4096.0 ** 3)
    code, _, err = run("check", str(path))
    assert code == 2
    assert err == (f"stepcalc: {path}: network.dims: this experiment needs about {expected:.1e} "
                   "multiply-adds, more than stepcalc's limit of 1e+12; use a smaller batch or "
                   "narrower layers\n")


def test_too_many_kept_activations_are_refused(tmp_path):
    path = tmp_path / "wide.toml"
    path.write_text(scenario([8] + [65536] * 100, batch=4096))
    code, _, err = run("export", str(path))
    assert code == 2
    assert err.startswith(f"stepcalc: {path}: network.dims: the runs would keep "
                          f"{4096 * 65536 * 100:,} activations")


def test_the_slides_experiment_is_within_the_limits(tmp_path):
    path = tmp_path / "slides.toml"
    path.write_text(scenario([4096] * 7, batch=16, draw="weights", runs=2)
                    .replace("[network]", '[network]\nseed = 0'))
    assert experiment_work([4096] * 7, 16, "weights") == 6 * (16 * 4096.0 ** 2 + 4096.0 ** 2)
    code, out, err = run("export", str(path), "-f", "json")
    assert code == 0 and out and err == ""   # small: no progress lines


def test_a_long_experiment_reports_each_layer_on_stderr(monkeypatch):
    monkeypatch.setattr(init_stats, "PROGRESS_WORK", 0)
    import stepcalc

    stream = io.StringIO()
    with reporting_progress(Progress(stream)):
        stepcalc.trace(stepcalc.loads(scenario([8, 8, 8, 8, 8], runs=2)))
    lines = stream.getvalue().splitlines()
    assert lines[0] == "stepcalc: init_stats run r0: layer 1/4 (20%)"
    assert lines[-1] == "stepcalc: init_stats run r1: layer 4/4 (100%)"
