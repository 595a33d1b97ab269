"""Layer types (batchnorm, dropout, activation), bias = "none" / bias_position = "last",
multi-label sigmoid outputs: every value of several minibatch steps against a plain numpy
training loop written here (and torch where installed), plus finite differences.

The reference below is written from the textbook formulas, not from stepcalc's engine:
batch norm by its classic derivation is replaced by autograd-free "sum of paths" algebra
(∂L/∂x = (γ/σ)(g − mean(g) − x̂·mean(g·x̂))), dropout as a masked product.
"""

from __future__ import annotations

import numpy as np
import pytest

import stepcalc
from stepcalc.engine.numbers.gradcheck import check_gradients

RTOL = 1e-9
LARGEST: dict[str, float] = {}


# --------------------------------------------------------------- the reference ---------

def act(name, u):
    if name == "relu":
        return np.maximum(u, 0.0)
    if name == "tanh":
        return np.tanh(u)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-u))
    if name == "softmax":
        e = np.exp(u - u.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return u


def act_back(name, u, a, g):
    if name == "relu":
        return g * (u > 0)
    if name == "tanh":
        return g * (1 - a ** 2)
    if name == "sigmoid":
        return g * a * (1 - a)
    if name == "softmax":
        return a * (g - (g * a).sum(axis=1, keepdims=True))
    return g


def reference(spec, x, y, params, lr, steps, batch, loss, with_ones=None):
    """A plain loop: spec is a list of dicts (type, names …); returns {id: value}."""
    out = {}
    p = {k: np.array(v, dtype=float) for k, v in params.items()}
    n = len(x)
    size = batch if 0 < batch < n else n
    plan = [slice(s, min(s + size, n)) for s in range(0, n, size)]
    for number in range(1, steps + 1):
        rows = plan[(number - 1) % len(plan)]
        pre = "" if number == 1 else f"step{number}."
        xb, yb = x[rows], y[rows]
        m = len(xb)
        vals, caches = forward(spec, p, xb, rows, with_ones)
        out.update({pre + k: v for k, v in vals.items()})
        yh = vals[spec[-1]["post"]]
        if loss == "cross_entropy":
            out[pre + "loss"] = float(-(yb * np.log(yh)).sum() / m)
            g = (yh - yb) / m
            g_post_out = None
        elif loss == "binary_cross_entropy":
            out[pre + "loss"] = float(-(yb * np.log(yh) + (1 - yb) * np.log(1 - yh)).sum() / m)
            g = (yh - yb) / m
        else:   # squared_error
            out[pre + "loss"] = float(((yh - yb) ** 2).sum() / m)
            g_post_out = 2 * (yh - yb) / m
            last = spec[-1]
            g = act_back(last["act"], caches[-1]["u"], yh, g_post_out)
        grads = backward(spec, p, caches, g, out, pre, with_ones)
        for k in p:
            out[pre + "grad." + k] = grads[k]
            p[k] = p[k] - lr * grads[k]
            out[pre + "new." + k] = p[k].copy()
    return out


def forward(spec, p, xb, rows, with_ones):
    vals, caches = {}, []
    a = xb
    for layer in spec:
        c = {"in": a}
        if layer["type"] == "dense":
            inp = with_ones(a) if with_ones else a
            u = inp @ p[layer["W"]] + (p[layer["b"]] if layer.get("b") else 0.0)
            c["inp"] = inp
        elif layer["type"] == "batchnorm":
            mu = a.mean(axis=0)
            var = a.var(axis=0)               # numpy's default ddof=0: biased
            xh = (a - mu) / np.sqrt(var + 1e-5)
            u = p[layer["W"]] * xh + p[layer["b"]]
            c.update(xh=xh, var=var)
            vals.update({layer["mu"]: mu, layer["var"]: var, layer["x_hat"]: xh})
        elif layer["type"] == "dropout":
            scale = layer["mask"][rows] / (1 - layer["p"])
            u = a * scale
            c["scale"] = scale
        else:
            u = a
        c["u"] = u
        a = u if layer["type"] == "dropout" else act(layer["act"], u)
        if layer["type"] in ("dense", "batchnorm"):
            vals[layer["pre"]] = u
        vals[layer["post"]] = a
        c["a"] = a
        caches.append(c)
    return vals, caches


def backward(spec, p, caches, g_u_last, out, pre, with_ones):
    grads = {}
    g_u = g_u_last
    for i in range(len(spec) - 1, -1, -1):
        layer, c = spec[i], caches[i]
        if i < len(spec) - 1:
            g_a = g_u          # (the gradient of this layer's output, carried below)
            if layer["type"] == "dropout":
                g_u = g_a * c["scale"]
            else:
                g_u = act_back(layer["act"], c["u"], c["a"], g_a)
        if layer["type"] in ("dense", "batchnorm"):
            out[pre + "grad." + layer["pre"]] = g_u
        if layer["type"] == "dense":
            grads[layer["W"]] = c["inp"].T @ g_u
            if layer.get("b"):
                grads[layer["b"]] = g_u.sum(axis=0)
            g_in = g_u @ p[layer["W"]].T
            if with_ones:
                g_in = g_in[:, :-1]
        elif layer["type"] == "batchnorm":
            gamma, xh = p[layer["W"]], c["xh"]
            grads[layer["W"]] = (g_u * xh).sum(axis=0)
            grads[layer["b"]] = g_u.sum(axis=0)
            g_xh = g_u * gamma
            out[pre + "grad." + layer["x_hat"]] = g_xh
            # the compact form of the same derivative (not the one stepcalc computes)
            std = np.sqrt(c["var"] + 1e-5)
            g_in = (g_xh - g_xh.mean(axis=0) - xh * (g_xh * xh).mean(axis=0)) / std
        else:
            g_in = g_u
        if i > 0:
            out[pre + "grad." + spec[i - 1]["post"]] = g_in
        g_u = g_in
    return grads


def compare(trace, expected, label):
    worst = 0.0
    checked = 0
    for key, want in expected.items():
        got = np.asarray(trace.values[key], dtype=float)
        want = np.asarray(want, dtype=float).reshape(got.shape)
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-12, err_msg=key)
        scale = np.maximum(np.abs(want), 1e-8)
        worst = max(worst, float(np.max(np.abs(got - want) / scale)))
        checked += 1
    LARGEST[label] = worst
    assert checked >= 15
    return worst


