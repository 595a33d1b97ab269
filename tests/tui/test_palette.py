"""The command palette (Ctrl+P): every command, typed and run as a user would."""

from __future__ import annotations

import pytest

from conftest import train_toml, write_scenario
from stepcalc.tui import build_app
from stepcalc.tui.screens.slides import SlideScreen
from tui_pilot import run_command

SIZE = (120, 36)
@pytest.mark.asyncio
async def test_go_to_a_slide_and_a_phase_by_name():
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        await run_command(pilot, "Go to slide 7: ∂L/∂w")
        assert isinstance(app.screen, SlideScreen) and app.screen.step.id == "grad.w"
        await run_command(pilot, "Go to phase: Update")
        assert app.screen.step.phase == "update" and app.screen.step.id == "new.m"


@pytest.mark.asyncio
async def test_presentation_mode_from_the_palette_and_the_key():
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await run_command(pilot, "Presentation mode")
        assert screen.has_class("-present")
        assert not screen.query_one("#steps").display or screen.query_one("#steps").region.width == 0
        slide = screen.query_one("#slide")
        assert slide.region.width >= 100                     # centred, most of the width
        await pilot.press("f")
        assert not screen.has_class("-present")
        assert screen.query_one("#steps").region.width > 0


@pytest.mark.asyncio
async def test_light_theme_from_the_palette():
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        await run_command(pilot, "Theme: stepcalc-light")
        assert app.theme == "stepcalc-light" and not app.current_theme.dark
        await run_command(pilot, "Theme: textual-dark")
        assert app.theme == "textual-dark"


@pytest.mark.parametrize("fmt, suffix, start", [("markdown", ".md", "# Dying ReLU"),
                                                ("text", ".txt", "Dying ReLU")])
@pytest.mark.asyncio
async def test_export_from_the_palette(tmp_path, monkeypatch, fmt, suffix, start):
    monkeypatch.chdir(tmp_path)
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        await run_command(pilot, f"Export {fmt}")
        written = tmp_path / f"dying_relu{suffix}"
        assert written.is_file()
        assert written.read_text(encoding="utf-8").startswith(start)


@pytest.mark.asyncio
async def test_export_leaves_a_file_stepcalc_did_not_write(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "dying_relu.txt"
    mine.write_text("my notes\n", encoding="utf-8")
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_command(pilot, "Export text")
        assert mine.read_text(encoding="utf-8") == "my notes\n"
        assert any("left alone" in str(n.message) for n in app._notifications)


@pytest.mark.asyncio
async def test_screenshot_of_the_slide(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = build_app("dying_relu", step="grad.w")
    async with app.run_test(size=SIZE) as pilot:
        await run_command(pilot, "Screenshot of this slide")
        shot = tmp_path / "dying_relu-slide7.svg"
        assert shot.is_file()
        assert shot.read_text(encoding="utf-8").lstrip().startswith("<svg")


@pytest.mark.asyncio
async def test_open_a_bundled_scenario_and_a_file_of_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_scenario(tmp_path, train_toml(title="Mine, from this folder"), name="mine.toml")
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        await run_command(pilot, "Open scenario: bundled: linear_regression")
        assert app.screen.deck.scenario.title.startswith("Linear regression")
        await run_command(pilot, "Open scenario: this folder: mine.toml")
        assert app.screen.deck.scenario.title == "Mine, from this folder"
        await pilot.press("escape")                          # back to the one before
        assert app.screen.deck.scenario.title.startswith("Linear regression")
