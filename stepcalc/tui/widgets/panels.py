"""Extension point: the side panel drawn beside the slide, chosen by scenario kind.

A panel is a widget with ``show(index, element, hidden)``; the slide screen calls it on
every slide change. `train` scenarios get the network. The other kinds (activations,
losses, init_stats, batchnorm, normalize) have no specific view yet: register one here,
e.g. ``PANELS["init_stats"] = HistogramPanel`` (a textual-plotext plot of the
``*.hist`` steps), and the screen will show it without further changes.
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


PANELS: dict[str, Callable[[Deck], Widget | None]] = {"train": _network}


def side_panel(deck: Deck) -> Widget | None:
    factory = PANELS.get(getattr(deck.scenario, "kind", "train"))
    return factory(deck) if factory else None
