"""A quantity recomputed from the printed values that feed it (for the audit's causes).

A worked example computed by hand carries its own printed numbers forward: the next layer
is multiplied out from the rounded hidden outputs, the loss from the rounded ŷ, the
after-pass from the rounded new weights. When a printed value differs from the exact one,
recomputing it from the printed values upstream of it (and the exact ones where nothing
was printed) tells whether that is what happened.

Covered (a step's forward pass, the loss, one layer of the backward pass):
  u = a·W + b            from the printed a (or x) and W (a later step: the printed new.W)
  a = f(u)               from the printed u
  L                      from the printed pre-activation of the output, or from ŷ
  δ = ŷ − y (fused)      from the printed ŷ
  ∂L/∂u = ∂L/∂a ⊙ f′(u)  from the printed ∂L/∂a (elementwise f)
  ∂L/∂a_prev = δ·Wᵀ      from the printed δ and W
  ∂L/∂W = a_prevᵀ·δ      from the printed a_prev and δ (∂L/∂b = Σ δ)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stepcalc.records.quantity import AFTER, Quantity


@dataclass(frozen=True)
class Recomputed:
    value: np.ndarray          # in the exact value's shape
    sources: tuple[str, ...]   # the printed ids it was computed from


class _Inputs:
    """The values a recomputation reads: printed where printed (and noted), exact otherwise."""

    def __init__(self, ctx, step):
        self.ctx, self.step = ctx, step
        self.sources: list[str] = []

    def get(self, quantity: Quantity):
        printed = self.ctx.printed_of(quantity)
        if printed is not None:
            self.sources.append(str(quantity))
            return np.asarray(printed, dtype=float)
        value = self.ctx.value_of(quantity)
        return None if value is None else np.asarray(value, dtype=float)

    def at(self, name: str, kind: str = "value"):
        return self.get(Quantity(name, kind, self.step))

    def param(self, name: str):
        """A parameter as this step's forward pass used it: the update before it."""
        step, scenario = self.step, self.ctx.scenario
        if step == 1:
            return np.asarray(scenario.params[name], dtype=float)
        before = scenario.train.steps if step == AFTER else step - 1
        return self.get(Quantity(name, "new", before))

    def x(self):
        printed = self.ctx.printed.get("x") if self.step in (1, AFTER) else None
        if printed is not None:
            self.sources.append("x")
            return np.asarray(printed, dtype=float)
        return np.asarray(self.ctx.scenario.data.x, dtype=float)


def params_before(ctx, updated: Quantity):
    """θ before the update that gives ``updated`` (None after the run): the recorded
    state, else the initial parameters or the update of the step before (an audit Context)."""
    if updated.step == AFTER:
        return None
    state = ctx.states.get(updated.number)
    if state is not None:
        return state.params[updated.name]
    if updated.number == 1:
        return np.asarray(ctx.scenario.params[updated.name], dtype=float)
    return ctx.value_of(Quantity(updated.name, "new", updated.number - 1))


def recompute(ctx) -> Recomputed | None:
    """The audited quantity computed from the printed values that feed it; None when none
    of them is printed or the quantity is not one of the kinds covered."""
    quantity = ctx.quantity
    scenario = ctx.scenario
    if scenario.kind != "train" or quantity.step not in (1, AFTER) and scenario.train.batch_size:
        return None          # a minibatch step's rows are not the data's
    inputs = _Inputs(ctx, quantity.step)
    exact = ctx.value_of(quantity)
    try:
        with np.errstate(all="ignore"):
            value = _compute(scenario, quantity, inputs)
    except (ValueError, KeyError, IndexError):   # printed shapes that do not combine
        return None
    if value is None or not inputs.sources or exact is None or np.size(value) != np.size(exact):
        return None
    return Recomputed(np.asarray(value, dtype=float).reshape(np.shape(exact)), tuple(inputs.sources))


