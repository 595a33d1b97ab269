"""The result of a slide as text: ``name = [matrix]`` or a labelled table, one Text a line.

Pure (rich only): the slide widget draws these lines and maps clicks through ``cells``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.text import Text

from stepcalc.render.text import as_grid, matrix_layout, number_text, table_layout

MAX_ROWS = 8
MAX_TABLE_ROWS = 12


@dataclass(frozen=True)
class ResultLines:
    lines: list[Text]
    cells: list[tuple[int, int, int, tuple[int, ...]]]   # (line, x0, x1, element)


def max_cols(width: int, name: str, precision: int) -> int:
    """How many number columns fit in ``width`` next to ``name = ``."""
    cell = len(number_text(-1.23456789, precision)) + 2
    return max(1, (max(width, 20) - len(name) - 9) // cell)


def table_fits(table, value) -> bool:
    """A step's table can stand in for its value (same grid)."""
    return table is not None and np.shape(table.values) == as_grid(value).shape


def result_lines(value, name: str, precision: int, selected: tuple[int, ...],
                 width: int, marked: dict | None = None, hidden=None, table=None,
                 selected_style: str = "reverse bold") -> ResultLines:
    """The result as lines of text; the selected entry in ``selected_style``."""
    value = np.asarray(value)
    marked = marked or {}
    hidden = hidden or (lambda element: False)
    if table is not None and table_fits(table, value):
        room = width - (np.shape(table.values)[1] + 13 if table.sparkline else 0)
        layout = table_layout(table, precision, selected, max_rows=MAX_TABLE_ROWS,
                              max_cols=max_cols(room, table.corner, precision), hidden=hidden,
                              shape=value.shape)
        prefix, middle, first = "", -1, 1
    else:
        layout = matrix_layout(value, precision, selected, max_rows=MAX_ROWS,
                               max_cols=max_cols(width, name, precision), hidden=hidden)
        prefix = f"{name} = " if name else ""
        middle, first = (len(layout.lines) - 1) // 2, 0
    lines, cells = [], []
    for y, pieces in enumerate(layout.lines):
        out = Text(no_wrap=True, overflow="ellipsis")
        lead = prefix if y == middle else " " * len(prefix)
        out.append(lead, style="bold")
        x = len(lead)
        for element, text in pieces:
            style = "bold" if y < first else ""
            if element is not None:
                style = marked.get(element, "")
                if element == selected:
                    style = f"{style} {selected_style}".strip()
                cells.append((y, x, x + len(text), element))
            out.append(text, style=style)
            x += len(text)
        lines.append(out)
    grid_rows, grid_cols = as_grid(value).shape
    (r0, r1), (c0, c1) = layout.rows, layout.cols
    shown = []
    if r1 - r0 != grid_rows:
        shown.append(f"rows {r0 + 1}–{r1} of {grid_rows}")
    if c1 - c0 != grid_cols:
        shown.append(f"columns {c0 + 1}–{c1} of {grid_cols}")
    if shown:
        lines.append(Text(" " * len(prefix) + ", ".join(shown) + " (arrows scroll)", style="dim",
                          no_wrap=True, overflow="ellipsis"))
    return ResultLines(lines, cells)
