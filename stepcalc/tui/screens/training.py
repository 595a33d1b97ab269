"""Multi-step training: the loss across steps and every parameter before and after."""

from __future__ import annotations

import numpy as np
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from stepcalc.render.text import number_text
from stepcalc.tui.plain import plain


def parameter_rows(trace) -> list[tuple[str, str, str]]:
    """(entry, before, after) for every parameter entry: scenario.params vs trace.final_params."""
    sc = trace.scenario
    p = sc.precision
    rows = []
    for name in sc.param_names:
        before = np.asarray(sc.params[name])
        after = np.asarray(trace.final_params[name])
        for element in np.ndindex(before.shape):
            where = ",".join(str(i + 1) for i in element)
            label = f"{name}[{where}]" if where else name
            rows.append((label, number_text(before[element], p), number_text(after[element], p)))
    return rows


class TrainingScreen(Screen):
    BINDINGS = [Binding("escape,l", "close", "Back to the slides", id="training.close")]

    def __init__(self, trace) -> None:
        super().__init__()
        self.trace = trace

    def compose(self) -> ComposeResult:
        from textual_plotext import PlotextPlot

        yield Static(plain(f"{self.trace.scenario.title} · loss and parameters"), id="topbar")
        with Horizontal(id="training"):
            yield PlotextPlot(id="loss-plot")
            table = DataTable(id="params", zebra_stripes=True, cursor_type="row")
            yield table
        yield Footer()

    def on_mount(self) -> None:
        losses = list(self.trace.losses)
        plot = self.query_one("#loss-plot").plt
        steps = list(range(1, len(losses) + 1))
        plot.plot(steps, losses, marker="braille")
        plot.scatter(steps, losses)
        labels = [str(i) for i in range(1, len(losses))] + ["after"]
        plot.xticks(steps, labels)
        plot.title("Loss before each update, then after the last")
        plot.xlabel("step")
        table = self.query_one(DataTable)
        table.add_columns("parameter", "before", "after")
        table.add_rows(parameter_rows(self.trace))
        table.focus()

    def action_close(self) -> None:
        self.app.pop_screen()
