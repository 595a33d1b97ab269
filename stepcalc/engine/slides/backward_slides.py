"""The slides of backpropagation (output error back to ∂L/∂x-side) and of the update."""

from __future__ import annotations

import numpy as np

from stepcalc.engine.maths.activations import get_activation
from stepcalc.engine.maths.losses import get_loss
from stepcalc.engine.numbers import network
from stepcalc.engine.slides import flags as flagging
from stepcalc.engine.slides import gradient_formulas as G
from stepcalc.engine.slides import update_formulas as U
from stepcalc.engine.slides.page import Page
from stepcalc.records.quantity import parse_quantity


def backward_slides(page: Page) -> None:
    sc, state, note = page.scenario, page.state, page.note
    layers = sc.model.layers
    mean = sc.train.reduction == "mean"
    labels = state.labels
    out = layers[-1]
    g_pre, g_post = state.grad_pre, state.grad_post
    if network.is_fused(sc):
        page.keep(page.quantity(out.post, "grad"), g_post[-1])
        page.add(page.quantity(out.pre, "grad"), "backward", g_pre[-1],
                 G.fused_delta(note, out.pre, out.post, mean), flagging.zero_gradient(g_pre[-1]),
                 derivation=lambda: _fused_derivation(sc, out))
    else:
        page.add(page.quantity(out.post, "grad"), "backward", g_post[-1],
                 G.loss_gradient(note, get_loss(sc.train.loss), out.post, mean, labels),
                 flagging.zero_gradient(g_post[-1]))
        page.add(page.quantity(out.pre, "grad"), "backward", g_pre[-1],
                 G.through_activation(note, get_activation(out.activation), out.pre, out.post),
                 flagging.zero_gradient(g_pre[-1]),
                 derivation=lambda: _output_delta_derivation(sc, out))
    for index in range(len(layers) - 1, -1, -1):
        layer = layers[index]
        inp = "x" if index == 0 else layers[index - 1].post
        if index < len(layers) - 1:
            page.add(page.quantity(layer.pre, "grad"), "backward", g_pre[index],
                     G.through_activation(note, get_activation(layer.activation), layer.pre, layer.post),
                     flagging.zero_gradient(g_pre[index]))
        W = layer.weights
        page.add(page.quantity(W, "grad"), "backward", state.grads[W],
                 G.weight_gradient(note, inp, W, layer.pre, sc.train.gradient_decay),
                 flagging.zero_gradient(state.grads[W]))
        if layer.bias_name:
            b = layer.bias_name
            page.add(page.quantity(b, "grad"), "backward", state.grads[b],
                     G.bias_gradient(note, b, layer.pre), flagging.zero_gradient(state.grads[b]))
        if index > 0:
            prev = layers[index - 1]
            page.add(page.quantity(prev.post, "grad"), "backward", g_post[index - 1],
                     G.input_gradient(note, prev.post, W, layer.pre),
                     flagging.zero_gradient(g_post[index - 1]))


def update_slides(page: Page) -> None:
    """η_t (with a schedule), then per parameter its optimizer buffers and its new value."""
    sc, state, note = page.scenario, page.state, page.note
    train = sc.train
    scheduled = train.lr_schedule != "constant"
    eta = page.quantity("eta")
    if scheduled:
        page.add(eta, "update", state.eta, U.schedule(note, train.lr_schedule))
    else:
        page.keep(eta, np.asarray(state.eta))
    decay = train.weight_decay if train.optimizer == "adamw" else 0.0
    updates = {}
    for name in sc.param_names:
        rules = U.Update(note, name, scheduled, decay).slides(
            train.optimizer, train.momentum_form, name in train.frozen)
        for target, built in rules:
            quantity = parse_quantity(target).at(page.at)
            step = page.add(quantity, "update", note.values[target], built)
        updates[name] = step
    # Hidden units that leave the update with identical incoming weights stay symmetric.
    row = sc.model.convention == "row"
    for layer in sc.model.layers[:-1]:
        bias = state.params_after.get(layer.bias_name) if layer.bias_name else None
        flags = flagging.symmetric_weights(layer, state.params_after[layer.weights], bias, row)
        step = updates[layer.weights]
        if flags:
            step.flags = step.flags + flags


def _fused_derivation(scenario, out):
    from stepcalc.engine.maths.derivations import fused_output_delta
    return fused_output_delta(scenario, out)


def _output_delta_derivation(scenario, out):
    from stepcalc.engine.maths.derivations import chained_output_delta, softmax_output_delta
    if out.activation == "softmax":
        return softmax_output_delta(scenario, out)
    return chained_output_delta(scenario, out)
