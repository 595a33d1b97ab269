"""The experiment kind's trainer: an MLP (dense → [batch norm] → activation, softmax output,
cross-entropy) trained by minibatches, vectorised: one matrix product per layer per batch
forward, two backward.

Parameters are one list in network order: for each hidden layer W, b (and γ, β with batch
norm), then the output layer's W, b. Row convention (u = a·W + b, W is d_in × d_out).
Batch norm follows torch.nn.BatchNorm1d: batch statistics (biased variance) in training,
running statistics (momentum 0.1, unbiased variance) when evaluating. One implementation of
each formula: batch norm is network.batchnorm / batchnorm_backward (the batchnorm layer's),
the updates are optim.Optimizer's (the train kind's), over views of one flat array.

Everything random comes from one ``numpy.random.Generator(seed)``: the weights first, in
layer order, then one permutation of the training rows per epoch, so a run is reproducible
bit for bit from its seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stepcalc.engine.kinds.init_stats import weight_std
from stepcalc.engine.maths.activations import get_activation
from stepcalc.engine.numbers.blas_threads import single_thread
from stepcalc.engine.numbers.network import Normalised, batchnorm, batchnorm_backward
from stepcalc.engine.numbers.optim import Optimizer
from stepcalc.scenario.model import Train

BN_EPS = 1e-5
BN_MOMENTUM = 0.1


@dataclass(frozen=True)
class Layout:
    """Where each layer's parameters sit in the flat list."""

    dims: tuple[int, ...]
    batchnorm: bool

    @property
    def hidden(self) -> int:
        return len(self.dims) - 2

    def weight(self, layer: int) -> int:
        """Index of W of layer ``layer`` (0-based; the output layer is ``hidden``)."""
        return layer * (4 if self.batchnorm else 2)

    def is_weight(self) -> list[bool]:
        """Which parameters weight decay applies to: the W matrices only."""
        flags = []
        for layer in range(self.hidden + 1):
            flags += [True, False] + ([False, False] if self.batchnorm and layer < self.hidden else [])
        return flags


def init_params(layout: Layout, init: str, std: float | None, rng: np.random.Generator) -> list[np.ndarray]:
    params = []
    for layer, (d_in, d_out) in enumerate(zip(layout.dims[:-1], layout.dims[1:])):
        params.append(rng.standard_normal((d_in, d_out)) * weight_std(init, d_in, std))
        params.append(np.zeros(d_out))
        if layout.batchnorm and layer < layout.hidden:
            params += [np.ones(d_out), np.zeros(d_out)]
    return params


@dataclass
class Forward:
    """What backward needs of one forward pass."""

    inputs: list[np.ndarray]            # the input of each dense layer
    pre: list[np.ndarray]               # each hidden layer's activation input (after BN)
    post: list[np.ndarray]              # each hidden layer's output
    norms: list[Normalised | None]      # training-mode batch norm of each hidden layer
    log_probs: np.ndarray = field(default=None)


def forward(params, layout: Layout, activation: str, x: np.ndarray,
            running: list | None = None) -> Forward:
    """Training mode when ``running`` is None (batch statistics), else evaluation with the
    given running (mean, var) per hidden layer."""
    act = get_activation(activation)
    fp = Forward([], [], [], [])
    a = x
    for layer in range(layout.hidden):
        i = layout.weight(layer)
        fp.inputs.append(a)
        u = a @ params[i] + params[i + 1]
        if layout.batchnorm:
            if running is None:
                norm = batchnorm(u, BN_EPS)      # the batchnorm layer's own formula
                fp.norms.append(norm)
                xhat = norm.x_hat
            else:
                mean, var = running[layer]
                xhat = (u - mean) / np.sqrt(var + BN_EPS)
                fp.norms.append(None)
            u = params[i + 2] * xhat + params[i + 3]
        a = act.forward(u)
        fp.pre.append(u)
        fp.post.append(a)
    i = layout.weight(layout.hidden)
    fp.inputs.append(a)
    scores = a @ params[i] + params[i + 1]
    shifted = scores - scores.max(axis=1, keepdims=True)       # log-sum-exp
    fp.log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return fp


def loss_of(fp: Forward, labels: np.ndarray) -> float:
    """Mean cross-entropy of the batch."""
    return float(-fp.log_probs[np.arange(len(labels)), labels].mean())


def backward(params, layout: Layout, activation: str, fp: Forward, labels: np.ndarray,
             into: list[np.ndarray] | None = None) -> list[np.ndarray]:
    """∂L/∂θ of the mean cross-entropy for every parameter, in the order of ``params``;
    written into ``into`` (arrays shaped like ``params``, e.g. views of a flat gradient)
    when given, so the optimizer reads them without a copy."""
    act = get_activation(activation)
    n = len(labels)
    grads = into if into is not None else [np.empty_like(p) for p in params]
    g = np.exp(fp.log_probs)                     # softmax + cross-entropy: δ = (ŷ − y)/N
    g[np.arange(n), labels] -= 1.0
    g /= n
    for layer in range(layout.hidden, -1, -1):
        i = layout.weight(layer)
        np.matmul(fp.inputs[layer].T, g, out=grads[i])
        g.sum(axis=0, out=grads[i + 1])
        if layer == 0:
            break
        g = g @ params[i].T                      # ∂L/∂a of the layer below
        below = layer - 1
        j = layout.weight(below)
        g = g * act.derivative(fp.pre[below], fp.post[below])
        if layout.batchnorm:
            norm = fp.norms[below]
            (g * norm.x_hat).sum(axis=0, out=grads[j + 2])
            g.sum(axis=0, out=grads[j + 3])
            _, g = batchnorm_backward(norm, params[j + 2], g)
    return grads


