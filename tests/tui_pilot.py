"""Pilot helpers shared by the TUI tests (tests/ is on the path)."""

from __future__ import annotations

KEYS = {" ": "space", ":": "colon", ".": "full_stop", "-": "minus", "_": "underscore"}


async def run_command(pilot, text: str) -> None:
    """Ctrl+P, type ``text``, Enter on the best hit."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*[KEYS.get(c, c) for c in text])
    await pilot.pause(0.3)
    from textual.command import CommandList

    commands = pilot.app.screen.query_one(CommandList)
    assert commands.option_count, f"no command matches {text!r}"
    first = str(commands.get_option_at_index(0).prompt)
    assert first.startswith(text), first
    await pilot.press("enter")
    await pilot.pause()
