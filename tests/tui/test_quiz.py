"""Quiz (issue 12, item 6): on to the next hidden entry after a right answer; the value the
slide's rounded numbers give and ±1 in the last shown digit are accepted, and said so;
r reveals; a summary per step and R resets; typed bursts and pastes never lose Enter."""

from __future__ import annotations

import math

import numpy as np
import pytest
from textual import events

from stepcalc.records.precision import value_as_shown
from stepcalc.tui import build_app
from stepcalc.tui.quiz import Score, Verdict, judge
from tui_pilot import run_command, until

SIZE = (120, 36)
# dying_relu, by hand: z = relu·w with relu = (1.372, 0), w row 1 = (0.32, 0.25, 0.14)
Z = np.array([1.372 * 0.32, 1.372 * 0.25, 1.372 * 0.14])
Y_HAT = np.exp(Z) / np.exp(Z).sum()


def test_judge_accepts_the_rounding_the_slide_gives_and_one_off_in_the_last_digit():
    exact = 0.290436                                    # ŷ₃ at precision 4: 0.2904
    assert judge(0.2904, exact, 4) == Verdict(True)
    as_shown = math.exp(0.1921) / (math.exp(0.439) + math.exp(0.343) + math.exp(0.1921))
    verdict = judge(round(as_shown, 4), exact, 4, as_shown)
    assert verdict.right and verdict.why
    verdict = judge(-0.862, -0.86189, 4)               # −0.8619 shown: one off in the last digit
    assert verdict.right and "±1" in verdict.why
    assert not judge(-0.8617, -0.86189, 4).right       # two off
    assert not judge(0.8619, -0.86189, 4).right        # sign
    assert not judge(-0.0152, -0.015184, 4).right      # 3 digits, 2 off at 4 digits


def test_value_as_shown_rounds_each_number_put_in_as_the_slide_prints_it():
    import stepcalc
    from stepcalc.files import load_scenario

    step = stepcalc.trace(load_scenario("dying_relu")).step("y_hat")
    expansion = step.expand((0, 2))
    z = [float(f"{v:.{expansion.precision}g}") for v in Z]          # as printed: 0.439 0.343 0.1921
    by_hand = math.exp(z[2]) / sum(math.exp(v) for v in z)
    assert value_as_shown(expansion.numeric, expansion.precision) == pytest.approx(by_hand, rel=1e-12)
    assert by_hand != pytest.approx(Y_HAT[2], rel=1e-6)              # it is not the exact value


def test_score_per_step_and_reset():
    score = Score()
    score.record("grad.w", (0, 0), False)
    score.record("grad.w", (0, 0), True)
    score.give("grad.w", (0, 1))
    score.give("grad.w", (0, 1))                         # twice: counted once
    assert score.summary("grad.w") == "1 right of 2 answers, 1 revealed"
    assert str(score) == "1/2" and score.is_revealed("grad.w", (0, 1))
    score.reset()
    assert str(score) == "0/0" and not score.is_revealed("grad.w", (0, 0)) and not score.steps


def feedback(screen) -> str:
    return str(screen.query_one("#quiz-feedback").render())


@pytest.mark.asyncio
async def test_a_right_answer_moves_to_the_next_hidden_entry_then_the_summary():
    app = build_app("dying_relu", step="y_hat")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("t")
        assert screen.element == (0, 0)
        await pilot.press(*f"{Y_HAT[0]:.4f}", "enter")
        assert screen.element == (0, 1) and "Next: ŷ₂" in feedback(screen)
        await pilot.press(*f"{Y_HAT[1]:.4f}", "enter")
        assert screen.element == (0, 2)
        await pilot.press("r")                            # typed in the box: reveals
        assert "Revealed: ŷ₃ = 0.2904" in feedback(screen)
        assert "Step done: 2 right of 2 answers, 1 revealed" in feedback(screen)
        assert (app.score.right, app.score.asked) == (2, 2)
        assert screen.focused is screen.slide               # n goes on to the next slide
        await pilot.press("n")
        assert screen.step.id == "loss"


@pytest.mark.asyncio
async def test_one_off_in_the_last_digit_is_right_and_said_so():
    app = build_app("dying_relu", step="grad.w")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("t", *"-0.862", "enter")         # −0.8619 on the slide
        assert (app.score.right, app.score.asked) == (1, 1), feedback(screen)
        assert "accepted as within ±1 in the last digit" in feedback(screen)


@pytest.mark.asyncio
async def test_r_reveals_on_the_result_and_capital_r_resets_from_key_and_palette():
    app = build_app("dying_relu", step="grad.w")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("t", "r")
        assert app.score.is_revealed("grad.w", (0, 0)) and app.score.asked == 0
        assert screen.element == (0, 1)
        await pilot.press("escape", *"0.4634", "enter")
        assert str(app.score) == "1/1"
        await pilot.press("escape", "R")
        assert str(app.score) == "0/0" and not app.score.is_revealed("grad.w", (0, 0))
        assert "quiz 0/0" in str(screen.query_one("#topbar").render())
        await pilot.press("r")
        await run_command(pilot, "Quiz: reset the score")
        assert not app.score.revealed


@pytest.mark.asyncio
async def test_a_burst_of_keys_on_the_result_keeps_its_enter():
    app = build_app("dying_relu", step="grad.w")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("t")
        assert screen.focused is screen.slide
        # all at once, before the deferred focus change reaches the answer box
        for key, char in [("minus", "-")] + [(c if c != "." else "full_stop", c) for c in "0.8619"] \
                + [("enter", None)]:
            app.post_message(events.Key(key, char))
        await until(pilot, lambda: app.score.asked == 1)
        assert (app.score.right, app.score.asked) == (1, 1), feedback(screen)
        assert screen.answer_box().value == ""


@pytest.mark.asyncio
async def test_a_pasted_answer_with_a_line_break_is_checked():
    app = build_app("dying_relu", step="grad.w")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("t")
        screen.slide.post_message(events.Paste("-0.8619\n"))        # pasted on the result
        await until(pilot, lambda: app.score.asked == 1)
        assert str(app.score) == "1/1"
        screen.answer_box().post_message(events.Paste("0.4634\r\n"))  # pasted in the box
        await until(pilot, lambda: app.score.asked == 2)
        assert str(app.score) == "2/2" and screen.element == (0, 2)
