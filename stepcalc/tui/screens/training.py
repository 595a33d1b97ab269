"""Multi-step training: the loss across steps and every parameter before and after."""

from __future__ import annotations

import numpy as np
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from stepcalc.records.notation import entry_text
from stepcalc.records.precision import digits_to_tell_apart, float_noise
from stepcalc.render.text import NOISE_TEXT, number_text
from stepcalc.tui.lossplot import loss_axes, metric_range, metric_series
from stepcalc.tui.plain import plain


def parameter_rows(trace) -> list[tuple[str, str, str]]:
    """(entry, before, after) for every parameter entry: scenario.params vs trace.final_params."""
    sc = trace.scenario
    rows = []
    for name in sc.param_names:
        before = np.asarray(sc.params[name], dtype=float)
        after = np.asarray(trace.final_params[name], dtype=float)
        # enough digits that a change shows (0.1265 → 0.1258, not 0.126 → 0.126); float
        # noise next to the matrix's scale is shown as ≈0, not as a change (records.precision)
        digits = digits_to_tell_apart(before, after, sc.precision)
        shown = [[NOISE_TEXT if noisy else number_text(v, digits)
                  for v, noisy in zip(m.ravel(), float_noise(m).ravel())] for m in (before, after)]
        for flat, element in enumerate(np.ndindex(before.shape)):
            label = entry_text(name, [i + 1 for i in element])
            rows.append((label, shown[0][flat], shown[1][flat]))
    return rows


def loss_digits(losses, precision: int) -> int:
    """Digits at which each loss differs from the one before it (when it changed at all)."""
    values = np.asarray(losses, dtype=float)
    return digits_to_tell_apart(values[:-1], values[1:], precision) if values.size > 1 else precision


class TrainingScreen(Screen):
    BINDINGS = [Binding("escape,l", "close", "Back to the slides", id="training.close"),
                Binding("s", "toggle_log", "Log scale", id="training.log",
                        tooltip="The loss on a log scale (whole decades) or a linear one from 0")]

    def __init__(self, trace) -> None:
        super().__init__()
        self.trace = trace
        self.log_scale = False

    def compose(self) -> ComposeResult:
        from textual_plotext import PlotextPlot

        yield Static(plain(f"{self.trace.scenario.title} · loss and parameters"), id="topbar")
        with Horizontal(id="training"):
            yield PlotextPlot(id="loss-plot")
            table = DataTable(id="params", zebra_stripes=True, cursor_type="row")
            yield table
        yield Footer()

    def on_mount(self) -> None:
        self.draw()
        table = self.query_one(DataTable)
        table.add_columns("parameter", "before", "after")
        table.add_rows(parameter_rows(self.trace))
        table.focus()

    def draw(self) -> None:
        """Steps on x (round ticks, then "after"); y from 0 on a linear axis, so a small
        drop looks small; whole decades on the log axis (lossplot.loss_axes)."""
        widget = self.query_one("#loss-plot")
        plot = widget.plt
        plot.clear_data()
        plot.clear_figure()
        self.axes = axes = loss_axes(self.trace.losses, self.log_scale)
        self.metrics = self.metric_series()
        plot.plot(axes.x, axes.y, marker="braille", label="loss" if self.metrics else None)
        if len(axes.x) <= 60:
            plot.scatter(axes.x, axes.y)
        for series in self.metrics:       # recorded steps only: points joined by lines
            plot.plot(series.x, series.y, marker="dot", yside="right", label=series.name)
        if self.metrics:
            ylim, ticks, labels = metric_range(self.metrics)
            plot.ylim(*ylim, yside="right")
            plot.yticks(ticks, labels, yside="right")
            plot.ylabel(", ".join(s.name for s in self.metrics), yside="right")
        plot.xticks(axes.xticks, axes.xlabels)
        plot.yticks(axes.yticks, axes.ylabels)
        plot.ylim(*axes.ylim)
        plot.xlim(1, max(axes.x[-1], 2))
        what = " and " + ", ".join(s.name for s in self.metrics) if self.metrics else ""
        plot.title(f"Loss{what} before each update, then after the last"
                   + (" (log scale)" if axes.log else ""))
        plot.xlabel("training step")
        plot.ylabel(axes.ylabel)
        widget.refresh()

    def metric_series(self):
        trace = self.trace
        recorded = {step.step_number for step in trace.steps}
        return [metric_series(trace.values, name, recorded, len(trace.losses))
                for name in trace.scenario.train.metrics]

    def action_toggle_log(self) -> None:
        if not self.log_scale and not any(v > 0 for v in self.trace.losses):
            self.notify("No positive loss: no log scale.", markup=False)
            return
        self.log_scale = not self.log_scale
        self.draw()

    def action_close(self) -> None:
        self.app.pop_screen()
