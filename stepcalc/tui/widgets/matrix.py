"""The result matrix: aligned and bracketed; arrow keys or the mouse select an entry."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from stepcalc.render.text import as_grid, element_of, grid_position, matrix_layout, number_text


class MatrixView(Widget, can_focus=True):
    """Shows ``name = [matrix]``; the selected entry is highlighted and announced."""

    BINDINGS = [
        Binding("up", "move(-1, 0)", "Entry ↑", show=False, id="matrix.up"),
        Binding("down", "move(1, 0)", "Entry ↓", show=False, id="matrix.down"),
        Binding("left", "move(0, -1)", "Entry ←", show=False, id="matrix.left"),
        Binding("right", "move(0, 1)", "Entry →", show=False, id="matrix.right"),
    ]

    selected: reactive[tuple[int, ...]] = reactive((), init=False)

    class Selected(Message):
        """The learner picked an entry of the result."""

        def __init__(self, matrix: "MatrixView", element: tuple[int, ...]) -> None:
            super().__init__()
            self.matrix = matrix
            self.element = element

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.value = np.zeros(())
        self.name_text = ""
        self.precision = 3
        self.marked: dict[tuple[int, ...], str] = {}     # element → style (flags)
        self.hidden = lambda element: False
        self._cells: list[tuple[int, int, int, tuple[int, ...]]] = []   # (y, x0, x1, element)

    def show(self, value, name: str, precision: int, selected: tuple[int, ...] | None,
             marked: dict[tuple[int, ...], str] | None = None, hidden=None) -> None:
        """Replace what is shown (one call per slide change)."""
        self.value = np.asarray(value)
        self.name_text = name
        self.precision = precision
        self.marked = marked or {}
        self.hidden = hidden or (lambda element: False)
        element = selected if selected is not None else (0,) * self.value.ndim
        self.set_reactive(MatrixView.selected, tuple(element))
        self.refresh(layout=True)

    def refresh_cells(self) -> None:
        self.refresh(layout=True)

    # ------------------------------------------------------------- rendering --
    MAX_ROWS = 8

    def _max_cols(self, width: int) -> int:
        cell = len(number_text(-1.23456789, self.precision)) + 2
        return max(1, (max(width, 20) - len(self.name_text) - 9) // cell)

    def _layout(self):
        return matrix_layout(self.value, self.precision, self.selected, max_rows=self.MAX_ROWS,
                             max_cols=self._max_cols(self.size.width), hidden=self.hidden)

    def render(self) -> Text:
        layout = self._layout()
        lines = layout.lines
        prefix = f"{self.name_text} = " if self.name_text else ""
        middle = (len(lines) - 1) // 2
        out = Text(no_wrap=True, overflow="ellipsis")
        self._cells = []
        for y, pieces in enumerate(lines):
            lead = prefix if y == middle else " " * len(prefix)
            out.append(lead, style="bold")
            x = len(lead)
            for element, text in pieces:
                style = ""
                if element is not None:
                    style = self.marked.get(element, "")
                    if element == self.selected:
                        style = (style + " reverse bold").strip()
                    self._cells.append((y, x, x + len(text), element))
                out.append(text, style=style)
                x += len(text)
            if y < len(lines) - 1:
                out.append("\n")
        grid = as_grid(self.value)
        (r0, r1), (c0, c1) = layout.rows, layout.cols
        shown = []
        if r1 - r0 != grid.shape[0]:
            shown.append(f"rows {r0 + 1}–{r1} of {grid.shape[0]}")
        if c1 - c0 != grid.shape[1]:
            shown.append(f"columns {c0 + 1}–{c1} of {grid.shape[1]}")
        if shown:
            out.append(f"\n{' ' * len(prefix)}" + ", ".join(shown) + " (arrows scroll)", style="dim")
        return out

    def get_content_height(self, container, viewport, width: int) -> int:
        rows, cols = as_grid(self.value).shape
        elided = rows > self.MAX_ROWS or cols > self._max_cols(width)
        return min(rows, self.MAX_ROWS) + (1 if elided else 0)

    # ------------------------------------------------------------- selection --
    def action_move(self, rows: int, cols: int) -> None:
        shape = tuple(self.value.shape)
        grid = as_grid(self.value)
        r, c = grid_position(shape, self.selected)
        r = min(max(r + rows, 0), grid.shape[0] - 1)
        c = min(max(c + cols, 0), grid.shape[1] - 1)
        self.select(element_of(shape, r, c))

    def select(self, element: tuple[int, ...]) -> None:
        element = tuple(int(i) for i in element)
        if element != self.selected:
            self.selected = element

    def watch_selected(self, element: tuple[int, ...]) -> None:
        self.refresh()
        self.post_message(self.Selected(self, element))

    def on_click(self, event) -> None:
        for y, x0, x1, element in self._cells:
            if event.y == y and x0 <= event.x < x1:
                self.focus()
                self.select(element)
                return