def recipe_train(recipe) -> Train:
    """The run's optimizer settings as the train kind's ``Train``, so that optim.py's update
    formulas (one implementation for both kinds) apply them."""
    return Train(loss="cross_entropy", lr=recipe.lr, optimizer=recipe.optimizer,
                 momentum=recipe.momentum, weight_decay=recipe.weight_decay,
                 beta1=recipe.beta1, beta2=recipe.beta2, rho=recipe.rho, eps=recipe.eps)


class FlatParams:
    """The parameters and their gradients as views of two flat arrays: optim.Optimizer
    updates all of them with a few in-place operations per step."""

    def __init__(self, layout: Layout, params: list[np.ndarray]):
        sizes = np.cumsum([0] + [p.size for p in params])
        self.slices = [slice(int(a), int(b)) for a, b in zip(sizes[:-1], sizes[1:])]
        self.flat = np.concatenate([p.ravel() for p in params])
        self.flat_grad = np.zeros_like(self.flat)
        self.params = [self.flat[sl].reshape(p.shape) for sl, p in zip(self.slices, params)]
        self.grads = [self.flat_grad[sl].reshape(p.shape) for sl, p in zip(self.slices, params)]
        self.weights = [sl for sl, w in zip(self.slices, layout.is_weight()) if w]


@dataclass(frozen=True)
class RunCurves:
    """Per-epoch numbers of one run; row 0 is before training (grad_norm starts at epoch 1)."""

    loss: np.ndarray              # epochs+1: mean cross-entropy over the training split
    test_loss: np.ndarray         # epochs+1
    accuracy: np.ndarray          # epochs+1: test accuracy
    train_accuracy: np.ndarray    # epochs+1
    grad_norm: np.ndarray         # epochs × weight layers: mean over the epoch's batches of ‖∂L/∂W‖_F
    act_mean: np.ndarray          # epochs+1 × hidden layers, over the training split
    act_std: np.ndarray           # epochs+1 × hidden layers
    params: tuple                 # final parameters


def train_run(recipe, x_train, y_train, x_test, y_test, n_classes: int, progress=None) -> RunCurves:
    layout = Layout(recipe.dims(x_train.shape[1], n_classes), recipe.batchnorm)
    rng = np.random.default_rng(recipe.seed)
    flat = FlatParams(layout, init_params(layout, recipe.init, recipe.std, rng))
    params, grads = flat.params, flat.grads
    train = recipe_train(recipe)
    opt = Optimizer(train, flat.flat.size, flat.flat.size, flat.weights)
    decay = train.gradient_decay
    running = [(np.zeros(d), np.ones(d)) for d in layout.dims[1:-1]]
    n = len(y_train)
    size = recipe.batch_size or n
    rows = []
    norms = []
    number = 0
    # errstate: a diverging run gives inf/nan, flagged on its step
    with np.errstate(all="ignore"), single_thread():
        rows.append(_evaluate(params, layout, recipe.activation, running, x_train, y_train, x_test, y_test))
        for epoch in range(recipe.epochs):
            order = rng.permutation(n)
            total = np.zeros(layout.hidden + 1)
            batches = 0
            for start in range(0, n, size):
                idx = order[start:start + size]
                xb, yb = x_train[idx], y_train[idx]
                fp = forward(params, layout, recipe.activation, xb)
                backward(params, layout, recipe.activation, fp, yb, into=grads)
                total += [np.sqrt(np.sum(grads[layout.weight(l)] ** 2)) for l in range(layout.hidden + 1)]
                batches += 1
                if layout.batchnorm:
                    _update_running(running, fp.norms, len(idx))
                if decay:                        # optim.py expects g to carry λθ (not adamw)
                    for part in flat.weights:
                        flat.flat_grad[part] += decay * flat.flat[part]
                number += 1
                opt.step(flat.flat, flat.flat_grad, flat.flat.size, number)
            norms.append(total / batches)
            rows.append(_evaluate(params, layout, recipe.activation, running, x_train, y_train, x_test, y_test))
            if progress is not None:
                progress(epoch + 1, recipe.epochs)
    cols = list(zip(*rows))
    return RunCurves(*(np.array(c) for c in cols[:4]), grad_norm=np.array(norms),
                     act_mean=np.array(cols[4]).reshape(len(rows), layout.hidden),
                     act_std=np.array(cols[5]).reshape(len(rows), layout.hidden),
                     params=tuple(p.copy() for p in params))


def _update_running(running, batch_norms, n: int) -> None:
    """torch's running statistics: momentum 0.1, the variance unbiased (n / (n − 1))."""
    for k, norm in enumerate(batch_norms):
        mean, var = norm.mu, norm.var
        unbiased = var * n / (n - 1) if n > 1 else var
        r_mean, r_var = running[k]
        running[k] = ((1 - BN_MOMENTUM) * r_mean + BN_MOMENTUM * mean,
                      (1 - BN_MOMENTUM) * r_var + BN_MOMENTUM * unbiased)


def _evaluate(params, layout, activation, running, x_train, y_train, x_test, y_test):
    bn = running if layout.batchnorm else None
    fp = forward(params, layout, activation, x_train, bn)
    test = forward(params, layout, activation, x_test, bn)
    return (loss_of(fp, y_train), loss_of(test, y_test), _accuracy(test, y_test), _accuracy(fp, y_train),
            [float(a.mean()) for a in fp.post], [float(a.std()) for a in fp.post])


def _accuracy(fp: Forward, labels: np.ndarray) -> float:
    return float(np.mean(np.argmax(fp.log_probs, axis=1) == labels))
