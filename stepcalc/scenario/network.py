"""`[model]`: layers, their activations and the names of every parameter and quantity."""

from __future__ import annotations

import re

import numpy as np

from stepcalc.errors import ScenarioError

from .fields import REQUIRED, Table, index, one_of, show_number
from .model import (ACTIVATION_NAMES, BIAS_POSITIONS, BIAS_STYLES, CONVENTIONS, DEFAULT_ALPHA,
                    LAYER_TYPES, Layer, Model)
from .shapes import matrix, readonly, shape_text

MODEL_KEYS = ("convention", "bias", "bias_position", "layers")
LAYER_KEYS = ("type", "units", "activation", "weights", "bias_name", "pre", "post", "alpha",
              "eps", "p", "mask", "mu", "var", "x_hat")
# Which keys each layer type reads; any other key given is a mistake worth naming.
_TYPE_KEYS = {
    "dense": ("type", "units", "activation", "weights", "bias_name", "pre", "post", "alpha"),
    "batchnorm": ("type", "units", "activation", "weights", "bias_name", "pre", "post", "alpha",
                  "eps", "mu", "var", "x_hat"),
    "dropout": ("type", "units", "post", "p", "mask"),
    "activation": ("type", "units", "activation", "post", "alpha"),
}
BATCHNORM_EPS = 1e-5
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


def parse_model(table: Table, n_inputs: int, n_samples: int) -> Model:
    table.check_keys(MODEL_KEYS)
    convention = table.choice("convention", CONVENTIONS, "row")
    bias = table.choice("bias", BIAS_STYLES, "separate")
    position = table.choice("bias_position", BIAS_POSITIONS, "first")
    if table.has("bias_position") and bias != "folded":
        raise table.error("bias_position", 'bias_position is only used with bias = "folded"; '
                                           f'this model has bias = "{bias}"')
    layer_tables = table.tables("layers")
    names = _Names(table.file)
    layers: list[Layer] = []
    fan_in, n_params = n_inputs, 0
    for i, lt in enumerate(layer_tables):
        inp = layers[-1].post if layers else "x"
        layer = _parse_layer(lt, i, len(layer_tables), bias, names, fan_in, inp, n_samples)
        n_params += (fan_in + 1) * layer.units if layer.dense else 2 * layer.units
        if n_params > MAX_PARAMS:
            raise lt.error("units", f"the network would have more than {MAX_PARAMS:,} "
                                    "parameters; stepcalc is for small networks")
        layers.append(layer)
        fan_in = layer.units
    return Model(convention=convention, bias=bias, n_inputs=n_inputs, layers=tuple(layers),
                 bias_position=position)


