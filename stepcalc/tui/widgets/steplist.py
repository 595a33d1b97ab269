"""The step list: a tree by phase (and by training step when there are several)."""

from __future__ import annotations

from textual.widgets import Tree

from stepcalc.records.notation import scenario_names
from stepcalc.tui.deck import GAP, Deck, short_label
from stepcalc.tui.plain import plain


class StepTree(Tree[int]):
    """Leaves carry the slide index; phase and training-step nodes carry None."""

    def __init__(self, deck: Deck, **kwargs) -> None:
        super().__init__(plain(deck.scenario.title), **kwargs)
        self.deck = deck
        self.show_root = False
        self.guide_depth = 2
        self.leaves = []
        self.labels: list[str] = []     # each slide's label (the command palette's "go to")
        self.target = None
        self._populate()

    def _populate(self) -> None:
        deck = self.deck
        grouped = deck.is_train and deck.training_steps > 1
        names = scenario_names(deck.scenario)
        parents = {}
        for block in deck.blocks:
            parent = self.root
            if block.phase == GAP:          # between two training steps, not inside one
                label = plain(short_label(deck.steps[block.start], names))
                self.labels.append(label.plain)
                self.leaves.append(parent.add_leaf(label, data=block.start))
                continue
            if grouped and block.number > 0:
                if block.number not in parents:
                    parents[block.number] = self.root.add(f"Step {block.number}", expand=block.number == 1)
                parent = parents[block.number]
            if deck.is_train:
                parent = parent.add(block.label, expand=True)
            for index in range(block.start, block.stop):
                label = plain(short_label(deck.steps[index], names))
                self.labels.append(label.plain)
                self.leaves.append(parent.add_leaf(label, data=index))

    def show_index(self, index: int) -> None:
        """Move the cursor to slide ``index`` (expanding its parents)."""
        node = self.leaves[index]
        self.target = node              # the latest slide: a deferred move goes here
        parent = node.parent
        expanded = False
        while parent is not None:
            if not parent.is_expanded:
                parent.expand()
                expanded = True
            parent = parent.parent
        if self.cursor_node is node:
            return
        if expanded:
            # The new lines exist only after the next refresh: moving now would put the
            # cursor on a stale line ("Step 1") and the screen would follow it there.
            self.call_after_refresh(self._move_after_expanding)
            return
        if True:
            # Leaving the view: scroll a third of a page at once rather than a line a slide
            # (each scroll repaints the whole list).
            top, height = round(self.scroll_y), self.scrollable_content_region.height
            if height > 3 and not top <= node.line < top + height:
                self.scroll_to(y=max(0, node.line - height // 3), animate=False, immediate=True)
        self.move_cursor(node)

    def _move_after_expanding(self) -> None:
        node = self.target
        if self.cursor_node is not node and node.line >= 0:
            self.move_cursor(node)
