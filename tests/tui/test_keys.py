"""Keys whatever has focus: Space/n/p, j/k, Tab through the panels, Ctrl-C, help by name."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from stepcalc.tui import build_app
from stepcalc.tui.screens.help import HelpScreen
from stepcalc.tui.widgets.slide import SlideView
from stepcalc.tui.widgets.steplist import StepTree


@pytest.mark.asyncio
async def test_space_n_and_p_change_the_slide_when_the_step_list_has_focus():
    app = build_app("dying_relu")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        screen.query_one(StepTree).focus()
        await pilot.press("space")
        assert screen.index == 1
        await pilot.press("n", "n")
        assert screen.index == 3
        await pilot.press("p")
        assert screen.index == 2
        assert screen.step_tree.cursor_node.data == 2


@pytest.mark.asyncio
async def test_n_and_space_are_text_in_the_quiz_box():
    app = build_app("dying_relu")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        await pilot.press("t", "enter")
        box = screen.query_one("#quiz-input", Input)
        assert screen.focused is box
        await pilot.press("1", "space", "n", "p", "j")
        assert screen.index == 0 and box.value == "1 npj"


@pytest.mark.asyncio
async def test_j_and_k_scroll_the_slide():
    app = build_app("dying_relu", step="y_hat")           # the tall softmax slide
    async with app.run_test(size=(80, 24)) as pilot:
        slide = app.screen.query_one(SlideView)
        await pilot.pause()
        assert slide.virtual_size.height > slide.size.height
        await pilot.press("j", "j")
        assert slide.scroll_y == 2
        await pilot.press("k")
        assert slide.scroll_y == 1


@pytest.mark.asyncio
async def test_tab_reaches_every_panel_and_the_focused_panel_scrolls():
    app = build_app("dying_relu")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("w")                               # the weights make the network tall
        seen = []
        for _ in range(4):
            await pilot.press("tab")
            seen.append(screen.focused.id)
        assert {"steps", "slide", "side"} <= set(seen)
        side = screen.query_one("#side")
        side.focus()
        await pilot.pause()
        assert side.virtual_size.height > side.size.height
        await pilot.press("j")
        assert side.scroll_y == 1
        assert screen.index == 0                             # j scrolled, nothing else


@pytest.mark.asyncio
async def test_entering_a_collapsed_training_step_keeps_the_cursor_on_the_slide():
    """momentum_mlp slide 22 is the first of training step 2, collapsed until reached."""
    app = build_app("momentum_mlp")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        for _ in range(21):
            await pilot.press("n")
        await pilot.pause()
        assert screen.index == 21
        assert screen.step_tree.cursor_node.data == 21
        await pilot.press("n")
        assert screen.index == 22


@pytest.mark.asyncio
async def test_help_opened_by_name_has_no_way_back_to_a_picker():
    app = build_app("dying_relu")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        texts = [what for _, what in help_screen.rows]
        assert not any("picker" in what for what in texts)
        assert any("Scroll the focused panel down" in what for what in texts)


@pytest.mark.asyncio
async def test_ctrl_c_exits_with_130():
    app = build_app("dying_relu")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+c")
    assert app.return_code == 130
