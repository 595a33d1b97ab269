"""The Trace of a `train` scenario: forward, loss, backward, update (× steps), forward again.

All numbers come from `network` (vectorised numpy) once; each Step gets closures that
build its sympy formula and element expansions only when a renderer asks for them.
"""

from __future__ import annotations

import math

import numpy as np

from stepcalc.engine.slides import flags as flagging
from stepcalc.engine.slides import formulas as F
from stepcalc.engine.slides import gradient_formulas as G
from stepcalc.engine.numbers import network, optim
from stepcalc.engine.maths.activations import get_activation
from stepcalc.engine.numbers.long_runs import (
    KEEP_HEAD, KEEP_TAIL, current_progress, records_every_step, recorded_in_full,
)
from stepcalc.engine.maths.losses import get_loss
from stepcalc.records.notation import quantity_symbol
from stepcalc.errors import ScenarioError
from stepcalc.records.steps import Flag, Step, Trace
from stepcalc.scenario.model import Scenario

# A loss that grows beyond this factor times max(first loss, 1) is flagged as diverging.
DIVERGE_FACTOR = 1e6


LOSS_TITLES = {
    "squared_error": "squared error",
    "half_squared_error": "half squared error",
    "absolute_error": "absolute error",
    "binary_cross_entropy": "binary cross-entropy",
    "cross_entropy": "cross-entropy",
    "hinge": "multiclass hinge",
}


def batches(n: int, size: int) -> list[slice]:
    """Consecutive minibatches in file order (the last may be shorter), as slices: a batch
    is a view of the data, never a copy."""
    if size <= 0 or size >= n:
        return [slice(0, n)]
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


def roles(scenario: Scenario) -> dict[str, str]:
    out = {"x": "batch", "y": "batch", "loss": "scalar", "eta": "scalar",
           "gamma": "scalar", "lambda": "scalar"}
    for layer in scenario.model.layers:
        out[layer.pre] = out[layer.post] = "batch"
        out[layer.weights] = "weight"
        if layer.bias_name:
            out[layer.bias_name] = "bias"
    return out


