"""Every optimizer and learning-rate schedule against an independent computation.

The reference below is numpy written out here (a 3-4-2 tanh/identity net, squared error,
mean over minibatches of 2, 2 and 1 samples, cycling), with each optimizer written from
its textbook/torch.optim formula per parameter — nothing is read back from stepcalc but the
values compared. Where torch is installed the same runs are compared with torch.optim.
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import stepcalc
from conftest import train_toml
from stepcalc.engine.numbers.gradcheck import check_gradients

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-0.2, 0.8, 0.1],
              [1.0, 1.0, -1.0], [0.0, -0.5, 0.6]])
Y = np.array([[1.0, 0.0], [0.2, -0.4], [0.5, 0.5], [-1.0, 0.3], [0.0, 1.0]])
PARAMS = {
    "W1": np.array([[0.2, -0.3, 0.1, 0.05], [0.4, 0.1, -0.2, 0.3], [-0.1, 0.25, 0.15, -0.35]]),
    "b1": np.array([0.01, -0.02, 0.03, 0.0]),
    "W2": np.array([[0.3, -0.2], [-0.4, 0.5], [0.2, 0.1], [0.1, -0.3]]),
    "b2": np.array([0.05, -0.05]),
}
WEIGHTS = ("W1", "W2")
STEPS, BATCH, LR = 5, 2, 0.1

CASES = {
    "sgd": {},
    "sgd_decay_step": {"weight_decay": 0.05, "lr_schedule": "step", "lr_step": 2, "lr_gamma": 0.5},
    "momentum": {"optimizer": "momentum", "momentum": 0.8},
    "momentum_pytorch": {"optimizer": "momentum", "momentum_form": "pytorch", "weight_decay": 0.02},
    "nesterov": {"optimizer": "nesterov", "momentum": 0.7, "lr_schedule": "exponential", "lr_gamma": 0.9},
    "adagrad": {"optimizer": "adagrad"},
    "rmsprop": {"optimizer": "rmsprop", "rho": 0.9, "weight_decay": 0.01},
    "adam": {"optimizer": "adam"},
    "adam_decay_exp": {"optimizer": "adam", "beta1": 0.8, "beta2": 0.99, "eps": 1e-6,
                       "weight_decay": 0.1, "lr_schedule": "exponential", "lr_gamma": 0.8},
    "adamw": {"optimizer": "adamw", "weight_decay": 0.1, "lr_schedule": "step", "lr_step": 3},
}


def scenario(train: dict):
    text = train_toml(x=X.tolist(), y=Y.tolist(), layers=((4, "tanh"), (2, "identity")),
                      loss="squared_error", lr=LR, steps=STEPS,
                      params={k: v.tolist() for k, v in PARAMS.items()},
                      train={"batch_size": BATCH, **train})
    return stepcalc.loads(text)


# ------------------------------------------------------------------ the reference --------

def gradients(p, x, y, lam):
    u1 = x @ p["W1"] + p["b1"]
    a1 = np.tanh(u1)
    out = a1 @ p["W2"] + p["b2"]
    d2 = 2.0 * (out - y) / len(x)
    d1 = (d2 @ p["W2"].T) * (1.0 - a1 ** 2)
    return {"W1": x.T @ d1 + lam * p["W1"], "b1": d1.sum(axis=0),
            "W2": a1.T @ d2 + lam * p["W2"], "b2": d2.sum(axis=0)}


def reference(train: dict):
    """{id: value} of every step: new.*, the buffers, eta — written from the formulas."""
    opt = train.get("optimizer", "sgd")
    lam = train.get("weight_decay", 0.0)
    mu = train.get("momentum", 0.9)
    b1, b2 = train.get("beta1", 0.9), train.get("beta2", 0.999)
    eps = train.get("eps", 1e-10 if opt == "adagrad" else 1e-8)
    rho = train.get("rho", 0.99)
    p = {k: v.copy() for k, v in PARAMS.items()}
    state = {k: {name: np.zeros_like(v) for name, v in PARAMS.items()} for k in ("v", "m", "s")}
    out = {}
    starts = list(range(0, len(X), BATCH))
    for t in range(1, STEPS + 1):
        pre = "" if t == 1 else f"step{t}."
        start = starts[(t - 1) % len(starts)]
        rows = slice(start, start + BATCH)
        schedule = train.get("lr_schedule", "constant")
        if schedule == "step":
            eta = LR * train.get("lr_gamma", 0.1) ** ((t - 1) // train["lr_step"])
        elif schedule == "exponential":
            eta = LR * train["lr_gamma"] ** (t - 1)
        else:
            eta = LR
        out[pre + "eta"] = eta
        g = gradients(p, X[rows], Y[rows], 0.0 if opt == "adamw" else lam)
        for name in p:
            gi, th = g[name], p[name]
            v, m, s = state["v"][name], state["m"][name], state["s"][name]
            if opt == "sgd":
                new = th - eta * gi
            elif opt == "momentum" and train.get("momentum_form") == "pytorch":
                v = mu * v + gi
                new = th - eta * v
            elif opt == "momentum":
                v = mu * v - eta * gi
                new = th + v
            elif opt == "nesterov":
                v = mu * v + gi
                new = th - eta * (gi + mu * v)
            elif opt == "adagrad":
                s = s + gi ** 2
                new = th - eta * gi / (np.sqrt(s) + eps)
            elif opt == "rmsprop":
                s = rho * s + (1 - rho) * gi ** 2
                new = th - eta * gi / (np.sqrt(s) + eps)
            else:                                   # adam, adamw
                if opt == "adamw" and name in WEIGHTS:
                    th = th * (1 - eta * lam)
                m = b1 * m + (1 - b1) * gi
                s = b2 * s + (1 - b2) * gi ** 2
                mhat, shat = m / (1 - b1 ** t), s / (1 - b2 ** t)
                new = th - eta * mhat / (np.sqrt(shat) + eps)
                out[pre + "mhat." + name], out[pre + "shat." + name] = mhat, shat
            state["v"][name], state["m"][name], state["s"][name] = v, m, s
            out[pre + "grad." + name] = gi
            out[pre + "new." + name] = new
            if opt in ("momentum", "nesterov"):
                out[pre + "v." + name] = v
            if opt in ("adam", "adamw"):
                out[pre + "m." + name] = m
            if opt in ("adagrad", "rmsprop", "adam", "adamw"):
                out[pre + "s." + name] = s
            p[name] = new
    return out


def relative(a, b) -> float:
    """max |a − b| over the array, relative to the array's largest entry (an entry that
    is 0 up to rounding has no relative error of its own)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-300))


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_optimizer_against_numpy(case):
    train = CASES[case]
    tr = stepcalc.trace(scenario(train))
    expected = reference(train)
    worst = 0.0
    for key, value in expected.items():
        assert key in tr.values, key
        worst = max(worst, relative(tr.values[key], value))
        np.testing.assert_allclose(tr.values[key], value, rtol=1e-12, atol=1e-15, err_msg=key)
    assert worst < 1e-12
    # No buffer of another optimizer is made up.
    kinds = {key.split(".")[-2] for key in tr.values if key.count(".") >= 1}
    for kind in ("v", "m", "s", "mhat", "shat"):
        assert (kind in kinds) == any(f"{kind}.W1" == k for k in expected), (case, kind)


