"""The loss plot (issue 12, item 8): steps on x, round ticks, y from 0, a log toggle."""

from __future__ import annotations

import math

import pytest

from stepcalc.tui import build_app
from stepcalc.tui.lossplot import loss_axes, metric_range, metric_series, nice_ticks
from stepcalc.tui.screens.training import TrainingScreen


def test_round_ticks():
    assert nice_ticks(0, 0.13, 5) == [0, 0.05, 0.1]
    assert nice_ticks(1, 495, 6) == [100, 200, 300, 400]
    assert nice_ticks(-23, 1, 6) == [-20, -15, -10, -5, 0]


def test_a_small_drop_stays_small_on_the_linear_axis():
    losses = [0.1265, 0.1259, 0.1252, 0.1244]          # a 1.7 % drop
    axes = loss_axes(losses)
    low, high = axes.ylim
    assert low == 0 and 0.1265 <= high <= 0.2
    assert (0.1265 - 0.1244) / (high - low) < 0.02     # under 2 % of the height
    assert axes.yticks == [0, 0.05, 0.1, 0.15] and axes.ylabels[-1] == "0.15"
    assert axes.xticks[-1] == 4 and axes.xlabels[-1] == "after" and axes.xlabels[0] == "1"


def test_the_log_axis_is_whole_decades_of_the_loss():
    losses = [2.0 * 0.5 ** k for k in range(31)]       # 2 … 1.9e−9
    axes = loss_axes(losses, log=True)
    assert axes.log and axes.ylim == (math.floor(math.log10(losses[-1])), 1)
    assert axes.y[0] == pytest.approx(math.log10(2.0))
    assert axes.yticks == [-8, -6, -4, -2, 0]
    assert [float(label.replace("−", "-")) for label in axes.ylabels] == [1e-8, 1e-6, 1e-4, 0.01, 1]


def test_a_long_run_is_drawn_from_at_most_2000_points_with_round_step_ticks():
    losses = [1 / (k + 1) for k in range(100_001)]
    axes = loss_axes(losses)
    assert len(axes.x) <= 2000 and axes.x[0] == 1 and axes.x[-1] == 100_001
    assert axes.xlabels[:3] == ["1", "20000", "40000"] and axes.xlabels[-1] == "after"


@pytest.mark.asyncio
async def test_s_toggles_the_log_scale_on_the_loss_screen():
    app = build_app("momentum_mlp")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("l")
        screen = app.screen
        assert isinstance(screen, TrainingScreen) and not screen.axes.log
        assert screen.axes.ylim[0] == 0
        await pilot.press("s")
        assert screen.axes.log and screen.axes.ylabel == "loss (log scale)"
        await pilot.press("s")
        assert not screen.axes.log


def test_metrics_are_drawn_at_the_recorded_steps_with_the_after_pass_last():
    values = {"accuracy": 0.5, "step2.accuracy": 0.75, "step9.accuracy": 1.0, "after.accuracy": 1.0,
              "loss": 1.0}
    series = metric_series(values, "accuracy", [0, 1, 2, 9], loss_count=10)
    assert series.x == [1, 2, 9, 10] and series.y == [0.5, 0.75, 1.0, 1.0]
    assert metric_range([series])[0] == (0.0, 1.0)
    rmse = metric_series({"rmse": 2.3, "after.rmse": 1.1}, "rmse", [1, 0], loss_count=2)
    ylim, ticks, _ = metric_range([rmse])
    assert ylim[0] == 0 and 2.3 <= ylim[1] <= 3 and ticks[0] == 0


@pytest.mark.asyncio
async def test_the_loss_screen_draws_the_scenarios_metrics_on_a_right_axis():
    app = build_app("recipe_iris")                      # metrics = ["accuracy"], 3 steps
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("l")
        screen = app.screen
        assert isinstance(screen, TrainingScreen)
        (series,) = screen.metrics
        trace = screen.trace
        assert series.name == "accuracy" and series.x == [1, 2, 3, 4]
        assert series.y == [trace.values[k] for k in
                            ("accuracy", "step2.accuracy", "step3.accuracy", "after.accuracy")]
        drawn = screen.query_one("#loss-plot").plt.build()
        assert "accuracy" in drawn and "loss" in drawn
