"""The TUI's behaviour with Textual's Pilot: navigation, drill-down, quiz, export, picker, help.

Expected numbers are worked by hand from dying_relu.toml (x = (1.5, 0.2), class 0), not
pasted from the program's output.
"""

from __future__ import annotations

import pytest
from textual.widgets import OptionList, Static

from stepcalc.records.notation import display_prose, scenario_names
from stepcalc.tui import build_app, run_app
from stepcalc.tui.screens.help import HelpScreen
from stepcalc.tui.screens.picker import PickerScreen
from stepcalc.tui.screens.slides import SlideScreen
from stepcalc.tui.screens.training import TrainingScreen
from stepcalc.tui.widgets.slide import SlideView

SIZE = (100, 32)


SLIDE_PARTS = {"phase", "title", "notes", "formula", "derivation", "numbers", "result",
               "explanation", "flags"}


def text_of(screen, selector: str) -> str:
    """A part of the slide ("#numbers", "#title" …) or the text of a Static."""
    if selector.lstrip("#") in SLIDE_PARTS:
        return screen.query_one(SlideView).texts[selector.lstrip("#")]
    widget = screen.query_one(selector, Static)
    return str(widget.render())


def index_of(screen, step_id: str) -> int:
    return screen.deck.index_of[step_id]


async def goto(pilot, step_id: str) -> SlideScreen:
    screen = pilot.app.screen
    screen.index = index_of(screen, step_id)
    await pilot.pause()
    return screen


@pytest.mark.asyncio
async def test_first_slide_and_previous_disabled():
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, SlideScreen)
        assert screen.index == 0
        assert "Layer 1: h = x·m + bm" in text_of(screen, "#title")
        assert "Forward pass" in text_of(screen, "#phase")
        # h₁ = 1.5·0.86 + 0.2·0.41 + 0 = 1.372
        assert "1.5 × 0.86 + 0.2 × 0.41" in text_of(screen, "#numbers")
        assert text_of(screen, "#numbers").endswith("1.372")
        assert screen.check_action("previous", ()) is None
        assert screen.check_action("next", ()) is True
        await pilot.press("p")
        assert screen.index == 0


@pytest.mark.asyncio
async def test_next_previous_first_last_and_phases():
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        last = len(screen.deck) - 1
        await pilot.press("n", "n")
        assert screen.index == 2
        await pilot.press("p")
        assert screen.index == 1
        await pilot.press("G")
        assert screen.index == last
        assert screen.step.id == "after.loss"
        assert screen.check_action("next", ()) is None
        await pilot.press("n")                      # disabled at the end
        assert screen.index == last
        await pilot.press("g")
        assert screen.index == 0
        await pilot.press("right_square_bracket")   # forward → loss
        assert screen.step.id == "loss"
        await pilot.press("right_square_bracket")   # loss → backward
        assert screen.step.phase == "backward"
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert screen.step.phase == "check"
        await pilot.press("left_square_bracket")    # at a block start: previous block
        assert screen.step.phase == "update"


@pytest.mark.asyncio
async def test_step_list_follows_and_jumps_by_click():
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        tree = screen.query_one("#steps")
        await pilot.press("n", "n", "n")
        assert tree.cursor_node.data == 3
        leaf = tree.leaves[index_of(screen, "grad.m")]
        await pilot.click("#steps", offset=(4, leaf.line - tree.scroll_offset.y))
        await pilot.pause()
        assert screen.step.id == "grad.m"
        assert "Gradient ∂L/∂m" in text_of(screen, "#title")


