"""The slide comes first: widths by breakpoint, matrices that fit, no spoilers."""

from __future__ import annotations

import numpy as np
import pytest

import stepcalc
from conftest import train_toml, write_scenario
from stepcalc.render.text import as_grid, matrix_layout
from stepcalc.tui import build_app
from stepcalc.tui.layout import choose_layout
from stepcalc.tui.screens.slides import SlideScreen
from stepcalc.tui.widgets.matrix import fitted, layout_width, result_lines
from stepcalc.tui.widgets.slide import SlideView


@pytest.mark.parametrize("width", [100, 120, 140, 160, 200, 240])
def test_layout_leaves_the_slide_sixty_percent(width):
    for side in (0, 30, 63, 90):
        layout = choose_layout(width, side)
        assert layout.slide_width(width, side) >= 0.6 * width


@pytest.mark.parametrize("size", [(100, 30), (120, 36), (160, 40), (200, 50)])
@pytest.mark.asyncio
async def test_the_slide_gets_sixty_percent_of_the_screen(size):
    app = build_app("dying_relu")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        slide = app.screen.query_one(SlideView)
        assert slide.region.width >= 0.6 * size[0]


def test_fitted_measures_instead_of_estimating():
    value = np.array([[-0.0007592, 1.5, -12.25, 0.3, 4.0, -0.1234]])
    make = lambda cols: matrix_layout(value, 4, (0, 0), max_cols=cols)  # noqa: E731
    full = layout_width(make(6))
    assert fitted(make, 6, full).cols == (0, 6)          # exactly enough room: all six
    cut = fitted(make, 6, full - 1)
    assert cut.cols[1] - cut.cols[0] < 6 and layout_width(cut) <= full - 1
    lines = result_lines(value, "v", 4, (0, 0), full + len("v = "))
    assert "columns" not in "\n".join(line.plain for line in lines.lines)


SIX = dict(x=((1.5, 0.2, -0.7), (0.3, -1.1, 2.0)), y=(0, 5),
           layers=((6, "relu"), (6, "softmax")), display={"precision": 4},
           init={"method": "normal", "std": 1.0, "seed": 1})


@pytest.mark.asyncio
async def test_six_columns_at_precision_4_are_never_cut_at_120x36(tmp_path):
    path = write_scenario(tmp_path, train_toml(**SIX))
    trace = stepcalc.trace(stepcalc.load(path))
    app = build_app(trace)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        slide = screen.query_one(SlideView)
        checked = 0
        for index, step in enumerate(screen.deck.steps):
            screen.index = index
            await pilot.pause()
            rows, cols = as_grid(step.value).shape
            result = slide.texts["result"]
            if cols <= 6 and rows <= 8:
                assert "columns" not in result and "…" not in result, (step.id, result)
                checked += 1
        assert checked > 10


@pytest.mark.asyncio
async def test_no_spoilers_before_the_last_update():
    app = build_app("dying_relu")
    async with app.run_test(size=(120, 36)) as pilot:
        screen: SlideScreen = app.screen
        overview = screen.query_one("#overview")
        assert not overview.display
        assert "after" not in str(screen.topbar.render())
        await pilot.press("a")                       # on a key
        assert overview.display
        await pilot.press("a")
        assert not overview.display
        screen.index = screen.deck.index_of["new.m"]   # the (last) update phase
        await pilot.pause()
        assert overview.display
        await pilot.press("t")                       # it shows results: not in a quiz
        await pilot.pause()
        assert not overview.display
