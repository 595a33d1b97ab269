"""The main screen: step list, slide, network, quiz bar; every key of the deck."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Input, Static, Tree

from stepcalc.records.notation import entry_text, scenario_names
from stepcalc.render.escaping import terminal_text
from stepcalc.render.text import number_text
from stepcalc.tui.deck import Deck
from stepcalc.tui.quiz import judge, parse_answer
from stepcalc.tui.layout import Layout, choose_layout
from stepcalc.tui.screens.training import loss_digits, parameter_rows
from stepcalc.tui.widgets.footer import DeckFooter
from stepcalc.tui.widgets.panels import side_panel
from stepcalc.tui.widgets.quizbar import QuizBar
from stepcalc.tui.widgets.slide import SlideView, result_name
from stepcalc.tui.widgets.steplist import StepTree

NUMBER_KEYS = set("0123456789-.−")


class SlideScreen(Screen):
    """One Trace as a deck of slides. ``index`` is the slide shown."""

    BINDINGS = [
        # n, p and Space work whatever has focus (priority: before the step list's own Space);
        # PgDn/PgUp page the focused panel when it scrolls, else they change the slide.
        Binding("n,space", "next", "Next", id="slide.next", tooltip="Next step", priority=True),
        Binding("p", "previous", "Prev", id="slide.previous", tooltip="Previous step",
                priority=True),
        Binding("pagedown", "next", "Next", show=False, id="slide.next_page",
                tooltip="Next step (pages the focused panel instead when it scrolls)"),
        Binding("pageup,backspace", "previous", "Prev", show=False, id="slide.previous_page",
                tooltip="Previous step (PgUp pages the focused panel instead when it scrolls)"),
        Binding("j", "scroll(1)", "Scroll ↓", show=False, id="slide.scroll_down",
                tooltip="Scroll the focused panel down (the slide unless another has focus)"),
        Binding("k", "scroll(-1)", "Scroll ↑", show=False, id="slide.scroll_up",
                tooltip="Scroll the focused panel up"),
        Binding("g,home", "first", "First", show=False, id="slide.first", tooltip="First step"),
        Binding("G,end", "last", "Last", show=False, id="slide.last", tooltip="Last step"),
        Binding("right_square_bracket", "next_phase", "Phase", key_display="]",
                id="slide.next_phase", tooltip="Jump to the next phase"),
        Binding("left_square_bracket", "previous_phase", "Phase back", key_display="[", show=False,
                id="slide.previous_phase", tooltip="Jump back to the start of this or the previous phase"),
        Binding("t", "toggle_quiz", "Quiz", id="slide.quiz", tooltip="Hide results and type them yourself"),
        Binding("h", "hint", "Hint", id="slide.hint", tooltip="Quiz: show the numbers put in"),
        Binding("r", "reveal", "Reveal", id="slide.reveal",
                tooltip="Quiz: show the selected entry's value (no point); then the next hidden one"),
        Binding("R", "reset_score", "Reset score", show=False, id="slide.reset_score",
                tooltip="Quiz: reset the score and hide every answered entry again"),
        Binding("w", "toggle_weights", "Weights", id="slide.weights", tooltip="Show the weights on the network"),
        Binding("l", "training", "Loss", id="slide.training",
                tooltip="Loss across steps and every parameter before/after"),
        Binding("a", "toggle_after", "After", id="slide.after",
                tooltip="Show the loss per step and every parameter before → after training now "
                        "(shown by itself from the last update phase on)"),
        Binding("d", "toggle_derivation", "Derivation", show=False, id="slide.derivation",
                tooltip="Derivations in full (every line sympy went through) or short "
                        "(definition = identity, as the exports)"),
        Binding("f", "toggle_presentation", "Present", id="slide.present",
                tooltip="Presentation mode: the slide alone, centred (f again to leave)"),
        Binding("e", "export", "Export", id="slide.export", tooltip="Write <scenario>.md here"),
        Binding("escape", "back", "Scenarios", show=False, id="slide.back",
                tooltip="Back to the scenario picker"),
    ]

    # Footer bindings are refreshed only when an end of the deck is reached or left, where
    # DeckFooter greys Prev or Next out in place (each refresh costs a check of every key).
    index: reactive[int] = reactive(0, init=False, repaint=False)
    quiz: reactive[bool] = reactive(False, init=False, bindings=True, repaint=False)
    presenting: reactive[bool] = reactive(False, init=False, repaint=False)

    def __init__(self, trace, *, can_go_back: bool = False, start: str | None = None) -> None:
        super().__init__()
        self.deck = Deck(trace)
        if start is not None:
            self.set_reactive(SlideScreen.index, self.deck.index_of[start])
        self.trace = trace
        self.precision = trace.scenario.precision
        # digits at which each recorded loss differs from the one before (0.1262 → 0.1258)
        self.loss_digits = loss_digits([v for _, v in self.deck.losses_so_far(len(self.deck) - 1)],
                                       self.precision)
        self.can_go_back = can_go_back
        self.hinted: set[tuple[str, tuple[int, ...]]] = set()
        self.element: tuple[int, ...] = ()
        self.side_panel = None
        self.overview_box = None
        self._topbar_text = None
        self.after_asked = False        # the learner asked for the after-training overview
        updates = [b.start for b in self.deck.blocks if b.phase == "update"]
        self.after_from = updates[-1] if updates else len(self.deck)   # no spoilers before

    # ---------------------------------------------------------------- layout --
    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        with Horizontal(id="body"):
            yield StepTree(self.deck, id="steps")
            with Vertical(id="center"):
                with Vertical(id="main"):
                    yield SlideView(id="slide")
                    bar = QuizBar(id="quizbar")
                    bar.display = False
                    yield bar
                panel = side_panel(self.deck)
                if panel is not None:
                    # focusable (Tab) and scrollable both ways: a wide network is never cut
                    with ScrollableContainer(id="side"):
                        yield panel
                        if self.deck.is_train and self.trace.final_params:
                            yield Static(self.overview(), id="overview")
        yield DeckFooter()

    def overview(self) -> Text:
        """Under the network when the screen is wide: the loss per step, every parameter
        before and after training. Drawn once, to text: a rich Table in an auto-width widget
        is measured again at every layout of the screen (200 ms for momentum_mlp's)."""
        from rich.console import Console, Group
        from rich.measure import Measurement
        from rich.table import Table

        # the recorded steps' losses (a long run's 100,000 are in the plot, l)
        losses = self.deck.losses_so_far(len(self.deck) - 1)
        digits = self.loss_digits
        table = Table(box=None, padding=(0, 1), show_edge=False, title_justify="left",
                      title="Before → after training", title_style="bold underline")
        table.add_column("entry", style="bold")
        table.add_column("before", justify="right")
        table.add_column("after", justify="right", style="magenta")
        for row in parameter_rows(self.trace):
            table.add_row(*row)
        parts = [table]
        if len(losses) > 1:
            text = Text("Loss per step (l: plot)\n", style="bold underline")
            for label, value in losses:
                text.append(f"{label:>8}  {number_text(value, digits)}\n", style="")
            parts.insert(0, text)
        group = Group(*parts)
        console = Console(width=1000, color_system="truecolor", legacy_windows=False)
        width = Measurement.get(console, console.options, group).maximum
        lines = console.render_lines(group, console.options.update_width(width), pad=False)
        return Text("\n").join(Text.assemble(*((seg.text, seg.style) for seg in line if not seg.control))
                               for line in lines)

    def on_mount(self) -> None:
        # cached once: a slide change must not search the widget tree
        self.slide = self.query_one(SlideView)
        self.step_tree = self.query_one(StepTree)
        self.topbar = self.query_one("#topbar", Static)
        self.quizbar = self.query_one(QuizBar)
        side = self.query("#side > *")
        self.side_panel = side.first() if side else None
        overview = self.query("#overview")
        self.overview_box = overview.first() if overview else None
        self.measure_side_panel()
        self.apply_layout(self.size.width)
        self.show_slide()
        self.slide.focus()

    def on_resize(self, event) -> None:
        self.apply_layout(event.size.width)
        if self.is_mounted and hasattr(self, "topbar"):
            self.show_topbar()

    def apply_layout(self, width: int) -> None:
        """Widths by breakpoint (stepcalc.tui.layout): the slide keeps ≥ 60 % from 100 columns."""
        side = self.side_width()
        layout: Layout = choose_layout(width, side)
        self.layout_now = layout
        self.set_class(layout.side_beside, "-wide")
        self.set_class(width < 100, "-narrow")
        self.step_tree.styles.width = layout.steps
        if self.side_panel is not None:
            self.query_one("#side").styles.max_width = layout.side if layout.side_beside else None

    def measure_side_panel(self) -> None:
        """Draw the side panel once on a forward, a backward and the last slide, so its
        size (which only grows) is known before the layout is chosen and stays put."""
        panel = self.side_panel
        if panel is None or not hasattr(panel, "_extent"):
            return
        deck = self.deck
        probes = {0, len(deck) - 1} | {block.start for block in deck.blocks[:6]}
        for index in sorted(probes):
            panel.show(index, None, set())

    def side_width(self) -> int:
        """Columns the side panel wants beside the slide (its widest drawing so far, plus
        the overview's table, padding and border)."""
        panel = self.side_panel
        if panel is None:
            return 0
        width = panel.get_content_width(None, None) if hasattr(panel, "_extent") else 40
        if self.deck.is_train and self.trace.final_params:
            width = max(width, 42)
        return width + 3

    @property
    def step(self):
        return self.deck.steps[self.index]

    @property
    def score(self):
        return self.app.score

    # -------------------------------------------------------------- showing --
    def watch_index(self, old: int, new: int) -> None:
        last = len(self.deck) - 1
        if {old, new} & {0, last}:
            self.refresh_bindings()
        with self.app.batch_update():
            self.show_slide()

    def watch_quiz(self, quiz: bool) -> None:
        self.quizbar.display = quiz
        self.show_slide()
        if quiz:
            self.slide.focus()

    def is_hidden(self, element) -> bool:
        return self.quiz and not self.score.is_revealed(self.step.id, element)

    def all_revealed(self) -> bool:
        step = self.step
        return all(self.score.is_revealed(step.id, tuple(int(i) for i in e))
                   for e in np.ndindex(step.value.shape))

    def show_slide(self) -> None:
        step = self.step
        deck = self.deck
        self.step_tree.show_index(self.index)
        notes = deck.scenario.notes if self.index == 0 else ""
        revealed = not self.quiz or self.all_revealed()
        self.slide.show_step(step, deck.heading(self.index), step.precision, notes=notes,
                             quiz=self.quiz, hidden=self.is_hidden, show_flags=revealed,
                             names=scenario_names(deck.scenario))
        self.element = self.slide.selected
        self.show_overview()
        self.show_element()
        self.show_topbar()
        if self.quiz:
            self.quizbar.tell("")

    def show_overview(self) -> None:
        """The before → after overview: from the last update phase on, or when asked (a);
        never while quizzing (it shows results). Set on the widget, not as a class of the
        screen: a screen class restyles every widget, a visible pause on the slide it turns."""
        if self.overview_box is not None:
            self.overview_box.display = ((self.after_asked or self.index >= self.after_from)
                                         and not self.quiz)

    def show_element(self) -> None:
        step, element = self.step, self.element
        hidden = self.is_hidden(element)
        hinted = (step.id, element) in self.hinted
        self.slide.show_element(step, element, step.precision, reveal_value=not hidden,
                                reveal_numbers=not hidden or hinted)
        panel = self.side_panel
        if panel is not None:
            quizzed = {step.id} if (self.quiz and not self.all_revealed()) else set()
            panel.show(self.index, element, quizzed)
        if self.quiz:
            self.quizbar.ask(f"{self.entry_name()} =")

    def show_topbar(self) -> None:
        """Title, then the losses so far and the quiz score. The numbers always fit: when the
        line is too long the title gives way (cut with …), never a loss."""
        deck = self.deck
        right = Text(no_wrap=True)
        losses = deck.losses_so_far(self.index, include_current=not self.quiz)
        if losses and deck.is_train:
            digits = self.loss_digits             # 0.1265 → 0.1258, never 0.126 → 0.126
            shown = "  ".join(f"{label}: {number_text(v, digits)}" for label, v in losses[-4:])
            right.append(f"  │ loss {shown}")
        if self.quiz or self.score.asked:
            right.append(f"  │ quiz {self.score}", style="bold")
        width = max(self.size.width - 2, 20)              # the top bar's padding
        title = terminal_text(deck.scenario.title)
        room = width - right.cell_len
        if len(title) > room:
            title = title[: max(room - 1, 0)] + "…"
        text = Text(title, style="bold", no_wrap=True, overflow="ellipsis")
        text.append_text(right)
        if text != self._topbar_text:
            self._topbar_text = text
            self.topbar.update(text, layout=False)      # one line, always: no relayout

    def entry_name(self) -> str:
        """The selected entry's name: the expansion's lhs, else name[i, j]."""
        step = self.step
        expansion = step.expand(self.element) if step.expander is not None else None
        if expansion is not None:
            from stepcalc.render.text import math_text

            return math_text(expansion.lhs, self.precision)
        name = result_name(step) or step.id
        return name + entry_text("", [i + 1 for i in self.element]) if self.element else name

    # ------------------------------------------------------------ selection --
    @on(SlideView.Selected)
    def selected(self, event: SlideView.Selected) -> None:
        self.element = event.element
        self.show_element()

    @on(Tree.NodeHighlighted, "#steps")
    def jump(self, event: Tree.NodeHighlighted) -> None:
        # The cursor follows the slides too: a highlight that is no longer the cursor is
        # an echo of an earlier slide change (fast key repeat), and following it would
        # bounce between two slides for ever.
        if event.node.data is not None and event.node is self.step_tree.cursor_node:
            self.index = event.node.data

    @on(Tree.NodeSelected, "#steps")
    def jump_and_focus(self, event: Tree.NodeSelected) -> None:
        if event.node.data is not None:
            self.index = event.node.data
            self.slide.focus()

    # -------------------------------------------------------------- actions --
    def unavailable(self) -> set[str]:
        """Ids of the bindings that can never act on this deck (left out of the help)."""
        never = set()
        if not self.can_go_back:
            never.add("slide.back")
        if not hasattr(self.side_panel, "show_weights"):
            never.add("slide.weights")
        if not self.has_curves():
            never.add("slide.training")
        if not (self.deck.is_train and self.trace.final_params):
            never.add("slide.after")
        if not any(step.derivation_builder and len(step.derivation.links(True))
                   > len(step.shown_derivation()) for step in self.deck.steps):
            never.add("slide.derivation")          # every derivation is already shown whole
        return never

    def has_curves(self) -> bool:
        """A loss across training steps, or an experiment's curves: the "l" screen."""
        from stepcalc.tui.widgets.experiment_view import is_experiment

        return (self.deck.is_train and len(self.trace.losses) > 1) or is_experiment(self.trace)

    def check_action(self, action: str, parameters) -> bool | None:
        if action in ("next", "previous", "scroll") and isinstance(self.focused, Input):
            return False                  # typed into the quiz box, not a key of the deck
        last = len(self.deck) - 1
        if action in ("next", "last", "next_phase") and self.index >= last:
            return None
        if action in ("previous", "first", "previous_phase") and self.index <= 0:
            return None
        if action in ("hint", "reveal") and not self.quiz:
            return False
        if action == "toggle_weights" and not hasattr(self.side_panel, "show_weights"):
            return False
        if action == "training" and not self.has_curves():
            return False
        if action == "toggle_after" and not (self.deck.is_train and self.trace.final_params):
            return False
        if action == "back" and not self.can_go_back:
            return False
        return True

    def go_to(self, index: int) -> None:
        """The command palette's "go to": slide ``index``."""
        self.index = min(max(index, 0), len(self.deck) - 1)

    def action_next(self) -> None:
        self.index = min(self.index + 1, len(self.deck) - 1)

    def action_previous(self) -> None:
        self.index = max(self.index - 1, 0)

    def action_first(self) -> None:
        self.index = 0

    def action_last(self) -> None:
        self.index = len(self.deck) - 1

    def action_next_phase(self) -> None:
        self.index = self.deck.next_phase(self.index)

    def action_previous_phase(self) -> None:
        self.index = self.deck.previous_phase(self.index)

    def action_scroll(self, lines: int) -> None:
        """j/k: the focused panel if it scrolls, else the slide."""
        target = self.focused
        if target is None or not (target.allow_vertical_scroll or target is self.slide):
            target = self.slide
        target.scroll_relative(y=lines, animate=False)

    def action_toggle_quiz(self) -> None:
        self.quiz = not self.quiz

    def action_hint(self) -> None:
        self.hinted.add((self.step.id, self.element))
        self.show_element()
        if self.step.expander is None:
            self.quizbar.tell("No substituted formula for this step.")

    def action_toggle_weights(self) -> None:
        panel = self.side_panel
        if panel is not None and hasattr(panel, "show_weights"):
            panel.show_weights = not panel.show_weights
            self.show_element()

    def action_toggle_after(self) -> None:
        self.after_asked = not self.after_asked
        self.show_slide()

    def action_training(self) -> None:
        from stepcalc.tui.screens.training import TrainingScreen
        from stepcalc.tui.widgets.experiment_screen import is_experiment, show_curves

        if is_experiment(self.trace):
            return show_curves(self.app, self.trace)

        self.app.push_screen(TrainingScreen(self.trace))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_export(self, fmt: str = "markdown") -> None:
        from stepcalc.tui.exporting import export_here

        written, message = export_here(self.trace, fmt)
        self.notify(message, title="Exported" if written else "", markup=False,
                    severity="information" if written else "error")

    def action_toggle_derivation(self) -> None:
        self.slide.full_derivation = not self.slide.full_derivation
        self.show_slide()
        if self.step.derivation_builder is None:
            state = "full" if self.slide.full_derivation else "short"
            self.notify(f"Derivations are shown {state} from now on; this slide has none.",
                        markup=False)

    def action_toggle_presentation(self) -> None:
        self.presenting = not self.presenting

    def watch_presenting(self, presenting: bool) -> None:
        self.set_class(presenting, "-present")
        if presenting:
            self.slide.focus()

    def action_screenshot(self) -> None:
        """Textual's own SVG screenshot of the screen as it is (the slide alone when presenting)."""
        from stepcalc.tui.exporting import export_stem

        name = f"{export_stem(self.trace)}-slide{self.index + 1}.svg"
        path = self.app.save_screenshot(filename=name, path=str(Path.cwd()))
        self.notify(f"Wrote {path}", title="Screenshot", markup=False)

    # ----------------------------------------------------------------- quiz --
    def answer_box(self) -> Input:
        return self.query_one("#quiz-input", Input)

    def on_key(self, event) -> None:
        """In quiz mode, typing a number on the result starts the answer. Focus moves later
        (Textual defers it), so keys of a burst that still arrive here are typed into the
        box too, and an Enter among them submits what was typed: nothing is lost."""
        if not self.quiz or self.focused is not self.slide:
            return
        if event.key == "enter" or (event.character and event.character in NUMBER_KEYS):
            answer = self.answer_box()
            answer.focus()
            if event.key != "enter":
                answer.insert_text_at_cursor(event.character)
            elif answer.value.strip():
                self.check_text(answer.value)
            event.stop()
            event.prevent_default()

    def on_paste(self, event) -> None:
        """A number pasted on the result goes into the answer box; a line break submits it."""
        if self.quiz and self.focused is not self.answer_box():
            self.answer_box().focus()
            self.answer_box().paste(event.text)
            event.stop()

    @on(Input.Changed, "#quiz-input")
    def hint_from_the_answer_box(self, event: Input.Changed) -> None:
        """“?” in the answer box asks for the hint, “r” reveals (h and r would be text)."""
        typed = event.value.strip().lower()
        if typed in ("?", "r"):
            event.input.clear()
            self.action_hint() if typed == "?" else self.action_reveal()

    @on(Input.Submitted, "#quiz-input")
    def submitted(self, event: Input.Submitted) -> None:
        self.check_text(event.value)

    def check_text(self, value: str) -> None:
        bar, box = self.quizbar, self.answer_box()
        text = value.strip()
        if text.lower() in ("?", "h", "hint"):
            box.clear()
            self.action_hint()
            return
        typed = parse_answer(text)
        if typed is None:
            bar.tell(f"“{text}” is not a number.", "wrong")
            return
        step, element = self.step, self.element
        exact = float(step.value[element]) if step.value.ndim else float(step.value)
        verdict = judge(typed, exact, step.precision, self.value_as_shown(element))
        self.score.record(step.id, element, verdict.right)
        box.clear()
        name = self.entry_name()
        if not verdict.right:
            self.show_topbar()
            bar.tell(f"✗ Not {number_text(typed, step.precision)} at {step.precision} significant "
                     f"digits. Try again; “?” (or Esc, h) for a hint, “r” (or Esc, r) for the value.",
                     "wrong")
            return
        told = f"✓ Right: {name} = {number_text(exact, step.precision)}"
        if verdict.why:
            told += f" (you typed {number_text(typed, step.precision + 1)}: accepted as {verdict.why})"
        self.move_on(told)

    def value_as_shown(self, element) -> float | None:
        """What the slide's rounded numbers put in give for this entry (records.precision)."""
        from stepcalc.records.precision import value_as_shown

        step = self.step
        expansion = step.expand(element) if step.expander is not None else None
        return None if expansion is None else value_as_shown(expansion.numeric, expansion.precision)

    def next_hidden(self) -> tuple[int, ...] | None:
        """The next entry still hidden, in reading order after the selected one (wrapping)."""
        step = self.step
        entries = [tuple(int(i) for i in e) for e in np.ndindex(step.value.shape)]
        start = entries.index(tuple(self.element)) if tuple(self.element) in entries else -1
        for element in entries[start + 1:] + entries[:start + 1]:
            if not self.score.is_revealed(step.id, element):
                return element
        return None

    def move_on(self, told: str) -> None:
        """After a right answer or a reveal: the next hidden entry, or the step's summary."""
        bar = self.quizbar
        following = self.next_hidden()
        self.show_slide()
        if following is None:
            bar.tell(f"{told}\nStep done: {self.score.summary(self.step.id)}. n: next slide.", "right")
            self.slide.focus()
            return
        self.element = following
        self.slide.selected = following
        self.show_element()
        bar.tell(f"{told}\nNext: {self.entry_name()}", "right")

    def action_reveal(self) -> None:
        step, element = self.step, self.element
        exact = float(step.value[element]) if step.value.ndim else float(step.value)
        name = self.entry_name()
        self.score.give(step.id, element)
        self.answer_box().clear()
        self.move_on(f"Revealed: {name} = {number_text(exact, step.precision)} (no point)")

    def action_reset_score(self) -> None:
        self.score.reset()
        self.show_slide()
        self.notify("Quiz score reset: 0/0, every entry hidden again.", markup=False)