@pytest.mark.asyncio
async def test_drill_down_with_arrows_and_mouse():
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        screen = await goto(pilot, "grad.m")
        numbers = text_of(screen, "#numbers")
        # ∂L/∂m₁₁ = x₁·∂L/∂h₁ = 1.5 × (−0.07592) = −0.1139
        assert "∂L/∂m₁₁ = x₁·∂L/∂h₁" in numbers
        assert "1.5 × (−0.07592)" in numbers and numbers.endswith("−0.1139")
        matrix = screen.query_one(SlideView)
        assert matrix.has_focus
        await pilot.press("down")
        assert matrix.selected == (1, 0)
        numbers = text_of(screen, "#numbers")
        # ∂L/∂m₂₁ = x₂·∂L/∂h₁ = 0.2 × (−0.07592) = −0.01518
        assert "x₂·∂L/∂h₁" in numbers and numbers.endswith("−0.01518")
        await pilot.press("right", "right")          # clamps at the last column
        assert matrix.selected == (1, 1)
        assert text_of(screen, "#numbers").endswith("= 0")
        await pilot.press("up", "up")
        assert matrix.selected == (0, 1)
        # the mouse: click the first entry of the first row (cells are content coordinates)
        y, x0, _, element = next(c for c in matrix.cells if c[3] == (0, 0))
        left = matrix.styles.padding.left
        await pilot.click(SlideView, offset=(left + x0, y - round(matrix.scroll_y)))
        assert matrix.selected == (0, 0)
        assert text_of(screen, "#numbers").endswith("−0.1139")


@pytest.mark.asyncio
async def test_quiz_right_and_wrong_answers_and_hint():
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        screen = await goto(pilot, "grad.m")
        await pilot.press("t")
        assert screen.quiz
        numbers = text_of(screen, "#numbers")
        assert numbers.endswith("= ?") and "1.5" not in numbers       # result hidden
        assert "−0.1139" not in text_of(screen, "#result")
        await pilot.press("h")                                       # hint: numbers put in
        assert "1.5 × (−0.07592) = ?" in text_of(screen, "#numbers")
        # wrong: 0.114 (sign) — typed straight on the result
        await pilot.press(*"0.114", "enter")
        assert (app.score.right, app.score.asked) == (0, 1)
        assert "✗" in text_of(screen, "#quiz-feedback")
        # right at 4 significant digits
        await pilot.press(*"-0.1139", "enter")
        assert (app.score.right, app.score.asked) == (1, 2)
        assert "✓" in text_of(screen, "#quiz-feedback")
        assert "−0.1139" in text_of(screen, "#result")              # revealed now
        assert screen.element == (0, 1)                              # on to the next hidden entry
        # 3 significant digits is not the display precision (4), and 2 off in the last
        # digit: counted wrong
        await pilot.press("escape", "left", "down", *"-0.0152", "enter")
        assert (app.score.right, app.score.asked) == (1, 3)
        await pilot.press(*"-0.01518", "enter")
        assert (app.score.right, app.score.asked) == (2, 4)
        assert "quiz 2/4" in text_of(screen, "#topbar")
        await pilot.press("escape", "t")
        assert not screen.quiz


@pytest.mark.asyncio
async def test_quiz_ignores_text_that_is_not_a_number():
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("t", "enter", *"abc", "enter")
        assert app.score.asked == 0
        assert "not a number" in text_of(screen, "#quiz-feedback")


@pytest.mark.asyncio
async def test_export_writes_markdown_in_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("e")
        await pilot.pause()
        written = tmp_path / "dying_relu.md"
        assert written.is_file()
        assert written.read_text(encoding="utf-8").startswith("# Dying ReLU")
        assert any(str(written) in str(n.message) for n in app._notifications)


@pytest.mark.asyncio
async def test_weights_toggle_shows_the_weights_in_use():
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        network = app.screen.query_one("#network")
        assert "weights" not in str(network.render())
        await pilot.press("w")
        drawn = str(network.render())
        assert "m = " in drawn and "0.86" in drawn and "−1.04" in drawn


@pytest.mark.asyncio
async def test_network_shows_current_training_step_values():
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        network = app.screen.query_one("#network")
        assert "h₁ 1.372" in str(network.render())
        assert "z₁ ·" in str(network.render())            # not reached yet
        await goto(pilot, "grad.h")
        drawn = str(network.render())
        assert "∂L/∂h" in drawn and "−0.07592" in drawn
        await goto(pilot, "after.h")
        assert "h₁ 1.374" in str(network.render())         # after the update


@pytest.mark.asyncio
async def test_help_screen_lists_every_key():
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        listed = "\n".join(f"{keys} {what}" for keys, what in app.screen.rows)
        for binding in SlideScreen.BINDINGS + app.BINDINGS:
            if binding.id == "slide.back":                  # opened by name: no picker
                assert (binding.tooltip or binding.description) not in listed
            else:
                assert (binding.tooltip or binding.description) in listed
        await pilot.press("escape")
        assert isinstance(app.screen, SlideScreen)


