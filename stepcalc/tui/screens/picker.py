"""`stepcalc run` without a file: pick one of the bundled scenarios."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from stepcalc.errors import StepcalcError


def catalogue() -> list[tuple[str, str, str | None]]:
    """(name, title, error) of every bundled scenario; a broken file shows its error."""
    import stepcalc
    from stepcalc.bundled import bundled

    out = []
    for name, path in bundled().items():
        try:
            out.append((name, stepcalc.load(path).title, None))
        except StepcalcError as exc:
            out.append((name, "", str(exc)))
    return out


class PickerScreen(Screen):
    BINDINGS = [Binding("enter", "open", "Open", id="picker.open", show=True)]

    def compose(self) -> ComposeResult:
        yield Static(Text("stepcalc · pick a scenario (↑ ↓, Enter)", style="bold"), id="topbar")
        options = []
        for name, title, error in catalogue():
            label = Text()
            label.append(f"{name}\n", style="bold")
            label.append(title or f"cannot be read: {error}", style="" if title else "red")
            options.append(Option(label, id=name, disabled=error is not None))
        yield OptionList(*options, id="picker")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def action_open(self) -> None:
        picker = self.query_one(OptionList)
        if picker.highlighted is not None:
            self.open(picker.get_option_at_index(picker.highlighted).id)

    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.open(event.option.id)

    def open(self, name: str) -> None:
        self.app.open_scenario(name)
