"""Widths of the slide screen's panels by terminal width. Pure (no textual).

The slide comes first: from 100 columns on it gets at least 60 % of the width. The step
list narrows with the terminal; the side panel (network, histograms, curves) sits beside
the slide only when it fits in what the slide leaves over, and under the slide otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SLIDE_SHARE = 0.6         # of the terminal width, from FIRST_SHARE_WIDTH on
FIRST_SHARE_WIDTH = 100
BESIDE_FROM = 160         # below this the side panel goes under the slide


@dataclass(frozen=True)
class Layout:
    steps: int            # columns of the step list (border included)
    side_beside: bool     # the side panel beside the slide (else under it)
    side: int             # columns the side panel may take when beside

    def slide_width(self, width: int, side_wanted: int) -> int:
        """Columns left for the slide (border of the step list included in ``steps``)."""
        return width - self.steps - (min(side_wanted, self.side) if self.side_beside else 0)


def steps_width(width: int) -> int:
    if width < FIRST_SHARE_WIDTH:
        return 20
    if width < BESIDE_FROM:
        return 24
    return 28


def choose_layout(width: int, side_wanted: int) -> Layout:
    """``side_wanted``: columns the side panel needs to show everything without scrolling."""
    steps = steps_width(width)
    room = width - steps - math.ceil(SLIDE_SHARE * width)
    beside = width >= BESIDE_FROM and 0 < side_wanted <= room
    return Layout(steps, beside, max(room, 0))
