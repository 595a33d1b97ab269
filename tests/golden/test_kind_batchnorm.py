"""kind = "batchnorm" and kind = "normalize": independent numbers and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import stepcalc
from stepcalc.errors import ScenarioError
from stepcalc.render.json_export import render_json
from stepcalc.render.markdown import render_markdown


def test_batchnorm_by_hand():
    tr = stepcalc.trace(stepcalc.load("scenarios/batchnorm.toml"))
    x = [[1.0, 2.0, -1.0], [3.0, 6.0, 0.0], [5.0, 4.0, 1.0], [7.0, 0.0, 2.0]]
    gamma, beta, eps = [1.0, 0.5, 2.0], [0.0, 1.0, -1.0], 1e-5
    for c in range(3):
        col = [row[c] for row in x]
        mu = sum(col) / 4
        var = sum((v - mu) ** 2 for v in col) / 4
        assert tr.values["mu"][c] == pytest.approx(mu)
        assert tr.values["var"][c] == pytest.approx(var)
        for r in range(4):
            xh = (col[r] - mu) / math.sqrt(var + eps)
            assert tr.values["x_hat"][r, c] == pytest.approx(xh)
            assert tr.values["y"][r, c] == pytest.approx(gamma[c] * xh + beta[c])
    assert tr.values["mu"].tolist() == [4.0, 3.0, 0.5]          # by hand
    assert tr.values["var"].tolist() == [5.0, 5.0, 1.25]
    text = render_markdown(tr)
    assert r"\frac{1 - 4}{\sqrt{5 + 1 \times 10^{-5}}} = -1.34" in text
    render_json(tr)


def test_normalize_by_hand():
    tr = stepcalc.trace(stepcalc.load("scenarios/normalize.toml"))
    px = np.array([[0, 64, 128, 255], [32, 96, 160, 224], [16, 80, 200, 240]], dtype=float)
    flat = px.reshape(-1).tolist()
    mu = sum(flat) / 12
    sigma = math.sqrt(sum((v - mu) ** 2 for v in flat) / 12)
    assert tr.values["unit"][0, 3] == 1.0 and tr.values["unit"][0, 1] == pytest.approx(64 / 255)
    assert tr.values["symmetric"][0, 0] == -1.0 and tr.values["symmetric"][0, 3] == 1.0
    assert tr.values["symmetric"][1, 2] == pytest.approx(160 / 127.5 - 1)
    assert float(tr.values["mu"]) == pytest.approx(mu)
    assert float(tr.values["sigma"]) == pytest.approx(sigma)
    assert tr.values["zscore"][2, 2] == pytest.approx((200 - mu) / sigma)
    assert r"\frac{0}{\frac{255}{2}} - 1 = -1" in render_markdown(tr)


def test_normalize_given_mean_std():
    tr = stepcalc.trace(stepcalc.loads('''
title = "t"
kind = "normalize"
[data]
pixels = [0.0, 0.5, 1.0]
max_value = 1
[normalize]
methods = ["zscore"]
mean = 0.5
std = 0.5
'''))
    assert tr.values["zscore"].tolist() == [-1.0, 0.0, 1.0]


@pytest.mark.parametrize("text, path", [
    ('kind = "batchnorm"\n[data]\nx = [[1, 2], [3]]', "data.x[1]"),
    ('kind = "batchnorm"\n[data]\nx = [[1, 2]]\n[batchnorm]\ngamma = [1, 2, 3]', "batchnorm.gamma"),
    ('kind = "batchnorm"\n[data]\nx = [[1, 2]]\n[batchnorm]\neps = -1', "batchnorm.eps"),
    ('kind = "batchnorm"\n[data]\nx = [[1, 2]]\n[batchnorm]\nmomentum = 0.1', "batchnorm.momentum"),
    ('kind = "batchnorm"', "data"),
    ('kind = "normalize"\n[data]\npixels = [1, "a"]', "data.pixels[1]"),
    ('kind = "normalize"\n[data]\npixels = [1, 2]\nmax_value = 0', "data.max_value"),
    ('kind = "normalize"\n[data]\npixels = [1, 2]\n[normalize]\nmethods = ["minmax"]', "normalize.methods[0]"),
    ('kind = "normalize"\n[data]\npixels = [1, 2]\n[normalize]\nmethods = ["unit"]\nstd = 2', "normalize.std"),
    ('kind = "normalize"\n[data]\npixels = [3, 3]', "data.pixels"),
])
def test_errors(text, path):
    with pytest.raises(ScenarioError) as info:
        stepcalc.loads('title = "t"\n' + text)
    assert info.value.path == path
