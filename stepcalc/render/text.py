"""Plain-text pieces for terminal renderers: aligned bracketed matrices, equation chains.

Pure functions over a Step's stored numbers and sympy expressions; nothing is recomputed.
Used by the TUI (stepcalc.tui); no textual or rich import here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stepcalc.render.printing import format_number, to_text
from stepcalc.records.precision import float_noise

MINUS = "−"
NOISE_TEXT = "≈0"   # an entry that is round-off next to its matrix's scale


def number_text(value: float, precision: int) -> str:
    """A number at display precision with a typographic minus."""
    return format_number(value, precision).replace("-", MINUS)


def math_text(expr, precision: int) -> str:
    """A sympy expression as one line of Unicode text, with typographic minus signs: the
    typesetter's drawing when it is one line high (w₁₁′, ∂L/∂z₁), else the linear form."""
    from stepcalc.render.typeset import picture

    drawn = picture(expr, precision)
    if "\n" not in drawn:
        return drawn
    return to_text(expr, precision).replace("-", MINUS)


def align_numbers(cells: list[str]) -> list[str]:
    """Pad number strings so their decimal points line up in one column."""
    heads, tails = [], []
    for cell in cells:
        # the integer part, then the rest: 1.821e−05 lines up with 0.0006304 by its point
        # (whole, it made a 4 × 6 matrix of small Adam moments too wide for 120 columns)
        cut = min((cell.index(c) for c in ".e" if c in cell), default=len(cell))
        if cell[:1].isalpha():             # nan, inf: not a number to split
            cut = len(cell)
        heads.append(cell[:cut])
        tails.append(cell[cut:])
    head_width = max((len(h) for h in heads), default=0)
    tail_width = max((len(t) for t in tails), default=0)
    return [h.rjust(head_width) + t.ljust(tail_width) for h, t in zip(heads, tails)]


