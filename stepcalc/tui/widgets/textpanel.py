"""A side panel drawn as one Text whose size only grows: repainting it needs no new layout."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget


class TextPanel(Widget):
    """Subclasses implement ``draw(index, element, hidden) -> Text``; the screen calls ``show``.

    The content size is the largest drawn so far (until ``reset_size``), so slide changes
    repaint this widget only.
    """

    DEFAULT_CSS = """
    TextPanel {
        width: auto;
        height: auto;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._drawn = Text()
        self._key = None
        self._extent = (0, 0)          # (width, height) of the content

    def draw(self, index: int, element, hidden: set[str]) -> Text:
        raise NotImplementedError

    def state(self):
        """Anything besides (index, element, hidden) that changes the drawing."""
        return None

    def reset_size(self) -> None:
        self._extent = (0, 0)

    def show(self, index: int, element: tuple[int, ...] | None, hidden: set[str]) -> None:
        """Draw for slide ``index``; ``element`` is the selected entry; ``hidden`` ids are quizzed."""
        key = (index, tuple(element) if element is not None else None, frozenset(hidden), self.state())
        if key == self._key:
            return
        self._key = key
        self._drawn = self.draw(index, element, hidden)
        lines = self._drawn.plain.split("\n")
        extent = (max(self._extent[0], max(cell_len(line) for line in lines)),
                  max(self._extent[1], len(lines)))
        layout = extent != self._extent
        self._extent = extent
        self.refresh(layout=layout)

    def render(self) -> Text:
        return self._drawn

    def get_content_width(self, container, viewport) -> int:
        return self._extent[0]

    def get_content_height(self, container, viewport, width: int) -> int:
        return self._extent[1]
