"""The picker (issue 12, item 9): course order, filter as you type, the folder's *.toml."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList

from conftest import train_toml, write_scenario
from stepcalc.tui import build_app
from stepcalc.tui.screens.picker import GROUPS, PickerScreen, catalogue
from stepcalc.tui.screens.slides import SlideScreen

SIZE = (120, 36)


def shown_ids(screen) -> list[str]:
    options = screen.query_one(OptionList)
    return [options.get_option_at_index(i).id for i in range(options.option_count)
            if options.get_option_at_index(i).id]


def test_bundled_scenarios_come_in_course_order(tmp_path):
    entries = catalogue(tmp_path)                      # an empty folder: bundled only
    names = [e.name for e in entries]
    groups = [GROUPS[e.group] for e in entries]
    assert groups == sorted(groups, key=GROUPS.index)  # linear, logistic, softmax, MLP, kinds
    # by hand, from the scenario files: one identity layer, one sigmoid, one softmax, 2 layers
    assert names.index("linear_regression") < names.index("logistic_regression") \
        < names.index("softmax_regression") < names.index("dying_relu") < names.index("activations")
    assert GROUPS[entries[names.index("xor_relu_mlp")].group] == "Multi-layer networks"
    assert GROUPS[entries[names.index("tum_l1_l2")].group] == "Other kinds"


@pytest.mark.asyncio
async def test_typing_filters_and_enter_opens(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = build_app(None)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, PickerScreen)
        every = shown_ids(screen)
        await pilot.press(*"dying")
        assert shown_ids(screen) == ["dying_relu"]
        await pilot.press(*["backspace"] * 5, *"softmax")
        shown = shown_ids(screen)
        assert "softmax_regression" in shown and "dying_relu" in shown   # "softmax" in its title
        assert len(shown) < len(every)
        await pilot.press("down", "up", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SlideScreen)
        assert app.screen.deck.scenario.title == next(
            e.title for e in screen.entries if e.target == shown[0])


@pytest.mark.asyncio
async def test_the_folders_scenario_files_are_listed_first(tmp_path, monkeypatch):
    write_scenario(tmp_path, train_toml(title="My own example"), name="mine.toml")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")   # not a scenario
    monkeypatch.chdir(tmp_path)
    app = build_app(None)
    async with app.run_test(size=SIZE) as pilot:
        ids = shown_ids(app.screen)
        assert ids[0] == str(tmp_path / "mine.toml") and not any("pyproject" in i for i in ids)
        await pilot.press(*"own", "enter")
        await pilot.pause()
        assert isinstance(app.screen, SlideScreen)
        assert app.screen.deck.scenario.title == "My own example"
