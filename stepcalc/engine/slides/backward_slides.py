"""The slides of backpropagation (output error back to ∂L/∂x-side) and of the update."""

from __future__ import annotations

import numpy as np

from stepcalc.engine.maths.activations import get_activation
from stepcalc.engine.maths.losses import get_loss
from stepcalc.engine.numbers import network
from stepcalc.engine.slides import flags as flagging
from stepcalc.engine.slides import gradient_formulas as G
from stepcalc.engine.slides import layer_formulas as LF
from stepcalc.engine.slides import update_formulas as U
from stepcalc.engine.slides.page import Page, mask_name
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
        last = index == len(layers) - 1
        if layer.type == "dropout":
            if index > 0:
                page.add(page.quantity(inp, "grad"), "backward", g_post[index - 1],
                         LF.dropout_gradient(note, inp, mask_name(index), layer.post, layer.p),
                         flagging.zero_gradient(g_post[index - 1]))
            continue
        if not last and (layer.own_pre or index > 0):
            # an activation layer's pre is its input: ∂L/∂x of the data is not shown
            page.add(page.quantity(layer.pre, "grad"), "backward", g_pre[index],
                     G.through_activation(note, get_activation(layer.activation), layer.pre, layer.post),
                     flagging.zero_gradient(g_pre[index]))
        if layer.type == "batchnorm":
            _batchnorm_backward(page, index, layer, inp)
        elif layer.dense:
            _dense_backward(page, index, layer, inp)


def _dense_backward(page: Page, index: int, layer, inp: str) -> None:
    sc, state, note = page.scenario, page.state, page.note
    W = layer.weights
    page.add(page.quantity(W, "grad"), "backward", state.grads[W],
             G.weight_gradient(note, inp, W, layer.pre, sc.train.gradient_decay),
             flagging.zero_gradient(state.grads[W]))
    if layer.bias_name:
        b = layer.bias_name
        page.add(page.quantity(b, "grad"), "backward", state.grads[b],
                 G.bias_gradient(note, b, layer.pre), flagging.zero_gradient(state.grads[b]))
    if index > 0:
        g_in = state.grad_post[index - 1]
        page.add(page.quantity(inp, "grad"), "backward", g_in,
                 G.input_gradient(note, inp, W, layer.pre), flagging.zero_gradient(g_in))


def _batchnorm_backward(page: Page, index: int, layer, inp: str) -> None:
    """∂L/∂x̂, ∂L/∂σ², ∂L/∂μ, ∂L/∂x, then ∂L/∂γ and ∂L/∂β: the classic derivation."""
    state, note = page.state, page.note
    grad = state.grad_norms[index]
    mu, var, x_hat, eps = layer.mu, layer.var, layer.x_hat, layer.eps
    page.add(page.quantity(x_hat, "grad"), "backward", grad.x_hat,
             LF.xhat_gradient(note, layer.pre, layer.weights, x_hat), flagging.zero_gradient(grad.x_hat))
    page.add(page.quantity(var, "grad"), "backward", grad.var,
             LF.var_gradient(note, inp, mu, var, x_hat, eps))
    page.add(page.quantity(mu, "grad"), "backward", grad.mu,
             LF.mu_gradient(note, inp, mu, var, x_hat, eps))
    if index > 0:
        g_in = state.grad_post[index - 1]
        page.add(page.quantity(inp, "grad"), "backward", g_in,
                 LF.input_gradient(note, inp, mu, var, x_hat, eps), flagging.zero_gradient(g_in))
    gamma, beta = layer.weights, layer.bias_name
    page.add(page.quantity(gamma, "grad"), "backward", state.grads[gamma],
             LF.gamma_gradient(note, layer.pre, x_hat, gamma), flagging.zero_gradient(state.grads[gamma]))
    page.add(page.quantity(beta, "grad"), "backward", state.grads[beta],
             G.bias_gradient(note, beta, layer.pre), flagging.zero_gradient(state.grads[beta]))


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
        if not layer.dense:
            continue
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
