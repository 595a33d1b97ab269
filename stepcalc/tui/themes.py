"""Themes of our own, registered beside Textual's: a light high-contrast one for projectors.

Chosen from the command palette ("Theme: stepcalc-light") or Textual's theme picker.
"""

from __future__ import annotations

from textual.theme import Theme

LIGHT = Theme(
    name="stepcalc-light",
    primary="#003d99",        # labels, borders: dark blue on white
    secondary="#5c2d91",
    accent="#a0006e",         # titles, the cursor
    warning="#8a5300",
    error="#b00020",
    success="#006b2d",        # results
    foreground="#000000",
    background="#ffffff",
    surface="#f2f2f2",
    panel="#e0e6f0",
    dark=False,
)

THEMES = (LIGHT,)
