"""The help screen: every key, read from the bindings themselves so it never drifts."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

EXTRA = [
    ("↑ ↓ ← →", "Select an entry of the result (or click it): its own expansion is shown"),
    ("Shift+← →", "Scroll the slide sideways when a typeset row is wider than the screen "
                  "(› or ‹ at the edge marks it)"),
    ("Tab", "Move between the step list, the slide, the side panel and the quiz box; "
            "the focused one scrolls (arrows, j/k, PgUp/PgDn)"),
    ("Enter / 0-9", "Quiz: answer for the selected entry"),
    ("?", "Quiz, in the answer box: the hint (the numbers put in); Esc goes back to the result"),
]


def _keys(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    names = {"right_square_bracket": "]", "left_square_bracket": "[", "question_mark": "?",
             "pagedown": "PgDn", "pageup": "PgUp", "space": "Space", "home": "Home",
             "end": "End", "escape": "Esc", "backspace": "Backspace", "f1": "F1"}
    return " ".join(names.get(k.strip(), k.strip()) for k in binding.key.split(","))


class HelpScreen(ModalScreen[None]):
    """Lists the bindings of the screen below it and of the app."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close")]

    def __init__(self, bindings: list[Binding]) -> None:
        super().__init__()
        self.bindings = bindings

    def compose(self) -> ComposeResult:
        self.rows = [(_keys(b), b.tooltip or b.description) for b in self.bindings] + EXTRA
        table = Table(box=None, show_header=False, padding=(0, 2, 0, 0), expand=True)
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column(ratio=1)
        for keys, what in self.rows:
            table.add_row(keys, what)
        with VerticalScroll(id="help-box") as box:
            box.border_title = "Keys"
            box.border_subtitle = "Esc to close"
            yield Static(table, id="help-text")

    def action_dismiss(self) -> None:
        self.dismiss(None)