@pytest.mark.parametrize("case", sorted(CASES))
def test_update_slides_compute_their_values(case):
    """Each update slide's numbers put in, evaluated by sympy, give the recorded value."""
    tr = stepcalc.trace(scenario(CASES[case]))
    shown = [s for s in tr.steps if s.phase == "update"]
    assert shown
    for step in shown:
        element = tuple(i - 1 for i in step.value.shape) if step.value.ndim else ()
        e = step.expand(element)
        assert float(e.numeric.doit()) == pytest.approx(float(step.value[element]), rel=1e-9), str(step.id)
        assert step.formula is not None


def test_schedule_slide_and_ids():
    tr = stepcalc.trace(scenario(CASES["sgd_decay_step"]))
    etas = [float(tr.values[("" if t == 1 else f"step{t}.") + "eta"]) for t in range(1, STEPS + 1)]
    assert etas == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025], rel=1e-15)
    slides = [s for s in tr.steps if str(s.id).endswith("eta")]
    assert len(slides) == STEPS
    from stepcalc.render.printing import to_latex
    e = slides[2].expand(())           # step 3: η₀·γ^⌊(3−1)/2⌋ = 0.1 × 0.5¹
    assert to_latex(e.numeric, 3) == r"0.1 \times {0.5}^{1}"
    assert r"\left\lfloor" in to_latex(slides[2].formula, 3)


def test_constant_rate_has_no_schedule_slide_but_an_eta_id():
    tr = stepcalc.trace(scenario({}))
    assert not [s for s in tr.steps if str(s.id).endswith("eta")]
    assert float(tr.values["step3.eta"]) == LR


@pytest.mark.parametrize("case", ["adamw", "adam_decay_exp", "rmsprop"])
def test_gradient_check_unaffected(case):
    """The optimizers change the update, never the gradient: central differences agree
    (adamw's gradient carries no λW, so its check has no penalty)."""
    sc = scenario(CASES[case])
    for result in check_gradients(sc):
        assert result.ok(1e-6), result


def test_adamw_gradient_has_no_decay_but_adam_does():
    plain = stepcalc.trace(scenario({}))
    adamw = stepcalc.trace(scenario(CASES["adamw"]))
    adam = stepcalc.trace(scenario({"optimizer": "adam", "weight_decay": 0.1}))
    np.testing.assert_array_equal(adamw.values["grad.W1"], plain.values["grad.W1"])
    np.testing.assert_allclose(adam.values["grad.W1"], plain.values["grad.W1"] + 0.1 * PARAMS["W1"],
                               rtol=1e-14)


# ------------------------------------------------------------------ torch ----------------

def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


