"""The network drawn as layers of nodes with the current training step's values on them.

Forward-type slides show activations (pre ▸ post); backward and update slides show the
gradients ∂L/∂pre ◂ ∂L/∂post. Values are read from ``trace.values``; quantities not yet
reached on the current slide show ``·``. The inputs and the weights in use (``w``
toggles them) come from the training step's recorded state (``trace.state(n)``).
"""

from __future__ import annotations

import numpy as np
from rich.text import Text

from stepcalc.records.notation import entry_text, text_name
from stepcalc.render.network_values import dead_units
from stepcalc.render.text import matrix_layout, number_text
from stepcalc.records.quantity import Quantity
from stepcalc.tui.deck import Deck
from stepcalc.tui.widgets.textpanel import TextPanel

SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
MAX_UNITS = 8
GRADIENT_PHASES = ("backward", "update")
LOSS = Quantity("loss")


def sub(n: int) -> str:
    return str(n).translate(SUBSCRIPTS)


def shown_units(count: int) -> list[int | None]:
    """Unit indices to draw; None marks the elided middle."""
    if count <= MAX_UNITS:
        return list(range(count))
    return list(range(MAX_UNITS - 2)) + [None, count - 1]


class NetworkView(TextPanel):
    """Inputs, bias nodes, hidden units and outputs of a `train` scenario."""

    def __init__(self, deck: Deck, **kwargs) -> None:
        super().__init__(**kwargs)
        self.deck = deck
        self._show_weights = False

    @property
    def show_weights(self) -> bool:
        return self._show_weights

    @show_weights.setter
    def show_weights(self, value: bool) -> None:
        self._show_weights = value
        self.reset_size()            # the weights add rows; without them the panel shrinks back

    def state(self):
        return self._show_weights

    def draw(self, index: int, element, hidden: set[str]) -> Text:
        return self.render_network(index, element, hidden)

    # ----------------------------------------------------------- reading ----
    def _inputs(self, number: int):
        """The inputs of the batch training step ``number`` used (0 = after: every sample)."""
        state = self.deck.trace.state(number)
        return state.x if state is not None else None

    def weights_in_use(self, number: int) -> dict[str, np.ndarray]:
        """Parameters the forward pass of training step ``number`` used (0 = after)."""
        state = self.deck.trace.state(number)
        return dict(state.params) if state is not None else {}

    def render_network(self, index: int, element, hidden: set[str]) -> Text:
        deck = self.deck
        trace = deck.trace
        sc = deck.scenario
        step = deck.steps[index]
        number = step.step_number
        current = step.quantity.local
        reached = deck.reached(index)
        gradients = step.phase in GRADIENT_PHASES
        values = trace.values

        def known(quantity: Quantity) -> bool:
            full = str(quantity.at(number))
            if full in hidden:
                return False
            if full in reached:
                return True
            # quantities kept in values without their own slide (e.g. ∂L/∂ŷ before a fused δ)
            return full in values and full not in deck.index_of and gradients

        path = edge_of(sc.model, current.name, tuple(element or ()))
        marks = set() if path is None else {(path[0], path[1]), (path[0] + 1, path[2])}
        lit = "bold magenta reverse"
        x = self._inputs(number)
        n_samples = x.shape[0] if x is not None else sc.data.x.shape[0]
        batch = _is_batch(sc, current) and bool(element) and len(element) == 2
        sample = element[0] if batch else 0
        unit = element[1] if batch else None

        columns: list[tuple[str, list[tuple[str, str]]]] = []
        # input column
        cells = []
        for j in shown_units(sc.model.n_inputs):
            if j is None:
                cells.append(("⋮", "dim"))
                continue
            value = number_text(x[sample, j], sc.precision) if x is not None else "·"
            cells.append((f"x{sub(j + 1)} {value}", lit if (0, j) in marks else "cyan"))
        layers = sc.model.layers
        if layers[0].bias_name or sc.model.bias == "folded":
            cells.append(("1 (bias)", lit if (0, "bias") in marks else "dim"))
        columns.append(("input", cells))

        dead = self._dead_units(index)
        for k, layer in enumerate(layers):
            pre, post = layer.pre, layer.post
            kind = "grad" if gradients else "value"
            a_id, b_id = Quantity(pre, kind), Quantity(post, kind)
            if gradients:
                arrow = " ◂ "
                header = f"∂L/∂{_name(pre)} ◂ ∂L/∂{_name(post)}"
            else:
                arrow = " ▸ "
                header = f"{_name(pre)} ▸ {_name(post)} ({layer.activation})"
            a = values.get(str(a_id.at(number))) if known(a_id) else None
            b = values.get(str(b_id.at(number))) if known(b_id) else None
            cells = []
            for j in shown_units(layer.units):
                if j is None:
                    cells.append(("⋮", "dim"))
                    continue
                left = number_text(a[sample, j], sc.precision) if a is not None else "·"
                right = number_text(b[sample, j], sc.precision) if b is not None else "·"
                text = f"{entry_text(pre, [j + 1])} {left}{arrow}{right}"
                if (k, j) in dead:
                    text += " ☠"
                style = "green" if k == len(layers) - 1 else "yellow"
                if current in (a_id, b_id):
                    style = "bold magenta" if unit in (None, j) else "magenta"
                    if unit == j:
                        style += " reverse"
                if (k + 1, j) in marks:
                    style = lit
                cells.append((text, style))
            if k + 1 < len(layers) and (layers[k + 1].bias_name or sc.model.bias == "folded"):
                cells.append(("1 (bias)", lit if (k + 1, "bias") in marks else "dim"))
            if k == len(layers) - 1:
                loss = values.get(str(LOSS.at(number))) if known(LOSS) else None
                if loss is not None:
                    style = "bold magenta" if current == LOSS else "bold"
                    cells.append((f"L = {number_text(float(loss), sc.precision)}", style))
            columns.append((header, cells))

        backwards = step.phase == "backward"          # the error flows back: so do the arrows
        out = self._draw(columns, backwards=backwards)
        if path is not None:
            out.append("\n")
            out.append_text(path_text(sc.model, current, element, path, backwards))
        if n_samples > 1:
            out.append(f"\nsample {sample + 1} of {n_samples}", style="dim")
        if self.show_weights:
            out.append("\n")
            out.append_text(self._weights_text(number, index, hidden))
        return out

    def _dead_units(self, index: int) -> set[tuple[int, int]]:
        """(layer, unit) flagged dead on a slide of this training step already shown."""
        return dead_units(self.deck.steps, index, self.deck.scenario.model.layers)

    def _draw(self, columns, backwards: bool = False) -> Text:
        widths = [max([len(h)] + [len(t) for t, _ in cells]) for h, cells in columns]
        height = max(len(cells) for _, cells in columns)
        out = Text(no_wrap=True, overflow="ellipsis")
        for i, (header, _) in enumerate(columns):
            out.append(header.ljust(widths[i]), style="bold underline")
            if i < len(columns) - 1:
                out.append("     ")
        for row in range(height):
            out.append("\n")
            for i, (_, cells) in enumerate(columns):
                text, style = cells[row] if row < len(cells) else ("", "")
                out.append(text.ljust(widths[i]), style=style)
                if i < len(columns) - 1:
                    out.append(" " + _connector(row, len(cells), backwards) + " ", style="dim")
        return out

    def _weights_text(self, number: int, index: int, hidden: set[str]) -> Text:
        deck = self.deck
        sc = deck.scenario
        reached = deck.reached(index)
        out = Text(no_wrap=True, overflow="ellipsis")
        label = "after the last update" if number == 0 else (
            "in use" if deck.training_steps <= 1 else f"in use in step {number}")
        out.append(f"weights {label}", style="bold underline")
        for name, value in self.weights_in_use(number).items():
            out.append("\n")
            out.append_text(_matrix_text(name, value, sc.precision))
            new_id = str(Quantity(name, "new").at(number))
            if number and new_id in reached and new_id not in hidden:
                out.append("\n")
                out.append_text(_matrix_text(name + "′", deck.trace.values[new_id], sc.precision, "magenta"))
        return out


