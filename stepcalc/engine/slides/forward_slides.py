"""The slides of a forward pass and its loss: u = x·W + b, a = f(u) per layer, then L.

A batch-norm layer shows μ, σ², x̂ and y = γx̂ + β before its activation; a dropout layer
its masked output; an activation layer only f of its input.
"""

from __future__ import annotations

from stepcalc.engine.maths.activations import get_activation
from stepcalc.engine.maths.losses import get_loss
from stepcalc.engine.slides import flags as flagging
from stepcalc.engine.slides import formulas as F
from stepcalc.engine.slides import layer_formulas as LF
from stepcalc.engine.slides.page import Page, mask_name
from stepcalc.records.steps import Flag


def forward_slides(page: Page, phase: str = "forward") -> None:
    layers = page.scenario.model.layers
    state, note, fp = page.state, page.note, page.forward
    for index, layer in enumerate(layers):
        inp = "x" if index == 0 else layers[index - 1].post
        hidden = index < len(layers) - 1
        if layer.type == "dropout":
            page.add(page.quantity(layer.post), phase, state.post[index],
                     LF.dropout(note, inp, mask_name(index), layer.post, layer.p))
            continue
        if layer.type == "batchnorm":
            _batchnorm_slides(page, phase, index, layer, inp)
        elif layer.dense:
            page.add(page.quantity(layer.pre), phase, state.pre[index],
                     F.dense(note, inp, layer.weights, layer.bias_name, layer.pre),
                     flagging.symmetric_units(layer, state.pre[index]) if hidden else ())
        # The slope is needed here only to flag saturation; backward computed it anyway.
        slope = fp.slope(index) if layer.activation in flagging.SATURATING else None
        page.add(page.quantity(layer.post), phase, state.post[index],
                 F.activation(note, get_activation(layer.activation), layer.pre, layer.post),
                 flagging.activation_flags(layer, state.pre[index], slope))


def _batchnorm_slides(page: Page, phase: str, index: int, layer, inp: str) -> None:
    norm, note = page.state.norms[index], page.note
    page.add(page.quantity(layer.mu), phase, norm.mu, LF.batch_mean(note, inp, layer.mu))
    page.add(page.quantity(layer.var), phase, norm.var,
             LF.batch_variance(note, inp, layer.mu, layer.var))
    page.add(page.quantity(layer.x_hat), phase, norm.x_hat,
             LF.normalised(note, inp, layer.mu, layer.var, layer.x_hat, layer.eps))
    page.add(page.quantity(layer.pre), phase, page.state.pre[index],
             LF.scale_shift(note, layer.x_hat, layer.weights, layer.bias_name, layer.pre))


def loss_slide(page: Page, flags: tuple[Flag, ...], phase: str = "loss") -> None:
    sc = page.scenario
    mean = sc.train.reduction == "mean"
    page.add(page.quantity("loss"), phase, page.state.loss,
             F.loss(page.note, get_loss(sc.train.loss), sc.model.output.post, mean, page.state.labels),
             flags)
