"""The network as inline SVG with the values a slide has reached (HTML deck).

Like the TUI's network panel: forward slides show each unit's pre ▸ post values, backward
and update slides its gradients ∂L/∂pre ◂ ∂L/∂post. Values are read from the trace (the
step's recorded state for the inputs); a quantity whose slide is still to come — or that
a worksheet leaves blank — shows "·".
"""

from __future__ import annotations

from html import escape

from stepcalc.records.notation import text_name
from stepcalc.records.quantity import Quantity
from stepcalc.records.steps import Trace
from stepcalc.render.network_values import dead_units
from stepcalc.render.text import number_text

MAX_UNITS = 8
GRADIENT_PHASES = ("backward", "update")
LOSS = Quantity("loss")
COLUMN = 170          # px between columns
ROW = 58              # px between units
RADIUS = 17
TOP = 44


def shown_units(count: int) -> list[int | None]:
    """Unit indices to draw; None marks the elided middle."""
    if count <= MAX_UNITS:
        return list(range(count))
    return list(range(MAX_UNITS - 2)) + [None, count - 1]


def _subscript(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def network_svg(trace: Trace, index: int, hidden: frozenset[str] = frozenset(),
                sample: int = 0) -> str:
    """The network on slide ``index`` (0-based into trace.steps) as an ``<svg>`` element."""
    sc = trace.scenario
    step = trace.steps[index]
    number = step.step_number
    precision = sc.precision
    reached = {s.id for s in trace.steps[: index + 1]} - hidden
    gradients = step.phase in GRADIENT_PHASES
    values = trace.values
    slide_ids = {s.id for s in trace.steps}
    current = step.quantity.local

    def known(quantity: Quantity):
        full = str(quantity.at(number))
        if full in hidden:
            return None
        # a quantity kept in values without a slide of its own (∂L/∂ŷ before a fused δ)
        if full in reached or (gradients and full in values and full not in slide_ids):
            return values.get(full)
        return None

    def number_at(array, unit: int) -> str:
        return "·" if array is None else number_text(float(array[sample, unit]), precision)

    state = trace.state(number)
    x = state.x if state is not None else None
    columns = [("input", [(f"x{_subscript(j + 1)}" if j is not None else None,
                           number_at(x, j) if j is not None else "", "input", False)
                          for j in shown_units(sc.model.n_inputs)])]
    dead = dead_units(trace.steps, index, sc.model.layers, hidden)
    layers = sc.model.layers
    for k, layer in enumerate(layers):
        kind = "grad" if gradients else "value"
        a_id, b_id = Quantity(layer.pre, kind), Quantity(layer.post, kind)
        a, b = known(a_id), known(b_id)
        arrow = " ◂ " if gradients else " ▸ "
        header = (f"∂L/∂{text_name(layer.pre)}" if gradients else
                  f"{text_name(layer.pre)} ▸ {text_name(layer.post)}")
        role = "output" if k == len(layers) - 1 else "hidden"
        if current in (a_id, b_id):
            role += " current"
        cells = []
        for j in shown_units(layer.units):
            if j is None:
                cells.append((None, "", role, False))
                continue
            cells.append((f"{text_name(layer.pre)}{_subscript(j + 1)}",
                          number_at(a, j) + arrow + number_at(b, j), role, (k, j) in dead))
        columns.append((f"{header} ({layer.activation})" if not gradients else header, cells))
    loss = known(LOSS)
    return _draw(columns, None if loss is None else number_text(float(loss), precision),
                 current == LOSS, sample, x.shape[0] if x is not None else 1)


def _draw(columns, loss: str | None, loss_current: bool, sample: int, samples: int) -> str:
    height = TOP + ROW * max(len(cells) for _, cells in columns) + 30
    width = COLUMN * len(columns) + (110 if loss is not None else 20)
    centre = [[TOP + ROW * r + ROW * (max(len(c) for _, c in columns) - len(cells)) / 2 + RADIUS
               for r in range(len(cells))] for _, cells in columns]
    parts = [f'<svg class="net" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" '
             f'role="img" aria-label="the network with this slide\'s values">']
    for c in range(len(columns) - 1):   # every unit feeds every unit of the next column
        x1, x2 = 60 + COLUMN * c + RADIUS, 60 + COLUMN * (c + 1) - RADIUS
        for y1, (label1, *_rest) in zip(centre[c], columns[c][1]):
            for y2, (label2, *_r) in zip(centre[c + 1], columns[c + 1][1]):
                if label1 is not None and label2 is not None:
                    parts.append(f'<line class="edge" x1="{x1}" y1="{y1:.1f}" x2="{x2}" y2="{y2:.1f}"/>')
    for c, (header, cells) in enumerate(columns):
        cx = 60 + COLUMN * c
        parts.append(f'<text class="head" x="{cx}" y="16" text-anchor="middle">{escape(header)}</text>')
        for y, (label, value, role, is_dead) in zip(centre[c], cells):
            if label is None:
                parts.append(f'<text class="dim" x="{cx}" y="{y + 5:.1f}" text-anchor="middle">⋮</text>')
                continue
            dead_class = " dead" if is_dead else ""
            parts.append(f'<g class="unit {role}{dead_class}"><circle cx="{cx}" cy="{y:.1f}" r="{RADIUS}"/>'
                         f'<text x="{cx}" y="{y + 5:.1f}" text-anchor="middle">{escape(label)}</text>'
                         f'<text class="value" x="{cx}" y="{y + RADIUS + 14:.1f}" '
                         f'text-anchor="middle">{escape(value)}{" ☠" if is_dead else ""}</text></g>')
    if loss is not None:
        cx = 60 + COLUMN * (len(columns) - 1) + 95
        cy = sum(centre[-1]) / len(centre[-1])
        parts.append(f'<text class="loss{" current" if loss_current else ""}" x="{cx}" y="{cy + 5:.1f}" '
                     f'text-anchor="middle">L = {escape(loss)}</text>')
    if samples > 1:
        parts.append(f'<text class="dim" x="10" y="{height - 8:.0f}">sample {sample + 1} of {samples}</text>')
    parts.append("</svg>")
    return "".join(parts)
