"""The numbers: forward pass, batch loss and backpropagation, vectorised numpy.

Batch quantities are N × units (one row per sample) in both conventions; only the
weight matrix is stored differently: (in × out) for "row", (out × in) for "column".
With a folded bias a column of ones is put before (``bias_position = "first"``) or after
("last") the layer input, and the bias is that row (row convention) or column (column
convention) of W.

Besides dense layers: batch normalisation (training-mode statistics of the batch),
dropout (a given 0/1 mask, inverted scaling) and activation-only layers. The latter two
have no pre-activation of their own: ``pre[i]`` is their input.
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


def with_ones(a: np.ndarray, last: bool = False) -> np.ndarray:
    """The layer input with the constant-1 input of a folded bias, first or last."""
    ones = np.ones((a.shape[0], 1))
    return np.hstack([a, ones] if last else [ones, a])


def layer_input(scenario: Scenario, a_in: np.ndarray) -> np.ndarray:
    model = scenario.model
    return with_ones(a_in, model.bias_position == "last") if model.bias == "folded" else a_in


def without_ones(scenario: Scenario, g_in: np.ndarray) -> np.ndarray:
    """∂L/∂(layer input) without the folded bias' constant input (nothing to pass back to)."""
    model = scenario.model
    if model.bias != "folded":
        return g_in
    return g_in[:, :-1] if model.bias_position == "last" else g_in[:, 1:]


@dataclass(frozen=True)
class Normalised:
    """What a batch-norm layer computed from its input x (N × D), per feature."""

    mu: np.ndarray             # (D,) batch mean
    var: np.ndarray            # (D,) biased batch variance (1/N)
    centred: np.ndarray        # x − μ
    inv_std: np.ndarray        # (D,) 1/√(σ² + ε)
    x_hat: np.ndarray          # (x − μ)/√(σ² + ε)


