"""The experiment kind's trainer: an MLP (dense → [batch norm] → activation, softmax output,
cross-entropy) trained by minibatches, vectorised: one matrix product per layer per batch
forward, two backward.

Parameters are one list in network order: for each hidden layer W, b (and γ, β with batch
norm), then the output layer's W, b. Row convention (u = a·W + b, W is d_in × d_out).
Batch norm follows torch.nn.BatchNorm1d: batch statistics (biased variance) in training,
running statistics (momentum 0.1, unbiased variance) when evaluating.

Everything random comes from one ``numpy.random.Generator(seed)``: the weights first, in
layer order, then one permutation of the training rows per epoch, so a run is reproducible
bit for bit from its seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stepcalc.engine.kinds.init_stats import weight_std
from stepcalc.engine.numbers.blas_threads import single_thread
from stepcalc.engine.maths.activations import get_activation

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
    xhat: list[np.ndarray | None]
    inv_std: list[np.ndarray | None]
    batch_stats: list[tuple[np.ndarray, np.ndarray] | None]   # (mean, biased var) per hidden layer
    log_probs: np.ndarray = field(default=None)


def forward(params, layout: Layout, activation: str, x: np.ndarray,
            running: list | None = None) -> Forward:
    """Training mode when ``running`` is None (batch statistics), else evaluation with the
    given running (mean, var) per hidden layer."""
    act = get_activation(activation)
    fp = Forward([], [], [], [], [], [])
    a = x
    for layer in range(layout.hidden):
        i = layout.weight(layer)
        fp.inputs.append(a)
        u = a @ params[i] + params[i + 1]
        if layout.batchnorm:
            if running is None:
                mean, var = u.mean(axis=0), u.var(axis=0)
                fp.batch_stats.append((mean, var))
            else:
                mean, var = running[layer]
                fp.batch_stats.append(None)
            inv_std = 1.0 / np.sqrt(var + BN_EPS)
            xhat = (u - mean) * inv_std
            u = params[i + 2] * xhat + params[i + 3]
            fp.xhat.append(xhat)
            fp.inv_std.append(inv_std)
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


def backward(params, layout: Layout, activation: str, fp: Forward, labels: np.ndarray) -> list[np.ndarray]:
    """∂L/∂θ of the mean cross-entropy for every parameter, in the order of ``params``."""
    act = get_activation(activation)
    n = len(labels)
    grads: list[np.ndarray] = [None] * len(params)
    g = np.exp(fp.log_probs)                     # softmax + cross-entropy: δ = (ŷ − y)/N
    g[np.arange(n), labels] -= 1.0
    g /= n
    for layer in range(layout.hidden, -1, -1):
        i = layout.weight(layer)
        grads[i] = fp.inputs[layer].T @ g
        grads[i + 1] = g.sum(axis=0)
        if layer == 0:
            break
        g = g @ params[i].T                      # ∂L/∂a of the layer below
        below = layer - 1
        j = layout.weight(below)
        g = g * act.derivative(fp.pre[below], fp.post[below])
        if layout.batchnorm:
            xhat, inv_std = fp.xhat[below], fp.inv_std[below]
            grads[j + 2] = (g * xhat).sum(axis=0)
            grads[j + 3] = g.sum(axis=0)
            gx = g * params[j + 2]
            # ∂L/∂u of batch norm with batch statistics (the three paths through μ and σ²)
            g = inv_std / n * (n * gx - gx.sum(axis=0) - xhat * (gx * xhat).sum(axis=0))
    return grads


class Optimizer:
    """torch.optim semantics (momentum in the classic form v ← μv − ηg, θ ← θ + v, which
    gives the same θ as torch's for a constant η). Weight decay λ is added to the gradient
    of the W matrices only; adamw decays them directly (θ ← θ − ηλθ) instead."""

    def __init__(self, recipe, decays: list[bool], params: list[np.ndarray]):
        self.r = recipe
        self.decays = decays
        self.t = 0
        self.m = [np.zeros_like(p) for p in params]
        self.s = [np.zeros_like(p) for p in params]

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        r = self.r
        self.t += 1
        for k, (p, g) in enumerate(zip(params, grads)):
            if r.weight_decay and self.decays[k]:
                if r.optimizer == "adamw":
                    p -= r.lr * r.weight_decay * p
                else:
                    g = g + r.weight_decay * p
            m, s = self.m[k], self.s[k]
            if r.optimizer == "sgd":
                p -= r.lr * g
            elif r.optimizer == "momentum":
                m *= r.momentum
                m -= r.lr * g
                p += m
            elif r.optimizer == "nesterov":
                m *= r.momentum
                m += g
                p -= r.lr * (g + r.momentum * m)
            elif r.optimizer == "adagrad":
                s += g * g
                p -= r.lr * g / (np.sqrt(s) + r.eps)
            elif r.optimizer == "rmsprop":
                s *= r.rho
                s += (1.0 - r.rho) * g * g
                p -= r.lr * g / (np.sqrt(s) + r.eps)
            else:   # adam, adamw
                m *= r.beta1
                m += (1.0 - r.beta1) * g
                s *= r.beta2
                s += (1.0 - r.beta2) * g * g
                mhat = m / (1.0 - r.beta1 ** self.t)
                shat = s / (1.0 - r.beta2 ** self.t)
                p -= r.lr * mhat / (np.sqrt(shat) + r.eps)


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
    params = init_params(layout, recipe.init, recipe.std, rng)
    opt = Optimizer(recipe, layout.is_weight(), params)
    running = [(np.zeros(d), np.ones(d)) for d in layout.dims[1:-1]]
    n = len(y_train)
    size = recipe.batch_size or n
    rows = []
    norms = []
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
                grads = backward(params, layout, recipe.activation, fp, yb)
                total += [np.sqrt(np.sum(grads[layout.weight(l)] ** 2)) for l in range(layout.hidden + 1)]
                batches += 1
                if layout.batchnorm:
                    _update_running(running, fp.batch_stats, len(idx))
                opt.step(params, grads)
            norms.append(total / batches)
            rows.append(_evaluate(params, layout, recipe.activation, running, x_train, y_train, x_test, y_test))
            if progress is not None:
                progress(epoch + 1, recipe.epochs)
    cols = list(zip(*rows))
    return RunCurves(*(np.array(c) for c in cols[:4]), grad_norm=np.array(norms),
                     act_mean=np.array(cols[4]).reshape(len(rows), layout.hidden),
                     act_std=np.array(cols[5]).reshape(len(rows), layout.hidden),
                     params=tuple(p.copy() for p in params))


def _update_running(running, batch_stats, n: int) -> None:
    """torch's running statistics: momentum 0.1, the variance unbiased (n / (n − 1))."""
    for k, (mean, var) in enumerate(batch_stats):
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