def _parse_layer(lt: Table, i: int, count: int, bias: str, names: _Names, fan_in: int,
                 inp: str, n_samples: int) -> Layer:
    lt.check_keys(LAYER_KEYS)
    kind = lt.choice("type", LAYER_TYPES, "dense")
    for key in lt.data:
        if key not in _TYPE_KEYS[kind]:
            users = ", ".join(f'"{t}"' for t, keys in _TYPE_KEYS.items() if key in keys)
            raise lt.error(key, f'{key} is not used by a layer of type = "{kind}" (only by '
                                f"type {users})")
    n = i + 1   # names count from 1, like the slides
    last = n == count
    if kind == "dense":
        units = lt.integer("units", REQUIRED, low=1, high=MAX_UNITS)
    else:
        # Batch norm, dropout and activation layers keep the width of their input.
        units = lt.integer("units", fan_in, low=1, high=MAX_UNITS)
        if units != fan_in:
            raise lt.error("units", f"a {kind} layer keeps the width of its input: expected "
                                    f"{fan_in} (or leave units out), got {units}")
    if kind == "dropout":
        if last:
            raise lt.error("type", "a dropout layer cannot be the last layer: the loss reads "
                                   "the output of a layer with an activation")
        p = lt.number("p", REQUIRED, ge=0.0, lt=1.0)
        mask = _dropout_mask(lt, n_samples, units)
        names.reserve(f"mask{n}", lt.at("mask"))     # how the slides name the mask
        post = names.take(lt, "post", f"a{n}")
        return Layer(units=units, activation="identity", weights="", bias_name="", pre=inp,
                     post=post, alpha=None, type=kind, p=p, mask=mask)
    default_act = REQUIRED if kind in ("dense", "activation") else "identity"
    activation = lt.choice("activation", ACTIVATION_NAMES, default_act)
    if activation == "softmax" and not last:
        raise lt.error("activation", f"softmax is only allowed on the last layer "
                                     f"(this is layer {n} of {count})")
    alpha = None
    if activation in DEFAULT_ALPHA:
        alpha = lt.number("alpha", DEFAULT_ALPHA[activation])
    elif lt.has("alpha"):
        raise lt.error("alpha", f"alpha is only used by {one_of(DEFAULT_ALPHA)}; "
                                f"this layer is {activation}")
    post = "y_hat" if last else f"a{n}"
    if kind == "activation":
        return Layer(units=units, activation=activation, weights="", bias_name="", pre=inp,
                     post=names.take(lt, "post", post), alpha=alpha, type=kind)
    if kind == "batchnorm":
        gamma = names.take(lt, "weights", f"gamma{n}")
        if lt.has("bias_name") and lt.string("bias_name") == "":
            raise lt.error("bias_name", "a batchnorm layer always has its shift β; give it a "
                                        "name or leave bias_name out")
        beta = names.take(lt, "bias_name", f"beta{n}")
        mu = names.take(lt, "mu", f"mu{n}")
        var = names.take(lt, "var", f"var{n}")
        x_hat = names.take(lt, "x_hat", f"x_hat{n}")
        eps = lt.number("eps", BATCHNORM_EPS, ge=0.0)
        pre = names.take(lt, "pre", f"u{n}")
        return Layer(units=units, activation=activation, weights=gamma, bias_name=beta,
                     pre=pre, post=names.take(lt, "post", post), alpha=alpha, type=kind,
                     mu=mu, var=var, x_hat=x_hat, eps=eps)
    weights = names.take(lt, "weights", f"W{n}")
    if bias != "separate":
        if lt.string("bias_name", ""):
            why = ('with bias = "folded" the bias is part of the weights' if bias == "folded"
                   else 'with bias = "none" no layer has a bias')
            raise lt.error("bias_name", f'{why}; leave bias_name out (or "")')
        bias_name = ""
    else:
        # bias_name = "" means the layer has no bias at all.
        bias_name = names.take(lt, "bias_name", f"b{n}", allow_empty=True)
    pre = names.take(lt, "pre", f"u{n}")
    post = names.take(lt, "post", post)
    return Layer(units=units, activation=activation, weights=weights, bias_name=bias_name,
                 pre=pre, post=post, alpha=alpha)


def _dropout_mask(lt: Table, n_samples: int, units: int):
    """The given N × units mask of 0s and 1s (one row per sample, in file order)."""
    path = lt.at("mask")
    what = f"a {n_samples}×{units} list of rows of 0 and 1 (one row per sample of data.x)"
    raw, _ = matrix(lt.raw("mask", REQUIRED, what), path, lt.file, what)
    mask = raw.reshape(-1, 1) if raw.ndim == 1 and units == 1 else raw
    if mask.shape != (n_samples, units):
        raise ScenarioError(lt.file, path, f"expected {what}, got {shape_text(raw.shape)}")
    bad = np.argwhere((mask != 0) & (mask != 1))
    if len(bad):
        r, c = bad[0]
        raise ScenarioError(lt.file, index(index(path, int(r)), int(c)),
                            f"expected 0 (dropped) or 1 (kept), got {show_number(mask[r, c])}")
    return readonly(np.ascontiguousarray(mask, dtype=np.float64))


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

    def reserve(self, name: str, path: str) -> None:
        """A name the program gives (not a key of the file): later names must avoid it."""
        if name in self.seen:
            raise ScenarioError(self.file, path, f'this layer names its values "{name}", '
                                                 f"already the name of {self.seen[name]}")
        self.seen[name] = path

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