def batchnorm(x: np.ndarray, eps: float) -> Normalised:
    mu = x.mean(axis=0)
    centred = x - mu
    var = (centred * centred).mean(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    return Normalised(mu, var, centred, inv_std, centred * inv_std)


@dataclass(frozen=True)
class NormGradients:
    """∂L/∂· of a batch-norm layer's intermediate quantities, in the slides' order."""

    x_hat: np.ndarray
    var: np.ndarray
    mu: np.ndarray


def batchnorm_backward(norm: Normalised, gamma: np.ndarray, g_y: np.ndarray):
    """(∂L/∂x̂, ∂L/∂σ², ∂L/∂μ, ∂L/∂x) given ∂L/∂y of y = γx̂ + β: the classic derivation,
    term by term as the slides show it (∂L/∂μ keeps its σ² term, which is 0 up to rounding)."""
    n = g_y.shape[0]
    g_xhat = g_y * gamma
    g_var = (g_xhat * norm.centred).sum(axis=0) * (-0.5 * norm.inv_std ** 3)
    g_mu = (-g_xhat * norm.inv_std).sum(axis=0) + g_var * (-2.0 * norm.centred.mean(axis=0))
    g_x = g_xhat * norm.inv_std + g_var * (2.0 / n) * norm.centred + g_mu / n
    return NormGradients(g_xhat, g_var, g_mu), g_x


def dropout_scale(layer: Layer, rows: slice | None, n: int) -> np.ndarray:
    """mask/(1 − p) of the batch's samples (inverted dropout)."""
    mask = layer.mask if rows is None else layer.mask[rows]
    if mask.shape[0] != n:
        raise ValueError(f"dropout mask rows {mask.shape[0]} for a batch of {n}")
    return mask / (1.0 - layer.p)


@dataclass
class ForwardPass:
    x: np.ndarray
    pre: list[np.ndarray]      # u of each layer (dropout/activation layers: their input)
    post: list[np.ndarray]     # a = f(u) of each layer
    layers: tuple = ()
    _slopes: dict = field(default_factory=dict, repr=False)
    norms: dict = field(default_factory=dict)    # layer index → Normalised (batch norm)

    def slope(self, index: int) -> np.ndarray:
        """f′(u) of layer ``index`` (elementwise activations; dropout: mask/(1 − p)),
        computed once on demand."""
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


def forward(scenario: Scenario, params: dict, x: np.ndarray,
            rows: slice | None = None) -> ForwardPass:
    """The forward pass of the batch ``x``: data rows ``rows`` (None: all of them), which
    pick the dropout masks' rows."""
    return Network(scenario).forward(params, x, rows)


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


def weight_names(scenario: Scenario) -> tuple[str, ...]:
    """The weight matrices weight decay applies to (dense layers; not batch norm's γ)."""
    return tuple(layer.weights for layer in scenario.model.layers if layer.dense)


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
    norms: dict = field(default_factory=dict)    # layer index → NormGradients (batch norm)


def backward(scenario: Scenario, params: dict, fp: ForwardPass, y: np.ndarray, labels,
             full: bool = True, into: dict[str, np.ndarray] | None = None) -> Gradients:
    """∂L/∂· of every quantity (see Network.backward)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return Network(scenario).backward(params, fp, y, labels, full, into)


class Network:
    """The forward and backward pass of one scenario's layers, with everything a step
    would otherwise look up again (activations, their defaulted α, layer kinds, the
    convention) looked up once: the training loop makes one and calls it every step."""

    def __init__(self, scenario: Scenario):
        model, train = scenario.model, scenario.train
        self.scenario = scenario
        self.layers = model.layers
        self.activations = tuple(get_activation(layer.activation) for layer in model.layers)
        self.alphas = tuple(act.alpha_or_default(layer.alpha)
                            for act, layer in zip(self.activations, model.layers))
        self.row = model.convention == "row"
        self.folded = model.bias == "folded"
        self.loss = get_loss(train.loss) if scenario.has_loss else None
        self.fused = is_fused(scenario)
        self.lam = train.gradient_decay   # 0 for adamw (decoupled)
        self.mean = train.reduction == "mean"

    def forward(self, params: dict, x: np.ndarray, rows: slice | None = None) -> ForwardPass:
        pre: list[np.ndarray] = []
        post: list[np.ndarray] = []
        slopes, norms = {}, {}
        a = x
        for index, layer in enumerate(self.layers):
            kind = layer.type
            if kind == "dropout":
                slopes[index] = dropout_scale(layer, rows, a.shape[0])
                pre.append(a)
                a = a * slopes[index]
                post.append(a)
                continue
            if kind == "batchnorm":
                norms[index] = batchnorm(a, layer.eps)
                u = params[layer.weights] * norms[index].x_hat + params[layer.bias_name]
            elif kind == "activation":
                u = a
            else:
                W = params[layer.weights]
                inp = layer_input(self.scenario, a) if self.folded else a
                u = inp @ W if self.row else inp @ W.T
                if layer.bias_name:
                    u += params[layer.bias_name]    # in place: the same rounding as u + b
            a = self.activations[index].forward_fn(u, self.alphas[index])
            pre.append(u)
            post.append(a)
        return ForwardPass(x, pre, post, self.layers, slopes, norms)

    def backward(self, params: dict, fp: ForwardPass, y: np.ndarray, labels,
                 full: bool = True, into: dict[str, np.ndarray] | None = None) -> Gradients:
        """∂L/∂· of every quantity. ``into`` maps parameter names to arrays (of the
        parameters' shapes) that receive the parameter gradients, so a training loop can
        keep them in one buffer; ``full=False`` leaves out what only the slides show (see
        output_gradients). Called where numpy's float warnings are silenced."""
        layers = self.layers
        n_layers = len(layers)
        g_pre: list[np.ndarray] = [None] * n_layers
        g_post: list[np.ndarray] = [None] * n_layers
        grads: dict[str, np.ndarray] = {}
        g_post[-1], g_pre[-1] = self.output_gradients(fp, y, labels, full)
        norms: dict = {}
        for index in range(n_layers - 1, -1, -1):
            layer = layers[index]
            if g_pre[index] is None:
                g_pre[index] = self._through_activation(fp, index, g_post[index])
            delta = g_pre[index]
            if layer.type == "batchnorm":
                g_in = _batchnorm_backward(fp, index, layer, params, delta, grads, into, norms)
            elif layer.type == "dense":
                g_in = self._dense_backward(fp, index, layer, params, delta, grads, into)
            else:
                g_in = delta            # dropout / activation: pre[index] is the input itself
            if index > 0:
                g_post[index - 1] = g_in
        # Parameters keep the shape they were given in.
        grads = grads if into is not None else {
            name: g.reshape(params[name].shape) for name, g in grads.items()}
        return Gradients(g_pre, g_post, grads, norms)

    def output_gradients(self, fp: ForwardPass, y: np.ndarray, labels, full: bool = True):
        """(∂L/∂ŷ, ∂L/∂u_last) of the reduced loss.

        With a fused output (δ = ŷ − y) ∂L/∂ŷ is not on the way to the parameters: only a
        ``full`` pass (a recorded step, whose slides show it) computes it; otherwise None.
        """
        scale = 1.0 / fp.x.shape[0] if self.mean else 1.0       # ∂L/∂ℓₙ: mean or sum
        g_post = None
        if full or not self.fused:
            extra = loss_inputs(self.scenario, fp)
            g_post = self.loss.gradient(fp.output, y, extra, labels) * scale
        if self.fused:
            g_pre = self.loss.fused_delta(fp.output, y) * scale
        else:
            g_pre = self._through_activation(fp, len(fp.pre) - 1, g_post)
        return g_post, g_pre

    def _through_activation(self, fp: ForwardPass, index: int, g_a: np.ndarray) -> np.ndarray:
        act = self.activations[index]
        if not act.elementwise:
            return softmax_vjp(fp.post[index], g_a)
        slope = fp._slopes.get(index)
        if slope is None:       # computed once, kept for the step's record (fp.slope's cache)
            slope = fp._slopes[index] = act.slope(fp.pre[index], fp.post[index],
                                                  self.alphas[index])
        return g_a * slope

    def _dense_backward(self, fp, index, layer, params, delta, grads, into):
        W = params[layer.weights]
        inp = fp.input_of(index)
        if self.folded:
            inp = layer_input(self.scenario, inp)
        out = None if into is None else into[layer.weights]
        g_W = np.matmul(inp.T, delta, out=out) if self.row else np.matmul(delta.T, inp, out=out)
        if self.lam:
            g_W += self.lam * W          # in place: the same rounding as g_W + λW
        grads[layer.weights] = g_W
        if layer.bias_name:
            _param_gradient(grads, into, layer.bias_name, delta)
        if index == 0:
            return None
        return without_ones(self.scenario, delta @ W.T if self.row else delta @ W)


def _param_gradient(grads, into, name, delta) -> None:
    """Store a bias-like gradient, Σₙ delta (in the training loop's buffer when there is one)."""
    if into is None:
        grads[name] = np.add.reduce(delta, axis=0)       # what delta.sum(axis=0) computes
        return
    target = into[name]
    if target.shape == delta.shape[1:]:
        np.add.reduce(delta, axis=0, out=target)
    else:
        target.reshape(-1)[...] = np.add.reduce(delta, axis=0).reshape(-1)
    grads[name] = target


def _batchnorm_backward(fp, index, layer, params, delta, grads, into, norms):
    norm = fp.norms[index]
    _param_gradient(grads, into, layer.weights, delta * norm.x_hat)
    _param_gradient(grads, into, layer.bias_name, delta)
    norms[index], g_x = batchnorm_backward(norm, params[layer.weights], delta)
    return g_x


def objective(scenario: Scenario, params: dict, x: np.ndarray, y: np.ndarray, labels,
              rows: slice | None = None) -> float:
    """What the gradients differentiate: the reduced loss plus the weight-decay penalty.

    Overflow gives inf/nan (the gradient check then reports it) instead of a warning.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        fp = forward(scenario, params, x, rows)
        return reduce(scenario, per_sample_loss(scenario, fp, y, labels)) + penalty(scenario, params)
