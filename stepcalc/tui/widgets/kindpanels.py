"""Side panels of the kinds other than `train`: histograms (init_stats), curves (activations).

Both read ``trace.values`` only; nothing is recomputed.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text

from stepcalc.render.sparkline import sparkline as bars
from stepcalc.render.text import number_text, text_plot
from stepcalc.tui.deck import Deck
from stepcalc.tui.widgets.textpanel import TextPanel

class HistogramPanel(TextPanel):
    """init_stats: each layer's histogram of the run on the slide, as a bar line per layer."""

    def __init__(self, deck: Deck, **kwargs) -> None:
        super().__init__(**kwargs)
        self.deck = deck

    def draw(self, index: int, element, hidden: set[str]) -> Text:
        deck = self.deck
        values = deck.trace.values
        step = deck.steps[index]
        run = step.id.rsplit(".", 1)[0]
        counts, edges = values.get(run + ".hist"), values.get(run + ".edges")
        out = Text(no_wrap=True)
        if counts is None or edges is None:
            return out
        counts, edges = np.atleast_2d(counts), np.atleast_2d(edges)
        hist = deck.steps[deck.index_of[run + ".hist"]] if run + ".hist" in deck.index_of else None
        labels = list(hist.table.row_labels) if hist is not None and hist.table is not None else []
        labels += [f"layer {k + 1}" for k in range(len(labels), counts.shape[0])]
        width = max(len(label) for label in labels)
        precision = deck.scenario.precision if hasattr(deck.scenario, "precision") else 3
        out.append(f"{run}: histogram of each layer", style="bold underline")
        selected = element[0] if element and len(element) == 2 and step.id.startswith(run) else None
        for k, row in enumerate(counts):
            lo, hi = number_text(edges[k][0], precision), number_text(edges[k][-1], precision)
            style = "bold magenta" if k == selected else "cyan"
            out.append("\n" + labels[k].ljust(width) + " ")
            out.append(bars(row), style=style)
            out.append(f" [{lo}, {hi}]", style="dim")
        return out


class CurvePanel(TextPanel):
    """activations: the function on the slide (●) and its derivative (○) over the data."""

    def __init__(self, deck: Deck, **kwargs) -> None:
        super().__init__(**kwargs)
        self.deck = deck
        values = deck.trace.values
        self.functions = [k for k in values if not k.startswith("d.") and "d." + k in values]

    def function_of(self, index: int, element) -> str | None:
        step = self.deck.steps[index]
        name = step.id[2:] if step.id.startswith("d.") else step.id
        if name in self.functions:
            return name
        if step.table is not None and element and len(element) == 2 and element[0] < len(self.functions):
            return self.functions[element[0]]             # a value / derivative table row
        return self.functions[0] if self.functions else None

    def draw(self, index: int, element, hidden: set[str]) -> Text:
        values = self.deck.trace.values
        name = self.function_of(index, element)
        out = Text(no_wrap=True)
        if name is None or "data" not in values:
            return out
        precision = getattr(self.deck.scenario, "precision", 3)
        out.append(f"{name} ", style="bold underline")
        out.append("●", style="bold cyan")
        out.append(f" and {name}′ ", style="bold underline")
        out.append("○", style="bold magenta")
        series = [("○", values["d." + name]), ("●", values[name])]
        for line in text_plot(values["data"], series, precision=precision):
            out.append("\n")
            for ch in line:
                out.append(ch, style="bold cyan" if ch == "●" else "bold magenta" if ch == "○" else "")
        return out
