"""`[train]`: loss, optimiser and schedule, and whether the loss fits the output layer."""

from __future__ import annotations

from stepcalc.errors import ScenarioError

from .fields import Table, index, one_of, quote
from .model import LOSS_NAMES, OPTIMIZERS, REDUCTIONS, Layer, Train

TRAIN_KEYS = ("loss", "reduction", "lr", "steps", "optimizer", "momentum", "weight_decay",
              "frozen", "batch_size")
MAX_STEPS = 100_000


def parse_train(table: Table, param_names: tuple[str, ...], n_samples: int,
                has_targets: bool = True) -> Train:
    table.check_keys(TRAIN_KEYS)
    optimizer = table.choice("optimizer", OPTIMIZERS, "sgd")
    momentum = table.number("momentum", 0.9 if optimizer == "momentum" else 0.0, ge=0.0, lt=1.0)
    if optimizer != "momentum" and momentum != 0.0:
        raise table.error("momentum", 'momentum is only used with optimizer = "momentum"')
    return Train(
        loss=table.choice("loss", LOSS_NAMES) if has_targets or table.has("loss") else "",
        reduction=table.choice("reduction", REDUCTIONS, "mean"),
        lr=table.number("lr", 0.01, gt=0.0),
        steps=table.integer("steps", 1 if has_targets else 0, low=0, high=MAX_STEPS),
        optimizer=optimizer,
        momentum=momentum,
        weight_decay=table.number("weight_decay", 0.0, ge=0.0),
        frozen=_frozen(table, param_names),
        batch_size=table.integer("batch_size", 0, low=0, high=n_samples),
    )


def _frozen(table: Table, param_names: tuple[str, ...]) -> tuple[str, ...]:
    names = table.strings("frozen", [])
    for i, name in enumerate(names):
        path = index(table.at("frozen"), i)
        if name not in param_names:
            raise ScenarioError(table.file, path, f"unknown parameter {quote(name)}; the model "
                                                  f"has {one_of(param_names)}")
        if name in names[:i]:
            raise ScenarioError(table.file, path, f"{quote(name)} is listed twice")
    return tuple(names)


def check_loss_fits_output(table: Table, loss: str, output: Layer) -> None:
    """Loss/output pairs that have no meaning are errors on train.loss."""
    act, k = output.activation, output.units
    if loss == "cross_entropy" and act != "softmax":
        raise table.error("loss", f"cross_entropy needs a softmax output layer, the last "
                                  f"layer is {act} (for one sigmoid unit use "
                                  "binary_cross_entropy)")
    if loss == "binary_cross_entropy" and act != "sigmoid":
        hint = " (for several classes use softmax with cross_entropy)" if k != 1 else ""
        raise table.error("loss", "binary_cross_entropy needs sigmoid output units (one, or K "
                                  f"for multi-label targets), the last layer has {k} {act} "
                                  f"unit{'s' if k != 1 else ''}" + hint)
    if loss == "hinge" and act == "softmax":
        raise table.error("loss", "hinge works on raw scores, the last layer is softmax "
                                  '(use activation = "identity")')
