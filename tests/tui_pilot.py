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


async def until(pilot, condition, seconds: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds, at most ``seconds`` (the test asserts it
    after): a fixed pause is too short on a loaded machine, where a paste or a burst of keys
    reaches the answer box later."""
    import time

    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        await pilot.pause(0.05)
