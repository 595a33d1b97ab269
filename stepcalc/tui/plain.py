"""Scenario text (titles, sources, class names) for Rich/Textual: never read as markup.

A str given to a Textual widget is parsed as Rich markup, so a title like
"Scores [/] and [/bold]" would crash the app (MarkupError) or restyle it. Every piece of
a scenario's own text goes through `plain` (a Text object is not parsed) or `escaped`
(for places that take a markup string), after `terminal_text` has written its control
characters as visible escapes.
"""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text

from stepcalc.render.escaping import terminal_text


def plain(text: str, style: str = "") -> Text:
    return Text(terminal_text(text), style=style)


def escaped(text: str) -> str:
    """For a markup string (notify, Static with markup): the text, its [ escaped."""
    return escape(terminal_text(text))
