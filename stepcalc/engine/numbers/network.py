"""The numbers: forward pass, batch loss and backpropagation, vectorised numpy.

Batch quantities are N × units (one row per sample) in both conventions; only the
weight matrix is stored differently: (in × out) for "row", (out × in) for "column".
With a folded bias a column of ones is prepended to the layer input and the bias is
row 0 (row convention) or column 0 (column convention) of W.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stepcalc.engine.maths.activations import get_activation, softmax_vjp
from stepcalc.engine.maths.losses import get_loss
from stepcalc.scenario.model import Layer, Scenario

# (output activation, loss) pairs whose gradient w.r.t. the logits simplifies to ŷ − y.
FUSED = {("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy")}


def is_fused(scenario: Scenario) -> bool:
    return (scenario.model.output.activation, scenario.train.loss) in FUSED


def with_ones(a: np.ndarray) -> np.ndarray:
    """Prepend the constant-1 input of a folded bias."""
    return np.hstack([np.ones((a.shape[0], 1)), a])


def layer_input(scenario: Scenario, a_in: np.ndarray) -> np.ndarray:
    return with_ones(a_in) if scenario.model.bias == "folded" else a_in


def affine(scenario: Scenario, layer: Layer, params: dict, a_in: np.ndarray) -> np.ndarray:
    W = params[layer.weights]
    inp = layer_input(scenario, a_in)
    u = inp @ W if scenario.model.convention == "row" else inp @ W.T
    if layer.bias_name:
        u = u + params[layer.bias_name]
    return u


@dataclass
class ForwardPass:
    x: np.ndarray
    pre: list[np.ndarray]      # u of each layer
    post: list[np.ndarray]     # a = f(u) of each layer
    layers: tuple = ()
    _slopes: dict = field(default_factory=dict, repr=False)

    def slope(self, index: int) -> np.ndarray:
        """f′(u) of layer ``index`` (elementwise activations), computed once on demand."""
        if index not in self._slopes:
            layer = self.layers[index]
            act = get_activation(layer.activation)
            self._slopes[index] = act.derivative(self.pre[index], self.post[index], layer.alpha)
        return self._slopes[index]

    def computed_slopes(self) -> dict[int, np.ndarray]:
        return dict(self._slopes)

    @property
    def output(self) -> np.ndarray:
        return self.post[-1]

    def input_of(self, index: int) -> np.ndarray:
        return self.x if index == 0 else self.post[index - 1]


def forward(scenario: Scenario, params: dict, x: np.ndarray) -> ForwardPass:
    pre: list[np.ndarray] = []
    post: list[np.ndarray] = []
    a = x
    for layer in scenario.model.layers:
        u = affine(scenario, layer, params, a)
        a = get_activation(layer.activation).forward(u, layer.alpha)
        pre.append(u)
        post.append(a)
    return ForwardPass(x, pre, post, scenario.model.layers)


def loss_inputs(scenario: Scenario, fp: ForwardPass) -> np.ndarray | None:
    """What the loss reads besides ŷ: logits for the stable fused losses, scores for hinge."""
    if scenario.train.loss == "hinge":
        return fp.output
    if is_fused(scenario):
        return fp.pre[-1]
    return None


def per_sample_loss(scenario: Scenario, fp: ForwardPass, y: np.ndarray, labels) -> np.ndarray:
    loss = get_loss(scenario.train.loss)
    return loss.per_sample(fp.output, y, loss_inputs(scenario, fp), labels)


def reduce(scenario: Scenario, per_sample: np.ndarray) -> float:
    # sum / N is what ndarray.mean computes (the same rounding), without its Python wrapper.
    total = per_sample.sum()
    return float(total / per_sample.shape[0] if scenario.train.reduction == "mean" else total)


def reduction_scale(scenario: Scenario, n: int) -> float:
    """∂L/∂ℓₙ: 1/N for a mean over the batch, 1 for a sum."""
    return 1.0 / n if scenario.train.reduction == "mean" else 1.0


def weight_names(scenario: Scenario) -> tuple[str, ...]:
    return tuple(layer.weights for layer in scenario.model.layers)


def penalty(scenario: Scenario, params: dict) -> float:
    """(λ/2)·Σ‖W‖² over weights (not separate biases)."""
    lam = scenario.train.gradient_decay   # 0 for adamw (decoupled)
    if not lam:
        return 0.0
    return 0.5 * lam * sum(float(np.sum(params[w] ** 2)) for w in weight_names(scenario))


@dataclass
class Gradients:
    """∂L/∂· of the reduced batch loss for every quantity, keyed by name."""

    pre: list[np.ndarray]
    post: list[np.ndarray]
    params: dict[str, np.ndarray]


def output_gradients(scenario: Scenario, fp: ForwardPass, y: np.ndarray, labels, full: bool = True):
    """(∂L/∂ŷ, ∂L/∂u_last) of the reduced loss.

    With a fused output (δ = ŷ − y) ∂L/∂ŷ is not on the way to the parameters: only a
    ``full`` pass (a recorded step, whose slides show it) computes it; otherwise it is None.
    """
    loss = get_loss(scenario.train.loss)
    scale = reduction_scale(scenario, fp.x.shape[0])
    fused = is_fused(scenario)
    g_post = None
    if full or not fused:
        extra = loss_inputs(scenario, fp)
        with np.errstate(divide="ignore", invalid="ignore"):
            g_post = loss.gradient(fp.output, y, extra, labels) * scale
    if fused:
        g_pre = loss.fused_delta(fp.output, y) * scale
    else:
        g_pre = through_activation(fp, len(fp.pre) - 1, g_post)
    return g_post, g_pre


def through_activation(fp: ForwardPass, index: int, g_a: np.ndarray) -> np.ndarray:
    if not get_activation(fp.layers[index].activation).elementwise:
        return softmax_vjp(fp.post[index], g_a)
    return g_a * fp.slope(index)


def backward(scenario: Scenario, params: dict, fp: ForwardPass, y: np.ndarray, labels,
             full: bool = True, into: dict[str, np.ndarray] | None = None) -> Gradients:
    """∂L/∂· of every quantity. ``into`` maps parameter names to arrays (of the parameters'
    shapes) that receive the parameter gradients, so a training loop can keep them in one
    buffer; ``full=False`` leaves out what only the slides show (see output_gradients)."""
    layers = scenario.model.layers
    n_layers = len(layers)
    g_pre: list[np.ndarray] = [None] * n_layers
    g_post: list[np.ndarray] = [None] * n_layers
    grads: dict[str, np.ndarray] = {}
    g_post[-1], g_pre[-1] = output_gradients(scenario, fp, y, labels, full)
    lam = scenario.train.gradient_decay   # 0 for adamw (decoupled)
    row = scenario.model.convention == "row"
    for index in range(n_layers - 1, -1, -1):
        layer = layers[index]
        if g_pre[index] is None:
            g_pre[index] = through_activation(fp, index, g_post[index])
        delta = g_pre[index]
        W = params[layer.weights]
        inp = layer_input(scenario, fp.input_of(index))
        out = None if into is None else into[layer.weights]
        g_W = np.matmul(inp.T, delta, out=out) if row else np.matmul(delta.T, inp, out=out)
        if lam:
            g_W += lam * W          # in place: the same rounding as g_W + λW
        grads[layer.weights] = g_W
        if layer.bias_name:
            b = layer.bias_name
            if into is None:
                grads[b] = delta.sum(axis=0)
            else:
                delta.sum(axis=0, out=into[b].reshape(-1))
                grads[b] = into[b]
        if index > 0:
            g_in = delta @ W.T if row else delta @ W
            if scenario.model.bias == "folded":
                g_in = g_in[:, 1:]
            g_post[index - 1] = g_in
    # Parameters keep the shape they were given in.
    grads = grads if into is not None else {
        name: g.reshape(params[name].shape) for name, g in grads.items()}
    return Gradients(g_pre, g_post, grads)


def objective(scenario: Scenario, params: dict, x: np.ndarray, y: np.ndarray, labels) -> float:
    """What the gradients differentiate: the reduced loss plus the weight-decay penalty.

    Overflow gives inf/nan (the gradient check then reports it) instead of a warning.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        fp = forward(scenario, params, x)
        return reduce(scenario, per_sample_loss(scenario, fp, y, labels)) + penalty(scenario, params)
