"""Formulas at index level, per-element expansions on demand, derivations shown."""

import numpy as np

import stepcalc
from stepcalc.records.notation import Applied
from stepcalc.bundled import bundled
from stepcalc.render.printing import to_latex, to_text
from stepcalc.render.typeset import picture


def dying_relu():
    return stepcalc.trace(stepcalc.load(bundled()["dying_relu"]))


def test_nothing_symbolic_is_built_until_asked():
    tr = dying_relu()
    assert all(not step._cache for step in tr.steps)
    tr.step("grad.m").expand((1, 0))
    assert sum(bool(step._cache) for step in tr.steps) == 1


def test_weight_gradient_expansion_like_the_slide():
    step = dying_relu().step("grad.m")
    assert to_text(step.formula, 3) == "∂L/∂mᵢⱼ = xᵢ·∂L/∂hⱼ"
    e = step.expand((0, 0))
    line = " = ".join(to_text(part, 3) for part in (e.lhs, e.symbolic, e.numeric))
    assert line == "∂L/∂m₁₁ = x₁·∂L/∂h₁ = 1.5 × (-0.0759)"
    # The numbers put in, evaluated, give the slide's value.
    assert float(e.numeric.doit()) == np_approx(step.value[0, 0])


def test_any_element_expands_and_adds_up():
    tr = dying_relu()
    for step_id in ("h", "z", "grad.w", "grad.relu", "new.m"):
        step = tr.step(step_id)
        for element in np.ndindex(step.value.shape):
            e = step.expand(element)
            # The numbers put in evaluate to the value (sympy evaluates the unevaluated tree).
            assert float(e.numeric.doit()) == np_approx(step.value[element]), (step_id, element)


def np_approx(value):
    class Close:
        def __eq__(self, other):
            return abs(other - value) <= 1e-12 + 1e-9 * abs(value)
    return Close()


def test_cross_entropy_delta_is_derived_not_asserted():
    step = dying_relu().step("grad.z")
    d = step.derivation
    assert d is not None
    assert to_text(d.chain[-1], 3) in ("-y₁ + ŷ₁", "ŷ₁ - y₁")
    assert picture(d.chain[-1], 3) == "ŷ₁ − y₁"      # typeset: the prediction first
    assert "Σ" in d.comment


def test_mse_output_delta_is_derived():
    sc = stepcalc.loads("""
title = "mse sigmoid"
[data]
x = [[0.5, -1.0]]
y = [[0.2]]
[model]
convention = "column"
[[model.layers]]
units = 1
activation = "sigmoid"
[params]
W1 = [[0.3, 0.8]]
b1 = [0.1]
[train]
loss = "squared_error"
""")
    tr = stepcalc.trace(sc)
    step = tr.step("grad.u1")
    d = step.derivation
    assert to_text(d.chain[0], 3) == "∂L/∂ŷ₁·σ′(u⁽¹⁾₁)"
    # 2(ŷ − y)·ŷ(1 − ŷ), straight from sympy.diff of (ŷ − y)².
    assert "ŷ₁" in to_text(d.chain[1], 3) and "2" in to_text(d.chain[1], 3)
    u = 0.3 * 0.5 + 0.8 * -1.0 + 0.1
    s = 1 / (1 + np.exp(-u))
    assert step.value[0, 0] == np_approx(2 * (s - 0.2) * s * (1 - s))


def test_batched_formulas_show_the_sample_index_and_mean():
    sc = stepcalc.loads("""
title = "batch"
[data]
x = [[1.0, 2.0], [3.0, 4.0]]
y = [0, 1]
[[model.layers]]
units = 2
activation = "softmax"
[train]
loss = "cross_entropy"
""")
    tr = stepcalc.trace(sc)
    assert to_latex(tr.step("grad.W1").formula) == (
        r"\frac{\partial L}{\partial {W^{(1)}}_{ij}} = \sum_{n=1}^{2} {x}_{ni} \cdot "
        r"\frac{\partial L}{\partial {u^{(1)}}_{nj}}")
    assert to_latex(tr.step("grad.u1").formula).endswith(r"= \frac{{\hat{y}}_{nj} - {y}_{nj}}{2}")


def test_loss_numbers_put_in_like_the_slide():
    e = dying_relu().step("loss").expand(())
    assert to_text(e.numeric, 3) == "-log(0.372)"


def test_every_step_of_every_bundled_train_scenario_expands_to_its_value():
    for name, path in bundled().items():
        sc = stepcalc.load(path)
        if sc.kind != "train":
            continue
        for step in stepcalc.trace(sc).steps:
            e = step.substitution
            value = step.value[e.element] if step.value.ndim else step.value
            assert evaluate(e.numeric) == np_approx(value), (name, step.id)


def evaluate(numeric) -> float:
    """The numbers put in, evaluated; a named function f(1.372) (ReLU, σ, id) is replaced by
    its activation's definition first."""
    from stepcalc.engine.maths.activations import ACTIVATIONS

    by_text = {a.text.replace("′", ""): a for a in ACTIVATIONS.values()}

    def definition(call):
        act = by_text[type(call).__name__.split("_", 1)[1]]
        assert not act.uses_alpha, act    # the bundled train scenarios use none of these
        return act.expression(call.args[0])

    return float(numeric.replace(lambda e: isinstance(e, Applied), definition).doit())
