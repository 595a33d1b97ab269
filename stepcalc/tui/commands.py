"""The command palette (Ctrl+P): go to a slide or phase, open a scenario, presentation
mode, theme, export, screenshot. One provider; each command calls an existing action, so
the palette and the keys never drift apart.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from textual.command import DiscoveryHit, Hit, Hits, Provider

from stepcalc.tui.plain import plain


def scenario_files() -> list[tuple[str, str]]:
    """(label, file or name) of the bundled scenarios, then the scenario files of the
    current folder (a ``*.toml`` with a top-level title: not pyproject.toml)."""
    from stepcalc.bundled import bundled, scenario_files as folder_files

    out = [(f"bundled: {name}", name) for name in bundled()]
    try:
        here = folder_files(Path.cwd())
    except OSError:
        here = {}
    out += [(f"this folder: {path.name}", str(path)) for path in here.values()]
    return out


class DeckCommands(Provider):
    """Commands of the slide screen (and the scenario list on any screen)."""

    def commands(self) -> list[tuple[str, str, object]]:
        """(text, help, callback) of every command available on the current screen."""
        from stepcalc.tui.exporting import FORMATS
        from stepcalc.tui.screens.slides import SlideScreen

        app, screen = self.app, self.screen
        out: list[tuple[str, str, object]] = []
        if isinstance(screen, SlideScreen):
            out.append(("Presentation mode", "The slide alone, centred (key f)",
                        screen.action_toggle_presentation))
            out.append(("Derivations in full or short", "Every line sympy went through, or "
                        "definition = identity as the exports (key d)", screen.action_toggle_derivation))
            out.append(("Quiz: reset the score", "0/0, every answered entry hidden again (key R)",
                        screen.action_reset_score))
            for fmt in FORMATS:
                out.append((f"Export {fmt}", f"Write this scenario as {fmt} into the current folder",
                            partial(screen.action_export, fmt)))
            out.append(("Screenshot of this slide", "Save an SVG screenshot into the current folder",
                        screen.action_screenshot))
            for block in screen.deck.blocks:
                where = f" (training step {block.number})" if screen.deck.training_steps > 1 \
                    and block.number else ""
                out.append((f"Go to phase: {block.label}{where}", f"slide {block.start + 1}",
                            partial(screen.go_to, block.start)))
            for index, label in enumerate(screen.step_tree.labels):
                out.append((f"Go to slide {index + 1}: {label}", screen.deck.heading(index),
                            partial(screen.go_to, index)))
        for name in sorted(app.available_themes):
            out.append((f"Theme: {name}", "Colours of the whole app", partial(app.set_theme, name)))
        for label, target in scenario_files():
            out.append((f"Open scenario: {label}", target, partial(app.open_scenario, target)))
        return out

    async def discover(self) -> Hits:
        for text, help_text, callback in self.commands():
            if not text.startswith(("Go to slide", "Theme: ", "Open scenario")):
                yield DiscoveryHit(plain(text), callback, text=text, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, callback in self.commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, text=text, help=help_text)
