"""kind = "experiment" in the TUI: train with progress, then the curves of all runs on one
plot (loss; accuracy on a key; log scale on a key), the final numbers, and the per-layer
gradient norms as a heat strip. The steps themselves (tables, formulas) are one key away.

Training runs in a thread worker through the public API (``stepcalc.trace`` with
``stepcalc.reporting_progress``); the progress callback is also where a stop is noticed:
leaving the screen or Ctrl-C sets an event, the next epoch raises, and the thread ends
instead of training on behind a closed app.
"""

from __future__ import annotations

import threading

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, ProgressBar, Static

from stepcalc.errors import StepcalcError
from stepcalc.render.curves_svg import uses_log
from stepcalc.render.escaping import terminal_text
from stepcalc.tui.widgets.experiment_view import (curves, drawable, final_rows, gradient_norms, heat_strip,
                                                  is_experiment)

__all__ = ["ExperimentScreen", "first_experiment_screen", "is_experiment", "show_curves"]


def first_experiment_screen(trace, scenario, start: str | None):
    """The app's first screen for an experiment (None for any other deck, or when a step
    to open at was asked for: the slides then)."""
    if scenario is not None:
        return ExperimentScreen(scenario=scenario)
    if trace is not None and start is None and is_experiment(trace):
        return ExperimentScreen(trace)
    return None


def show_curves(app, trace) -> None:
    """From the slides: back to the curves screen below them, or a new one."""
    below = app.screen_stack[-2] if len(app.screen_stack) > 1 else None
    if isinstance(below, ExperimentScreen):
        app.pop_screen()
    else:
        app.push_screen(ExperimentScreen(trace))


class TrainingStopped(Exception):
    """Raised from the progress callback to end a training the user left."""


class ExperimentScreen(Screen):
    """Either a trained ``trace`` or a ``scenario`` to train here first."""

    BINDINGS = [
        Binding("a", "toggle_accuracy", "Accuracy/loss", id="experiment.accuracy",
                tooltip="Plot the test accuracy instead of the training loss, and back"),
        Binding("l", "toggle_log", "Log scale", id="experiment.log", tooltip="Log scale on the y axis"),
        Binding("s,n,space", "slides", "Steps", id="experiment.slides",
                tooltip="The steps: every run's tables, gradient norms and formulas"),
        Binding("escape", "back", "Back", show=False, id="experiment.back",
                tooltip="Back to the screen before"),
    ]
    DEFAULT_CSS = """
    ExperimentScreen #exp-training { height: auto; padding: 1 2; }
    ExperimentScreen #exp-body { height: 1fr; }
    ExperimentScreen #exp-plot { width: 2fr; min-width: 40; }
    ExperimentScreen #exp-side { width: 1fr; min-width: 30; }
    ExperimentScreen #exp-final { height: auto; max-height: 12; }
    ExperimentScreen #exp-heat { height: auto; padding: 1 0 0 0; }
    """

    def __init__(self, trace=None, scenario=None) -> None:
        super().__init__()
        self.trace = trace
        self.scenario = scenario if trace is None else trace.scenario
        self.key = "loss"
        self.log_scale = False          # chosen from the curves once trained
        self.stop = threading.Event()    # set when the screen goes: training stops
        self.ended = threading.Event()   # set when the training thread has returned
        self.done_epochs = 0

    def compose(self) -> ComposeResult:
        yield Static(terminal_text(f"{self.scenario.title} · all runs"), id="topbar", markup=False)
        with Vertical(id="exp-training"):
            yield Static("", id="exp-status", markup=False)
            yield ProgressBar(total=self.total_epochs(), id="exp-progress", show_eta=True)
        with Horizontal(id="exp-body"):
            from textual_plotext import PlotextPlot

            yield PlotextPlot(id="exp-plot")
            with Vertical(id="exp-side"):
                yield DataTable(id="exp-final", zebra_stripes=True, cursor_type="row")
                yield Static("", id="exp-heat")
        yield Footer()

    def total_epochs(self) -> int:
        return sum(run.epochs for run in self.scenario.spec["runs"])

    def on_mount(self) -> None:
        if self.trace is not None:
            self.show(self.trace)
            return
        self.query_one("#exp-body").display = False
        self.query_one("#exp-status", Static).update("Training …")
        # a bug in training ends the app with its traceback (Textual's default for workers)
        self.run_worker(self.train, thread=True, name="experiment-training")

    def on_unmount(self) -> None:
        self.stop.set()

    def train(self) -> None:
        import stepcalc

        finished = 0

        def progress(epoch: int, epochs: int, unit: str = "epoch") -> None:
            nonlocal finished
            if self.stop.is_set():
                raise TrainingStopped
            self.app.call_from_thread(self.advance, finished + epoch, f"{unit} {epoch}/{epochs}")
            if epoch == epochs:
                finished += epochs

        try:
            with stepcalc.reporting_progress(progress):
                trace = stepcalc.trace(self.scenario)
        except TrainingStopped:
            return
        except StepcalcError as exc:     # bad input found while training: said, not a crash
            self.app.call_from_thread(self.failed, str(exc))
            return
        finally:
            self.ended.set()
        if not self.stop.is_set():
            self.app.call_from_thread(self.show, trace)

    def failed(self, message: str) -> None:
        self.query_one("#exp-status", Static).update(f"Training stopped: {message}")
        self.notify(message, title="Training stopped", severity="error", markup=False)

    def advance(self, done: int, text: str) -> None:
        self.query_one("#exp-progress", ProgressBar).update(progress=done)
        self.query_one("#exp-status", Static).update(terminal_text(f"Training: {text}"))

    def show(self, trace) -> None:
        self.trace = trace
        self.app.trace = trace          # export and the command palette act on it
        self.query_one("#exp-training").display = False
        self.query_one("#exp-body").display = True
        columns, rows = final_rows(trace)
        table = self.query_one("#exp-final", DataTable)
        table.add_columns(*columns)
        table.add_rows(rows)
        self.query_one("#exp-heat", Static).update(heat_strip(gradient_norms(trace)))
        self.log_scale = uses_log(curves(trace, "loss")[1])     # as the Markdown plot
        self.draw()

    def draw(self) -> None:
        names, values = curves(self.trace, self.key)
        log = self.log_scale and self.key == "loss"
        plot = self.query_one("#exp-plot").plt
        plot.clear_data()
        plot.clear_figure()
        for name, row in zip(names, values):
            xs, ys = drawable(row, log)
            if xs:
                plot.plot(xs, ys, label=name, marker="braille")
        plot.yscale("log" if log else "linear")
        what = "training loss" if self.key == "loss" else "test accuracy"
        plot.title(f"All runs: {what} per epoch" + (" (log scale)" if log else ""))
        plot.xlabel("epoch")
        self.query_one("#exp-plot").refresh()

    def check_action(self, action: str, parameters) -> bool | None:
        if action in ("toggle_accuracy", "toggle_log", "slides") and self.trace is None:
            return None                 # shown greyed out while training
        if action == "toggle_log" and self.key != "loss":
            return None
        if action == "back" and len(self.app.screen_stack) < 2:
            return False
        return True

    def action_toggle_accuracy(self) -> None:
        self.key = "accuracy" if self.key == "loss" else "loss"
        self.draw()
        self.refresh_bindings()

    def action_toggle_log(self) -> None:
        self.log_scale = not self.log_scale
        self.draw()

    def action_slides(self) -> None:
        self.app.open_trace(self.trace, can_go_back=True)      # the slides, Esc comes back

    def action_back(self) -> None:
        self.app.pop_screen()
