"""One slide: title and phase; formula; numbers put in; the result matrix; explanation; flags.

Generic over Steps: a step without a formula or an expansion simply shows fewer rows.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Label, Static

from stepcalc.render.text import derivation_lines, expansion_chain, math_text
from stepcalc.tui.widgets.matrix import MatrixView

FLAG_STYLE = {
    "dead_relu": ("☠", "bold red"),
    "zero_gradient": ("0", "yellow"),
    "saturated_sigmoid": ("〰", "yellow"),
    "mismatch": ("✗", "bold red"),
    "non_finite": ("∞", "bold red"),
    "symmetric_units": ("⇄", "yellow"),
}
CELL_STYLE = {"dead_relu": "red", "zero_gradient": "dim", "mismatch": "red underline",
              "non_finite": "red", "saturated_sigmoid": "yellow"}


def show_if(widget, visible: bool) -> None:
    """Set ``display`` only when it changes (each change costs a layout pass)."""
    if widget.display != visible:
        widget.display = visible


class Row(Horizontal):
    """A labelled row of the slide."""

    def __init__(self, label: str, body, *, id: str) -> None:
        super().__init__(id=id, classes="row")
        self.label = label
        self.body = body
        body.add_class("row-body")

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="row-label")
        yield self.body


class SlideView(VerticalScroll):
    """Shows one Step; the screen calls ``show_step`` and ``show_element``."""

    can_focus = False

    def compose(self) -> ComposeResult:
        yield Static(id="phase")
        yield Static(id="title")
        yield Static(id="notes")
        yield Row("Formula", Static(id="formula"), id="formula-row")
        yield Row("Derived", Static(id="derivation"), id="derivation-row")
        yield Row("Numbers", Static(id="numbers"), id="numbers-row")
        yield Row("Result", MatrixView(id="result"), id="result-row")
        yield Static(id="explanation")
        yield Static(id="flags")

    def show_step(self, step, heading: str, precision: int, notes: str = "",
                  quiz: bool = False, hidden=None, show_flags: bool = True) -> None:
        """Everything of the slide except the per-entry expansion."""
        self.query_one("#phase", Static).update(heading)
        self.query_one("#title", Static).update(Text(step.title, style="bold"))
        notes_widget = self.query_one("#notes", Static)
        notes_widget.update(Text(unwrap(notes)))
        show_if(notes_widget, bool(notes.strip()))
        formula = step.formula
        self.query_one("#formula", Static).update(
            Text(math_text(formula, precision)) if formula is not None else "")
        show_if(self.query_one("#formula-row"), formula is not None)
        lines = derivation_lines(step.derivation, precision) if step.derivation_builder else []
        comment = step.derivation.comment if lines else ""
        self.query_one("#derivation", Static).update(
            Text("\n".join(lines + ([comment] if comment else [])), no_wrap=False))
        show_if(self.query_one("#derivation-row"), bool(lines))
        self.query_one("#explanation", Static).update(Text(step.explanation, style="italic"))
        flags = self.query_one("#flags", Static)
        flags.update(flags_text(step) if show_flags else "")
        show_if(flags, bool(step.flags) and show_flags)
        marked = {}
        if not quiz:
            for flag in step.flags:
                for element in flag.elements:
                    marked.setdefault(tuple(element), CELL_STYLE.get(flag.kind, ""))
        matrix = self.query_one(MatrixView)
        matrix.show(step.value, result_name(step), precision,
                    step.representative, marked, hidden)

    def show_element(self, step, element, precision: int, reveal_value: bool = True,
                     reveal_numbers: bool = True) -> None:
        """The selected entry's own scalar expansion (drill-down)."""
        expansion = step.expand(element) if step.expander is not None else None
        row = self.query_one("#numbers-row")
        show_if(row, expansion is not None)
        if expansion is None:
            return
        parts = expansion_chain(expansion, precision, show_numbers=reveal_numbers,
                                show_value=reveal_value)
        text = Text()
        for i, part in enumerate(parts):
            if i:
                text.append(" = ", style="dim")
            last = i == len(parts) - 1
            text.append(part, style="bold green" if last and reveal_value else
                        ("bold" if i == 0 else ""))
        self.query_one("#numbers", Static).update(text)


def unwrap(text: str) -> str:
    """Join hard-wrapped lines; keep blank-line paragraph breaks."""
    paragraphs = [" ".join(line.strip() for line in p.splitlines()) for p in text.strip().split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def flags_text(step) -> Text:
    out = Text()
    for i, flag in enumerate(step.flags):
        icon, style = FLAG_STYLE.get(flag.kind, ("!", "yellow"))
        if i:
            out.append("\n")
        out.append(f"{icon} {flag.kind.replace('_', ' ')}: ", style=style)
        out.append(flag.message)
    return out


def result_name(step) -> str:
    """The quantity's name for the result row: h, ∂L/∂m, m′ …"""
    from stepcalc.tui.deck import local_id

    local = local_id(step.id)
    symbol = step.quantity_symbol() if hasattr(step, "quantity_symbol") else None
    if symbol is not None and local != "loss":
        return math_text(symbol, 3)
    if local.startswith("grad."):
        return "∂L/∂" + _pretty(local[5:])
    if local.startswith("new."):
        return _pretty(local[4:]) + "′"
    if local == "loss":
        return "L"
    if step.value.ndim == 0 or "." not in local:
        return _pretty(local)
    return ""


def _pretty(name: str) -> str:
    return "ŷ" if name == "y_hat" else name
