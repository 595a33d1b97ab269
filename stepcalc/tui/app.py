"""The Textual app: thin. It pushes the picker or the slide screen and holds the session."""

from __future__ import annotations

import gc

from textual.app import App
from textual.binding import Binding

from stepcalc.errors import StepcalcError
from stepcalc.render.escaping import terminal_text
from stepcalc.tui.commands import DeckCommands
from stepcalc.tui.quiz import Score
from stepcalc.tui.themes import THEMES


class StepcalcApp(App[int]):
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {DeckCommands}
    TITLE = "stepcalc"
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", key_display="?", id="app.help",
                tooltip="This list of keys"),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit stepcalc"),
        Binding("ctrl+c", "interrupt", "Interrupt", show=False, priority=True, id="app.interrupt",
                tooltip="Quit at once (exit code 130, like any interrupted stepcalc command)"),
    ]

    def __init__(self, trace=None, start: str | None = None, experiment=None) -> None:
        super().__init__()
        self.trace = trace
        self.experiment = experiment    # kind = "experiment" scenario still to train
        self.start = start              # step id to open at
        self.score = Score()            # quiz score for the whole session
        for theme in THEMES:
            self.register_theme(theme)

    def on_ready(self) -> None:
        # The trace, sympy's caches and the widgets live as long as the app. Out of the
        # collector's reach, a full collection no longer walks them during a key press
        # (about 90 ms each, several times a walk through the slides). Collected first, so
        # no garbage is kept; given back on exit, so apps run one after another in one
        # process (tests) are freed.
        gc.collect()
        gc.freeze()

    def on_unmount(self) -> None:
        gc.unfreeze()

    def get_default_screen(self):
        """The first screen: the slides of the trace, or the picker without one (an
        experiment: its curves, trained first when given as a scenario)."""
        from stepcalc.tui.widgets.experiment_screen import first_experiment_screen

        experiment = first_experiment_screen(self.trace, self.experiment, self.start)
        if experiment is not None:
            return experiment
        if self.trace is None:
            from stepcalc.tui.screens.picker import PickerScreen

            return PickerScreen()
        from stepcalc.tui.screens.slides import SlideScreen

        self.sub_title = terminal_text(self.trace.scenario.title)
        return SlideScreen(self.trace, start=self.start)

    def open_trace(self, trace, can_go_back: bool = False) -> None:
        from stepcalc.tui.screens.slides import SlideScreen

        self.trace = trace
        self.sub_title = terminal_text(trace.scenario.title)
        self.push_screen(SlideScreen(trace, can_go_back=can_go_back))

    def get_system_commands(self, screen):
        """Textual's own commands, but the screenshot is the deck's (named after the slide)."""
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command

    def set_theme(self, name: str) -> None:
        self.theme = name

    def open_scenario(self, file_or_name: str) -> None:
        """From the command palette: a bundled name or a file; a bad file is a notification."""
        import stepcalc
        from stepcalc.files import load_scenario

        try:
            trace = stepcalc.trace(load_scenario(file_or_name))
        except StepcalcError as exc:
            self.notify(str(exc), title="Cannot open", severity="error", markup=False)
            return
        self.open_trace(trace, can_go_back=True)

    def action_help(self) -> None:
        from stepcalc.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        screen = self.screen
        # only the keys that can ever do something here (no "back to the picker" without one)
        never = screen.unavailable() if hasattr(screen, "unavailable") else set()
        bindings = [b for b in screen.BINDINGS if isinstance(b, Binding) and b.id not in never]
        self.push_screen(HelpScreen(bindings + [b for b in self.BINDINGS if isinstance(b, Binding)]))

    def action_quit(self) -> None:
        self.exit(0)

    def action_interrupt(self) -> None:
        self.exit(130, return_code=130)
