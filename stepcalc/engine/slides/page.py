"""One training step's slides in the making: its state, its notation, and the Steps so far.

A `Page` holds everything the slides of one recorded training step read, all of it known
before the first Step is made: the formulas' closures read `note.values`, which is
complete when the page is built and never written afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stepcalc.engine.numbers import network
from stepcalc.engine.slides import flags as flagging
from stepcalc.engine.slides import formulas as F
from stepcalc.engine.slides.titles import slide_text
from stepcalc.records.notation import quantity_symbol
from stepcalc.records.quantity import AFTER, Quantity
from stepcalc.records.run import AFTER_NUMBER, StepState
from stepcalc.records.steps import Step
from stepcalc.scenario.model import Scenario


def roles(scenario: Scenario) -> dict[str, str]:
    """Base name → how its entries are indexed: batch (n, unit), weight, bias or scalar."""
    out = {"x": "batch", "y": "batch", "loss": "scalar", "eta": "scalar",
           "gamma": "scalar", "lambda": "scalar"}
    for index, layer in enumerate(scenario.model.layers):
        out[layer.pre] = out[layer.post] = "batch"
        if layer.type == "batchnorm":
            # per-feature vectors, indexed like a bias
            for name in (layer.weights, layer.bias_name, layer.mu, layer.var):
                out[name] = "bias"
            out[layer.x_hat] = "batch"
        elif layer.type == "dropout":
            out[mask_name(index)] = "batch"
        elif layer.dense:
            out[layer.weights] = "weight"
            if layer.bias_name:
                out[layer.bias_name] = "bias"
    return out


def mask_name(index: int) -> str:
    """How formulas name a dropout layer's mask (a key of the page's values, not an id)."""
    return f"mask{index + 1}"


def step_values(scenario: Scenario, state: StepState) -> dict[str, np.ndarray]:
    """Every value a formula of this step may name, by its id within the step."""
    train = scenario.train
    values = {"x": state.x, "eta": np.asarray(state.eta),
              # hyperparameters the update formulas read (hyper.: never a quantity name)
              "hyper.mu": train.momentum, "hyper.beta1": train.beta1, "hyper.beta2": train.beta2,
              "hyper.rho": train.rho, "hyper.epsilon": train.eps, "hyper.t": state.number,
              "hyper.eta0": train.lr, "hyper.lr_gamma": train.lr_gamma,
              "hyper.lr_step": train.lr_step,
              "gamma": np.asarray(train.momentum), "lambda": np.asarray(train.weight_decay),
              "loss": np.asarray(state.loss)}
    if state.y is not None:
        values["y"] = state.y
    values.update(state.params)
    layers = scenario.model.layers
    for index, layer in enumerate(layers):
        values[layer.pre], values[layer.post] = state.pre[index], state.post[index]
        if index in state.norms:
            norm = state.norms[index]
            values[layer.mu], values[layer.var], values[layer.x_hat] = norm.mu, norm.var, norm.x_hat
        if layer.type == "dropout":
            values[mask_name(index)] = layer.mask[state.rows]
    if not state.updated:
        return values
    for index, slope in state.slopes.items():          # f′(u) for the expansions
        values["fprime." + layers[index].pre] = slope     # a template's key, not a quantity id
    for index, layer in enumerate(layers):
        for name, grad in ((layer.pre, state.grad_pre[index]), (layer.post, state.grad_post[index])):
            if grad is not None:
                values[str(Quantity(name, "grad"))] = grad
    for index, grad in state.grad_norms.items():
        layer = layers[index]
        for name, value in ((layer.x_hat, grad.x_hat), (layer.var, grad.var), (layer.mu, grad.mu)):
            values[str(Quantity(name, "grad"))] = value
    for name in scenario.param_names:
        values[str(Quantity(name, "grad"))] = state.grads[name]
        values[str(Quantity(name, "new"))] = state.params_after[name]
        if name in train.frozen:
            continue
        for kind, buffers in (state.moments or {}).items():
            values[str(Quantity(name, kind))] = buffers[name]
        for kind, buffers in (state.moments_before or {}).items():
            values[str(Quantity(name, kind + "0"))] = buffers[name]
    return values


@dataclass
class Page:
    """The slides of one recorded training step (or of the forward pass after the last update)."""

    scenario: Scenario
    state: StepState
    steps: list[Step]                   # the trace's steps: this page appends to them
    values: dict[str, np.ndarray]       # the trace's values by full id
    note: F.Notation = field(init=False)
    forward: network.ForwardPass = field(init=False)

    def __post_init__(self):
        sc, state = self.scenario, self.state
        model = sc.model
        self.note = F.Notation(step_values(sc, state), roles(sc), state.batched,
                               model.convention == "row", model.bias == "folded",
                               model.bias_position == "last")
        self.forward = network.ForwardPass(state.x, list(state.pre), list(state.post),
                                           model.layers, dict(state.slopes), dict(state.norms))

    @property
    def at(self):
        """The training step of this page's quantities: a number, or "after"."""
        return AFTER if self.state.number == AFTER_NUMBER else self.state.number

    def quantity(self, name: str, kind: str = "value") -> Quantity:
        return Quantity(name, kind).at(self.at)

    def keep(self, quantity: Quantity, value) -> None:
        """A value in the trace without a slide of its own (∂L/∂ŷ before a fused δ)."""
        self.values[str(quantity)] = value

    def add(self, quantity: Quantity, phase: str, value, built, flags=(), derivation=None) -> Step:
        formula, expand = built
        value = np.asarray(value)
        text = slide_text(self.scenario, quantity, self.note.batched)
        step = Step(
            id=quantity, phase=phase, title=text.title, value=value, explanation=text.explanation,
            flags=tuple(flags) + flagging.non_finite(value), step_number=quantity.number,
            formula_builder=formula, expander=expand, derivation_builder=derivation,
            symbol_builder=lambda: quantity_symbol(quantity),
            representative=(0,) * value.ndim, label=text.label,
            precision=self.scenario.precision,
        )
        self.steps.append(step)
        self.values[str(quantity)] = value
        return step
