"""Extension point: the side panel drawn beside the slide, chosen by scenario kind.

A panel is a widget with ``show(index, element, hidden)``; the slide screen calls it on
every slide change. `train` scenarios get the network, `init_stats` each layer's
histogram, `activations` the function and derivative curves. The kinds whose slides are
tables (losses, batchnorm, normalize) show them on the slide and need no panel.
Register a factory here and the screen shows it without further changes.
"""

from __future__ import annotations

from typing import Callable

from textual.widget import Widget

from stepcalc.tui.deck import Deck


def _network(deck: Deck) -> Widget | None:
    if deck.scenario.model is None:
        return None
    from stepcalc.tui.widgets.network import NetworkView

    return NetworkView(deck, id="network")


def _histograms(deck: Deck) -> Widget | None:
    from stepcalc.tui.widgets.kindpanels import HistogramPanel

    return HistogramPanel(deck, id="histograms")


def _curves(deck: Deck) -> Widget | None:
    from stepcalc.tui.widgets.kindpanels import CurvePanel

    return CurvePanel(deck, id="curves")


PANELS: dict[str, Callable[[Deck], Widget | None]] = {
    "train": _network, "init_stats": _histograms, "activations": _curves}


def side_panel(deck: Deck) -> Widget | None:
    factory = PANELS.get(getattr(deck.scenario, "kind", "train"))
    return factory(deck) if factory else None
