"""The validated, immutable Scenario: what the engine reads.

Arrays are float64 and read-only; every name is resolved (defaults filled in) so the
engine never has to guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CONVENTIONS = ("row", "column")
BIAS_STYLES = ("separate", "folded")
ACTIVATION_NAMES = (
    "identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "prelu",
    "selu", "softplus", "swish", "softsign", "softmax",
)
LOSS_NAMES = (
    "squared_error", "half_squared_error", "absolute_error",
    "binary_cross_entropy", "cross_entropy", "hinge",
)
REDUCTIONS = ("mean", "sum")
OPTIMIZERS = ("sgd", "momentum")
INIT_METHODS = ("zeros", "constant", "normal", "uniform", "xavier", "kaiming")
KINDS = ("train", "activations", "losses", "init_stats", "batchnorm", "normalize", "experiment")
# Default slope/scale per activation when `alpha` is not given.
DEFAULT_ALPHA = {"leaky_relu": 0.01, "elu": 1.0, "prelu": 0.25}


@dataclass(frozen=True)
class Layer:
    units: int
    activation: str
    weights: str          # parameter name of the weight matrix
    bias_name: str        # parameter name of the bias vector; "" = no bias (or folded)
    pre: str              # name of the pre-activation quantity
    post: str             # name of the activation output
    alpha: float | None   # slope/scale for leaky_relu / elu / prelu, else None


@dataclass(frozen=True)
class Model:
    convention: str                 # "row" (u = x·W + b) | "column" (u = W·x + b)
    bias: str                       # "separate" | "folded"
    n_inputs: int                   # features per sample (without the folded 1)
    layers: tuple[Layer, ...]

    @property
    def output(self) -> Layer:
        return self.layers[-1]


@dataclass(frozen=True)
class Data:
    x: np.ndarray                   # N × D inputs
    y: np.ndarray                   # N × K targets (class indices already one-hot)
    labels: np.ndarray | None       # N class indices when y was given as indices


@dataclass(frozen=True)
class Train:
    loss: str
    reduction: str = "mean"
    lr: float = 0.01
    steps: int = 1
    optimizer: str = "sgd"
    momentum: float = 0.0
    weight_decay: float = 0.0
    frozen: tuple[str, ...] = ()
    batch_size: int = 0             # 0 = full batch


@dataclass(frozen=True)
class Printed:
    """A number (or matrix) as a source document printed it."""

    value: np.ndarray               # as float64
    decimals: np.ndarray            # int, same shape: digits after the point as printed


@dataclass(frozen=True)
class Scenario:
    title: str
    file: str                       # where it came from ("<string>" for loads)
    kind: str = "train"
    source: str = ""
    notes: str = ""
    precision: int = 3              # significant digits shown
    model: Model | None = None
    data: Data | None = None
    params: dict[str, np.ndarray] = field(default_factory=dict)   # initial values
    train: Train | None = None
    expect: dict[str, Printed] = field(default_factory=dict)   # printed values by id
    spec: dict = field(default_factory=dict)   # validated fields of the non-train kinds
    # The TOML data as read (or built), kept so that to_toml() writes it back.
    source_data: dict = field(default_factory=dict, repr=False, compare=False)

    def to_toml(self) -> str:
        """TOML text that `stepcalc.loads` reads back to an equal scenario."""
        from .toml_writer import dumps

        return dumps(self.source_data)

    @property
    def param_names(self) -> tuple[str, ...]:
        """Parameters in network order: W1, b1, W2, b2 ..."""
        names: list[str] = []
        for layer in self.model.layers:
            names.append(layer.weights)
            if layer.bias_name:
                names.append(layer.bias_name)
        return tuple(names)
