"""What a drawing of the network (the TUI's panel, the HTML deck's SVG) reads from a
trace besides the plain values: which units the slides so far have flagged dead."""

from __future__ import annotations


def dead_units(steps, index: int, layers, hidden=frozenset()) -> set[tuple[int, int]]:
    """(layer, unit) flagged dead on a slide of this training step up to ``steps[index]``;
    slides whose id is in ``hidden`` (a worksheet's blanks) do not count."""
    number = steps[index].step_number
    posts = {layer.post: k for k, layer in enumerate(layers)}
    out = set()
    for step in steps[: index + 1]:
        if step.step_number != number or step.id in hidden:
            continue
        k = posts.get(step.quantity.name) if step.quantity.kind == "value" else None
        for flag in step.flags:
            if flag.kind == "dead_relu" and k is not None:
                out.update((k, e[-1]) for e in flag.elements if e)
    return out