class TrainTracer:
    """Walks the training steps and emits Step records in slide order."""

    def __init__(self, scenario: Scenario):
        self.sc = scenario
        self.model = scenario.model
        self.train = scenario.train
        self.roles = roles(scenario)
        self.steps: list[Step] = []
        self.values: dict[str, np.ndarray] = {}
        self.losses: list[float] = []
        self.pending: list[Flag] = []   # flags for the next recorded loss step (long runs)
        self.diverged = False

    # -------------------------------------------------------------- helpers ----
    def note(self, local: dict, batched: bool) -> F.Notation:
        return F.Notation(local, self.roles, batched, self.model.convention == "row",
                          self.model.bias == "folded")

    def emit(self, prefix: str, local_id: str, phase: str, title: str, value, built,
             explanation: str, number: int, flags=(), derivation=None):
        formula, expand = built
        value = np.asarray(value)
        step_id = prefix + local_id
        flags = tuple(flags) + flagging.non_finite(value)
        step_title = title if number <= 1 else f"Step {number}: {title}"
        self.steps.append(Step(
            id=step_id, phase=phase, title=step_title, value=value, explanation=explanation,
            flags=flags, step_number=number, formula_builder=formula, expander=expand,
            derivation_builder=derivation,
            symbol_builder=lambda: quantity_symbol(local_id),
            representative=(0,) * value.ndim,
        ))
        self.values[step_id] = value

    # -------------------------------------------------------------- phases -----
    def forward_steps(self, prefix, local, fp, note, number, phase="forward"):
        for index, layer in enumerate(self.model.layers):
            inp = "x" if index == 0 else self.model.layers[index - 1].post
            local[layer.pre], local[layer.post] = fp.pre[index], fp.post[index]
            act = get_activation(layer.activation)
            bias = layer.bias_name
            shown = f" + {bias}" if bias else ""
            product = f"{inp}·{layer.weights}" if note.row else f"{layer.weights}·{inp}"
            hidden = index < len(self.model.layers) - 1
            self.emit(prefix, layer.pre, phase, f"Layer {index + 1}: {layer.pre} = {product}{shown}",
                      fp.pre[index], F.dense(note, inp, layer.weights, bias, layer.pre),
                      _dense_explanation(note, index), number,
                      flagging.symmetric_units(layer, fp.pre[index]) if hidden else ())
            # The slope is needed here only to flag saturation; backward computes it anyway.
            slope = fp.slope(index) if layer.activation in flagging.SATURATING else None
            self.emit(prefix, layer.post, phase, f"Layer {index + 1}: {layer.post} = {act.text}({layer.pre})",
                      fp.post[index], F.activation(note, act, layer.pre, layer.post),
                      _activation_explanation(layer.activation), number,
                      flagging.activation_flags(layer, fp.pre[index], slope))

    def loss_step(self, prefix, local, fp, note, y, labels, number, phase="loss"):
        per_sample = network.per_sample_loss(self.sc, fp, y, labels)
        L = network.reduce(self.sc, per_sample)
        local["loss"] = np.asarray(L)
        mean = self.train.reduction == "mean"
        loss_def = get_loss(self.train.loss)
        title = f"Loss: {LOSS_TITLES[self.train.loss]}" + (" (batch mean)" if mean and note.batched else "")
        explanation = "How far the prediction is from the target; lower is better."
        if self.train.weight_decay:
            explanation += " (The weight-decay penalty is not included in L; its gradient is added below.)"
        self.watch_loss(L, number if phase == "loss" else self.train.steps + 1)
        flags, self.pending = tuple(self.pending), []
        self.emit(prefix, "loss", phase, title, L,
                  F.loss(note, loss_def, self.model.output.post, mean, labels), explanation, number,
                  flags)
        return L

    def backward_steps(self, prefix, local, fp, note, params, y, labels, number):
        grads = network.backward(self.sc, params, fp, y, labels)
        mean = self.train.reduction == "mean"
        layers = self.model.layers
        for index, slope in fp.computed_slopes().items():   # f′(u) for the expansions
            local["fprime." + layers[index].pre] = slope
        out = layers[-1]
        local["grad." + out.post] = grads.post[-1]
        local["grad." + out.pre] = grads.pre[-1]
        loss_def = get_loss(self.train.loss)
        if network.is_fused(self.sc):
            self.values[prefix + "grad." + out.post] = grads.post[-1]
            self.emit(prefix, "grad." + out.pre, "backward", f"Output error ∂L/∂{out.pre} = {out.post} − y",
                      grads.pre[-1], G.fused_delta(note, out.pre, out.post, mean),
                      f"For {get_activation(out.activation).text} followed by {LOSS_TITLES[self.train.loss]} "
                      "the chain rule collapses to prediction minus target (derived above).",
                      number, flagging.zero_gradient(grads.pre[-1]),
                      derivation=lambda: _fused_derivation(self.sc, out))
        else:
            self.emit(prefix, "grad." + out.post, "backward", f"Loss gradient ∂L/∂{out.post}",
                      grads.post[-1], G.loss_gradient(note, loss_def, out.post, mean, labels),
                      "The derivative of the loss with respect to the network output (sympy.diff of ℓ).",
                      number, flagging.zero_gradient(grads.post[-1]))
            elementwise = get_activation(out.activation).elementwise
            self.emit(prefix, "grad." + out.pre, "backward", f"Output error ∂L/∂{out.pre}",
                      grads.pre[-1], G.through_activation(note, get_activation(out.activation), out.pre, out.post),
                      "Chain rule through the output activation: δ = ∂L/∂ŷ ⊙ f′(u)." if elementwise else
                      "Chain rule through the softmax: each ŷᵢ depends on every uₖ, so δₖ = Σᵢ ∂L/∂ŷᵢ · "
                      "∂ŷᵢ/∂uₖ with the softmax Jacobian ∂ŷᵢ/∂uₖ = ŷᵢ(Δᵢₖ − ŷₖ) (derived above).",
                      number, flagging.zero_gradient(grads.pre[-1]),
                      derivation=lambda: _output_delta_derivation(self.sc, out))
        for index in range(len(layers) - 1, -1, -1):
            layer = layers[index]
            inp = "x" if index == 0 else layers[index - 1].post
            if index < len(layers) - 1:
                act = get_activation(layer.activation)
                local["grad." + layer.pre] = grads.pre[index]
                self.emit(prefix, "grad." + layer.pre, "backward", f"Gradient ∂L/∂{layer.pre}",
                          grads.pre[index], G.through_activation(note, act, layer.pre, layer.post),
                          f"Through the activation: multiply by {act.text}′({layer.pre}) entry by entry.",
                          number, flagging.zero_gradient(grads.pre[index]))
            W = layer.weights
            local["grad." + W] = grads.params[W]
            self.emit(prefix, "grad." + W, "backward", f"Gradient ∂L/∂{W}", grads.params[W],
                      G.weight_gradient(note, inp, W, layer.pre, self.train.weight_decay),
                      _weight_gradient_explanation(note, self.train.weight_decay), number,
                      flagging.zero_gradient(grads.params[W]))
            if layer.bias_name:
                b = layer.bias_name
                local["grad." + b] = grads.params[b]
                self.emit(prefix, "grad." + b, "backward", f"Gradient ∂L/∂{b}", grads.params[b],
                          G.bias_gradient(note, b, layer.pre),
                          "A bias sees a constant input 1, so its gradient is the error itself"
                          + (" summed over the batch." if note.batched else "."),
                          number, flagging.zero_gradient(grads.params[b]))
            if index > 0:
                prev = layers[index - 1]
                local["grad." + prev.post] = grads.post[index - 1]
                self.emit(prefix, "grad." + prev.post, "backward", f"Gradient ∂L/∂{prev.post}",
                          grads.post[index - 1], G.input_gradient(note, prev.post, W, layer.pre),
                          "Each hidden output collects the errors of the units it feeds, weighted by the weights.",
                          number, flagging.zero_gradient(grads.post[index - 1]))
        return grads

    def update_steps(self, prefix, local, note, params, grads, velocity, number):
        train = self.train
        new_params = {}
        for name in self.sc.param_names:
            old_velocity = velocity.get(name)
            new = optim.step(train, name, params[name], grads.params[name], velocity)
            if name in train.frozen:
                self.emit(prefix, "new." + name, "update", f"Update {name} (frozen)", new,
                          G.frozen(note, name), f"{name} is frozen: it keeps its value.", number)
            elif train.optimizer == "momentum":
                local["v0." + name] = old_velocity
                v = local["v." + name] = velocity[name]
                self.emit(prefix, "v." + name, "update", f"Velocity of {name}", v,
                          G.velocity_update(note, name),
                          "Momentum keeps a running velocity: the old one decayed by γ, minus η times the gradient.",
                          number)
                self.emit(prefix, "new." + name, "update", f"Update {name}", new,
                          G.momentum_update(note, name), "The parameter moves by its velocity.", number)
            else:
                self.emit(prefix, "new." + name, "update", f"Update {name}", new, G.sgd_update(note, name),
                          f"Gradient descent: step against the gradient, scaled by η = {train.lr:g}.", number)
            local["new." + name] = new   # read lazily by the expansions, after emit
            new_params[name] = new
        self.flag_symmetric_weights(prefix, new_params)
        return new_params

    def flag_symmetric_weights(self, prefix, params):
        """Hidden units that leave the update with identical incoming weights stay symmetric."""
        # Only this step's records: a dict of every step so far made long runs quadratic.
        by_id = {}
        for step in reversed(self.steps):
            if step.phase != "update":
                break
            by_id[step.id] = step
        for layer in self.model.layers[:-1]:
            step = by_id.get(prefix + "new." + layer.weights)
            bias = params.get(layer.bias_name) if layer.bias_name else None
            flags = flagging.symmetric_weights(layer, params[layer.weights], bias, self.model.convention == "row")
            if step is not None and flags:
                step.flags = step.flags + flags

    # -------------------------------------------------------------- driver -----
    def run(self) -> Trace:
        # Overflow and 0·inf are not errors here: every non-finite value is flagged on its
        # step (flags.non_finite) and a diverging run is flagged or stopped (check_finite),
        # so numpy's RuntimeWarnings would only repeat that on stderr.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return self._run()

    def _run(self) -> Trace:
        sc, train = self.sc, self.train
        every_step = records_every_step(sc)
        progress = None if every_step else current_progress()
        data = sc.data
        params = {name: np.asarray(value, dtype=float) for name, value in sc.params.items()}
        velocity = {name: np.zeros_like(value) for name, value in params.items()}
        plan = batches(data.x.shape[0], train.batch_size)
        for number in range(1, max(train.steps, 1) + 1):
            prefix = "" if number == 1 else f"step{number}."
            rows = plan[(number - 1) % len(plan)]
            x, y = data.x[rows], data.y[rows]
            labels = None if data.labels is None else data.labels[rows]
            if progress is not None:
                progress(number, train.steps)
            if not recorded_in_full(number, train.steps, every_step):
                params = self.quiet_step(prefix, params, velocity, x, y, labels, number)
                continue
            local = self.local_values(params, x, y)
            note = self.note(local, rows.stop - rows.start > 1)
            fp = network.forward(sc, params, x)
            self.forward_steps(prefix, local, fp, note, number)
            self.losses.append(self.loss_step(prefix, local, fp, note, y, labels, number))
            if train.steps == 0:
                break
            grads = self.backward_steps(prefix, local, fp, note, params, y, labels, number)
            params = self.update_steps(prefix, local, note, params, grads, velocity, number)
            self.check_finite(params, number)
        if train.steps >= 1:
            self.after_pass(params)
        return Trace(sc, self.steps, self.values, self.losses, final_params=params)

    def quiet_step(self, prefix, params, velocity, x, y, labels, number) -> dict:
        """A training step of a long run that is not recorded: the same numbers, no Steps."""
        sc, train = self.sc, self.train
        fp = network.forward(sc, params, x)
        L = network.reduce(sc, network.per_sample_loss(sc, fp, y, labels))
        self.losses.append(L)
        self.values[prefix + "loss"] = np.asarray(L)
        self.watch_loss(L, number)
        grads = network.backward(sc, params, fp, y, labels)
        new_params = {name: optim.step(train, name, params[name], grads.params[name], velocity)
                      for name in sc.param_names}
        if number == KEEP_HEAD + 1:
            skipped = train.steps - KEEP_HEAD - KEEP_TAIL
            self.pending.append(Flag(
                "note", f"steps {KEEP_HEAD + 1}–{KEEP_HEAD + skipped} of this {train.steps}-step "
                f"run were computed but are not shown step by step; their losses are in the "
                f"loss table (and in values as step<n>.loss)"))
        self.check_finite(new_params, number)
        return new_params

    def watch_loss(self, L: float, number: int) -> None:
        """Flag (once) the first step whose loss explodes or stops being a finite number."""
        if self.diverged or not self.losses:
            return
        first = self.losses[0]
        exploded = math.isfinite(first) and (not math.isfinite(L)
                                             or L > DIVERGE_FACTOR * max(first, 1.0))
        if number > 1 and exploded:
            self.diverged = True
            where = f"at step {number}" if number <= self.train.steps else "after the last update"
            self.pending.append(Flag(
                "diverged", f"training diverged: the loss grew from {first:.4g} at step 1 to "
                f"{L:.4g} {where}; the learning rate (lr = {self.train.lr:g}) is "
                "probably too large"))

    def check_finite(self, params: dict, number: int) -> None:
        """Parameters that are no longer finite make every later step nan: stop with an error."""
        bad = [name for name, value in params.items() if not np.isfinite(value).all()]
        if not bad:
            return
        first, last = self.losses[0], self.losses[-1]
        if number == 1 and not math.isfinite(first):
            raise ScenarioError(
                self.sc.file, "train",
                f"the numbers of step 1 overflow float64 (loss = {first:g}, so the update of "
                f"{', '.join(bad)} is not finite); scale down data.x or the initial parameters, "
                "or set train.steps = 0 to see the forward pass only")
        raise ScenarioError(
            self.sc.file, "train.lr",
            f"training diverged at step {number}: after its update {', '.join(bad)} "
            f"{'is' if len(bad) == 1 else 'are'} no longer finite (the loss went from "
            f"{first:.4g} at step 1 to {last:.4g}); use a smaller learning rate than "
            f"{self.train.lr:g} or fewer steps")

    def local_values(self, params, x, y) -> dict:
        local = {"x": x, "y": y, "eta": np.asarray(self.train.lr),
                 "gamma": np.asarray(self.train.momentum), "lambda": np.asarray(self.train.weight_decay)}
        local.update(params)
        return local

    def after_pass(self, params):
        data = self.sc.data
        local = self.local_values(params, data.x, data.y)
        note = self.note(local, data.x.shape[0] > 1)
        fp = network.forward(self.sc, params, data.x)
        self.forward_steps("after.", local, fp, note, 0, phase="check")
        self.losses.append(self.loss_step("after.", local, fp, note, data.y, data.labels, 0, phase="check"))