def window(count: int, selected: int, limit: int) -> tuple[int, int]:
    """[start, stop) of at most ``limit`` indices that contains ``selected``."""
    if count <= limit:
        return 0, count
    start = min(max(selected - limit // 2, 0), count - limit)
    return start, start + limit


@dataclass(frozen=True)
class MatrixLayout:
    """A window of a matrix laid out as text: rows of cells, each with its element index."""

    lines: list[list[tuple[tuple[int, ...] | None, str]]]   # per row: (element or None, text) pieces
    rows: tuple[int, int]                                   # shown row window
    cols: tuple[int, int]                                   # shown column window
    shape: tuple[int, ...]


def as_grid(value) -> np.ndarray:
    """0-d → 1×1, 1-d → one row, 2-d as is, higher → rows × the rest."""
    value = np.asarray(value)
    if value.ndim == 0:
        return value.reshape(1, 1)
    if value.ndim == 1:
        return value.reshape(1, -1)
    if value.ndim > 2:
        return value.reshape(value.shape[0], -1)
    return value


def element_of(shape: tuple[int, ...], row: int, col: int) -> tuple[int, ...]:
    """The element index of a grid cell for a value of ``shape`` (see ``as_grid``)."""
    if len(shape) == 0:
        return ()
    if len(shape) == 1:
        return (col,)
    if len(shape) == 2:
        return (row, col)
    return (row,) + tuple(int(i) for i in np.unravel_index(col, shape[1:]))


def grid_position(shape: tuple[int, ...], element: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 0:
        return 0, 0
    if len(shape) == 1:
        return 0, element[0]
    if len(shape) == 2:
        return element[0], element[1]
    return element[0], int(np.ravel_multi_index(element[1:], shape[1:]))


def matrix_layout(value, precision: int, selected: tuple[int, ...] | None = None,
                  max_rows: int = 8, max_cols: int = 8,
                  hidden=lambda element: False, mask: str = "?") -> MatrixLayout:
    """Bracketed, decimal-aligned text of a (window of a) matrix.

    ``hidden(element)`` → True shows ``mask`` instead of the number (quiz mode: ``?``;
    a worksheet: a blank to fill in).
    """
    value = np.asarray(value)
    shape = tuple(value.shape)
    grid = as_grid(value)
    noise = float_noise(grid)
    n_rows, n_cols = grid.shape
    sel_r, sel_c = grid_position(shape, selected) if selected is not None else (0, 0)
    r0, r1 = window(n_rows, sel_r, max_rows)
    c0, c1 = window(n_cols, sel_c, max_cols)
    columns = []
    for c in range(c0, c1):
        texts = []
        for r in range(r0, r1):
            element = element_of(shape, r, c)
            texts.append(mask if hidden(element) else NOISE_TEXT if noise[r, c]
                         else number_text(grid[r, c], precision))
        columns.append(align_numbers(texts))
    width = [max((len(t) for t in col), default=1) for col in columns]
    shown = r1 - r0
    lines = []
    for i, r in enumerate(range(r0, r1)):
        left, right = _brackets(i, shown)
        pieces: list[tuple[tuple[int, ...] | None, str]] = [(None, left + (" …" if c0 > 0 else " "))]
        for j, c in enumerate(range(c0, c1)):
            if j:
                pieces.append((None, "  "))
            pieces.append((element_of(shape, r, c), columns[j][i].center(width[j])))
        pieces.append((None, ("… " if c1 < n_cols else " ") + right))
        lines.append(pieces)
    return MatrixLayout(lines, (r0, r1), (c0, c1), shape)


def _brackets(i: int, count: int) -> tuple[str, str]:
    if count == 1:
        return "[", "]"
    if i == 0:
        return "⎡", "⎤"
    if i == count - 1:
        return "⎣", "⎦"
    return "⎢", "⎥"


def expansion_chain(expansion, precision: int, show_numbers: bool = True,
                    show_value: bool = True) -> list[str]:
    """lhs, symbolic, numbers put in, value — as text, repeated parts dropped."""
    parts = [math_text(expansion.lhs, precision)]
    candidates = []
    if expansion.symbolic is not None:
        candidates.append(math_text(expansion.symbolic, precision))
    if show_numbers:
        candidates.append(math_text(expansion.numeric, precision))
    for part in candidates:
        if part != parts[-1]:
            parts.append(part)
    result = number_text(expansion.value, precision) if show_value else "?"
    if result != parts[-1]:
        parts.append(result)
    return parts


def derivation_lines(derivation, precision: int, width: int = 80, full: bool = False,
                     links=None) -> list[str]:
    """The derivation typeset: ``lhs = link = link …`` on one line when short (see
    Derivation.links), else one row per link with every ``=`` under the first.
    ``links``: the links to show, when the caller chose them (Step.shown_derivation)."""
    if derivation is None:
        return []
    from stepcalc.render.typeset import chain, pretty

    links = list(derivation.links(full) if links is None else links)
    if not links:
        return []
    if not full:
        return chain([derivation.lhs] + links, precision, width)
    pad = " " * pretty(derivation.lhs, precision).width()
    lines = []
    for number, link in enumerate(links):
        lines += chain([derivation.lhs if number == 0 else pad, link], precision, width)
    return lines


def table_layout(table, precision: int, selected: tuple[int, ...] | None = None,
                 max_rows: int = 12, max_cols: int = 8, hidden=lambda element: False,
                 shape: tuple[int, ...] | None = None, mask: str = "?") -> MatrixLayout:
    """A labelled ``records.Table`` as text: a header line of column labels, then one line
    per row (its label, decimal-aligned numbers, and a sparkline when the table asks).

    ``shape`` is the step value's shape, to map a table cell to its element (see
    ``element_of``); the table's values are that value as a grid.
    """
    values = np.asarray(table.values, dtype=float)
    if values.ndim == 1:
        values = values.reshape(1, -1)
    shape = tuple(shape) if shape is not None else tuple(values.shape)
    n_rows, n_cols = values.shape
    sel_r, sel_c = grid_position(shape, selected) if selected is not None else (0, 0)
    r0, r1 = window(n_rows, sel_r, max_rows)
    c0, c1 = window(n_cols, sel_c, max_cols)
    labels = [str(table.row_labels[r]) if r < len(table.row_labels) else str(r + 1) for r in range(r0, r1)]
    label_width = max([len(table.corner)] + [len(label) for label in labels])
    columns, widths = [], []
    for c in range(c0, c1):
        texts = [mask if hidden(element_of(shape, r, c)) else number_text(values[r, c], precision)
                 for r in range(r0, r1)]
        head = str(table.column_labels[c]) if c < len(table.column_labels) else str(c + 1)
        if head.lstrip("-").replace(".", "", 1).replace("e", "", 1).replace("-", "").isdigit():
            head = head.replace("-", MINUS)              # a number as a label: −4, not -4
        cells = align_numbers(texts)
        widths.append(max([len(head)] + [len(t) for t in cells]))
        columns.append((head, cells))
    spark = None
    if table.sparkline:
        from stepcalc.render.markdown import sparkline

        spark = [sparkline(values[r]) for r in range(r0, r1)]
    left, right = (" …" if c0 > 0 else "  "), ("  …" if c1 < n_cols else "")
    header: list[tuple[tuple[int, ...] | None, str]] = [(None, table.corner.ljust(label_width) + left)]
    for j, (head, _) in enumerate(columns):
        header.append((None, ("  " if j else "") + head.rjust(widths[j])))
    header.append((None, right + ("  histogram" if spark else "")))
    lines = [header]
    for i, r in enumerate(range(r0, r1)):
        pieces: list[tuple[tuple[int, ...] | None, str]] = [(None, labels[i].ljust(label_width) + left)]
        for j, (_, cells) in enumerate(columns):
            if j:
                pieces.append((None, "  "))
            pieces.append((element_of(shape, r, c0 + j), cells[i].rjust(widths[j])))
        pieces.append((None, right + (f"  {spark[i]}" if spark else "")))
        lines.append(pieces)
    return MatrixLayout(lines, (r0, r1), (c0, c1), shape)


def text_plot(xs, series, width: int = 36, height: int = 9, precision: int = 3) -> list[str]:
    """Points of each ``(marker, ys)`` series on a character grid over ``xs``, with the
    y range on the left and the x range underneath. Later series draw over earlier ones.
    """
    xs = np.asarray(xs, dtype=float)
    finite = [np.asarray(ys, dtype=float) for _, ys in series]
    values = np.concatenate([ys[np.isfinite(ys)] for ys in finite] + [np.zeros(0)])
    lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
    if hi - lo < 1e-12:
        lo, hi = lo - 1, hi + 1
    x0, x1 = float(xs.min()), float(xs.max())
    if x1 - x0 < 1e-12:
        x0, x1 = x0 - 1, x1 + 1
    grid = [[" "] * width for _ in range(height)]
    if lo < 0 < hi:                                   # the y = 0 axis
        zero = round((hi - 0.0) / (hi - lo) * (height - 1))
        grid[zero] = ["┈"] * width
    for (marker, _), ys in zip(series, finite):
        for x, y in zip(xs, ys):
            if not np.isfinite(y):
                continue
            col = round((x - x0) / (x1 - x0) * (width - 1))
            row = round((hi - y) / (hi - lo) * (height - 1))
            grid[row][col] = marker
    top, bottom = number_text(hi, precision), number_text(lo, precision)
    pad = max(len(top), len(bottom))
    lines = []
    for r, row in enumerate(grid):
        label = top if r == 0 else bottom if r == height - 1 else ""
        lines.append(f"{label.rjust(pad)} ┤{''.join(row)}")
    left, right = number_text(x0, precision), number_text(x1, precision)
    lines.append(" " * pad + " └" + "─" * width)
    lines.append(" " * (pad + 2) + left + right.rjust(width - len(left)))
    return lines
