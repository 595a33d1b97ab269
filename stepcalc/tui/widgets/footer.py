"""The key bar: Textual's Footer, which greys keys out in place instead of rebuilding itself.

Textual's Footer recomposes (new key widgets, styles, a layout of the whole screen) every
time the bindings are refreshed. The deck refreshes them when Prev or Next turns grey, on
the first and the last slide: a rebuild there cost about 100 ms, the slowest key press of a
walk through the slides. When the keys shown are the same and only which are enabled has
changed, this footer flips those keys' disabled state and leaves the rest alone.
"""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey


def _shown_bindings(screen) -> tuple[list[tuple[str, str, str]], dict[str, bool]]:
    """(the keys as Footer.compose lays them out, whether each action is enabled)."""
    layout, enabled_of = [], {}
    for _node, binding, enabled, _tooltip in screen.active_bindings.values():
        if binding.show and binding.action not in enabled_of:     # compose: one per action
            layout.append((binding.action, binding.key, binding.description))
            enabled_of[binding.action] = enabled
    return layout, enabled_of


class DeckFooter(Footer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._laid_out: list[tuple[str, str, str]] | None = None

    def bindings_changed(self, screen) -> None:
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            layout, enabled_of = _shown_bindings(screen)
            if layout == self._laid_out and self._grey_in_place(enabled_of):
                return
            self._laid_out = layout
        super().bindings_changed(screen)

    def _grey_in_place(self, enabled_of: dict[str, bool]) -> bool:
        """Set each shown key's disabled state; False if a key is not the kind this knows
        (another Textual version): then the footer rebuilds itself as Textual's does."""
        keys = list(self.query(FooterKey))
        if not all(hasattr(key, "_disabled") and hasattr(key, "action") for key in keys):
            return False
        for key in keys:
            disabled = not enabled_of.get(key.action, not key._disabled)
            if key._disabled != disabled:
                key._disabled = disabled                  # FooterKey's click reads it
                key.set_class(disabled, "-disabled")      # its look
        return True
