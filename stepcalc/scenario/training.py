"""`[train]`: loss, optimiser and schedule, and whether the loss fits the output layer."""

from __future__ import annotations

from stepcalc.errors import ScenarioError

from .fields import REQUIRED, Table, describe, index, listed_choices, one_of, quote
from .model import (LOSS_NAMES, LR_SCHEDULES, MOMENTUM_FORMS, OPTIMIZERS, REDUCTIONS,
                    Layer, Train)

TRAIN_KEYS = ("loss", "reduction", "lr", "steps", "optimizer", "momentum", "weight_decay",
              "frozen", "batch_size", "momentum_form", "beta1", "beta2", "rho", "eps",
              "lr_schedule", "lr_step", "lr_gamma", "record", "record_every", "metrics")
MAX_STEPS = 100_000
# Which optimizers read which hyperparameter key (a key given to another one is an error,
# so a typo'd optimizer never silently ignores the user's beta2).
USED_BY = {
    "momentum": ("momentum", "nesterov"), "momentum_form": ("momentum",),
    "beta1": ("adam", "adamw"), "beta2": ("adam", "adamw"), "rho": ("rmsprop",),
    "eps": ("adagrad", "rmsprop", "adam", "adamw"),
}
# torch.optim's defaults, except AdamW's weight_decay (0 here, 0.01 in torch).
DEFAULT_EPS = {"adagrad": 1e-10}


def _only_with(table: Table, optimizer: str) -> None:
    for key, users in USED_BY.items():
        if table.has(key) and optimizer not in users:
            names = " or ".join(f'"{u}"' for u in users)
            raise table.error(key, f"{key} is only used with optimizer = {names} "
                                   f'(the optimizer is "{optimizer}")')


def _schedule(table: Table) -> tuple[str, int, float]:
    """lr_schedule with its lr_step (k) and lr_gamma (γ), as torch's StepLR/ExponentialLR."""
    schedule = table.choice("lr_schedule", LR_SCHEDULES, "constant")
    if schedule != "step" and table.has("lr_step"):
        raise table.error("lr_step", 'lr_step is only used with lr_schedule = "step"')
    if schedule == "constant" and table.has("lr_gamma"):
        raise table.error("lr_gamma", 'lr_gamma is only used with lr_schedule = "step" or '
                                      '"exponential"')
    step = table.integer("lr_step", 1 if schedule != "step" else REQUIRED, low=1)
    default = {"step": 0.1, "exponential": REQUIRED}.get(schedule, 1.0)   # torch's defaults
    gamma = table.number("lr_gamma", default, gt=0.0)
    return schedule, step, gamma


def parse_train(table: Table, param_names: tuple[str, ...], n_samples: int,
                has_targets: bool = True) -> Train:
    table.check_keys(TRAIN_KEYS)
    optimizer = table.choice("optimizer", OPTIMIZERS, "sgd")
    _only_with(table, optimizer)
    momentum = table.number("momentum", 0.9 if optimizer in USED_BY["momentum"] else 0.0,
                            ge=0.0, lt=1.0)
    if optimizer == "nesterov" and momentum == 0.0:
        raise table.error("momentum", "nesterov needs a momentum > 0 (as torch.optim.SGD)")
    schedule, lr_step, lr_gamma = _schedule(table)
    reduction = table.choice("reduction", REDUCTIONS, "mean")
    if reduction != "mean" and str(table.raw("loss", "")).strip().lower() == "mse":
        raise table.error("reduction", 'expected "mean" with loss = "mse" (the mean squared error); '
                                       'write loss = "squared_error" to sum it')
    return Train(
        loss=table.choice("loss", LOSS_NAMES) if has_targets or table.has("loss") else "",
        reduction=reduction,
        lr=table.number("lr", 0.01, gt=0.0),
        steps=table.integer("steps", 1 if has_targets else 0, low=0, high=MAX_STEPS),
        optimizer=optimizer,
        momentum=momentum,
        weight_decay=table.number("weight_decay", 0.0, ge=0.0),
        frozen=_frozen(table, param_names),
        batch_size=table.integer("batch_size", 0, low=0, high=n_samples),
        momentum_form=table.choice("momentum_form", MOMENTUM_FORMS, "classic"),
        beta1=table.number("beta1", 0.9, ge=0.0, lt=1.0),
        beta2=table.number("beta2", 0.999, ge=0.0, lt=1.0),
        rho=table.number("rho", 0.99, ge=0.0, lt=1.0),
        eps=table.number("eps", DEFAULT_EPS.get(optimizer, 1e-8), ge=0.0),
        lr_schedule=schedule, lr_step=lr_step, lr_gamma=lr_gamma,
        record=_record(table), record_every=table.integer("record_every", 0, low=0, high=MAX_STEPS),
        metrics=_metrics(table, has_targets),
    )


# accuracy needs classes to count; rmse and mae an error in the targets' units
METRIC_LOSSES = {"accuracy": ("cross_entropy", "binary_cross_entropy", "hinge"),
                 "rmse": ("squared_error", "half_squared_error", "absolute_error"),
                 "mae": ("squared_error", "half_squared_error", "absolute_error")}


def _metrics(table: Table, has_targets: bool) -> tuple[str, ...]:
    """train.metrics: slides after the loss, read from the predictions."""
    if table.raw("metrics", []) == []:
        return ()
    names = listed_choices(table, "metrics", tuple(METRIC_LOSSES), ())
    if names and not has_targets:
        raise table.error("metrics", "a forward-only scenario (no data.y) has nothing to measure")
    loss = table.choice("loss", LOSS_NAMES) if names else ""
    for position, name in enumerate(names):
        if loss not in METRIC_LOSSES[name]:
            raise ScenarioError(table.file, index(table.at("metrics"), position),
                                f'{name} goes with loss = {" | ".join(METRIC_LOSSES[name])}, '
                                f'not "{loss}"')
    return names


def _record(table: Table) -> tuple[int, ...]:
    """train.record: training steps (1-based) kept in full in a long run."""
    value = table.raw("record", [], "a list of step numbers")
    if not isinstance(value, list):
        raise table.error("record", f"expected a list of step numbers, got {describe(value)}")
    steps = table.data.get("steps", 1)
    out = []
    for i, item in enumerate(value):
        path = index(table.at("record"), i)
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= MAX_STEPS:
            raise ScenarioError(table.file, path, f"expected a step number from 1, got {describe(item)}")
        if isinstance(steps, int) and not isinstance(steps, bool) and item > steps:
            raise ScenarioError(table.file, path, f"step {item} is past the last step "
                                                  f"(train.steps = {steps})")
        out.append(item)
    return tuple(sorted(set(out)))


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