@pytest.mark.asyncio
async def test_training_screen_plots_loss_and_lists_parameters():
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        assert isinstance(app.screen, TrainingScreen)
        table = app.screen.query_one("#params")
        assert table.row_count == 4 + 2 + 6 + 3            # m, bm, w, bw entries
        assert table.get_row_at(0) == ["m₁₁", "0.86", "0.8611"]
        await pilot.press("escape")
        assert isinstance(app.screen, SlideScreen)


@pytest.mark.asyncio
async def test_picker_opens_a_bundled_scenario_and_goes_back():
    app = build_app(None)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, PickerScreen)
        options = app.screen.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "dying_relu" in ids
        options.highlighted = ids.index("dying_relu")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SlideScreen)
        assert app.screen.deck.scenario.title.startswith("Dying ReLU")
        await pilot.press("escape")
        assert isinstance(app.screen, PickerScreen)


@pytest.mark.asyncio
async def test_quit_key_exits():
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


def test_bad_scenario_prints_the_cli_message_and_returns_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "x"\n[model]\nconvention = "diagonal"\n', encoding="utf-8")
    assert run_app(str(bad)) == 2
    err = capsys.readouterr().err
    assert err.startswith("stepcalc: ") and "bad.toml" in err
    assert "Traceback" not in err
    assert run_app(str(tmp_path / "missing.toml")) == 2
    assert capsys.readouterr().err.startswith("stepcalc: ")


def _bundled_names():
    from stepcalc.bundled import bundled

    return list(bundled())