@pytest.mark.platform_skip        # torch is optional: CI does not install it
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_optimizer_against_torch(case):
    torch = _torch()
    if torch is None:
        pytest.skip("torch is not installed")
    train = CASES[case]
    opt = train.get("optimizer", "sgd")
    lam = train.get("weight_decay", 0.0)
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in PARAMS.items()}
    groups = [{"params": [p[k] for k in WEIGHTS], "weight_decay": lam},
              {"params": [p["b1"], p["b2"]], "weight_decay": 0.0}]
    if opt in ("sgd", "momentum", "nesterov"):
        momentum = 0.0 if opt == "sgd" else train.get("momentum", 0.9)
        optimizer = torch.optim.SGD(groups, lr=LR, momentum=momentum, nesterov=opt == "nesterov")
    elif opt == "adagrad":
        optimizer = torch.optim.Adagrad(groups, lr=LR, eps=train.get("eps", 1e-10))
    elif opt == "rmsprop":
        optimizer = torch.optim.RMSprop(groups, lr=LR, alpha=train.get("rho", 0.99), eps=train.get("eps", 1e-8))
    else:
        cls = torch.optim.AdamW if opt == "adamw" else torch.optim.Adam
        optimizer = cls(groups, lr=LR, betas=(train.get("beta1", 0.9), train.get("beta2", 0.999)),
                        eps=train.get("eps", 1e-8))
    schedule = train.get("lr_schedule", "constant")
    scheduler = (torch.optim.lr_scheduler.StepLR(optimizer, train["lr_step"], train.get("lr_gamma", 0.1))
                 if schedule == "step" else
                 torch.optim.lr_scheduler.ExponentialLR(optimizer, train["lr_gamma"])
                 if schedule == "exponential" else None)
    tr = stepcalc.trace(scenario(train))
    x, y = torch.tensor(X), torch.tensor(Y)
    starts = list(range(0, len(X), BATCH))
    for t in range(1, STEPS + 1):
        start = starts[(t - 1) % len(starts)]
        xb, yb = x[start:start + BATCH], y[start:start + BATCH]
        optimizer.zero_grad()
        out = torch.tanh(xb @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
        loss = ((out - yb) ** 2).sum(dim=1).mean()
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        pre = "" if t == 1 else f"step{t}."
        assert float(tr.values[pre + "loss"]) == pytest.approx(loss.item(), rel=1e-13)
        if opt == "momentum" and train.get("momentum_form") != "pytorch":
            continue        # the classic form is no torch optimizer; its θ is compared with numpy
        for name, value in p.items():
            np.testing.assert_allclose(tr.values[pre + "new." + name], value.detach().numpy(),
                                       rtol=1e-12, atol=1e-15, err_msg=f"{case} {pre}new.{name}")


# ------------------------------------------------------------------ validation -----------

@pytest.mark.parametrize("train, path, words", [
    ({"optimizer": "sgd", "beta1": 0.9}, "train.beta1", 'only used with optimizer = "adam" or "adamw"'),
    ({"optimizer": "adam", "momentum": 0.9}, "train.momentum", "only used with optimizer"),
    ({"optimizer": "adam", "rho": 0.9}, "train.rho", '"rmsprop"'),
    ({"optimizer": "sgd", "eps": 1e-8}, "train.eps", "only used with optimizer"),
    ({"optimizer": "nesterov", "momentum": 0.0}, "train.momentum", "momentum > 0"),
    ({"optimizer": "nesterov", "momentum_form": "pytorch"}, "train.momentum_form", '"momentum"'),
    ({"optimizer": "momentum", "momentum_form": "torch"}, "train.momentum_form", "classic, pytorch"),
    ({"optimizer": "adam", "beta2": 1.0}, "train.beta2", "< 1"),
    ({"optimizer": "adagrad", "eps": -1.0}, "train.eps", ">= 0"),
    ({"lr_schedule": "step"}, "train.lr_step", "missing"),
    ({"lr_schedule": "exponential"}, "train.lr_gamma", "missing"),
    ({"lr_schedule": "constant", "lr_gamma": 0.5}, "train.lr_gamma", "only used with lr_schedule"),
    ({"lr_schedule": "exponential", "lr_gamma": 0.5, "lr_step": 2}, "train.lr_step", '"step"'),
    ({"lr_schedule": "step", "lr_step": 0}, "train.lr_step", ">= 1"),
    ({"lr_schedule": "step", "lr_step": 2, "lr_gamma": 0.0}, "train.lr_gamma", "> 0"),
    ({"optimizer": "lbfgs"}, "train.optimizer", "adam"),
])
def test_optimizer_settings_errors(tmp_path, train, path, words):
    from conftest import run_cli, write_scenario
    file = write_scenario(tmp_path, train_toml(train=train))
    code, out, err = run_cli("check", file)
    assert code == 2, err
    assert path in err and words in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("case", sorted(CASES))
def test_numpy_export_recomputes_every_optimizer_value(case, tmp_path):
    """`-f numpy` writes each optimizer out in plain numpy; every recorded value agrees."""
    import subprocess
    import sys

    from stepcalc.render.numpy_script import render_numpy

    tr = stepcalc.trace(scenario(CASES[case]))
    path = tmp_path / "check.py"
    path.write_text(render_numpy(tr), encoding="utf-8")
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1] == f"{len(tr.values)} values agree"