def gradients_ok(sc):
    for result in check_gradients(sc, limit=64):
        assert result.ok(1e-6), (result.name, result.max_error, result.notes())


# --------------------------------------------------------------- scenarios ---------

RNG = np.random.default_rng(7)
X = RNG.normal(size=(6, 3))
LABELS = np.array([0, 2, 1, 1, 0, 2])
ONE_HOT = np.eye(3)[LABELS]
W1 = RNG.normal(scale=0.8, size=(3, 4))
B1 = RNG.normal(scale=0.1, size=4)
W3 = RNG.normal(scale=0.8, size=(4, 3))
B3 = RNG.normal(scale=0.1, size=3)
GAMMA = np.array([1.2, 0.7, 1.0, 0.9])
BETA = np.array([0.1, -0.2, 0.0, 0.3])
MASK = (RNG.random((6, 4)) > 0.4).astype(float)


def batchnorm_scenario(steps=3, batch=3):
    return stepcalc.scenario(
        title="bn", x=X, y=LABELS.tolist(),
        layers=[dict(units=4, activation="identity"),
                dict(type="batchnorm", activation="relu", weights="g2", bias_name="be2"),
                dict(units=3, activation="softmax")],
        params=dict(W1=W1, b1=B1, g2=GAMMA, be2=BETA, W3=W3, b3=B3),
        train=dict(loss="cross_entropy", lr=0.3, steps=steps, batch_size=batch))


BN_SPEC = [dict(type="dense", W="W1", b="b1", pre="u1", post="a1", act="identity"),
           dict(type="batchnorm", W="g2", b="be2", pre="u2", post="a2", act="relu",
                mu="mu2", var="var2", x_hat="x_hat2"),
           dict(type="dense", W="W3", b="b3", pre="u3", post="y_hat", act="softmax")]


def test_batchnorm_mlp_matches_numpy_over_minibatch_steps():
    sc = batchnorm_scenario()
    expected = reference(BN_SPEC, X, ONE_HOT, dict(W1=W1, b1=B1, g2=GAMMA, be2=BETA, W3=W3, b3=B3),
                         0.3, 3, 3, "cross_entropy")
    trace = stepcalc.trace(sc)
    compare(trace, expected, "batchnorm")
    # the intermediate gradients of the classic derivation exist for every recorded step
    for pre in ("", "step2.", "step3."):
        for name in ("grad.mu2", "grad.var2", "grad.x_hat2", "grad.a1"):
            assert pre + name in trace.values


