"""One slide: phase and title; notes; formula; derivation; numbers put in; the result; explanation; flags.

Drawn as ONE line-API widget: a slide change re-renders this widget only, and the screen
lays out again only when the slide gets taller than the view (scrolling). Every piece of
text that costs sympy printing is built once per step (and per entry) and kept.

Generic over Steps: a step without a formula or an expansion simply shows fewer rows.
The result is focusable: arrow keys or the mouse select an entry, announced with
``SlideView.Selected``; the screen answers with ``show_element``.
"""

from __future__ import annotations

import numpy as np
from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from stepcalc.records.notation import display_prose, text_name
from stepcalc.render.flags import flag_message
from stepcalc.render.text import as_grid, derivation_lines, element_of, grid_position, math_text
from stepcalc.render.typeset import chain, number_text
from stepcalc.tui.widgets.matrix import ResultLines, result_lines

LABEL_WIDTH = 9


class SlideView(ScrollView, can_focus=True, inherit_bindings=False):
    """Shows one Step; the screen calls ``show_step`` then ``show_element``.

    ``texts`` holds the plain text of each part (phase, title, notes, formula, derivation,
    numbers, result, explanation, flags) of what is shown.
    """

    COMPONENT_CLASSES = {"slide--phase", "slide--title", "slide--notes", "slide--label",
                         "slide--explanation", "slide--result-focus"}
    BINDINGS = [
        Binding("up", "move(-1, 0)", "Entry ↑", show=False, id="result.up"),
        Binding("down", "move(1, 0)", "Entry ↓", show=False, id="result.down"),
        Binding("left", "move(0, -1)", "Entry ←", show=False, id="result.left"),
        Binding("right", "move(0, 1)", "Entry →", show=False, id="result.right"),
        Binding("shift+left", "pan(-8)", "Scroll ←", show=False, id="slide.pan_left"),
        Binding("shift+right", "pan(8)", "Scroll →", show=False, id="slide.pan_right"),
    ]

    class Selected(Message):
        """The learner picked an entry of the result."""

        def __init__(self, slide: "SlideView", element: tuple[int, ...]) -> None:
            super().__init__()
            self.slide = slide
            self.element = element

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.step = None
        self.heading = ""
        self.precision = 3
        self.full_derivation = False                     # d: every line sympy went through
        self.notes = ""
        self.names: tuple[str, ...] = ()                 # the scenario's quantity names (prose)
        self.quiz = False
        self.hidden = lambda element: False
        self.show_flags = True
        self.marked: dict[tuple[int, ...], str] = {}
        self.selected: tuple[int, ...] = ()
        self.reveal_value = True
        self.reveal_numbers = True
        self.texts: dict[str, str] = {}
        self.cells: list[tuple[int, int, int, tuple[int, ...]]] = []   # (line, x0, x1, element)
        self._lines: list[Strip] = []
        self._texts: dict[tuple, Text | None] = {}       # sympy-printed pieces, per step
        self._strips: dict[tuple, list[Strip]] = {}      # wrapped pieces, per width
        self._styles: dict[str, object] = {}             # component styles from app.tcss

    # ------------------------------------------------------------ the screen --
    def show_step(self, step, heading: str, precision: int, notes: str = "",
                  quiz: bool = False, hidden=None, show_flags: bool = True, names=()) -> None:
        """Everything of the slide except the selected entry's expansion (no redraw yet)."""
        if step is not self.step and (self.scroll_y or self.scroll_x):
            self.scroll_to(x=0, y=0, animate=False)
        self.step, self.heading, self.precision = step, heading, precision
        self.notes, self.quiz, self.show_flags = notes, quiz, show_flags
        self.names = tuple(names)
        self.hidden = hidden or (lambda element: False)
        self.marked = {}
        if not quiz:
            for flag in step.flags:
                for element in flag.elements:
                    self.marked.setdefault(tuple(element), flag.kind.cell_style)
        start = step.representative if step.representative is not None else (0,) * np.ndim(step.value)
        self.selected = tuple(int(i) for i in start)

    def show_element(self, step, element, precision: int, reveal_value: bool = True,
                     reveal_numbers: bool = True) -> None:
        """The selected entry's own scalar expansion (drill-down); redraws the slide."""
        self.selected = tuple(int(i) for i in element)
        self.reveal_value, self.reveal_numbers = reveal_value, reveal_numbers
        self.rebuild()

    # ------------------------------------------------------------- selection --
    def action_move(self, rows: int, cols: int) -> None:
        if self.step is None:
            return
        shape = tuple(np.shape(self.step.value))
        grid = as_grid(self.step.value)
        r, c = grid_position(shape, self.selected)
        r = min(max(r + rows, 0), grid.shape[0] - 1)
        c = min(max(c + cols, 0), grid.shape[1] - 1)
        self.select(element_of(shape, r, c))

    def select(self, element: tuple[int, ...]) -> None:
        element = tuple(int(i) for i in element)
        if element != self.selected:
            self.selected = element
            self.post_message(self.Selected(self, element))

    def on_click(self, event) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        y = offset.y + round(self.scroll_y)
        for line, x0, x1, element in self.cells:
            if y == line and x0 <= offset.x < x1:
                self.select(element)
                return

    def on_focus(self) -> None:
        self.rebuild()

    def on_blur(self) -> None:
        self.rebuild()

    def on_resize(self) -> None:
        self._strips.clear()
        self.rebuild()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._styles.clear()

    # -------------------------------------------------------------- drawing --
    def rebuild(self) -> None:
        """Lay the slide out as lines; lay the screen out again only if the height changed."""
        step = self.step
        if step is None:
            return
        width = self.scrollable_size.width   # without the scrollbar gutter
        parts = self._parts(width if width > 0 else 100)
        result = self._result(width if width > 0 else 100)
        self.texts = {name: (text.plain if text is not None else "") for name, text in parts.items()}
        self.texts["result"] = "\n".join(line.plain for line in result.lines)
        if self.texts["numbers_note"]:
            self.texts["numbers"] += "\n" + self.texts.pop("numbers_note")
        if width <= 0 or not self.is_mounted:
            return
        lines: list[Strip] = []
        head_key = ("head", step.id, self.heading, self.notes, self.full_derivation, width)
        if head_key not in self._strips:
            block: list[Strip] = self._wrap(parts["phase"], width) + self._wrap(parts["title"], width)
            block.append(Strip.blank(0))
            if parts["notes"] is not None:
                block += self._wrap(parts["notes"], width) + [Strip.blank(0)]
            for label, name in (("Formula", "formula"), ("Derived", "derivation")):
                if parts[name] is not None:
                    block += self._row(label, self._wide(parts[name], width - LABEL_WIDTH))
                    if name == "derivation" and parts["derivation_note"] is not None:
                        block += self._row("", self._wrap(parts["derivation_note"], width - LABEL_WIDTH))
                    block.append(Strip.blank(0))
            self._strips[head_key] = block
        lines += self._strips[head_key]
        if parts["numbers"] is not None:
            key = ("numbers", step.id, self.selected, self.reveal_numbers, self.reveal_value, width)
            if key not in self._strips:
                body = self._wide(parts["numbers"], width - LABEL_WIDTH)
                if parts["numbers_note"] is not None:
                    body += self._wrap(parts["numbers_note"], width - LABEL_WIDTH)
                self._strips[key] = self._row("Numbers", body)
            lines += self._strips[key] + [Strip.blank(0)]
        top = len(lines)
        if result.lines:
            lines += self._row("Result", [self._wrap(t, width - LABEL_WIDTH)[0] for t in result.lines])
            lines.append(Strip.blank(0))
        self.cells = [(top + y, LABEL_WIDTH + x0, LABEL_WIDTH + x1, e) for y, x0, x1, e in result.cells]
        tail_key = ("tail", step.id, self.show_flags, width)
        if tail_key not in self._strips:
            block = self._wrap(parts["explanation"], width)
            if parts["flags"] is not None:
                block += [Strip.blank(0)] + self._wrap(parts["flags"], width)
            self._strips[tail_key] = block
        lines += self._strips[tail_key]
        base = self.rich_style
        height = max(len(lines), self.size.height)
        # A typeset row wider than the view (a stacked fraction over a long sum) is not cut:
        # the slide scrolls sideways (scrollbar, Shift+←/→, the mouse wheel).
        full = max([width] + [strip.cell_length for strip in lines])
        self._lines = [strip.apply_style(base).extend_cell_length(full, base) for strip in lines]
        self._lines += [Strip.blank(full, base)] * (height - len(lines))
        size = Size(full, height)
        if size != self.virtual_size:
            self.virtual_size = size          # scrolling changes: the one relayout
        self.refresh()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        y += scroll_y
        width = self.scrollable_size.width
        if y >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        line = self._lines[y]
        if line.cell_length <= width:
            return line
        # cut by the view's edge: › (or ‹) marks that the row goes on, the slide scrolls sideways
        more_left = scroll_x > 0 and bool(line.crop(0, scroll_x).text.strip())
        more_right = bool(line.crop(scroll_x + width).text.strip())
        shown = line.crop(scroll_x + more_left, scroll_x + width - more_right)
        mark = self._style("slide--label")
        pieces = ([Strip([Segment("‹", mark)], 1)] if more_left else []) + [shown] \
            + ([Strip([Segment("›", mark)], 1)] if more_right else [])
        return Strip.join(pieces) if len(pieces) > 1 else shown

    # --------------------------------------------------------------- pieces --
    def _style(self, name: str):
        if name not in self._styles:
            self._styles[name] = self.get_component_rich_style(name)   # blended with the background
        return self._styles[name]

    def _text(self, key: tuple, build) -> Text | None:
        if key not in self._texts:
            self._texts[key] = build()
        return self._texts[key]

    def _parts(self, width: int = 100) -> dict[str, Text | None]:
        step, precision = self.step, self.precision
        sid = step.id
        notes = unwrap(self.notes) if self.notes.strip() else ""
        inner = max(width - LABEL_WIDTH, 20)

        full = self.full_derivation

        def formula():
            # Typeset in two dimensions (stacked fractions, Σ with limits); never re-wrapped.
            # None when the numbers row below repeats it word for word (as the exports do).
            expr = step.shown_formula
            if expr is None:
                return None
            return Text("\n".join(chain([expr.lhs, expr.rhs], precision, inner)), no_wrap=True,
                        overflow="ellipsis")

        def derivation():
            # short (definition = identity) unless d asked for every line, as the exports
            if not step.derivation_builder:
                return None
            links = step.shown_derivation(full)
            lines = derivation_lines(step.derivation, precision, inner, full or step.full_derivation,
                                     links) if links else []
            if not lines:
                return None
            return Text("\n".join(lines), no_wrap=True, overflow="ellipsis")

        def derivation_note():
            comment = step.derivation.comment if step.derivation_builder else ""
            return Text(display_prose(comment, self.names)) if comment else None

        return {
            "phase": Text(self.heading, style=self._style("slide--phase")),
            "title": Text(display_prose(step.title, self.names), style=self._style("slide--title")),
            "notes": Text(notes, style=self._style("slide--notes")) if notes else None,
            "formula": self._text(("formula", sid, precision, inner), formula),
            "derivation": self._text(("derivation", sid, precision, inner, full), derivation),
            "derivation_note": self._text(("derivation_note", sid), derivation_note),
            "numbers": self._text(("numbers", sid, precision, self.selected, self.reveal_numbers,
                                   self.reveal_value, inner), lambda: self._numbers(inner)),
            "numbers_note": self._numbers_note(),
            "explanation": Text(display_prose(step.explanation, self.names),
                                style=self._style("slide--explanation")),
            "flags": flags_text(step, self.names) if (self.show_flags and step.flags) else None,
        }

    def _numbers(self, width: int = 100) -> Text | None:
        """lhs = symbolic = numbers put in = value, typeset; the value in bold green."""
        step = self.step
        expansion = step.expand(self.selected) if step.expander is not None else None
        if expansion is None:
            return None
        # The expansion's own precision: one digit more when its rounded terms would not add
        # up to its rounded value, else ≈ before the value (Step.expand decides, for every renderer).
        digits = expansion.precision
        parts = [expansion.lhs]
        if expansion.symbolic is not None:
            parts.append(expansion.symbolic)
        if self.reveal_numbers:
            parts.append(expansion.numeric)
        value = number_text(expansion.value, digits) if self.reveal_value else "?"
        parts.append(value)
        approximate = expansion.approximate and self.reveal_numbers and self.reveal_value
        lines = chain(parts, digits, width, dedupe=True, approximate=approximate)
        text = Text("\n".join(lines), no_wrap=True, overflow="ellipsis")
        if self.reveal_value:
            end = len(text.plain)
            text.stylize("bold green", end - len(value), end)
        return text

    def _numbers_note(self) -> Text | None:
        """The expansion's remark (a term left out, and why): prose, wrapped to the slide."""
        step = self.step
        expansion = step.expand(self.selected) if step.expander is not None else None
        if expansion is None or not expansion.note or not self.reveal_numbers:
            return None
        return Text(expansion.note, style="dim")

    def _result(self, width: int):
        step = self.step
        if one_entry_expanded(step):
            return ResultLines([], [])
        name = self._text(("name", step.id), lambda: result_name(step))
        lines = result_lines(step.value, name, self.precision, self.selected,
                             width - LABEL_WIDTH, self.marked, self.hidden, step.table)
        if self.has_focus:
            focus = self._style("slide--result-focus")
            for line in lines.lines:
                line.stylize_before(focus)
        return lines

    def _wrap(self, text: Text, width: int) -> list[Strip]:
        console = self.app.console
        options = console.options.update_width(max(width, 1))
        return [Strip(line) for line in console.render_lines(text, options, pad=False, new_lines=False)]

    def _wide(self, text: Text, width: int) -> list[Strip]:
        """Typeset lines (never re-wrapped) at their own width when wider than the view."""
        natural = max((cell_len(line) for line in text.plain.split("\n")), default=0)
        return self._wrap(text, max(width, natural))

    def action_pan(self, columns: int) -> None:
        self.scroll_relative(x=columns, animate=False)

    def _row(self, label: str, body: list[Strip]) -> list[Strip]:
        head = Strip([Segment(label.ljust(LABEL_WIDTH), self._style("slide--label"))], LABEL_WIDTH)
        blank = Strip.blank(LABEL_WIDTH)
        return [Strip.join([head if i == 0 else blank, strip]) for i, strip in enumerate(body)]