def _dense_explanation(note: F.Notation, index: int) -> str:
    what = "the inputs" if index == 0 else "the previous layer's outputs"
    text = f"Each unit takes a weighted sum of {what}"
    return text + (" (the folded bias multiplies a constant input 1)." if note.folded else " plus its bias.")


def _activation_explanation(name: str) -> str:
    return {
        "relu": "ReLU keeps positive values and zeroes the rest.",
        "softmax": "Softmax turns scores into probabilities that sum to 1.",
        "sigmoid": "The sigmoid squashes each value into (0, 1).",
        "identity": "The identity passes the value through unchanged.",
    }.get(name, "The activation is applied entry by entry.")


def _weight_gradient_explanation(note: F.Notation, decay: float) -> str:
    text = "Input times the error of the unit the weight feeds"
    text += ", summed over the batch" if note.batched else ""
    return text + (", plus λ·W from weight decay." if decay else ".")


def _fused_derivation(scenario: Scenario, out):
    from stepcalc.engine.maths.derivations import fused_output_delta
    return fused_output_delta(scenario, out)


def _output_delta_derivation(scenario: Scenario, out):
    from stepcalc.engine.maths.derivations import chained_output_delta, softmax_output_delta
    if out.activation == "softmax":
        return softmax_output_delta(scenario, out)
    return chained_output_delta(scenario, out)


def trace_train(scenario: Scenario) -> Trace:
    return TrainTracer(scenario).run()