def test_batchnorm_slides_come_in_the_derivations_order():
    trace = stepcalc.trace(batchnorm_scenario(steps=1, batch=0))
    ids = [str(s.id) for s in trace.steps]
    forward = [ids.index(i) for i in ("u1", "a1", "mu2", "var2", "x_hat2", "u2", "a2", "u3")]
    assert forward == sorted(forward)
    backward = [ids.index(i) for i in ("grad.u2", "grad.x_hat2", "grad.var2", "grad.mu2",
                                       "grad.a1", "grad.g2", "grad.be2", "grad.u1")]
    assert backward == sorted(backward)
    # formula, numbers put in, result: the numbers put in evaluate to the entry's value
    for step in trace.steps:
        if str(step.id) in ("mu2", "var2", "x_hat2", "u2", "grad.x_hat2", "grad.var2", "grad.mu2",
                            "grad.a1", "grad.g2"):
            for element in np.ndindex(step.value.shape):
                numbers = float(step.expand(element).numeric.evalf(30))
                assert numbers == pytest.approx(float(step.value[element]), rel=1e-9, abs=1e-12), \
                    (str(step.id), element)
            assert "ε" in str(step.formula) or str(step.id) in ("mu2", "var2", "u2", "grad.x_hat2",
                                                                  "grad.g2")


def test_batchnorm_and_dropout_gradients_pass_finite_differences():
    gradients_ok(batchnorm_scenario(steps=1, batch=4))
    gradients_ok(dropout_scenario(steps=1))


