"""kind = "activations": values, sympy-derived derivatives, slide audit, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stepcalc.records.notation import Applied
import sympy as sp

import stepcalc
from stepcalc.engine.maths.activations import get_activation
from stepcalc.engine.slides.audit import audit
from stepcalc.engine.kinds.activations import X, derivation
from stepcalc.errors import ScenarioError
from stepcalc.render.json_export import render_json
from stepcalc.render.markdown import render_markdown

DATA = [1.0, 5.0, -4.0, 3.0, -2.0]


def sig(x):
    return 1 / (1 + math.exp(-x))


@pytest.fixture(scope="module")
def tr():
    return stepcalc.trace(stepcalc.load("scenarios/activations.toml"))


def test_values_and_derivatives_independent(tr):
    ref = {
        "sigmoid": (sig, lambda x: sig(x) * (1 - sig(x))),
        "tanh": (math.tanh, lambda x: 1 - math.tanh(x) ** 2),
        "softplus": (lambda x: math.log1p(math.exp(x)), sig),
        "relu": (lambda x: max(x, 0.0), lambda x: 1.0 if x > 0 else 0.0),
        "leaky_relu": (lambda x: x if x > 0 else 0.01 * x, lambda x: 1.0 if x > 0 else 0.01),
        "elu": (lambda x: x if x > 0 else 0.1 * (math.exp(x) - 1), lambda x: 1.0 if x > 0 else 0.1 * math.exp(x)),
        "prelu": (lambda x: x if x > 0 else 0.1 * x, lambda x: 1.0 if x > 0 else 0.1),
        "swish": (lambda x: x * sig(x), lambda x: sig(x) + x * sig(x) * (1 - sig(x))),
        "softsign": (lambda x: x / (1 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2),
        "step": (lambda x: 1.0 if x >= 0 else 0.0, lambda x: 0.0),
    }
    for name, (f, df) in ref.items():
        np.testing.assert_allclose(tr.values[name], [f(x) for x in DATA], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(tr.values["d." + name], [df(x) for x in DATA], rtol=1e-10, atol=1e-15)
    assert tr.values["values"].shape == (11, 5)
    assert tr.values["derivatives"].shape == (11, 5)


def test_slide_audit_pinned(tr):
    """The printed data_a tables: which entries are errata (all: truncated, not rounded)."""
    entries = {e.id: e for e in audit(tr.scenario, tr.values)}
    wrong = {(e.id, m.element[0] + 1): m.cause for e in entries.values() for m in e.mismatches}
    assert wrong == {
        ("sigmoid", 3): "truncated instead of rounded",    # σ(−4) = 0.01799 printed 0.017
        ("tanh", 1): "truncated instead of rounded",       # tanh(1) = 0.76159 printed 0.761
        ("tanh", 2): "truncated instead of rounded",       # tanh(5) = 0.99991 printed 0.999
        ("softplus", 2): "truncated instead of rounded",   # 5.00672 printed 5.006
        ("softplus", 4): "truncated instead of rounded",   # 3.04859 printed 3.048
        ("softplus", 5): "truncated instead of rounded",   # 0.12693 printed 0.126
        ("swish", 2): "truncated instead of rounded",      # 4.96654 printed 4.966
        ("swish", 3): "truncated instead of rounded",      # −0.07194 printed −0.071
        ("swish", 4): "truncated instead of rounded",      # 2.85772 printed 2.857
    }
    for ok in ("relu", "leaky_relu", "elu", "prelu"):
        assert entries[ok].ok


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus", "swish", "softsign", "elu", "relu",
                                  "leaky_relu", "prelu", "selu"])
def test_derivation_chain_is_equal_to_diff(name):
    act = get_activation(name)
    alpha = act.default_alpha
    d = derivation(act, alpha)
    definition = act.expression(X, sp.Symbol("alpha", positive=True) if act.uses_alpha else None)
    raw = sp.diff(definition, X)
    assert d.chain[0] == raw
    alpha_symbol = sp.Symbol("alpha", positive=True)
    # sympy.diff itself (a Piecewise for relu, elu ...) against central differences of the
    # definition, away from any kink.
    h = 1e-6
    for point in (-2.3, -0.4, 0.7, 3.1):
        at = {alpha_symbol: 0.3}
        central = (float(definition.subs({**at, X: point + h}).evalf(30))
                   - float(definition.subs({**at, X: point - h}).evalf(30))) / (2 * h)
        assert float(raw.subs({**at, X: point}).evalf()) == pytest.approx(central, rel=1e-6, abs=1e-9)
    for expr in d.chain[1:]:
        plain = expr.replace(lambda e: isinstance(e, Applied),
                             lambda e: _definition_of(e))
        # Away from any kink, so a Piecewise derivative (relu, elu) has one branch per point.
        for point in (-2.3, -0.4, 0.7, 3.1):
            values = {X: point, alpha_symbol: 0.3}
            a = float(raw.subs(values).evalf())
            b = float(plain.subs(values).evalf())
            assert a == pytest.approx(b, rel=1e-12), (name, point, expr)


def _definition_of(applied_call):
    from stepcalc.engine.maths.activations import ACTIVATIONS

    name = applied_call.func.__name__.split("_", 1)[1]   # Apply_<text>
    by_text = {a.text.replace("′", ""): a for a in ACTIVATIONS.values()}
    act = by_text.get(name) or by_text["σ"] if name == "σ" else by_text[name]
    return act.expression(applied_call.args[0])


def test_slide_identities_appear(tr):
    text = render_markdown(tr)
    assert r"\sigma\left(x\right) \cdot \left(1 - \sigma\left(x\right)\right)" in text
    assert r"\operatorname{swish}\left(x\right) + \sigma\left(x\right) \cdot \left(1 - \operatorname{swish}\left(x\right)\right)" in text
    assert r"1 - \tanh^{2}" in text
    assert "| σ | 0.731 | 0.993 | 0.018 | 0.953 | 0.119 |" in text
    assert '"table"' in render_json(tr)


def test_expansion_numbers(tr):
    e = tr.step("d.sigmoid").substitution
    assert e.value == pytest.approx(sig(1) * (1 - sig(1)))
    e = tr.step("elu").expand((2,))
    assert e.value == pytest.approx(0.1 * (math.exp(-4) - 1))


SMALL = '''
title = "t"
kind = "activations"
[data]
values = [1, -1]
'''


@pytest.mark.parametrize("extra, path", [
    ('[[activations]]\nname = "gelu"', "activations[0].name"),
    ('[[activations]]\nname = "relu"\nalpha = 0.1', "activations[0].alpha"),
    ('[[activations]]\nname = "elu"\nalpha = "x"', "activations[0].alpha"),
    ('[[activations]]\nname = "relu"\ncolour = 1', "activations[0].colour"),
    ('[[activations]]\nname = "relu"\n[[activations]]\nname = "relu"', "activations[1].id"),
    ('functions = ["relu", 3]', "functions[1]"),
    ('functions = ["relu"]\n[[activations]]\nname = "relu"', "functions"),
])
def test_errors(extra, path):
    text = SMALL + extra if extra.startswith("[") else extra + "\n" + SMALL
    with pytest.raises(ScenarioError) as info:
        stepcalc.loads(text)
    assert info.value.path == path


def test_data_errors():
    with pytest.raises(ScenarioError) as info:
        stepcalc.loads('title = "t"\nkind = "activations"\nfunctions = ["relu"]\n[data]\nvalues = [[1, 2]]')
    assert info.value.path == "data.values"
    with pytest.raises(ScenarioError) as info:
        stepcalc.loads('title = "t"\nkind = "activations"\nfunctions = ["relu"]\n[data]\nvalues = [1]\nx = 2')
    assert info.value.path == "data.x"


def test_functions_shorthand_and_unknown_expect_id():
    sc = stepcalc.loads('functions = ["relu", "leaky_relu"]\n' + SMALL + '[expect]\n"d.relu" = [1, 0]')
    tr = stepcalc.trace(sc)
    assert tr.values["leaky_relu"].tolist() == [1.0, -0.01]
    with pytest.raises(ScenarioError) as info:
        stepcalc.trace(stepcalc.loads('functions = ["relu"]\n' + SMALL + '[expect]\nnope = 1'))
    assert info.value.path == 'expect."nope"'


def test_softmax_on_its_own_and_its_jacobian():
    """Softmax of the vector (issue 11, item 5) and its Jacobian against central
    differences of a softmax written here."""
    data = np.array([1.0, 2.0, 0.5, -3.0])

    def softmax(v):
        e = np.exp(v - v.max())
        return e / e.sum()

    trace = stepcalc.trace(stepcalc.loads(
        'title = "t"\nkind = "activations"\nfunctions = ["softmax", "tanh"]\n'
        "[data]\nvalues = [1.0, 2.0, 0.5, -3.0]\n"))
    np.testing.assert_allclose(trace.values["softmax"], softmax(data), rtol=1e-13)
    h = 1e-6
    numeric = np.array([(softmax(data + h * np.eye(4)[k]) - softmax(data - h * np.eye(4)[k])) / (2 * h)
                        for k in range(4)]).T          # [i, k] = ∂s_i/∂x_k
    np.testing.assert_allclose(trace.values["d.softmax"], numeric, rtol=1e-7, atol=1e-10)
    # the numbers put in evaluate to each entry, and the derivation is sympy's
    step = trace.step("d.softmax")
    for element in np.ndindex(4, 4):
        assert float(step.expand(element).numeric.evalf(30)) == pytest.approx(numeric[element], abs=1e-8)
    assert step.derivation is not None and len(step.derivation.chain) >= 1
    # the derivative table keeps the elementwise functions only
    assert trace.values["derivatives"].shape == (1, 4)
    assert trace.values["values"].shape == (2, 4)
