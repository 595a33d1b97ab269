"""Parameter updates, each exactly as torch.optim writes it (plus the classic momentum form).

The training loop (`run.py`) keeps every trainable parameter in one flat array, with the
gradients and every optimizer buffer laid out alike, so an update is a few in-place
operations on flat arrays, whatever the number of parameters. In place, the roundings are
those of the formulas written out (μ·v, then − η·g). g already carries λθ for the weights
(weight decay), except with adamw, which decays the weights themselves (`decayed`).

State per parameter entry (ids `v.<p>`, `m.<p>`, `s.<p>`; Adam's `mhat.<p>`, `shat.<p>`
are recomputed each step from m and s and kept only for the slides):

    sgd        θ ← θ − ηg
    momentum   classic: v ← μv − ηg, θ ← θ + v    pytorch: v ← μv + g, θ ← θ − ηv
    nesterov   v ← μv + g, θ ← θ − η(g + μv)
    adagrad    s ← s + g², θ ← θ − ηg/(√s + ε)
    rmsprop    s ← ρs + (1−ρ)g², θ ← θ − ηg/(√s + ε)
    adam       m ← β₁m + (1−β₁)g, s ← β₂s + (1−β₂)g², m̂ = m/(1−β₁ᵗ), ŝ = s/(1−β₂ᵗ),
               θ ← θ − ηm̂/(√ŝ + ε)
    adamw      θ ← θ − ηλθ (weights only), then the adam step
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from stepcalc.scenario.model import Train

# The buffers each optimizer carries from step to step (all start at 0) …
KEEPS: dict[str, tuple[str, ...]] = {
    "sgd": (), "momentum": ("v",), "nesterov": ("v",), "adagrad": ("s",), "rmsprop": ("s",),
    "adam": ("m", "s"), "adamw": ("m", "s"),
}
# … and the ones it recomputes every step (shown on the slides, never carried over).
DERIVED: dict[str, tuple[str, ...]] = {"adam": ("mhat", "shat"), "adamw": ("mhat", "shat")}


def _sgd(theta, g, st, lr, t, train):
    theta -= lr * g


def _momentum(theta, g, st, lr, t, train):
    v = st["v"]
    v *= train.momentum
    if train.momentum_form == "pytorch":
        v += g
        theta -= lr * v
    else:
        v -= lr * g
        theta += v


def _nesterov(theta, g, st, lr, t, train):
    v = st["v"]
    v *= train.momentum
    v += g
    theta -= lr * (g + train.momentum * v)


def _adagrad(theta, g, st, lr, t, train):
    s = st["s"]
    s += g * g
    theta -= lr * g / (np.sqrt(s) + train.eps)


def _rmsprop(theta, g, st, lr, t, train):
    s = st["s"]
    s *= train.rho
    s += (1.0 - train.rho) * (g * g)
    theta -= lr * g / (np.sqrt(s) + train.eps)


def _adam(theta, g, st, lr, t, train):
    m, s, mhat, shat = st["m"], st["s"], st["mhat"], st["shat"]
    m *= train.beta1
    m += (1.0 - train.beta1) * g
    s *= train.beta2
    s += (1.0 - train.beta2) * (g * g)
    np.divide(m, 1.0 - train.beta1 ** t, out=mhat)
    np.divide(s, 1.0 - train.beta2 ** t, out=shat)
    theta -= lr * mhat / (np.sqrt(shat) + train.eps)


STEPS: dict[str, Callable[..., None]] = {
    "sgd": _sgd, "momentum": _momentum, "nesterov": _nesterov, "adagrad": _adagrad,
    "rmsprop": _rmsprop, "adam": _adam, "adamw": _adam,
}


class Optimizer:
    """One optimizer's buffers over a flat parameter layout of ``size`` entries, whose
    first ``trainable`` entries are updated; ``decayed`` are the flat ranges of the
    weights (adamw's decoupled decay)."""

    def __init__(self, train: Train, size: int, trainable: int, decayed: list[slice]):
        self.train = train
        self.kinds = KEEPS[train.optimizer]
        self.derived = DERIVED.get(train.optimizer, ())
        self.flat = {kind: np.zeros(size) for kind in self.kinds + self.derived}
        self._parts = {kind: flat[:trainable] for kind, flat in self.flat.items()}
        self._update = STEPS[train.optimizer]
        self._decay = train.weight_decay if train.optimizer == "adamw" else 0.0
        self._decayed = [part for part in decayed if part.start < trainable]

    def step(self, flat_params: np.ndarray, flat_grad: np.ndarray, trainable: int,
             number: int) -> None:
        """Update the first ``trainable`` entries of ``flat_params`` in place (training step
        ``number``, 1-based: Adam's t and the schedule's step)."""
        lr = self.train.eta(number)
        if self._decay:
            for part in self._decayed:
                flat_params[part] *= 1.0 - lr * self._decay
        self._update(flat_params[:trainable], flat_grad[:trainable], self._parts, lr, number,
                     self.train)
