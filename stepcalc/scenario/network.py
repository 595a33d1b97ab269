"""`[model]`: layers, their activations and the names of every parameter and quantity."""

from __future__ import annotations

import re

from stepcalc.errors import ScenarioError

from .fields import REQUIRED, Table, one_of
from .model import (ACTIVATION_NAMES, BIAS_STYLES, CONVENTIONS, DEFAULT_ALPHA, Layer,
                    Model)

MODEL_KEYS = ("convention", "bias", "layers")
LAYER_KEYS = ("units", "activation", "weights", "bias_name", "pre", "post", "alpha")
# Names that already mean something in formulas and quantity ids (a parameter called
# "eta" would overwrite the learning rate's id; "after" or "step2" would read as a prefix).
# "m" and "s" stay allowed: the design's own example names a weight m, and m.<param> /
# s.<param> ids always carry a dot.
RESERVED_NAMES = {
    "x": "the input data", "y": "the targets", "loss": "the loss", "L": "the loss L in formulas",
    "eta": "the learning rate", "gamma": "the momentum coefficient",
    "lambda": "the weight decay", "grad": "the prefix of gradients (grad.<name>)",
    "new": "the prefix of updated parameters (new.<param>)",
    "after": "the prefix of the forward pass after training (after.<name>)",
    "v": "the prefix of velocities (v.<param>)", "v0": "the velocity before the update",
    "mhat": "Adam's corrected first moment (mhat.<param>)",
    "shat": "Adam's corrected second moment (shat.<param>)",
    "fprime": "the activation slopes", "accuracy": "the accuracy metric",
    "rmse": "the rmse metric", "mae": "the mae metric",
}
_STEP_PREFIX = re.compile(r"step[0-9]+")
MAX_UNITS = 100_000
# Guards against a typo like units = 1000000 allocating gigabytes at load time: checked
# layer by layer here, before [params]/[init] allocate anything. 10⁷ float64 = 80 MB per
# copy, and one training step keeps several copies (θ, ∇θ, the update, the velocity).
MAX_PARAMS = 10_000_000


def parse_model(table: Table, n_inputs: int) -> Model:
    table.check_keys(MODEL_KEYS)
    convention = table.choice("convention", CONVENTIONS, "row")
    bias = table.choice("bias", BIAS_STYLES, "separate")
    layer_tables = table.tables("layers")
    names = _Names(table.file)
    layers = []
    fan_in, n_params = n_inputs, 0
    for i, lt in enumerate(layer_tables):
        layer = _parse_layer(lt, i, len(layer_tables), bias, names)
        n_params += (fan_in + 1) * layer.units
        if n_params > MAX_PARAMS:
            raise lt.error("units", f"the network would have more than {MAX_PARAMS:,} "
                                    "parameters; stepcalc is for small networks")
        layers.append(layer)
        fan_in = layer.units
    return Model(convention=convention, bias=bias, n_inputs=n_inputs, layers=tuple(layers))


def _parse_layer(lt: Table, i: int, count: int, bias: str, names: _Names) -> Layer:
    lt.check_keys(LAYER_KEYS)
    n = i + 1   # names count from 1, like the slides
    last = n == count
    units = lt.integer("units", REQUIRED, low=1, high=MAX_UNITS)
    activation = lt.choice("activation", ACTIVATION_NAMES)
    if activation == "softmax" and not last:
        raise lt.error("activation", f"softmax is only allowed on the last layer "
                                     f"(this is layer {n} of {count})")
    alpha = None
    if activation in DEFAULT_ALPHA:
        alpha = lt.number("alpha", DEFAULT_ALPHA[activation])
    elif lt.has("alpha"):
        raise lt.error("alpha", f"alpha is only used by {one_of(DEFAULT_ALPHA)}; "
                                f"this layer is {activation}")
    weights = names.take(lt, "weights", f"W{n}")
    if bias == "folded":
        if lt.string("bias_name", ""):
            raise lt.error("bias_name", 'with bias = "folded" the bias is part of the '
                                        'weights; leave bias_name out (or "")')
        bias_name = ""
    else:
        # bias_name = "" means the layer has no bias at all.
        bias_name = names.take(lt, "bias_name", f"b{n}", allow_empty=True)
    pre = names.take(lt, "pre", f"u{n}")
    post = names.take(lt, "post", "y_hat" if last else f"a{n}")
    return Layer(units=units, activation=activation, weights=weights, bias_name=bias_name,
                 pre=pre, post=post, alpha=alpha)


def check_reserved(value: str, path: str, file: str) -> None:
    """A user name must not be a built-in quantity id or an id prefix."""
    if value in RESERVED_NAMES:
        meaning = RESERVED_NAMES[value]
    elif _STEP_PREFIX.fullmatch(value):
        meaning = "the prefix of later training steps (step2.<id>, …)"
    else:
        return
    raise ScenarioError(file, path, f'"{value}" is reserved: it is the id of {meaning}; '
                                    "choose another name")


class _Names:
    """Parameter and quantity names seen so far: each must be unique across the model."""

    def __init__(self, file: str):
        self.file = file
        self.seen: dict[str, str] = {}   # name → where it was given (or defaulted)

    def take(self, lt: Table, key: str, default: str, allow_empty: bool = False) -> str:
        given = lt.has(key)
        if allow_empty and lt.string(key, default) == "":
            return ""
        value = lt.name(key, default)
        path = lt.at(key)
        check_reserved(value, path, self.file)
        if value in self.seen:
            how = "" if given else f' (the default name for {path})'
            raise ScenarioError(self.file, path, f'"{value}"{how} is already the name of '
                                                 f'{self.seen[value]}; names must be unique')
        self.seen[value] = path if given else f"{path} (by default)"
        return value
