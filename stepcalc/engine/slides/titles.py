"""What a training slide says about its quantity: title, step-tree label, explanation.

Everything is read from the quantity (kind and name) and the model: a layer's pre- or
post-activation, the loss, a gradient, an update. Titles of later training steps start
with "Step n: "; labels are the short form the TUI's step tree shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from stepcalc.engine.maths.activations import get_activation
from stepcalc.engine.maths.losses import get_loss
from stepcalc.engine.numbers.network import is_fused
from stepcalc.records.notation import text_name
from stepcalc.records.quantity import Quantity
from stepcalc.scenario.model import Scenario


@dataclass(frozen=True)
class SlideText:
    title: str
    label: str
    explanation: str


def slide_text(scenario: Scenario, quantity: Quantity, batched: bool) -> SlideText:
    """The words of the slide that shows ``quantity`` (one training step's batch)."""
    text = _describe(scenario, quantity.local, batched)
    number = quantity.number
    if number > 1:
        text = SlideText(f"Step {number}: {text.title}", text.label, text.explanation)
    return text


def _layer(scenario: Scenario, name: str):
    """The layer that computes ``name`` (an activation or dropout layer's pre is its
    input, computed by the layer before)."""
    for index, layer in enumerate(scenario.model.layers):
        own = (layer.pre,) if layer.own_pre else ()
        if name in own + (layer.post, layer.weights, layer.bias_name, layer.mu, layer.var,
                          layer.x_hat) and name:
            return index, layer
    raise KeyError(name)


def _fed_to(scenario: Scenario, name: str):
    """The layer that reads ``name`` as its input, or None."""
    for layer in scenario.model.layers:
        if not layer.own_pre and layer.pre == name:
            return layer
    return None


_BATCHNORM = {
    "mu": ("μ = batch mean", "The mean of each feature over the samples of the batch."),
    "var": ("σ² = batch variance",
            "The biased variance (1/N) of each feature over the batch, as batch norm uses "
            "it in training."),
    "x_hat": ("x̂ = (x − μ)/√(σ² + ε)",
              "Each feature normalised to mean 0 and variance 1 over the batch."),
    "pre": ("y = γx̂ + β", "Scale and shift: the layer learns γ and β."),
}


def _describe(sc: Scenario, q: Quantity, batched: bool) -> SlideText:
    if q.kind == "value":
        if q.name == "loss":
            return _loss(sc, batched)
        if q.name == "eta":
            return _schedule(sc)
        if q.name in _METRIC_TEXT:
            title, explanation = _METRIC_TEXT[q.name]
            return SlideText(title, title.split(":")[0].lower(), explanation)
        return _forward(sc, q.name, batched)
    if q.kind == "grad":
        return _gradient(sc, q.name, batched)
    train, name = sc.train, q.name
    if q.kind in _BUFFER_TEXT:
        return _buffer(sc, q.kind, name)
    if q.kind == "new":
        if name in train.frozen:
            return SlideText(f"Update {name} (frozen)", f"{text_name(name)}′ (frozen)",
                             f"{name} is frozen: it keeps its value.")
        return SlideText(f"Update {name}", f"{text_name(name)}′ (update)",
                         _UPDATE_TEXT[train.optimizer])
    raise KeyError(str(q))


# [train] metrics: read from the predictions, never part of the loss or its gradient.
_METRIC_TEXT = {
    "accuracy": ("Accuracy: the share of right answers",
                 "How often the prediction is right, counted on this batch. Not part of the loss: "
                 "it does not change the gradients."),
    "rmse": ("RMSE: root-mean-square error",
             "The typical size of an error, in the targets' own units. Not part of the loss: it "
             "does not change the gradients."),
    "mae": ("MAE: mean absolute error",
            "The mean size of an error, in the targets' own units. Not part of the loss: it does "
            "not change the gradients."),
}

# What each optimizer's update slide says (per parameter), torch.optim's names in brackets.
_UPDATE_TEXT = {
    "sgd": "Gradient descent: step against the gradient, scaled by the learning rate η.",
    "momentum": "The parameter moves by its velocity.",
    "nesterov": "Nesterov momentum (torch.optim.SGD, nesterov=True): step against the "
                "gradient plus μ times the new velocity, a look ahead along the velocity.",
    "adagrad": "Adagrad: the step is the gradient divided by the root of all squared "
               "gradients so far, so often-moved entries slow down.",
    "rmsprop": "RMSprop: the step is the gradient divided by the root of a running mean "
               "of squared gradients.",
    "adam": "Adam: the corrected mean gradient divided by the root of the corrected mean "
            "squared gradient.",
    "adamw": "AdamW: the weights first shrink by ηλ (decoupled weight decay, not in the "
             "gradient), then the Adam step.",
}
_BUFFER_TEXT = {
    "v": ("Velocity", "velocity"),
    "m": ("First moment", "m (running mean of g)"),
    "s": ("Second moment", "s (of g²)"),
    "mhat": ("Bias-corrected first moment", "m̂"),
    "shat": ("Bias-corrected second moment", "ŝ"),
}


def _buffer(sc: Scenario, kind: str, name: str) -> SlideText:
    train = sc.train
    title, label = _BUFFER_TEXT[kind]
    if kind == "v":
        explanation = ("Momentum keeps a running velocity: the old one decayed by μ, minus η "
                       "times the gradient." if train.optimizer == "momentum"
                       and train.momentum_form == "classic" else
                       "The velocity (torch's momentum buffer): the old one decayed by μ, plus "
                       "the gradient.")
    elif kind == "s" and train.optimizer == "adagrad":
        title, explanation = "Sum of squared gradients", "Adagrad adds every squared gradient entry to its accumulator."
    elif kind == "s":
        explanation = "A running mean of the squared gradient (decay ρ for rmsprop, β₂ for adam)."
    elif kind == "m":
        explanation = "A running mean of the gradient with decay β₁."
    else:
        explanation = ("The moments start at 0, so early running means are too small; "
                       "dividing by 1 − βᵗ corrects that.")
    return SlideText(f"{title} of {name}", f"{label} of {text_name(name)}", explanation)


def _schedule(sc: Scenario) -> SlideText:
    train = sc.train
    if train.lr_schedule == "step":
        what = f"multiplied by γ = {train.lr_gamma:g} every {train.lr_step} steps (torch StepLR)"
    else:
        what = f"multiplied by γ = {train.lr_gamma:g} after every step (torch ExponentialLR)"
    return SlideText("Learning rate η_t", "η_t (schedule)",
                     f"The learning rate starts at η₀ = {train.lr:g} and is {what}.")


def _forward(sc: Scenario, name: str, batched: bool) -> SlideText:
    index, layer = _layer(sc, name)
    layers, row, folded = sc.model.layers, sc.model.convention == "row", sc.model.bias == "folded"
    inp = "x" if index == 0 else layers[index - 1].post
    if layer.type == "batchnorm" and name != layer.post:
        part = next(key for key in ("mu", "var", "x_hat", "pre") if getattr(layer, key) == name)
        formula, explanation = _BATCHNORM[part]
        return SlideText(f"Layer {index + 1} (batch norm): {formula}", f"{text_name(name)}: {formula}",
                         explanation)
    if layer.type == "dropout":
        formula = f"{layer.post} = {inp} ⊙ m/(1 − p)"
        return SlideText(f"Layer {index + 1} (dropout, p = {layer.p:g}): {formula}",
                         formula.replace("y_hat", text_name("y_hat")),
                         "The mask m drops units (0) and keeps the others (1); kept units are "
                         "scaled by 1/(1 − p) so that the expected value stays the same "
                         "(inverted dropout).")
    if name == layer.pre:
        bias = f" + {layer.bias_name}" if layer.bias_name else ""
        product = f"{inp}·{layer.weights}" if row else f"{layer.weights}·{inp}"
        formula = f"{layer.pre} = {product}{bias}"
        what = "the inputs" if index == 0 else "the previous layer's outputs"
        # A layer without a bias has no "plus its bias" (the slide would not say it).
        explanation = f"Each unit takes a weighted sum of {what}" + (
            " (the folded bias multiplies a constant input 1)." if folded else
            " plus its bias." if layer.bias_name else ".")
    else:
        act = get_activation(layer.activation)
        formula = f"{layer.post} = {act.text}({layer.pre})"
        explanation = act.summary
        if layer.type == "activation":
            explanation = "An activation layer, without weights: " + explanation[0].lower() + explanation[1:]
    return SlideText(f"Layer {index + 1}: {formula}", formula.replace("y_hat", text_name("y_hat")),
                     explanation)


_BATCHNORM_BACK = {
    "x_hat": "y = γx̂ + β, so each x̂ gets the gradient of y times γ.",
    "var": "σ² enters every x̂ of its feature through 1/√(σ² + ε): sum over the batch.",
    "mu": "μ enters every x̂ directly and σ² through (x − μ): both paths, summed over the batch.",
    "weights": "γ multiplies x̂: the gradient of y times x̂, summed over the batch.",
}


def _loss(sc: Scenario, batched: bool) -> SlideText:
    train = sc.train
    what = get_loss(train.loss).title + (" (batch mean)" if train.reduction == "mean" and batched else "")
    explanation = "How far the prediction is from the target; lower is better."
    if train.weight_decay:
        explanation += " (The weight-decay penalty is not included in L; its gradient is added below.)"
    return SlideText(f"Loss: {what}", f"L: {what}", explanation)


def _gradient(sc: Scenario, name: str, batched: bool) -> SlideText:
    index, layer = _layer(sc, name)
    out = sc.model.layers[-1]
    shown = text_name(name)
    fed = _fed_to(sc, name)
    if fed is not None and fed is not out:
        how = ("Back through the dropout mask: dropped units get no gradient, kept ones are "
               "scaled by 1/(1 − p)." if fed.type == "dropout" else
               f"Through the activation layer: multiply by {get_activation(fed.activation).text}′"
               f"({name}) entry by entry.")
        return SlideText(f"Gradient ∂L/∂{name}", f"∂L/∂{shown}", how)
    if layer.type == "batchnorm" and name in (layer.mu, layer.var, layer.x_hat, layer.weights):
        return SlideText(f"Gradient ∂L/∂{name}", f"∂L/∂{shown}", _BATCHNORM_BACK[
            next(k for k in ("mu", "var", "x_hat", "weights") if getattr(layer, k) == name)])
    if fed is out or (layer is out and name == out.pre):
        act = get_activation(out.activation)
        if is_fused(sc):
            return SlideText(
                f"Output error ∂L/∂{name} = {out.post} − y", f"∂L/∂{shown} (error)",
                f"For {act.text} followed by {get_loss(sc.train.loss).title} the chain rule "
                "collapses to prediction minus target (derived above).")
        return SlideText(
            f"Output error ∂L/∂{name}", f"∂L/∂{shown} (error)",
            "Chain rule through the output activation: δ = ∂L/∂ŷ ⊙ f′(u)." if act.elementwise else
            "Chain rule through the softmax: each ŷᵢ depends on every uₖ, so δₖ = Σᵢ ∂L/∂ŷᵢ · "
            "∂ŷᵢ/∂uₖ with the softmax Jacobian ∂ŷᵢ/∂uₖ = ŷᵢ(Δᵢₖ − ŷₖ) (derived above).")
    if layer is out and name == out.post:
        return SlideText(f"Loss gradient ∂L/∂{name}", f"∂L/∂{shown}",
                         "The derivative of the loss with respect to the network output "
                         "(sympy.diff of ℓ).")
    if name == layer.pre:
        act = get_activation(layer.activation)
        explanation = f"Through the activation: multiply by {act.text}′({layer.pre}) entry by entry."
    elif name == layer.weights:
        explanation = "Input times the error of the unit the weight feeds" + (
            ", summed over the batch" if batched else "") + (
            ", plus λ·W from weight decay." if sc.train.weight_decay else ".")
    elif name == layer.bias_name:
        explanation = "A bias sees a constant input 1, so its gradient is the error itself" + (
            " summed over the batch." if batched else ".")
    elif sc.model.layers[index + 1].type == "batchnorm":
        explanation = ("The input of batch norm reaches the loss three ways: through x̂, "
                       "through μ and through σ².")
    else:
        explanation = "Each hidden output collects the errors of the units it feeds, weighted by the weights."
    return SlideText(f"Gradient ∂L/∂{name}", f"∂L/∂{shown}", explanation)
