"""kind = "init_stats": same numbers as the slides' numpy loop (same Generator), fast, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import stepcalc
from stepcalc.errors import ScenarioError
from stepcalc.render.markdown import render_markdown

SMALL = '''
title = "t"
kind = "init_stats"
[network]
dims = [256, 256, 256, 256]
batch = 8
seed = 3
bins = 10
dtype = "float64"
[[runs]]
name = "tanh_small"
activation = "tanh"
method = "normal"
std = 0.01
[[runs]]
name = "relu_kaiming"
activation = "relu"
method = "kaiming"
'''


def slide_loop(dims, batch, seed, std_of, f):
    """The POSTECH slide code with a numpy Generator."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, dims[0]))
    hs = []
    for d_in, d_out in zip(dims[:-1], dims[1:]):
        W = std_of(d_in) * rng.standard_normal((d_in, d_out))
        x = f(x.dot(W))
        hs.append(x)
    return hs


def test_matches_slide_loop():
    # draw = "weights" is the slides' loop draw for draw: the same numbers, exactly.
    tr = stepcalc.trace(stepcalc.loads(SMALL.replace('dtype = "float64"', 'dtype = "float64"\ndraw = "weights"')))
    dims = [256] * 4
    want = slide_loop(dims, 8, 3, lambda d: 0.01, np.tanh)
    np.testing.assert_allclose(tr.values["tanh_small.mean"], [h.mean() for h in want], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(tr.values["tanh_small.std"], [h.std() for h in want], rtol=1e-9)
    want = slide_loop(dims, 8, 3, lambda d: math.sqrt(2 / d), lambda u: np.maximum(0, u))
    np.testing.assert_allclose(tr.values["relu_kaiming.std"], [h.std() for h in want], rtol=1e-9)
    counts, edges = np.histogram(want[-1], bins=10, range=(0, want[-1].max()))
    np.testing.assert_array_equal(tr.values["relu_kaiming.hist"][-1], counts)
    np.testing.assert_allclose(tr.values["relu_kaiming.edges"][-1], edges, rtol=1e-9)
    assert tr.values["tanh_small.stats"].shape == (3, 2)
    assert tr.values["tanh_small.hist"].sum(axis=1).tolist() == [8 * 256] * 3
    text = render_markdown(tr)
    assert "| layer | mean | std |" in text and "histogram |" in text


def test_slide_story():
    """tanh with std 0.01 collapses, Xavier keeps a healthy std, ReLU+Kaiming too (4096 wide is
    what the bundled scenario runs; 1024 shows the same picture here, faster)."""
    sc = stepcalc.loads(SMALL.replace("[256, 256, 256, 256]", "[1024] * 7".replace("[1024] * 7", "[1024, 1024, 1024, 1024, 1024, 1024, 1024]"))
                        .replace('dtype = "float64"', 'dtype = "float32"') + '''
[[runs]]
name = "tanh_xavier"
activation = "tanh"
method = "xavier"
''')
    tr = stepcalc.trace(sc)
    assert tr.values["tanh_small.std"][-1] < 0.01
    assert 0.1 < tr.values["tanh_xavier.std"][-1] < 0.9
    assert 0.3 < tr.values["relu_kaiming.std"][-1] < 3
    flags = [f.kind for f in tr.step("tanh_small.stats").flags]
    assert "note" in flags


@pytest.mark.parametrize("old, new, path", [
    ('method = "kaiming"', 'method = "he"', "runs[1].method"),
    ('method = "kaiming"', 'method = "kaiming"\nstd = 0.1', "runs[1].std"),
    ('std = 0.01', 'std = -1', "runs[0].std"),
    ('activation = "tanh"', 'activation = "softmax"', "runs[0].activation"),
    ('name = "relu_kaiming"', 'name = "tanh_small"', "runs[1].name"),
    ('dims = [256, 256, 256, 256]', 'dims = [256]', "network.dims"),
    ('dims = [256, 256, 256, 256]', 'dims = [256, 0]', "network.dims[1]"),
    ('batch = 8', 'batch = 0', "network.batch"),
    ('dtype = "float64"', 'dtype = "float16"', "network.dtype"),
    ('bins = 10', 'bin = 10', "network.bin"),
])
def test_errors(old, new, path):
    with pytest.raises(ScenarioError) as info:
        stepcalc.loads(SMALL.replace(old, new))
    assert info.value.path == path


def test_drawing_outputs_matches_drawing_weights_in_distribution():
    """u = s·R·Z with RRᵀ = xxᵀ has the law of x·W, W ~ N(0, s²): compare per-layer stds."""
    import numpy as np

    from stepcalc.engine.kinds.init_stats import run_experiment

    dims = [256] * 6
    for activation, method in (("tanh", "xavier"), ("relu", "kaiming"), ("tanh", "normal")):
        fast = [np.std(h) for seed in range(8)
                for h in run_experiment(dims, 32, activation, method, 0.05, seed, np.float64, "outputs")]
        slow = [np.std(h) for seed in range(8)
                for h in run_experiment(dims, 32, activation, method, 0.05, seed, np.float64, "weights")]
        fast = np.array(fast).reshape(8, -1).mean(axis=0)
        slow = np.array(slow).reshape(8, -1).mean(axis=0)
        assert np.allclose(fast, slow, rtol=0.08), (activation, method, fast, slow)
