"""Golden values of the train-kind seed scenarios, computed here with plain numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import stepcalc
from stepcalc.engine.slides.audit import audit

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def run(name):
    sc = stepcalc.load(SCENARIOS / f"{name}.toml")
    return sc, stepcalc.trace(sc)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def entries(sc, tr):
    return {e.id: e for e in audit(sc, tr.values)}


IRIS3 = np.array([[1.5, 0.2], [4.7, 1.6], [5.6, 2.2]])
XOR = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
T_XOR = np.array([[0.0], [1.0], [1.0], [0.0]])


# ------------------------------------------------------------ AI VIETNAM Ex.1 ----

def test_example1_batch_forward_golden():
    sc, tr = run("mlp_batch_forward")
    X1 = np.hstack([np.ones((3, 1)), IRIS3])
    Wh = np.array([[0, 0], [0.86, -1.04], [0.41, -0.65]])
    Wz = np.array([[0, 0, 0], [0.32, 0.25, 0.14], [-0.47, -1.06, 0.063]])
    h = X1 @ Wh
    r = np.maximum(h, 0)
    z = np.hstack([np.ones((3, 1)), r]) @ Wz
    p = softmax(z)
    loss = -np.mean(np.log(p[[0, 1, 2], [0, 1, 2]]))
    for key, want in (("h", h), ("relu", r), ("z", z), ("y_hat", p)):
        np.testing.assert_allclose(tr.values[key], want, atol=1e-12)
    assert float(tr.values["loss"]) == pytest.approx(loss, abs=1e-12)
    assert loss == pytest.approx(1.2731, abs=1e-4)
    assert not any(s.phase in ("backward", "update") for s in tr.steps)   # steps = 0


def test_example1_printed_values_follow_from_other_weights():
    sc, tr = run("mlp_batch_forward")
    e = entries(sc, tr)
    # Every printed h is off, and the cause is the fit over the batch.
    assert len(e["h"].mismatches) == 6
    assert all("does not follow from the printed W_h" in m.cause for m in e["h"].mismatches)
    assert "0.416" in e["h"].mismatches[0].cause and "-1.044" in e["h"].mismatches[0].cause
    # Independent check of that fit: these weights reproduce all printed h.
    W = np.array([[0.860, -1.044], [0.416, -0.652]])
    printed_h = np.array([[1.373, -1.696], [4.708, -5.951], [5.731, -7.281]])
    assert np.max(np.abs(IRIS3 @ W - printed_h)) <= 1e-3
    assert all("W_z (row 1)" in m.cause and "0.259" in m.cause for m in e["z"].mismatches)
    assert e["z"].mismatches[0].element == (0, 1)          # z[1][1] = 0.439 does match
    # ŷ is softmax of the printed z (some truncated), the loss 1.269 is the loss of it.
    printed_z = np.array([[0.439, 0.356, 0.195], [1.507, 1.220, 0.670], [1.835, 1.485, 0.816]])
    assert -np.mean(np.log(softmax(printed_z)[[0, 1, 2], [0, 1, 2]])) == pytest.approx(1.269, abs=5e-4)
    assert all("carried over from the printed z" in m.cause for m in e["y_hat"].mismatches)
    assert e["loss"].mismatches[0].cause.startswith("carried over from the printed z")
    assert all("carried over from the printed h" in m.cause for m in e["relu"].mismatches)
    assert len(e["relu"].mismatches) == 3                 # the zeros match


# ------------------------------------------------------------ Ex.2, 3, 4, 5 errata ---

def test_example2_dying_relu_errata():
    sc, tr = run("dying_relu")
    e = entries(sc, tr)
    x = np.array([1.5, 0.2])
    h = x @ np.array([[0.86, -1.04], [0.41, -0.65]])
    assert h[1] == pytest.approx(-1.69)
    (m,) = e["h"].mismatches
    assert (m.printed, m.cause) == (-1.68, "last printed digit off by one (-1.69 expected)")
    # Printed ∇w row 1 is ∂L/∂z without the factor ReLU(h₁) = 1.372 ...
    relu1 = max(h[0], 0)
    assert relu1 == pytest.approx(1.372)
    causes = {m.element: m.cause for m in e["grad.w"].mismatches}
    assert set(causes) == {(0, 0), (0, 1), (0, 2)}
    assert all("factor relu[1] = 1.372 left out" in c for c in causes.values())
    # ... while the printed update of w uses it (0.32 − 0.01·(−0.628·1.372) = 0.32862, cut to 0.328).
    (w11,) = e["new.w"].mismatches
    assert w11.element == (0, 0) and w11.cause == "truncated instead of rounded"
    # m₂₁ = 0.41 − 0.01·(0.2·(−0.0759)) = 0.41015, printed 0.4105.
    (m21,) = e["new.m"].mismatches
    assert m21.exact == pytest.approx(0.41015, abs=2e-6)
    assert m21.printed == 0.4105 and "digit dropped" in m21.cause
    assert {m.element for m in e["new.bw"].mismatches} == {(0,), (1,)}
    assert all(m.cause == "truncated instead of rounded" for m in e["new.bw"].mismatches)
    assert [m.cause for m in e["after.h"].mismatches] == ["last printed digit off by one (-1.69 expected)"]
    assert [m.cause for m in e["after.y_hat"].mismatches] == ["truncated instead of rounded"]
    ok = {k for k, v in e.items() if v.ok}
    assert ok == {"relu", "z", "y_hat", "loss", "grad.z", "grad.bw", "grad.relu", "grad.h", "grad.m",
                  "grad.bm", "new.bm", "after.relu", "after.z", "after.loss"}


def test_example3_input_printed_as_067_computed_with_67():
    sc, tr = run("linear_regression")
    e = entries(sc, tr)
    (m,) = e["x"].mismatches
    assert (m.printed, m.exact) == (0.67, 6.7) and "decimal point shifted" in m.cause
    # The slide's L'_w = −121.94 needs x = 6.7: 2·6.7·(0 − 9.1).
    assert 2 * 6.7 * (0 - 9.1) == pytest.approx(-121.94)
    assert e["grad.w"].ok and e["new.w"].ok
    assert [mm.cause for mm in e["after.y_hat"].mismatches] == ["truncated instead of rounded"]
    assert [mm.cause for mm in e["after.loss"].mismatches] == ["truncated instead of rounded"]


def test_example4_logistic_after_update():
    sc, tr = run("logistic_regression")
    e = entries(sc, tr)
    theta = np.array([-0.005, -0.007, -0.001])
    z = np.array([1, 1.4, 0.2]) @ theta
    assert tr.values["after.z"].item() == pytest.approx(z) and z == pytest.approx(-0.015)
    assert [m.cause for m in e["after.z"].mismatches] == ["last printed digit off by one (-0.015 expected)"]
    assert [m.cause for m in e["after.y_hat"].mismatches] == ["truncated instead of rounded"]
    assert [m.cause for m in e["after.loss"].mismatches] == ["truncated instead of rounded"]
    assert all(e[k].ok for k in ("z", "y_hat", "loss", "grad.theta", "new.theta"))


def test_example5_wrong_sign_and_eta_printed_01():
    sc, tr = run("softmax_regression")
    e = entries(sc, tr)
    grad_b = np.array([0.5 - 1, 0.5])
    np.testing.assert_allclose(tr.values["new.b"], -0.01 * grad_b)
    assert all(m.cause.startswith("sign flipped") for k in ("new.b", "new.w") for m in e[k].mismatches)
    assert len(e["new.b"].mismatches) == 2 and len(e["new.w"].mismatches) == 2
    (eta,) = e["eta"].mismatches
    assert (eta.printed, eta.exact) == (0.1, 0.01)
    assert "use η = 0.01" in eta.cause and "not the printed 0.1" in eta.cause
    assert e["after.z"].ok and e["after.loss"].ok


# ------------------------------------------------------------ Ex.6: symmetry ----------

def test_example6_zero_init_stays_symmetric():
    sc, tr = run("zero_init_mlp")
    assert all(e.ok for e in audit(sc, tr.values))
    for prefix in ("", "step2.", "step3."):
        np.testing.assert_array_equal(tr.values[prefix + "h"], np.zeros((3, 2)))
        np.testing.assert_allclose(tr.values[prefix + "y_hat"], np.full((3, 3), 1 / 3))
        np.testing.assert_array_equal(tr.values[prefix + "new.m"], np.zeros((2, 2)))
        bw = tr.values[prefix + "new.bw"]
        np.testing.assert_allclose(bw, np.zeros(3), atol=1e-15)    # the slide's [v, v, v], v = 0
        assert bw[0] == bw[1] == bw[2]
        for sid in (prefix + "h", prefix + "new.m"):
            assert any(f.kind == "symmetric_units" for f in tr.step(sid).flags), sid
    assert float(tr.values["loss"]) == pytest.approx(np.log(3))
    assert not any(f.kind == "symmetric_units" for f in tr.step("z").flags)   # output layer


def test_constant_init_units_learn_but_stay_identical():
    sc, tr = run("constant_init_symmetry")
    # Independent per-sample SGD, row convention, η = 0.5.
    m, bm = np.full((2, 2), 0.1), np.zeros(2)
    w, bw = np.full((2, 3), 0.1), np.zeros(3)
    Y = np.eye(3)
    for n in range(3):
        x, y = IRIS3[n:n + 1], Y[n:n + 1]
        h = x @ m + bm
        a = sigmoid(h)
        p = softmax(a @ w + bw)
        dz = p - y
        da = dz @ w.T
        dh = da * a * (1 - a)
        m, bm = m - 0.5 * x.T @ dh, bm - 0.5 * dh.sum(0)
        w, bw = w - 0.5 * a.T @ dz, bw - 0.5 * dz.sum(0)
    np.testing.assert_allclose(tr.values["step3.new.m"], m, atol=1e-12)
    np.testing.assert_allclose(tr.values["step3.new.w"], w, atol=1e-12)
    assert not np.allclose(m, 0.1)                      # the hidden weights did move
    assert np.array_equal(m[:, 0], m[:, 1])             # ... but identically
    assert any(f.kind == "symmetric_units" for f in tr.step("step3.new.m").flags)
    assert any(f.kind == "symmetric_units" for f in tr.step("after.h").flags)


def test_symmetric_units_flag_only_when_identical():
    from stepcalc.engine.slides.flags import symmetric_units, symmetric_weights
    from stepcalc.scenario.model import Layer

    layer = Layer(3, "relu", "W", "b", "u", "a", None)
    assert symmetric_units(layer, np.array([[1.0, 2.0, 3.0]])) == ()
    (flag,) = symmetric_units(layer, np.array([[1.0, 2.0, 1.0], [0.5, 0.0, 0.5]]))
    assert "units 1 and 3" in flag.message and (0, 0) in flag.elements and (1, 2) in flag.elements
    W = np.array([[1.0, 1.0, 2.0], [0.0, 0.0, 0.0]])
    assert symmetric_weights(layer, W, np.array([0.0, 1.0, 0.0]), row=True) == ()
    (flag,) = symmetric_weights(layer, W, np.array([0.0, 0.0, 0.0]), row=True)
    assert "units 1 and 2" in flag.message
    # Column convention: units are rows.
    (flag,) = symmetric_weights(layer, W.T, None, row=False)
    assert "units 1 and 2" in flag.message


# ------------------------------------------------------------ Tsinghua ---------------

def test_xor_relu_mlp_column_convention():
    sc, tr = run("xor_relu_mlp")
    V, c = np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([0.0, -1.0])
    w, b = np.array([1.0, -2.0]), 0.0
    h = np.maximum(XOR @ V.T + c, 0)
    y = np.maximum(h @ w + b, 0)
    np.testing.assert_array_equal(tr.values["h"], h)
    np.testing.assert_array_equal(tr.values["h"], [[0, 0], [1, 0], [1, 0], [2, 1]])
    np.testing.assert_array_equal(tr.values["y_hat"].ravel(), y)
    np.testing.assert_array_equal(y, T_XOR.ravel())
    assert all(e.ok for e in audit(sc, tr.values))
    assert float(tr.values["loss"]) == 0.0


def test_adaline_xor_optimum_has_zero_gradient():
    sc, tr = run("adaline_xor")
    # The slide's normal equations, solved here.
    A = np.array([[2, 2, 4], [2, 1, 2], [1, 2, 2]], dtype=float)
    w1, w2, b = np.linalg.solve(A, [2, 1, 1])
    assert (w1, w2, b) == pytest.approx((0, 0, 0.5))
    assert float(tr.values["loss"]) == pytest.approx(0.25)
    assert not np.any(tr.values["grad.w"]) and not np.any(tr.values["grad.b"])
    assert any(f.kind == "zero_gradient" for f in tr.step("grad.w").flags)


def _mlp_column(V, c, w, b, X):
    u = X @ V.T + c
    h = sigmoid(u)
    z = h @ w.T + b
    return u, h, z, sigmoid(z)


def _mlp_grads(V, c, w, b, X, T, lam):
    u, h, z, y = _mlp_column(V, c, w, b, X)
    N = X.shape[0]
    d2 = (y - T) * y * (1 - y) / N               # δ⁽ᴸ⁾ = (y − t) ⊙ f′(u), averaged
    d1 = (d2 @ w) * h * (1 - h)                  # (W⁽ᴸ⁾)ᵀδ ⊙ f′
    return d2.T @ h + lam * w, d2.sum(0), d1.T @ X + lam * V, d1.sum(0), d2


START = (np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([0.0, -1.0]), np.array([[1.0, -2.0]]), np.array([0.0]))


def test_mse_mlp_weight_decay_step():
    sc, tr = run("mse_mlp_weight_decay")
    V, c, w, b = START
    gw, gb, gV, gc, d2 = _mlp_grads(V, c, w, b, XOR, T_XOR, 0.01)
    np.testing.assert_allclose(tr.values["grad.z"], d2, atol=1e-12)
    np.testing.assert_allclose(tr.values["grad.w"], gw, atol=1e-12)
    np.testing.assert_allclose(tr.values["grad.V"], gV, atol=1e-12)
    np.testing.assert_allclose(tr.values["new.V"], V - 0.5 * gV, atol=1e-12)   # includes −αλV
    np.testing.assert_allclose(tr.values["new.c"], c - 0.5 * gc, atol=1e-12)   # no decay on biases
    np.testing.assert_allclose(tr.values["new.w"], w - 0.5 * gw, atol=1e-12)
    # The output error is shown derived: (ŷ − y)·ŷ(1 − ŷ) for ½(ŷ − y)² and the sigmoid.
    der = tr.step("grad.z").derivation
    assert der is not None
    yh, y = sp.symbols("yh y")
    last = der.chain[-1]
    entries_ = sorted(last.atoms(sp.Indexed), key=str)
    assert len(entries_) == 2
    yh_sym = next(s for s in entries_ if s.base.label.name == "y_hat")
    y_sym = next(s for s in entries_ if s.base.label.name == "y")
    assert sp.simplify(last.xreplace({yh_sym: yh, y_sym: y}) - (yh - y) * yh * (1 - yh)) == 0


def test_momentum_three_steps():
    sc, tr = run("momentum_mlp")
    V, c, w, b = START
    params = [V, c, w, b]
    vel = [np.zeros_like(p) for p in params]
    for step in range(3):
        gw, gb, gV, gc, _ = _mlp_grads(*params, XOR, T_XOR, 0.0)
        grads = [gV, gc, gw, gb]
        vel = [0.5 * v - 0.5 * g for v, g in zip(vel, grads)]
        params = [p + v for p, v in zip(params, vel)]
        prefix = "" if step == 0 else f"step{step + 1}."
        for name, v, p in zip(("V", "c", "w", "b"), vel, params):
            np.testing.assert_allclose(tr.values[prefix + "v." + name], v, atol=1e-12)
            np.testing.assert_allclose(tr.values[prefix + "new." + name], p, atol=1e-12)
    assert tr.losses[-1] < tr.losses[0]


def test_softmax_squared_error_uses_the_jacobian_and_shows_it():
    sc, tr = run("softmax_squared_error")
    x, y = np.array([[1.0, 2.0]]), np.array([[1.0, 0.0, 0.0]])
    theta = np.array([[0.2, -0.1, 0.0], [0.1, 0.3, -0.2]])
    h = softmax(x @ theta)[0]
    J = np.diag(h) - np.outer(h, h)                  # ∂hᵢ/∂u_k = hᵢ(Δᵢₖ − h_k)
    dh = 2 * (h - y[0])
    delta = J.T @ dh
    np.testing.assert_allclose(tr.values["grad.u"][0], delta, atol=1e-12)
    np.testing.assert_allclose(tr.values["grad.theta"], x.T @ delta[None, :], atol=1e-12)
    np.testing.assert_allclose(tr.values["new.theta"], theta - 0.1 * x.T @ delta[None, :], atol=1e-12)
    der = tr.step("grad.u").derivation
    assert der is not None and len(der.chain) == 4
    assert "Δ" in der.comment and "sympy.diff" in der.comment
    # Every line of the chain evaluates to δ₁ at this step's numbers.
    u = (x @ theta)[0]
    for expr in der.chain:
        subs = {}
        for s in expr.atoms(sp.Indexed):
            base, (i,) = str(s.base), s.indices
            i = int(i) - 1
            subs[s] = {"u": u, "h": h, "y": y[0]}[base][i]
        for g in [a for a in sp.preorder_traversal(expr) if type(a).__name__ == "Grad"]:
            (i,) = g.args[0].indices
            subs[g] = dh[int(i) - 1]
        value = float(expr.xreplace(subs).doit())
        assert value == pytest.approx(delta[0], abs=1e-12)