def unwrap(text: str) -> str:
    """Join hard-wrapped lines; keep blank-line paragraph breaks."""
    paragraphs = [" ".join(line.strip() for line in p.splitlines()) for p in text.strip().split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def flags_text(step, names=()) -> Text:
    out = Text()
    for i, flag in enumerate(step.flags):
        if i:
            out.append("\n")
        out.append(f"{flag.kind.icon} {flag.kind.label}: ", style=flag.kind.style)
        out.append(display_prose(flag_message(flag), names))
    return out


def one_entry_expanded(step) -> bool:
    """One number whose numbers row already ends in its value: no Result row repeats it
    (Step.one_entry_expanded, and the same for a 0-d scalar such as L)."""
    return step.value.size == 1 and step.table is None and step.expander is not None


def result_name(step) -> str:
    """The quantity's name for the result row: h, ∂L/∂m, m′ …"""
    quantity = step.quantity.local
    is_loss = quantity.kind == "value" and quantity.name == "loss"
    symbol = step.quantity_symbol()
    if symbol is not None and not is_loss:
        return math_text(symbol, 3)
    if quantity.kind == "grad":
        return "∂L/∂" + _pretty(quantity.name)
    if quantity.kind == "new":
        return _pretty(quantity.name) + "′"
    if is_loss:
        return "L"
    # Names of the other kinds' tables ("relu_kaiming.hist") are not shown as a symbol.
    if step.value.ndim == 0 or (quantity.kind == "value" and "." not in quantity.name):
        return _pretty(quantity.name)
    return ""


def _pretty(name: str) -> str:
    return text_name(name)