def _connector(row: int, count: int, backwards: bool = False) -> str:
    """Lines from every node of a column into the next column; in the backward pass the
    arrows point back, into every node of the column on the left."""
    line = _forward_connector(row, count)
    if backwards and line.strip():
        return "◀" + line[1] + ("─" if line[2] == "▶" else " ")
    return line


def _forward_connector(row: int, count: int) -> str:
    if row >= count:
        return "   "
    if count == 1:
        return "──▶"
    middle = (count - 1) // 2
    if row == middle:
        return "─┬▶" if row == 0 else "─┼▶"
    if row == 0:
        return "─┐ "
    return "─┘ " if row == count - 1 else "─┤ "


def _matrix_text(name: str, value, precision: int, style: str = "") -> Text:
    layout = matrix_layout(value, precision, max_rows=6, max_cols=6)
    lines = ["".join(text for _, text in pieces) for pieces in layout.lines]
    middle = (len(lines) - 1) // 2
    out = Text()
    lead = f"{name} = "
    for y, line in enumerate(lines):
        out.append((lead if y == middle else " " * len(lead)) + line, style=style)
        if y < len(lines) - 1:
            out.append("\n")
    return out


def _name(name: str) -> str:
    return text_name(name)


def edge_of(model, name: str, element: tuple[int, ...]):
    """The edge a parameter entry sits on: (layer k, source node in column k — a unit
    index or "bias" —, target unit in column k + 1), or None. Column 0 is the inputs,
    column k + 1 layer k; a weight wᵢⱼ (row convention; wⱼᵢ in column convention) joins
    unit i of column k to unit j, a bias entry the bias node to unit j."""
    for k, layer in enumerate(model.layers):
        if not layer.dense:
            continue
        if name == layer.weights and len(element) == 2:
            i, j = element if model.convention == "row" else element[::-1]
            if model.bias == "folded":
                units_in = model.n_inputs if k == 0 else model.layers[k - 1].units
                if model.bias_position == "first":
                    return (k, "bias", j) if i == 0 else (k, i - 1, j)
                return (k, "bias", j) if i == units_in else (k, i, j)
            return k, i, j
        if name == layer.bias_name and len(element) == 1:
            return k, "bias", element[0]
    return None


def path_text(model, quantity: Quantity, element, path, backwards: bool) -> Text:
    """``path: relu₂ ──w₂₁──▶ z₁`` (◀── in the backward pass) for the selected entry."""
    k, source, target = path
    layers = model.layers
    if source == "bias":
        start = "1 (bias)"
    elif k == 0:
        start = entry_text("x", [source + 1])
    else:
        start = entry_text(layers[k - 1].post, [source + 1])
    end = entry_text(layers[k].pre, [target + 1])
    entry = entry_text(quantity.name, [i + 1 for i in element])
    out = Text("path: ", style="bold")
    middle = f" ◀──{entry}── " if backwards else f" ──{entry}──▶ "
    out.append(start, style="bold magenta reverse")
    out.append(middle, style="magenta")
    out.append(end, style="bold magenta reverse")
    return out


def _is_batch(sc, quantity: Quantity) -> bool:
    """Quantities with one row per sample: layer pre/post values and their gradients."""
    return quantity.kind in ("value", "grad") and any(
        quantity.name in (layer.pre, layer.post) for layer in sc.model.layers)
