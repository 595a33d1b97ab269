"""The slides of a forward pass and its loss: u = x·W + b, a = f(u) per layer, then L."""

from __future__ import annotations

from stepcalc.engine.maths.activations import get_activation
from stepcalc.engine.maths.losses import get_loss
from stepcalc.engine.slides import flags as flagging
from stepcalc.engine.slides import formulas as F
from stepcalc.engine.slides.page import Page
from stepcalc.records.steps import Flag


def forward_slides(page: Page, phase: str = "forward") -> None:
    layers = page.scenario.model.layers
    state, note, fp = page.state, page.note, page.forward
    for index, layer in enumerate(layers):
        inp = "x" if index == 0 else layers[index - 1].post
        hidden = index < len(layers) - 1
        page.add(page.quantity(layer.pre), phase, state.pre[index],
                 F.dense(note, inp, layer.weights, layer.bias_name, layer.pre),
                 flagging.symmetric_units(layer, state.pre[index]) if hidden else ())
        # The slope is needed here only to flag saturation; backward computed it anyway.
        slope = fp.slope(index) if layer.activation in flagging.SATURATING else None
        page.add(page.quantity(layer.post), phase, state.post[index],
                 F.activation(note, get_activation(layer.activation), layer.pre, layer.post),
                 flagging.activation_flags(layer, state.pre[index], slope))


def loss_slide(page: Page, flags: tuple[Flag, ...], phase: str = "loss") -> None:
    sc = page.scenario
    mean = sc.train.reduction == "mean"
    page.add(page.quantity("loss"), phase, page.state.loss,
             F.loss(page.note, get_loss(sc.train.loss), sc.model.output.post, mean, page.state.labels),
             flags)
