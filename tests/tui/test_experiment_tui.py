"""kind = "experiment" in the TUI: trained in the app with progress, then the curves of all
runs, the final numbers and the gradient-norm heat strip; Ctrl-C stops the training thread."""

from __future__ import annotations

import html

import numpy as np
import pytest

import stepcalc
from conftest import write_scenario
from stepcalc.tui import build_app
from stepcalc.tui.screens.slides import SlideScreen
from stepcalc.tui.widgets.experiment_screen import ExperimentScreen
from stepcalc.tui.widgets.experiment_view import curves, drawable, gradient_norms, heat_strip

SIZE = (120, 36)
SMALL = '''title = "two recipes on iris"
kind = "experiment"
[data]
dataset = "iris"
normalize = "zscore"
[[runs]]
name = "deep_sigmoid"
hidden = [8, 8, 8]
activation = "sigmoid"
optimizer = "sgd"
init = "normal"
std = 0.05
epochs = EPOCHS
[[runs]]
name = "adam"
hidden = [8]
optimizer = "adam"
epochs = 4
'''


def screen_text(app) -> str:
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


async def wait_trained(pilot, screen, seconds: float = 60) -> None:
    for _ in range(int(seconds / 0.1)):
        if screen.trace is not None:
            await pilot.pause()
            return
        await pilot.pause(0.1)
    raise AssertionError("training never finished")


@pytest.mark.asyncio
async def test_trains_with_progress_then_shows_curves_table_and_heat_strip(tmp_path):
    file = write_scenario(tmp_path, SMALL.replace("EPOCHS", "6"), "small.toml")
    app = build_app(file)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ExperimentScreen)
        await wait_trained(pilot, screen)
        assert app.trace is screen.trace
        text = screen_text(app)
        assert "All runs: training loss per epoch" in text
        table = screen.query_one("#exp-final")
        assert table.row_count == 2 and table.get_row_at(0)[0] == "deep_sigmoid"
        # the final numbers are the trace's (the last epoch of each run)
        values = screen.trace.values
        assert table.get_row_at(1)[3] == f"{values['adam.epoch4.accuracy']:.3g}"
        await pilot.press("a")
        assert "All runs: test accuracy per epoch" in screen_text(app)
        assert screen.check_action("toggle_log", ()) is None      # log scale: loss only
        assert screen.log_scale is False                          # iris: less than two decades
        await pilot.press("a", "l")
        assert screen.log_scale is True and "(log scale)" in screen_text(app)
        await pilot.press("s")
        assert isinstance(app.screen, SlideScreen)
        await pilot.press("l")                                    # the slides' curves key
        assert app.screen is screen and len(app.screen_stack) == 1


@pytest.mark.asyncio
async def test_ctrl_c_while_training_exits_130_and_stops_the_thread(tmp_path):
    file = write_scenario(tmp_path, SMALL.replace("EPOCHS", "1000").replace("[8, 8, 8]", "[64, 64, 64]")
                          .replace('hidden = [8]\n', 'hidden = [64]\n'), "long.toml")
    app = build_app(file)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        for _ in range(200):
            await pilot.pause(0.05)
            if screen.query_one("#exp-progress").progress:
                break
        assert "Training: experiment run deep_sigmoid: epoch" in screen_text(app)
        await pilot.press("ctrl+c")
    assert app.return_code == 130
    assert screen.ended.wait(10), "the training thread went on after Ctrl-C"
    assert screen.trace is None


def test_views_read_the_trace():
    trace = stepcalc.trace(stepcalc.loads(SMALL.replace("EPOCHS", "6")))
    names, loss = curves(trace, "loss")
    assert names == ("deep_sigmoid", "adam") and loss.shape == (2, 7)
    assert loss[0, 6] == trace.values["deep_sigmoid.epoch6.loss"]
    assert np.isnan(loss[1, 5])                   # adam ran 4 epochs
    assert drawable(loss[1], log=True) == (list(range(5)), [trace.values[f"adam.epoch{k}.loss"] for k in range(5)])
    norms = gradient_norms(trace)
    np.testing.assert_array_equal(norms["deep_sigmoid"][-1], trace.values["deep_sigmoid.epoch6.grad_norm"])
    strip = heat_strip(norms)
    lines = strip.plain.splitlines()
    assert lines[0].split() == ["W1", "W2", "W3", "W4"]
    assert lines[1].count("███") == 4 and lines[2].count("███") == 2


def test_snapshot_of_the_curves(snap_compare):
    trace = stepcalc.trace(stepcalc.loads(SMALL.replace("EPOCHS", "6")))
    assert snap_compare(build_app(trace), terminal_size=(100, 32))


@pytest.mark.asyncio
async def test_a_step_to_open_at_opens_the_slides():
    app = build_app(stepcalc.loads(SMALL.replace("EPOCHS", "2")), step="adam.curves")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SlideScreen)