def test_batchnorm_matches_torch_where_installed():
    torch = pytest.importorskip("torch")
    sc = batchnorm_scenario(steps=1, batch=0)
    trace = stepcalc.trace(sc)
    a1 = torch.tensor(trace.values["a1"], requires_grad=True)
    g = torch.tensor(GAMMA, requires_grad=True)
    b = torch.tensor(BETA, requires_grad=True)
    u2 = torch.nn.functional.batch_norm(a1, None, None, g, b, training=True, eps=1e-5)
    np.testing.assert_allclose(trace.values["u2"], u2.detach().numpy(), rtol=1e-12, atol=1e-12)
    u2.backward(torch.tensor(trace.values["grad.u2"]))
    np.testing.assert_allclose(trace.values["grad.a1"], a1.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(trace.values["grad.g2"], g.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(trace.values["grad.be2"], b.grad.numpy(), rtol=1e-9, atol=1e-12)


def dropout_scenario(steps=3, batch=2):
    return stepcalc.scenario(
        title="dropout", x=X, y=(ONE_HOT @ np.array([[1.0, -1.0, 0.5]]).T).ravel().tolist(),
        layers=[dict(units=4, activation="tanh"),
                dict(type="dropout", p=0.25, mask=MASK),
                dict(units=1, activation="identity")],
        params=dict(W1=W1, b1=B1, W3=W3[:, :1], b3=B3[:1]),
        train=dict(loss="squared_error", lr=0.05, steps=steps, batch_size=batch))


def test_dropout_matches_numpy_over_minibatch_steps():
    y = (ONE_HOT @ np.array([[1.0, -1.0, 0.5]]).T)
    spec = [dict(type="dense", W="W1", b="b1", pre="u1", post="a1", act="tanh"),
            dict(type="dropout", p=0.25, mask=MASK, post="a2"),
            dict(type="dense", W="W3", b="b3", pre="u3", post="y_hat", act="identity")]
    expected = reference(spec, X, y, dict(W1=W1, b1=B1, W3=W3[:, :1], b3=B3[:1]), 0.05, 3, 2,
                         "squared_error")
    trace = stepcalc.trace(dropout_scenario())
    compare(trace, expected, "dropout")
    # step 2 uses rows 3 and 4 of the mask: a dropped unit passes nothing forward or back
    dropped = MASK[2:4] == 0
    assert np.all(trace.values["step2.a2"][dropped] == 0)
    assert np.all(trace.values["step2.grad.a1"][dropped] == 0)


def test_activation_layer_softmax_on_its_own():
    sc = stepcalc.scenario(
        title="softmax layer", x=X, y=LABELS.tolist(),
        layers=[dict(units=3, activation="identity"), dict(type="activation", activation="softmax")],
        params=dict(W1=W3[:3], b1=B3),
        train=dict(loss="cross_entropy", lr=0.5, steps=2, batch_size=4))
    spec = [dict(type="dense", W="W1", b="b1", pre="u1", post="a1", act="identity"),
            dict(type="activation", post="y_hat", act="softmax")]
    expected = reference(spec, X, ONE_HOT, dict(W1=W3[:3], b1=B3), 0.5, 2, 4, "cross_entropy")
    trace = stepcalc.trace(sc)
    compare(trace, expected, "activation")
    assert sc.param_names == ("W1", "b1")
    gradients_ok(sc)


def test_bias_none_and_folded_last_match_numpy():
    sc = stepcalc.scenario(
        title="none", x=X, y=LABELS.tolist(), bias="none",
        layers=[dict(units=4, activation="tanh"), dict(units=3, activation="softmax")],
        params=dict(W1=W1, W2=W3), train=dict(loss="cross_entropy", lr=0.2, steps=2, batch_size=3))
    assert sc.param_names == ("W1", "W2")
    spec = [dict(type="dense", W="W1", pre="u1", post="a1", act="tanh"),
            dict(type="dense", W="W2", pre="u2", post="y_hat", act="softmax")]
    compare(stepcalc.trace(sc), reference(spec, X, ONE_HOT, dict(W1=W1, W2=W3), 0.2, 2, 3,
                                          "cross_entropy"), "bias none")
    # folded, last: the bias is the last row of W (row convention)
    W1f, W2f = np.vstack([W1, B1]), np.vstack([W3, B3])
    sc = stepcalc.scenario(
        title="last", x=X, y=LABELS.tolist(), bias="folded",
        model=dict(bias_position="last"),
        layers=[dict(units=4, activation="tanh"), dict(units=3, activation="softmax")],
        params=dict(W1=W1f, W2=W2f), train=dict(loss="cross_entropy", lr=0.2, steps=2, batch_size=3))
    expected = reference(spec, X, ONE_HOT, dict(W1=W1f, W2=W2f), 0.2, 2, 3, "cross_entropy",
                         with_ones=lambda a: np.hstack([a, np.ones((len(a), 1))]))
    trace = stepcalc.trace(sc)
    compare(trace, expected, "folded last")
    gradients_ok(sc)
    # the slide writes the bias as input d + 1: W⁽¹⁾₄₁ multiplies the constant 1
    step = next(s for s in trace.steps if str(s.id) == "u1")
    written = str(step.expand((0, 0)).symbolic)
    assert "W⁽¹⁾[4, 1]" in written and "x[1, 4]" not in written


def test_folded_last_column_convention():
    W1c = np.hstack([W1.T, B1[:, None]])            # (units × inputs + 1), bias last
    sc = stepcalc.scenario(
        title="column last", x=X, y=LABELS.tolist(), bias="folded", convention="column",
        model=dict(bias_position="last"),
        layers=[dict(units=4, activation="relu"), dict(units=3, activation="softmax")],
        params=dict(W1=W1c, W2=np.hstack([W3.T, B3[:, None]])),
        train=dict(loss="cross_entropy", lr=0.2, steps=1))
    u1 = X @ W1 + B1
    np.testing.assert_allclose(stepcalc.trace(sc).values["u1"], u1, rtol=1e-12)
    gradients_ok(sc)


def test_multilabel_sigmoid_outputs_with_bce():
    y = (np.random.default_rng(3).random((6, 3)) > 0.5).astype(int)
    sc = stepcalc.scenario(
        title="multi-label", x=X, y=y.tolist(),
        layers=[dict(units=4, activation="relu"), dict(units=3, activation="sigmoid")],
        params=dict(W1=W1, b1=B1, W2=W3, b2=B3),
        train=dict(loss="binary_cross_entropy", lr=0.4, steps=3, batch_size=4))
    spec = [dict(type="dense", W="W1", b="b1", pre="u1", post="a1", act="relu"),
            dict(type="dense", W="W2", b="b2", pre="u2", post="y_hat", act="sigmoid")]
    expected = reference(spec, X, y.astype(float), dict(W1=W1, b1=B1, W2=W3, b2=B3), 0.4, 3, 4,
                         "binary_cross_entropy")
    trace = stepcalc.trace(sc)
    compare(trace, expected, "multi-label")
    gradients_ok(sc)


def test_forward_only_without_targets():
    sc = stepcalc.scenario(
        title="forward only", x=X[:2],
        layers=[dict(units=3, activation="identity"), dict(type="activation", activation="softmax")],
        params=dict(W1=W3[:3], b1=B3))
    assert sc.train.steps == 0 and sc.data.y is None
    trace = stepcalc.trace(sc)
    u = X[:2] @ W3[:3] + B3
    e = np.exp(u - u.max(axis=1, keepdims=True))
    np.testing.assert_allclose(trace.values["y_hat"], e / e.sum(axis=1, keepdims=True), rtol=1e-12)
    assert [str(s.id) for s in trace.steps] == ["u1", "a1", "y_hat"]
    assert "loss" not in trace.values


def test_numpy_script_of_the_new_layers_agrees(tmp_path):
    import subprocess
    import sys

    from stepcalc.render.numpy_script import render_numpy

    for sc in (batchnorm_scenario(), dropout_scenario()):
        path = tmp_path / "check.py"
        path.write_text(render_numpy(stepcalc.trace(sc)), encoding="utf-8")
        done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "values agree" in done.stdout


def test_report_largest_relative_difference(capsys):
    """Not an assertion of its own: prints the largest relative difference seen above."""
    if LARGEST:
        print("largest relative difference:", max(LARGEST.values()), LARGEST)
