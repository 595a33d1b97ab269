"""derivatives_numpy.py is generated from sympy.diff (derivatives_codegen.py): it must be
what the generator writes today, and each function must be the derivative it names."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from stepcalc.engine.maths import derivatives_numpy
from stepcalc.engine.maths.activations import ACTIVATIONS
from stepcalc.engine.maths.derivatives_codegen import (TARGET, activation_derivatives,
                                                        loss_gradients, source)
from stepcalc.engine.maths.losses import LOSSES

ELEMENTWISE = [name for name, act in ACTIVATIONS.items() if act.elementwise]
WITH_TERM = [name for name, loss in LOSSES.items() if loss.term is not None]


def test_the_checked_in_file_is_what_the_generator_writes():
    assert TARGET.read_text(encoding="utf-8") == source(), \
        "run: python -m stepcalc.engine.maths.derivatives_codegen"


def test_every_activation_and_loss_has_its_function():
    assert set(activation_derivatives()) == set(ELEMENTWISE)
    assert set(loss_gradients()) == set(WITH_TERM)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activation_derivative_matches_central_differences(name):
    act = ACTIVATIONS[name]
    alpha = act.alpha_or_default(None)
    # away from the kinks at 0, where the one-sided slopes differ
    u = np.array([-3.0, -1.2, -0.4, 0.3, 0.9, 2.5])
    h = 1e-6
    numeric = (act.forward(u + h, alpha) - act.forward(u - h, alpha)) / (2 * h)
    generated = getattr(derivatives_numpy, "activation_" + name)
    got = np.broadcast_to(generated(u, act.forward(u, alpha), 0.0 if alpha is None else alpha), u.shape)
    np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", WITH_TERM)
def test_loss_gradient_matches_the_lambdified_derivative(name):
    expr, (yhat, y) = LOSSES[name].term_derivative()
    compiled = sp.lambdify((yhat, y), expr, modules=[np])   # sympy's own path, at test time
    rng = np.random.default_rng(1)
    p = rng.uniform(0.05, 0.95, (4, 3))
    t = rng.integers(0, 2, (4, 3)).astype(float)
    generated = getattr(derivatives_numpy, "loss_" + name)
    np.testing.assert_array_equal(generated(p, t), compiled(p, t))
    # and it is the derivative of the per-sample loss (one entry at a time)
    h = 1e-6
    bump = np.zeros_like(p)
    bump[0, 1] = h
    loss = LOSSES[name]
    numeric = (loss.per_sample(p + bump, t) - loss.per_sample(p - bump, t))[0] / (2 * h)
    assert generated(p, t)[0, 1] == pytest.approx(numeric, rel=1e-6)
