"""The result of a slide as text: ``name = [matrix]`` or a labelled table, one Text a line.

Pure (rich only): the slide widget draws these lines and maps clicks through ``cells``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.cells import cell_len
from rich.text import Text

from stepcalc.render.text import as_grid, matrix_layout, number_text, table_layout

MAX_ROWS = 8
MAX_TABLE_ROWS = 12


@dataclass(frozen=True)
class ResultLines:
    lines: list[Text]
    cells: list[tuple[int, int, int, tuple[int, ...]]]   # (line, x0, x1, element)


def layout_width(layout) -> int:
    """Columns the widest line of a layout takes."""
    return max((sum(cell_len(text) for _, text in pieces) for pieces in layout.lines), default=0)


def fitted(make, n_cols: int, width: int):
    """The layout ``make(max_cols)`` with the most columns that fits in ``width``.

    Measured, not estimated: number widths vary (−0.0007592 vs 1.5), and an estimate that
    subtracts a label twice once cut 6-column matrices to one column. Binary search keeps it
    to a handful of layouts even for a 4096-wide row.
    """
    low, high = 1, max(1, n_cols)
    best = make(1)
    if layout_width(best) > width:
        return best                       # not even one column fits: the line is cut visibly
    while low < high:
        middle = (low + high + 1) // 2
        layout = make(middle)
        if layout_width(layout) <= width:
            low, best = middle, layout
        else:
            high = middle - 1
    return best


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
        layout = fitted(lambda cols: table_layout(table, precision, selected, max_rows=MAX_TABLE_ROWS,
                                                  max_cols=cols, hidden=hidden, shape=value.shape),
                        np.shape(table.values)[-1], width)
        prefix, middle, first = "", -1, 1
    else:
        prefix = f"{name} = " if name else ""
        if value.size == 1:          # one number is shown as a number, not a 1 × 1 matrix
            return _one_number(value, prefix, precision, marked, hidden, selected_style)
        layout = fitted(lambda cols: matrix_layout(value, precision, selected, max_rows=MAX_ROWS,
                                                   max_cols=cols, hidden=hidden),
                        as_grid(value).shape[1], width - cell_len(prefix))
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


def _one_number(value, prefix: str, precision: int, marked: dict, hidden,
                selected_style: str) -> ResultLines:
    """``name = 0.9894``: the one entry is selected and clickable like a matrix cell."""
    element = (0,) * value.ndim
    text = "?" if hidden(element) else number_text(value.item(), precision)
    style = f"{marked.get(element, '')} {selected_style}".strip()
    line = Text(prefix, style="bold", no_wrap=True, overflow="ellipsis")
    line.append(text, style=style)
    return ResultLines([line], [(0, len(prefix), len(prefix) + len(text), element)])
