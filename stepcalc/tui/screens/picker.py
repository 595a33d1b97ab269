"""`stepcalc run` without a file: pick a scenario of this folder or a bundled one.

Bundled scenarios come in course order (linear → logistic → softmax → MLP → the other
kinds); the `*.toml` scenario files of the current folder come first. Typing filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from stepcalc.errors import StepcalcError

GROUPS = ("This folder", "Linear models", "Logistic regression", "Softmax regression",
          "Multi-layer networks", "Other kinds")
KINDS = ("activations", "losses", "init_stats", "batchnorm", "normalize", "experiment")


@dataclass(frozen=True)
class Entry:
    target: str              # a bundled name or a file path: what open_scenario takes
    name: str
    title: str
    error: str | None
    group: int               # index into GROUPS
    kind_rank: int = 0

    def matches(self, query: str) -> bool:
        words = query.lower().split()
        text = f"{self.name} {self.title} {GROUPS[self.group]}".lower()
        return all(word in text for word in words)


def course_group(scenario) -> tuple[int, int]:
    """(group, rank within the other kinds): a one-layer train network by its output
    (identity → linear, sigmoid → logistic, softmax → softmax), more layers: MLP."""
    kind = getattr(scenario, "kind", "train")
    if kind != "train":
        return 5, KINDS.index(kind) if kind in KINDS else len(KINDS)
    dense = [layer for layer in scenario.model.layers if getattr(layer, "type", "dense") == "dense"]
    if len(dense) > 1:
        return 4, 0
    last = scenario.model.layers[-1].activation
    return {"sigmoid": 2, "softmax": 3}.get(last, 1), 0


def _entry(target: str, name: str, path: Path, here: bool) -> Entry:
    import stepcalc

    try:
        scenario = stepcalc.load(path)
    except StepcalcError as exc:
        return Entry(target, name, "", str(exc), 0 if here else 5, len(KINDS) + 1)
    group, rank = course_group(scenario)
    return Entry(target, name, scenario.title, None, 0 if here else group, rank)


def catalogue(folder: Path | None = None) -> list[Entry]:
    """Every scenario file of ``folder`` (default: the current one), then every bundled
    scenario in course order; a broken file shows its error."""
    from stepcalc.bundled import bundled, scenario_files

    try:
        local = scenario_files(Path.cwd() if folder is None else folder)
    except OSError:
        local = {}
    bundled_paths = {path.resolve() for path in bundled().values()}
    out = [_entry(str(path), path.name, path, True) for path in local.values()
           if path.resolve() not in bundled_paths]
    out += sorted((_entry(name, name, path, False) for name, path in bundled().items()),
                  key=lambda e: (e.group, e.kind_rank, e.name))
    return out


class PickerScreen(Screen):
    BINDINGS = [Binding("enter", "open", "Open", id="picker.open", show=True),
                Binding("down", "move(1)", "Down", show=False, id="picker.down"),
                Binding("up", "move(-1)", "Up", show=False, id="picker.up")]

    def __init__(self) -> None:
        super().__init__()
        self.entries = catalogue()

    def compose(self) -> ComposeResult:
        yield Static(Text("stepcalc · pick a scenario (type to filter, ↑ ↓, Enter)", style="bold"),
                     id="topbar")
        yield Input(placeholder="filter: a name or words of the title", id="picker-filter",
                    compact=True)
        yield OptionList(*self.options(""), id="picker")
        yield Footer()

    def options(self, query: str) -> list[Option | None]:
        out: list[Option | None] = []
        group = None
        for entry in self.entries:
            if not entry.matches(query):
                continue
            if entry.group != group:
                group = entry.group
                out.append(Option(Text(GROUPS[group], style="bold underline"), disabled=True))
            label = Text()
            label.append(f"{entry.name}\n", style="bold")
            label.append(entry.title or f"cannot be read: {entry.error}",
                         style="" if entry.title else "red")
            out.append(Option(label, id=entry.target, disabled=entry.error is not None))
        return out

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.highlight_first()

    def highlight_first(self) -> None:
        picker = self.query_one(OptionList)
        for index in range(picker.option_count):
            if not picker.get_option_at_index(index).disabled:
                picker.highlighted = index
                return

    @on(Input.Changed, "#picker-filter")
    def filter(self, event: Input.Changed) -> None:
        picker = self.query_one(OptionList)
        picker.clear_options()
        picker.add_options(self.options(event.value))
        self.highlight_first()

    @on(Input.Submitted, "#picker-filter")
    def submitted(self, event: Input.Submitted) -> None:
        self.action_open()

    def action_move(self, rows: int) -> None:
        picker = self.query_one(OptionList)
        picker.action_cursor_down() if rows > 0 else picker.action_cursor_up()

    def action_open(self) -> None:
        picker = self.query_one(OptionList)
        if picker.highlighted is not None:
            option = picker.get_option_at_index(picker.highlighted)
            if not option.disabled and option.id:
                self.open(option.id)

    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.open(event.option.id)

    def open(self, name: str) -> None:
        self.app.open_scenario(name)