def _compute(scenario, quantity: Quantity, inputs: _Inputs):
    from stepcalc.engine.maths.activations import get_activation
    from stepcalc.engine.numbers import network

    layers = scenario.model.layers
    name, kind, step = quantity.name, quantity.kind, quantity.step
    row = scenario.model.convention == "row"
    if kind == "value" and name == "loss":
        return _loss(scenario, inputs)
    for index, layer in enumerate(layers):
        act = get_activation(layer.activation)
        feeds = inputs.x if index == 0 else (lambda: inputs.at(layers[index - 1].post))
        if kind == "value" and name == layer.pre and layer.dense:
            return _dense(scenario, layer, feeds(), inputs)
        if kind == "value" and name == layer.post and layer.type != "dropout":
            pre = inputs.at(layer.pre)
            return None if pre is None else act.forward(pre, layer.alpha)
        if kind == "grad" and name == layer.pre:
            if index == len(layers) - 1 and network.is_fused(scenario):
                fp = _output_pass(scenario, None, inputs.at(layer.post))
                return None if fp is None else network.Network(scenario).output_gradients(
                    fp, scenario.data.y, scenario.data.labels, full=False)[1]
            g_post = inputs.at(layer.post, "grad") if act.elementwise and layer.type != "dropout" else None
            if g_post is None:
                return None
            pre = np.asarray(inputs.ctx.value_of(Quantity(layer.pre, step=step)), dtype=float)
            post = np.asarray(inputs.ctx.value_of(Quantity(layer.post, step=step)), dtype=float)
            return g_post * act.derivative(pre, post, layer.alpha)
        if kind == "grad" and layer.dense and name in (layer.weights, layer.bias_name):
            delta = inputs.at(layer.pre, "grad")
            if delta is None:
                return None
            if name == layer.bias_name:
                return delta.sum(axis=0)
            a = feeds()
            if a is None:
                return None
            a = network.layer_input(scenario, a) if scenario.model.bias == "folded" else a
            g_W = a.T @ delta if row else delta.T @ a
            lam = scenario.train.gradient_decay     # λW, of the exact weights the step began with
            if not lam:
                return g_W
            return g_W + lam * params_before(inputs.ctx, Quantity(layer.weights, "new", step))
        if kind == "grad" and index > 0 and name == layers[index - 1].post and layer.dense:
            delta, W = inputs.at(layer.pre, "grad"), inputs.param(layer.weights)
            if delta is None or W is None:
                return None
            return network.without_ones(scenario, delta @ W.T if row else delta @ W)
    return None


def _dense(scenario, layer, a, inputs: _Inputs):
    from stepcalc.engine.numbers import network

    W = inputs.param(layer.weights)
    b = inputs.param(layer.bias_name) if layer.bias_name else 0.0
    if a is None or W is None or b is None:
        return None
    a = network.layer_input(scenario, a) if scenario.model.bias == "folded" else a
    u = a @ W if scenario.model.convention == "row" else a @ W.T
    return u + np.reshape(b, (1, -1)) if layer.bias_name else u


def _output_pass(scenario, pre, post):
    """The output layer's pre-activation and ŷ as a ForwardPass of the data, for the loss
    and δ the network computes from them; None when there is no ŷ of one row per sample."""
    from stepcalc.engine.numbers import network

    if post is None or post.ndim != 2 or post.shape[0] != np.shape(scenario.data.x)[0]:
        return None
    blank = [None] * (len(scenario.model.layers) - 1)
    return network.ForwardPass(scenario.data.x, blank + [pre], blank + [post], scenario.model.layers)


def _loss(scenario, inputs: _Inputs):
    """The loss from the printed output pre-activation (what fused losses and hinge read),
    or else from the printed ŷ."""
    from stepcalc.engine.maths.activations import get_activation
    from stepcalc.engine.numbers import network

    out = scenario.model.layers[-1]
    pre = inputs.get(Quantity(out.pre, step=inputs.step)) \
        if inputs.ctx.printed_of(Quantity(out.pre, step=inputs.step)) is not None else None
    post = get_activation(out.activation).forward(pre, out.alpha) if pre is not None \
        else inputs.at(out.post)
    fp = _output_pass(scenario, pre, post)
    if fp is None:
        return None
    data = scenario.data
    return np.asarray(network.reduce(scenario, network.per_sample_loss(scenario, fp, data.y, data.labels)))
