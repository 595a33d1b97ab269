"""Parameter updates: plain SGD and momentum (v ← γv − η∇, θ ← θ + v)."""

from __future__ import annotations

import numpy as np


def sgd(theta: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
    return theta - lr * grad


def momentum(theta: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float, gamma: float):
    """Returns (new velocity, new parameter)."""
    v = gamma * velocity - lr * grad
    return v, theta + v
