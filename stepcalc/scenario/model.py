"""The validated, immutable Scenario: what the engine reads.

Arrays are float64 and read-only; every name is resolved (defaults filled in) so the
engine never has to guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CONVENTIONS = ("row", "column")
BIAS_STYLES = ("separate", "folded", "none")
BIAS_POSITIONS = ("first", "last")
LAYER_TYPES = ("dense", "batchnorm", "dropout", "activation")
ACTIVATION_NAMES = (
    "identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "prelu",
    "selu", "softplus", "swish", "softsign", "softmax",
)
LOSS_NAMES = (
    "squared_error", "half_squared_error", "absolute_error",
    "binary_cross_entropy", "cross_entropy", "hinge",
)
REDUCTIONS = ("mean", "sum")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
MOMENTUM_FORMS = ("classic", "pytorch")
LR_SCHEDULES = ("constant", "step", "exponential")
INIT_METHODS = ("zeros", "constant", "normal", "uniform", "xavier", "kaiming")
KINDS = ("train", "activations", "losses", "init_stats", "batchnorm", "normalize", "experiment")
# Default slope/scale per activation when `alpha` is not given.
DEFAULT_ALPHA = {"leaky_relu": 0.01, "elu": 1.0, "prelu": 0.25}


@dataclass(frozen=True)
class Layer:
    units: int
    activation: str
    weights: str          # parameter name of the weight matrix (batchnorm: γ; "" = none)
    bias_name: str        # parameter name of the bias vector (batchnorm: β); "" = no bias
    pre: str              # name of the pre-activation quantity; dropout and activation
                          # layers have none: it is the name of their input (x or a⁽ⁿ⁻¹⁾)
    post: str             # name of the activation output
    alpha: float | None   # slope/scale for leaky_relu / elu / prelu, else None
    type: str = "dense"   # dense | batchnorm | dropout | activation
    # batchnorm: names of the batch mean, the biased variance and the normalised input
    mu: str = ""
    var: str = ""
    x_hat: str = ""
    eps: float = 1e-5
    # dropout: the drop probability and the N × units 0/1 mask (one row per sample)
    p: float = 0.0
    mask: np.ndarray | None = field(default=None, compare=False)

    @property
    def dense(self) -> bool:
        return self.type == "dense"

    @property
    def own_pre(self) -> bool:
        """Whether the layer computes a pre-activation of its own (dense, batchnorm)."""
        return self.type in ("dense", "batchnorm")


@dataclass(frozen=True)
class Model:
    convention: str                 # "row" (u = x·W + b) | "column" (u = W·x + b)
    bias: str                       # "separate" | "folded" | "none"
    n_inputs: int                   # features per sample (without the folded 1)
    layers: tuple[Layer, ...]
    bias_position: str = "first"    # folded bias: the 1 goes "first" or "last"

    @property
    def output(self) -> Layer:
        return self.layers[-1]


@dataclass(frozen=True)
class Data:
    x: np.ndarray                   # N × D inputs
    y: np.ndarray | None            # N × K targets (class indices already one-hot);
                                    # None: a forward-only scenario (no loss)
    labels: np.ndarray | None       # N class indices when y was given as indices


@dataclass(frozen=True)
class Train:
    loss: str                       # "" when there are no targets (forward only)
    reduction: str = "mean"
    lr: float = 0.01
    steps: int = 1
    optimizer: str = "sgd"
    momentum: float = 0.0
    weight_decay: float = 0.0
    frozen: tuple[str, ...] = ()
    batch_size: int = 0             # 0 = full batch
    momentum_form: str = "classic"  # classic: v ← μv − ηg, θ ← θ + v | pytorch: v ← μv + g, θ ← θ − ηv
    beta1: float = 0.9              # adam/adamw
    beta2: float = 0.999
    rho: float = 0.99               # rmsprop (torch's alpha)
    eps: float = 1e-8               # adagrad/rmsprop/adam/adamw
    lr_schedule: str = "constant"   # constant | step | exponential
    lr_step: int = 1                # StepLR's step_size
    lr_gamma: float = 1.0
    record: tuple[int, ...] = ()    # long runs: more steps kept in full
    record_every: int = 0
    metrics: tuple[str, ...] = ()   # accuracy | rmse | mae: slides after the loss

    @property
    def gradient_decay(self) -> float:
        """λ added to the weights' gradients: adamw decays the weights directly instead."""
        return 0.0 if self.optimizer == "adamw" else self.weight_decay

    def eta(self, number: int) -> float:
        """The learning rate of training step ``number`` (1-based): torch's StepLR and
        ExponentialLR stepped once after each update, in closed form."""
        if self.lr_schedule == "step":
            return self.lr * self.lr_gamma ** ((number - 1) // self.lr_step)
        if self.lr_schedule == "exponential":
            return self.lr * self.lr_gamma ** (number - 1)
        return self.lr


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
    def has_loss(self) -> bool:
        """False for a forward-only scenario (no data.y): no loss, no training."""
        return self.data is not None and self.data.y is not None

    @property
    def param_names(self) -> tuple[str, ...]:
        """Parameters in network order: W1, b1, W2, b2 ..."""
        names: list[str] = []
        for layer in self.model.layers:
            if layer.weights:
                names.append(layer.weights)
            if layer.bias_name:
                names.append(layer.bias_name)
        return tuple(names)
