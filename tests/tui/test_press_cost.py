"""What keeps a slide change cheap (bench/bench_tui.py measures it; no timings here):

* the footer greys Prev and Next out in place at the ends of the deck instead of
  rebuilding its keys;
* the after-training overview is shown by setting its own display, not by a class on the
  screen (which restyles every widget);
* long-lived objects are frozen out of the garbage collector while the app runs, and given
  back when it exits.
"""

from __future__ import annotations

import gc

import pytest
from textual.widgets._footer import FooterKey

from stepcalc.tui import build_app
from tui_pilot import until

SIZE = (100, 32)


def footer_keys(screen) -> dict[str, FooterKey]:
    return {key.action: key for key in screen.query(FooterKey)}


async def deck_with_its_keys(pilot):
    """The slide screen, once its footer has drawn the keys."""
    screen = pilot.app.screen
    await until(pilot, lambda: "previous" in footer_keys(screen))
    return screen


@pytest.mark.asyncio
async def test_prev_and_next_grey_out_at_the_ends_without_rebuilding_the_footer():
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        screen = await deck_with_its_keys(pilot)
        keys = footer_keys(screen)
        assert keys["previous"].has_class("-disabled") and keys["previous"]._disabled
        assert not keys["next"].has_class("-disabled")

        await pilot.press("n")
        await until(pilot, lambda: not footer_keys(screen)["previous"].has_class("-disabled"))
        assert not footer_keys(screen)["previous"]._disabled      # a click works again

        await pilot.press("G")                                     # the last slide
        await until(pilot, lambda: footer_keys(screen)["next"].has_class("-disabled"))
        assert footer_keys(screen)["next"]._disabled
        assert not footer_keys(screen)["previous"].has_class("-disabled")
        # the same key widgets all along: greyed in place, the footer was not rebuilt
        assert all(footer_keys(screen)[action] is key for action, key in keys.items())


@pytest.mark.asyncio
async def test_a_change_in_which_keys_are_shown_still_rebuilds_the_footer():
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        screen = await deck_with_its_keys(pilot)
        assert "hint" not in footer_keys(screen)
        await pilot.press("t")                                     # quiz: hint and reveal appear
        await until(pilot, lambda: "hint" in footer_keys(screen))
        assert "hint" in footer_keys(screen)


@pytest.mark.asyncio
async def test_the_overview_is_shown_without_a_class_on_the_screen():
    app = build_app("dying_relu")
    async with app.run_test(size=(200, 50)) as pilot:
        screen = app.screen
        overview = screen.query_one("#overview")
        classes_before = set(screen.classes)
        await pilot.press("G")
        await pilot.pause()
        assert overview.display
        assert set(screen.classes) == classes_before
        await pilot.press("t")                                     # never while quizzing
        await pilot.pause()
        assert not overview.display


@pytest.mark.asyncio
async def test_long_lived_objects_are_frozen_while_the_app_runs_and_given_back_on_exit():
    assert gc.get_freeze_count() == 0
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: gc.get_freeze_count() > 0)
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
