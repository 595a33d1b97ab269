"""The step list: a tree by phase (and by training step when there are several)."""

from __future__ import annotations

from textual.widgets import Tree

from stepcalc.records.notation import scenario_names
from stepcalc.tui.deck import Deck, short_label
from stepcalc.tui.plain import plain


class StepTree(Tree[int]):
    """Leaves carry the slide index; phase and training-step nodes carry None."""

    def __init__(self, deck: Deck, **kwargs) -> None:
        super().__init__(plain(deck.scenario.title), **kwargs)
        self.deck = deck
        self.show_root = False
        self.guide_depth = 2
        self.leaves = []
        self._populate()

    def _populate(self) -> None:
        deck = self.deck
        grouped = deck.is_train and deck.training_steps > 1
        names = scenario_names(deck.scenario)
        parents = {}
        for block in deck.blocks:
            parent = self.root
            if grouped and block.number > 0:
                if block.number not in parents:
                    parents[block.number] = self.root.add(f"Step {block.number}", expand=block.number == 1)
                parent = parents[block.number]
            if deck.is_train:
                parent = parent.add(block.label, expand=True)
            for index in range(block.start, block.stop):
                self.leaves.append(parent.add_leaf(plain(short_label(deck.steps[index], names)),
                                                   data=index))

    def show_index(self, index: int) -> None:
        """Move the cursor to slide ``index`` (expanding its parents)."""
        node = self.leaves[index]
        parent = node.parent
        expanded = False
        while parent is not None:
            if not parent.is_expanded:
                parent.expand()
                expanded = True
            parent = parent.parent
        if self.cursor_node is node:
            return
        if not expanded:
            # Leaving the view: scroll a third of a page at once rather than a line a slide
            # (each scroll repaints the whole list).
            top, height = round(self.scroll_y), self.scrollable_content_region.height
            if height > 3 and not top <= node.line < top + height:
                self.scroll_to(y=max(0, node.line - height // 3), animate=False, immediate=True)
        self.move_cursor(node)
