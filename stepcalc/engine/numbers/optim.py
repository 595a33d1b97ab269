"""Parameter updates: plain SGD (θ ← θ − η∇) and momentum (v ← γv − η∇, θ ← θ + v).

The training loop (`run.py`) keeps every trainable parameter in one flat array, with the
gradients and the velocities laid out alike, so an update is a few in-place operations on
three arrays. In place, the roundings are those of the formulas written out (γ·v, then
− η·∇). A new optimizer is one more function here, named in OPTIMIZERS (and its slides
in engine/slides/gradient_formulas.py).
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def sgd(theta: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float, gamma: float) -> None:
    theta -= lr * grad


def momentum(theta: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float, gamma: float) -> None:
    velocity *= gamma
    velocity -= lr * grad
    theta += velocity


OPTIMIZERS: dict[str, Callable[..., None]] = {"sgd": sgd, "momentum": momentum}


def keeps_velocity(optimizer: str) -> bool:
    return optimizer == "momentum"
