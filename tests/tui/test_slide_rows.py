"""The slide's rows read like `stepcalc export NAME -f text` (issue 10 in the TUI): each step's
own precision, the formula only when the numbers row does not repeat it, the derivation
short unless d asks for it in full, ≈ before a rounded sum, one number shown as a number."""

from __future__ import annotations

import numpy as np
import pytest

from stepcalc.render.text_export import expansion_lines, formula_lines
from stepcalc.tui import build_app
from tui_pilot import run_command
from stepcalc.tui.widgets.slide import LABEL_WIDTH, SlideView

SIZE = (120, 36)


def lines_of(text: str) -> list[str]:
    return [line.rstrip() for line in text.split("\n")]


async def walk(pilot, screen, indexes):
    slide = screen.query_one(SlideView)
    for index in indexes:
        screen.go_to(index)
        await pilot.pause()
        yield screen.step, slide


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["dying_relu", "linear_regression", "momentum_mlp"])
async def test_formula_and_numbers_rows_are_the_text_exports(name):
    app = build_app(name)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        width = screen.query_one(SlideView).scrollable_size.width - LABEL_WIDTH
        async for step, slide in walk(pilot, screen, range(min(len(screen.deck), 30))):
            expected = formula_lines(step, step.precision, width)
            assert lines_of(slide.texts["formula"]) == (expected or [""]), step.id
            chain = expansion_lines(step, step.precision, width)
            if step.substitution is not None and step.substitution.note:
                chain = chain[:-1]          # the note: wrapped by the export, one line here
                assert slide.texts["numbers"].endswith(step.substitution.note)
            shown = lines_of(slide.texts["numbers"])[:len(chain)]
            assert shown == chain, step.id


@pytest.mark.asyncio
async def test_a_step_with_more_digits_than_the_scenario_shows_them():
    app = build_app("activations")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        index = next(i for i, s in enumerate(screen.deck.steps) if s.id == "softplus")
        async for step, slide in walk(pilot, screen, [index]):
            assert step.precision == 4 and screen.trace.scenario.precision == 3
            data = np.array([1, 5, -4, 3, -2], dtype=float)      # scenarios/activations.toml
            softplus = np.log1p(np.exp(data))
            for value in softplus:
                assert f"{value:.4g}" in slide.texts["result"]       # 5.007, not 5.01


@pytest.mark.asyncio
async def test_a_sum_whose_rounded_terms_miss_the_rounded_value_is_marked_approximate():
    app = build_app("momentum_mlp", step="z")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        slide = app.screen.query_one(SlideView)
        assert app.screen.step.substitution.approximate
        assert " ≈ " in slide.texts["numbers"] and slide.texts["numbers"].count("≈") == 1


@pytest.mark.asyncio
async def test_one_number_has_no_result_row_and_no_brackets():
    app = build_app("dying_relu", step="loss")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        slide = app.screen.query_one(SlideView)
        assert slide.texts["numbers"].startswith("L = ") and slide.texts["result"] == ""
        assert not any(strip.text.startswith("Result") for strip in slide._lines)
    app = build_app("linear_regression", step="grad.w")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        slide = app.screen.query_one(SlideView)
        assert slide.texts["result"] == "" and "[" not in slide.texts["numbers"]


@pytest.mark.asyncio
async def test_d_shows_the_full_derivation_and_back():
    app = build_app("dying_relu", step="grad.z")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        slide = app.screen.query_one(SlideView)
        short = lines_of(slide.texts["derivation"])
        assert short == ["∂L/∂z₁ = ŷ₁(y₁ + y₂ + y₃) − y₁ = ŷ₁ − y₁"]
        await pilot.press("d")
        full = lines_of(slide.texts["derivation"])
        assert len(full) > 4 and full[-1].strip() == "= ŷ₁ − y₁"
        assert full[-2].strip() == "= ŷ₁(y₁ + y₂ + y₃) − y₁"
        assert "e   + e   + e" in "\n".join(full[:-2])       # the softmax written out, stacked
        await pilot.press("n")                   # stays full on the next slides with a derivation
        assert slide.full_derivation
        await pilot.press("p", "d")
        assert lines_of(slide.texts["derivation"]) == short


@pytest.mark.asyncio
async def test_d_is_in_the_help_and_the_palette():
    from stepcalc.tui.screens.help import HelpScreen

    app = build_app("dying_relu", step="grad.z")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert any(keys == "d" and "full" in what for keys, what in app.screen.rows)
        await pilot.press("escape")
        slide = app.screen.query_one(SlideView)
        await run_command(pilot, "Derivations in full or short")
        assert slide.full_derivation and len(lines_of(slide.texts["derivation"])) > 4
    app = build_app("linear_regression")           # no derivation anywhere: d is not offered
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert not any(keys == "d" for keys, _ in app.screen.rows)


def test_before_after_rows_tell_a_change_apart_and_mark_float_noise():
    from types import SimpleNamespace

    from stepcalc.tui.screens.training import loss_digits, parameter_rows

    scenario = SimpleNamespace(precision=3, param_names=("w", "bw"),
                               params={"w": np.array([[0.1262, 2.0]]), "bw": np.array([0.0, 0.5])})
    trace = SimpleNamespace(scenario=scenario,
                            final_params={"w": np.array([[0.1258, 2.0]]), "bw": np.array([8.33e-19, 0.25])})
    rows = parameter_rows(trace)
    assert rows[0] == ("w₁₁", "0.1262", "0.1258")          # not 0.126 → 0.126
    assert rows[1] == ("w₁₂", "2", "2")
    assert rows[2] == ("bw₁", "0", "≈0")                    # noise next to 0.25, not a change
    assert loss_digits([0.1262, 0.1258], 3) == 4 and loss_digits([0.5], 3) == 3


@pytest.mark.asyncio
async def test_a_row_wider_than_the_screen_scrolls_sideways_and_is_marked():
    app = build_app("batchnorm_mlp", step="grad.var2")     # a stacked fraction over a 4-term sum
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        slide = app.screen.query_one(SlideView)
        width = slide.scrollable_size.width
        assert slide.virtual_size.width > width
        assert all(slide.render_line(y).cell_length <= width for y in range(slide.size.height))
        shown = [slide.render_line(y).text for y in range(slide.size.height)]
        assert any(line.rstrip().endswith("›") for line in shown)
        assert not any("…" in line for line in shown)
        await pilot.press("shift+right")
        assert slide.scroll_x == 8
        shown = [slide.render_line(y).text for y in range(slide.size.height)]
        assert any("‹" in line for line in shown)
        await pilot.press("n")                                # the next slide starts at the left
        assert slide.scroll_x == 0


@pytest.mark.asyncio
async def test_the_remark_under_the_numbers_wraps_to_the_slide():
    app = build_app("recipe_iris", step="accuracy")          # "wrong: sample 1, sample 2, …"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        slide = app.screen.query_one(SlideView)
        note = app.screen.step.substitution.note
        assert len(note) > slide.scrollable_size.width - LABEL_WIDTH     # longer than a line
        assert slide.virtual_size.width == slide.scrollable_size.width    # no sideways scroll
        shown = " ".join(slide.render_line(y).text.strip() for y in range(slide.size.height))
        assert " ".join(note.split()) in " ".join(shown.split())
