"""kind = "losses": the TUM slide examples, computed independently, and validation errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import stepcalc
from stepcalc.engine.slides.audit import audit
from stepcalc.errors import ScenarioError
from stepcalc.render.json_export import render_json
from stepcalc.render.markdown import render_markdown


def ce(scores, label):
    return -math.log(math.exp(scores[label]) / sum(math.exp(s) for s in scores))


def hinge(scores, label):
    return sum(max(0.0, s - scores[label] + 1) for k, s in enumerate(scores) if k != label)


def trace(name):
    return stepcalc.trace(stepcalc.load(f"scenarios/{name}.toml"))


def test_cat_chair_car():
    tr = trace("tum_losses_cat_chair_car")
    S = [[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]]
    want_ce = [ce(s, k) for k, s in enumerate(S)]
    want_h = [hinge(s, k) for k, s in enumerate(S)]
    np.testing.assert_allclose(tr.values["cross_entropy.samples"], want_ce, rtol=1e-12)
    assert float(tr.values["cross_entropy"]) == pytest.approx(sum(want_ce) / 3)
    np.testing.assert_allclose(tr.values["hinge.samples"], want_h, atol=1e-12)
    assert float(tr.values["hinge"]) == pytest.approx(15.8 / 3)
    # Slide: 2.04 / 0.079 / 6.156 → 2.76 and 2.9 / 0 / 12.9 → 5.3, all match.
    assert all(e.ok for e in audit(tr.scenario, tr.values))
    text = render_markdown(tr)
    assert r"\max\left(0, 5.1 - 3.2 + 1\right) + \max\left(0, -1.7 - 3.2 + 1\right) = 2.9" in text
    assert r"\frac{2.04 + 0.0791 + 6.16}{3} = 2.76" in text


def test_hinge_vs_cross_entropy_pinned():
    tr = trace("tum_hinge_vs_ce")
    # log(1 + 2e^{−25}) ≈ 2e^{−25}: computed without forming 1 + tiny.
    assert float(tr.values["cross_entropy.samples"][2]) == pytest.approx(2 * math.exp(-25), rel=1e-9)
    assert float(tr.values["cross_entropy.samples"][0]) == pytest.approx(math.log(1 + math.exp(-8) + math.exp(-3)))
    assert tr.values["hinge.samples"].tolist() == [0.0, 12.0, 0.0]
    entries = {e.id: e for e in audit(tr.scenario, tr.values)}
    assert entries["hinge.samples"].ok
    # Erratum: "2 · 10⁻¹¹" for 2.78·10⁻¹¹ (only the leading digit kept).
    (m,) = entries["cross_entropy.samples"].mismatches
    assert m.element == (2,) and m.cause == "truncated instead of rounded"
    # The slide's model-1 formula has e³ for e⁻³; its printed 0.05 is the e⁻³ value, not e³'s 0.170.
    assert math.log(1 + math.exp(-2) + math.exp(-3)) == pytest.approx(0.170, abs=1e-3)


def test_l1_l2_and_regularization():
    tr = trace("tum_l1_l2")
    assert float(tr.values["distance.l2"]) == 9 + 16 + 4 + 4
    assert float(tr.values["distance.l1"]) == 3 + 4 + 2 + 2
    assert all(e.ok for e in audit(tr.scenario, tr.values))
    tr = trace("tum_regularization")
    assert float(tr.values["penalty.l2"]) == 1.25
    assert float(tr.values["penalty.l1.w2"]) == 1.0
    assert all(e.ok for e in audit(tr.scenario, tr.values))
    assert "penalty.l2.w1" in render_json(tr)


def test_regression_losses_and_lambda():
    sc = stepcalc.loads('''
title = "t"
kind = "losses"
[data]
predictions = [0.5, 2.0]
targets = [1.0, 1.0]
[loss]
functions = ["squared_error", "absolute_error", "half_squared_error"]
reduction = "sum"
[regularization]
weights = { w = [[1, -2], [0, 3]] }
functions = ["l2"]
lambda = 0.1
''')
    tr = stepcalc.trace(sc)
    assert float(tr.values["squared_error"]) == pytest.approx(0.25 + 1.0)
    assert float(tr.values["absolute_error"]) == pytest.approx(1.5)
    assert float(tr.values["half_squared_error"]) == pytest.approx(0.625)
    assert float(tr.values["penalty.l2.scaled"]) == pytest.approx(1.4)
    render_markdown(tr)


BASE = 'title = "t"\nkind = "losses"\n'


@pytest.mark.parametrize("body, path", [
    ("", ""),
    ('[data]\nscores = [[1, 2]]\nlabels = [0]\n[loss]\nfunctions = ["hinge", "crossentropy"]', "loss.functions[1]"),
    ('[data]\nscores = [[1, 2]]\nlabels = [2]\n[loss]\nfunctions = ["hinge"]', "data.labels[0]"),
    ('[data]\nscores = [[1, 2]]\n[loss]\nfunctions = ["hinge"]', "loss.functions[0]"),
    ('[data]\nscores = [[1, 2]]\nlabels = [0]\n[loss]\nfunctions = ["squared_error"]', "loss.functions[0]"),
    ('[data]\nscores = [[1, 2]]\nlabels = [0, 1]\n[loss]\nfunctions = ["hinge"]', "data.labels"),
    ('[data]\nscores = [[1, 2]]\nlabels = [0]\n[loss]\nfunctions = ["hinge"]\nreduction = "avg"', "loss.reduction"),
    ('[distance]\nprediction = [1, 2]\ntarget = [1, 2, 3]', "distance.target"),
    ('[distance]\nprediction = [1, 2]\ntarget = [1, 2]\nfunctions = ["l3"]', "distance.functions[0]"),
    ('[regularization]\nweights = { w = "x" }', "regularization.weights.w"),
    ('[regularization]\nweights = { w = [1] }\nlambda = -1', "regularization.lambda"),
    ('[regularization]\nweights = { w = [1] }\nextra = 1', "regularization.extra"),
])
def test_errors(body, path):
    with pytest.raises(ScenarioError) as info:
        stepcalc.loads(BASE + body)
    assert info.value.path == path
