"""Parameter updates: plain SGD and momentum (v ← γv − η∇, θ ← θ + v)."""

from __future__ import annotations

import numpy as np


def sgd(theta: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
    return theta - lr * grad


def momentum(theta: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float, gamma: float):
    """Returns (new velocity, new parameter)."""
    v = gamma * velocity - lr * grad
    return v, theta + v


def step(train, name: str, theta: np.ndarray, grad: np.ndarray, velocity: dict) -> np.ndarray:
    """One parameter's update under the scenario's optimizer; ``velocity`` is updated in place.

    Frozen parameters keep their value (and their velocity).
    """
    if name in train.frozen:
        return theta
    if train.optimizer == "momentum":
        velocity[name], new = momentum(theta, grad, velocity[name], train.lr, train.momentum)
        return new
    return sgd(theta, grad, train.lr)
