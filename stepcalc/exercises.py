"""`stepcalc new train --random`: exercise scenarios whose numbers are nice by hand.

Inputs and weights have one (or ``decimals``) decimal places and are never 0; the
learning rate is a round number. A draw is kept only when it makes a good exercise:
no pre-activation sits at a kink (exactly 0), no hidden ReLU unit is dead unless asked
for, no probability is so close to 0 or 1 that the numbers vanish, and the gradients are
not all tiny. Everything comes from one numpy Generator seeded by (seed, variant), so the
same seed always gives the same exercise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OUTPUT_ACTIVATION = {"cross_entropy": "softmax", "binary_cross_entropy": "sigmoid",
                     "squared_error": "identity", "half_squared_error": "identity",
                     "absolute_error": "identity", "hinge": "identity"}
HIDDEN_ACTIVATIONS = ("relu", "sigmoid", "tanh", "identity", "leaky_relu")
MAX_DRAWS = 10_000
MIN_GRADIENT = 0.05      # the largest |gradient| entry must reach this
MIN_PROBABILITY = 0.02   # softmax/sigmoid outputs stay inside (0.02, 0.98)


@dataclass(frozen=True)
class Recipe:
    """What the exercise should be (the command line's options)."""

    layers: tuple[int, ...] = (2, 2, 3)
    activation: str = "relu"
    loss: str = "cross_entropy"
    decimals: int = 1
    samples: int = 1
    lr: float = 0.1
    dead_unit: bool = False   # ask for a dead ReLU unit (the dying-ReLU lesson)

    def describe(self) -> str:
        shape = "-".join(map(str, self.layers))
        return f"{shape} {self.activation}/{OUTPUT_ACTIVATION[self.loss]} MLP, {self.loss.replace('_', ' ')}"


def parse_layers(text: str) -> tuple[int, ...]:
    """"2-2-3" → (2, 2, 3): inputs, hidden widths, outputs."""
    try:
        sizes = tuple(int(part) for part in text.split("-"))
    except ValueError:
        sizes = ()
    if len(sizes) < 2 or any(not 1 <= s <= 8 for s in sizes):
        from stepcalc.errors import StepcalcError

        raise StepcalcError(f"--layers: expected widths 1–8 joined by -, like 2-2-3, got {text!r}")
    return sizes


def exercise(recipe: Recipe, seed: int, variant: int = 0):
    """The Scenario of one exercise (validated like a file)."""
    import stepcalc

    rng = np.random.default_rng([seed, variant])
    for _ in range(MAX_DRAWS):
        fields = _draw(recipe, rng, seed, variant)
        scenario = stepcalc.scenario(**fields)
        if _good(recipe, stepcalc.trace(scenario)):
            return scenario
    from stepcalc.errors import StepcalcError

    raise StepcalcError(f"no exercise found for {recipe.describe()} in {MAX_DRAWS} draws; "
                        "try other --layers, --activation or --loss")


def _nice(rng, shape, decimals: int, low: float, high: float) -> np.ndarray:
    """Nonzero numbers with ``decimals`` decimals in [low, high]."""
    scale = 10 ** decimals
    values = rng.integers(int(low * scale), int(high * scale) + 1, size=shape)
    values = np.where(values == 0, 1, values)
    return values / scale


def _draw(recipe: Recipe, rng, seed: int, variant: int) -> dict:
    sizes, d = recipe.layers, recipe.decimals
    n_out = sizes[-1]
    x = _nice(rng, (recipe.samples, sizes[0]), d, -2.0, 2.0)
    if recipe.loss in ("cross_entropy", "hinge"):
        y = rng.integers(0, n_out, size=recipe.samples).tolist()
    elif recipe.loss == "binary_cross_entropy":
        y = rng.integers(0, 2, size=recipe.samples).astype(float).tolist()
    else:
        y = _nice(rng, (recipe.samples, n_out), d, -1.0, 1.0).tolist()
    layers, params = [], {}
    for index, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:]), 1):
        last = index == len(sizes) - 1
        layers.append(dict(units=d_out,
                           activation=OUTPUT_ACTIVATION[recipe.loss] if last else recipe.activation))
        params[f"W{index}"] = _nice(rng, (d_in, d_out), d, -1.0, 1.0)
        params[f"b{index}"] = np.where(rng.random(d_out) < 0.5, 0.0, _nice(rng, d_out, d, -0.5, 0.5))
    variant_text = f" --variant {variant}" if variant else ""
    return dict(
        title=f"Exercise {seed}{'.' + str(variant) if variant else ''}: one SGD step of a {recipe.describe()}",
        source=f"stepcalc new train --random --seed {seed}{variant_text} "
               f"--layers {'-'.join(map(str, sizes))} --activation {recipe.activation} "
               f"--loss {recipe.loss} --precision {d}",
        x=x, y=y, layers=layers, params=params,
        train=dict(loss=recipe.loss, lr=recipe.lr, steps=1),
        precision=d + 3,
    )


def _good(recipe: Recipe, trace) -> bool:
    values = trace.values
    scenario = trace.scenario
    hidden = scenario.model.layers[:-1]
    for layer in scenario.model.layers:
        if np.any(values[layer.pre] == 0):            # a kink: ReLU′(0) would be a convention
            return False
    dead = [bool(np.all(values[layer.pre][:, j] < 0))
            for layer in hidden if layer.activation == "relu"
            for j in range(layer.units)]
    if recipe.dead_unit != any(dead):
        return False
    out = scenario.model.output
    if out.activation in ("softmax", "sigmoid"):
        p = values[out.post]
        if np.any(p < MIN_PROBABILITY) or np.any(p > 1 - MIN_PROBABILITY):
            return False
    biggest = max(float(np.max(np.abs(values["grad." + name]))) for name in scenario.param_names)
    return biggest >= MIN_GRADIENT


def variants(recipe: Recipe, seed: int, count: int) -> list:
    """``count`` different exercises: variant k uses the Generator seeded by (seed, k)."""
    out, seen = [], set()
    variant = 0
    while len(out) < count:
        scenario = exercise(recipe, seed, variant)
        key = (scenario.to_toml().split("\n[data]", 1)[1])   # the numbers, not the title
        if key not in seen:
            seen.add(key)
            out.append(scenario)
        variant += 1
    return out