@pytest.mark.asyncio
@pytest.mark.parametrize("name", _bundled_names())
async def test_every_bundled_scenario_walks_through(name):
    """Generic over Steps: every slide of every kind shows, and its last entry drills down."""
    import stepcalc
    from stepcalc.bundled import bundled

    trace = stepcalc.trace(stepcalc.load(bundled()[name]))   # a broken scenario fails here
    app = build_app(trace)
    async with app.run_test(size=(80, 24)) as pilot:
        if trace.scenario.kind == "experiment":     # it opens on the curves: "s" for the steps
            await pilot.press("s")
        screen = app.screen
        count = len(screen.deck)
        assert count == len(trace.steps) > 0
        visit = sorted(set(range(0, count, max(1, count // 12))) | {count - 1})
        for index in visit:
            screen.index = index
            await pilot.pause()
            step, slide = trace.steps[index], screen.query_one(SlideView)
            assert slide.step is step, (name, index)
            # The title in display names (y_hat → ŷ, W1 → W⁽¹⁾), see notation.display_prose.
            assert slide.texts["title"] == display_prose(step.title, scenario_names(trace.scenario)), step.id
            # the value: in the Result row, or (one number) at the end of the numbers row
            assert slide.texts["result"] or slide.texts["numbers"], step.id
            if step.value.ndim:
                last = tuple(d - 1 for d in step.value.shape)
                slide.select(last)
                await pilot.pause()
                assert slide.selected == last and screen.element == last, step.id
            if step.expander is not None:    # the selected entry's numbers are shown
                assert slide.texts["numbers"], step.id


# ------------------------------------------------------------ speed and new views --
def _kind_app(name: str):
    import stepcalc
    from stepcalc.bundled import bundled

    return build_app(stepcalc.trace(stepcalc.load(bundled()[name])))


@pytest.mark.asyncio
async def test_a_second_walk_through_the_slides_needs_no_new_layout():
    """Slide changes repaint the slide, tree and network only: no screen layout once every
    slide has been seen (sizes only grow). The footer's keys change, and lay out, only when
    an end of the deck is left or reached."""
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        for _ in range(len(screen.deck) - 1):
            await pilot.press("n")
        await pilot.press("g", "n")
        await pilot.pause()
        layouts = []
        original = screen._refresh_layout
        screen._refresh_layout = lambda *a, **k: (layouts.append(screen.index), original(*a, **k))[1]
        slide = screen.query_one(SlideView)
        taller = set()                  # slides taller than the view scroll: their own size
        for _ in range(len(screen.deck) - 3):
            await pilot.press("n")
            await pilot.pause()     # a layout a slide asks for runs before the next press
            if slide.virtual_size.height > slide.size.height:
                taller.add(screen.index)
        await pilot.pause()
        assert screen.index == len(screen.deck) - 2
        # ... and where the after-training overview appears (no spoilers before it)
        assert set(layouts) <= {screen.after_from} | taller


@pytest.mark.asyncio
async def test_sympy_text_is_built_once_per_step(monkeypatch):
    import stepcalc.tui.widgets.slide as slide_module

    calls = []
    real = slide_module.math_text
    monkeypatch.setattr(slide_module, "math_text", lambda *a: (calls.append(a), real(*a))[1])
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "p")
        first = len(calls)
        await pilot.press("n", "p", "n", "p")
        assert len(calls) == first


@pytest.mark.asyncio
async def test_stale_tree_highlight_does_not_bounce_between_slides():
    """Fast key repeat: the tree's highlight of an earlier slide arrives after the next
    slide is shown; it must not send the deck back (it used to bounce for ever)."""
    from textual.widgets import Tree

    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        tree = screen.query_one("#steps")
        await pilot.press("n", "n")
        stale = tree.leaves[1]
        tree.post_message(Tree.NodeHighlighted(stale))
        await pilot.pause()
        assert screen.index == 2


@pytest.mark.asyncio
async def test_labelled_tables_show_row_and_column_labels():
    app = _kind_app("activations")
    async with app.run_test(size=SIZE) as pilot:
        screen = await goto(pilot, "values")
        lines = text_of(screen, "#result").splitlines()
        assert lines[0].split()[0] == "data"                 # the corner, then the data
        assert lines[0].split()[1:] == ["1", "5", "−4", "3", "−2"]
        sigma = next(line for line in lines if line.startswith("σ"))
        # σ(1) = 1/(1+e^−1) = 0.7311 (3 significant digits: 0.731), σ(5) = 0.9933
        assert "0.731" in sigma and "0.993" in sigma
        await pilot.press("down")                            # row 2: step
        assert screen.query_one(SlideView).selected == (1, 0)


@pytest.mark.asyncio
async def test_init_stats_side_panel_draws_each_layers_histogram():
    app = _kind_app("init_stats")
    async with app.run_test(size=SIZE) as pilot:
        screen = await goto(pilot, "tanh_std005.hist")
        drawn = str(screen.query_one("#histograms").render())
        assert "tanh_std005: histogram of each layer" in drawn
        assert sum(line.startswith("layer") for line in drawn.splitlines()) == 6
        assert "█" in drawn and "[−1, 1]" in drawn           # tanh: the activation's range
        header = text_of(screen, "#result").splitlines()[0]
        assert header.startswith("bin from") and "histogram" in header


@pytest.mark.asyncio
async def test_activations_side_panel_plots_function_and_derivative():
    app = _kind_app("activations")
    async with app.run_test(size=SIZE) as pilot:
        screen = await goto(pilot, "d.tanh")
        drawn = str(screen.query_one("#curves").render())
        assert "tanh ● and tanh′ ○" in drawn
        assert drawn.count("●") >= 1 + 4 and "○" in drawn.split("\n", 1)[1]


@pytest.mark.asyncio
async def test_question_mark_in_the_answer_box_gives_the_hint():
    app = build_app("dying_relu")
    async with app.run_test(size=SIZE) as pilot:
        screen = await goto(pilot, "grad.m")
        await pilot.press("t", "enter")                       # into the answer box
        assert screen.focused.id == "quiz-input"
        await pilot.press("question_mark")
        assert "1.5 × (−0.07592) = ?" in text_of(screen, "#numbers")
        assert screen.focused.value == ""
        assert app.score.asked == 0


@pytest.mark.asyncio
async def test_overview_shows_parameters_before_and_after_under_the_network():
    app = build_app("dying_relu", step="new.m")
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        overview = app.screen.query_one("#overview")
        assert overview.display and overview.region.height > 10
        assert overview.region.y > app.screen.query_one("#network").region.bottom - 1
