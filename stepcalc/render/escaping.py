"""User text (titles, sources, class names, names) shown as itself in every medium.

One place decides what a scenario's free text may not do: break a line, move the
cursor or recolour a terminal (ESC, CR, NUL …), open Markdown/HTML markup or a math block.
`stepcalc check` prints `terminal_text`; the Markdown export uses `markdown_text`
(headings, emphasis, table cells); the TUI escapes Rich markup itself (rich.markup.escape)
after `terminal_text`.
"""

from __future__ import annotations

import json
import unicodedata

# Characters that Markdown (or the LaTeX/HTML behind it) would read as markup in plain
# text: emphasis, code, links, HTML tags and entities, math, headings, tables, fences.
_MARKUP = str.maketrans({c: "\\" + c for c in "\\`*_[]<>$#|~&"})
# Line breaks of every kind (a Markdown line must stay one line).
_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def _unsafe(char: str) -> bool:
    """Control characters, and format characters that reorder text (bidi overrides)."""
    category = unicodedata.category(char)
    return category == "Cc" or category in ("Zl", "Zp") or \
        (category == "Cf" and char in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def terminal_text(text: str) -> str:
    """``text`` with every control character written as its JSON escape (ESC → \\u001b,
    newline → \\n): what reaches a terminal cannot move the cursor, recolour or forge lines."""
    if not any(_unsafe(c) for c in text):
        return text
    return "".join(json.dumps(c)[1:-1] if _unsafe(c) else c for c in text)


def markdown_text(text: str) -> str:
    """``text`` as one line of literal Markdown: line breaks become spaces, other control
    characters their escapes, and every markup character is backslash-escaped."""
    one_line = "".join(" " if c in _BREAKS or c == "\t" else c for c in text)
    return terminal_text(one_line).translate(_MARKUP)
