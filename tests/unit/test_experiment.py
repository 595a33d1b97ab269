"""kind = "experiment": the trainer against an independent numpy computation, finite
differences, reproducibility from the seed, and the validation errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import stepcalc
from conftest import run_cli, write_scenario
from stepcalc.datasets import load_bundled

IRIS_RUN = '''title = "iris"
kind = "experiment"
[data]
dataset = "iris"
test_fraction = 0.2
seed = 3
normalize = "zscore"
[[runs]]
name = "tiny"
hidden = [5]
activation = "tanh"
init = "normal"
std = 0.3
optimizer = "momentum"
momentum = 0.8
lr = 0.05
epochs = 3
batch_size = 40
seed = 7
'''


def test_small_run_matches_an_independent_numpy_loop():
    """The same training written out here by hand, compared value by value."""
    values = stepcalc.trace(stepcalc.loads(IRIS_RUN)).values
    iris = load_bundled("iris")
    x, labels = iris.x, iris.labels
    order = np.random.default_rng(3).permutation(150)
    test, train = order[:30], order[30:]                   # round(0.2 × 150) = 30 test rows
    mu, sigma = x[train].mean(), x[train].std()             # z-score of every training value
    xtr, xte = (x[train] - mu) / sigma, (x[test] - mu) / sigma
    ytr, yte = labels[train], labels[test]
    rng = np.random.default_rng(7)
    W1 = rng.standard_normal((4, 5)) * 0.3
    W2 = rng.standard_normal((5, 3)) * 0.3
    b1, b2 = np.zeros(5), np.zeros(3)
    vel = [np.zeros((4, 5)), np.zeros(5), np.zeros((5, 3)), np.zeros(3)]

    def scores(xs):
        h = np.tanh(xs @ W1 + b1)
        return h, h @ W2 + b2

    def cross_entropy(z, y):
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        return -np.mean(np.log(p[np.arange(len(y)), y])), p

    def check_epoch(k):
        h, z = scores(xtr)
        _, zt = scores(xte)
        assert values[f"tiny.epoch{k}.loss"] == pytest.approx(cross_entropy(z, ytr)[0], rel=1e-12)
        assert values[f"tiny.epoch{k}.test_loss"] == pytest.approx(cross_entropy(zt, yte)[0], rel=1e-12)
        assert values[f"tiny.epoch{k}.accuracy"] == np.mean(zt.argmax(1) == yte)
        assert values[f"tiny.epoch{k}.train_accuracy"] == np.mean(z.argmax(1) == ytr)
        np.testing.assert_allclose(values[f"tiny.epoch{k}.act_mean"], [h.mean()], rtol=1e-12)
        np.testing.assert_allclose(values[f"tiny.epoch{k}.act_std"], [h.std()], rtol=1e-12)

    check_epoch(0)
    for epoch in range(1, 4):
        perm = rng.permutation(120)
        norms = []
        for start in range(0, 120, 40):
            rows = perm[start:start + 40]
            xb, yb = xtr[rows], ytr[rows]
            h = np.tanh(xb @ W1 + b1)
            _, p = cross_entropy(h @ W2 + b2, yb)
            dz = (p - np.eye(3)[yb]) / len(yb)
            dW2, db2 = h.T @ dz, dz.sum(0)
            dh = dz @ W2.T * (1 - h ** 2)
            dW1, db1 = xb.T @ dh, dh.sum(0)
            norms.append([np.linalg.norm(dW1), np.linalg.norm(dW2)])
            for v, param, g in zip(vel, (W1, b1, W2, b2), (dW1, db1, dW2, db2)):
                v[...] = 0.8 * v - 0.05 * g
                param += v
        np.testing.assert_allclose(values[f"tiny.epoch{epoch}.grad_norm"], np.mean(norms, axis=0), rtol=1e-10)
        check_epoch(epoch)


@pytest.mark.parametrize("optimizer", ["adam", "adamw"])
def test_batchnorm_adam_epoch_matches_an_independent_numpy_loop(optimizer):
    """Batch norm (batch statistics in training, running ones when evaluating) and Adam /
    AdamW with weight decay, written out here by hand: two epochs, value by value."""
    text = (IRIS_RUN.replace('optimizer = "momentum"\nmomentum = 0.8',
                             f'optimizer = "{optimizer}"\nweight_decay = 0.1')
            .replace('activation = "tanh"', 'activation = "relu"\nbatchnorm = true')
            .replace('init = "normal"\nstd = 0.3', 'init = "kaiming"')
            .replace("lr = 0.05", "lr = 0.01").replace("epochs = 3", "epochs = 2"))
    values = stepcalc.trace(stepcalc.loads(text)).values
    iris = load_bundled("iris")
    order = np.random.default_rng(3).permutation(150)
    test, train = order[:30], order[30:]
    mu, sigma = iris.x[train].mean(), iris.x[train].std()
    xtr, xte = (iris.x[train] - mu) / sigma, (iris.x[test] - mu) / sigma
    ytr, yte = iris.labels[train], iris.labels[test]
    rng = np.random.default_rng(7)
    W1 = rng.standard_normal((4, 5)) * np.sqrt(2 / 4)
    W2 = rng.standard_normal((5, 3)) * np.sqrt(2 / 5)
    b1, gamma, beta, b2 = np.zeros(5), np.ones(5), np.zeros(5), np.zeros(3)
    params = [W1, b1, gamma, beta, W2, b2]
    m = [np.zeros_like(q) for q in params]
    v = [np.zeros_like(q) for q in params]
    run_mean, run_var = np.zeros(5), np.ones(5)
    eps, lam, lr = 1e-5, 0.1, 0.01

    def evaluate(xs, ys):
        u = xs @ W1 + b1
        h = np.maximum(gamma * (u - run_mean) / np.sqrt(run_var + eps) + beta, 0)
        z = h @ W2 + b2
        logp = z - z.max(1, keepdims=True)
        logp -= np.log(np.exp(logp).sum(1, keepdims=True))
        return -logp[np.arange(len(ys)), ys].mean(), np.mean(logp.argmax(1) == ys)

    t = 0
    for epoch in (1, 2):
        perm = rng.permutation(120)
        norms = []
        for start in range(0, 120, 40):
            rows = perm[start:start + 40]
            xb, yb, n = xtr[rows], ytr[rows], len(rows)
            u = xb @ W1 + b1
            bmean, bvar = u.mean(0), ((u - u.mean(0)) ** 2).mean(0)
            xhat = (u - bmean) / np.sqrt(bvar + eps)
            pre = gamma * xhat + beta
            h = np.maximum(pre, 0)
            z = h @ W2 + b2
            p = np.exp(z - z.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            dz = (p - np.eye(3)[yb]) / n
            dW2, db2 = h.T @ dz, dz.sum(0)
            dpre = dz @ W2.T * (pre > 0)
            dgamma, dbeta = (dpre * xhat).sum(0), dpre.sum(0)
            dxhat = dpre * gamma
            du = (n * dxhat - dxhat.sum(0) - xhat * (dxhat * xhat).sum(0)) / (n * np.sqrt(bvar + eps))
            dW1, db1 = xb.T @ du, du.sum(0)
            norms.append([np.linalg.norm(dW1), np.linalg.norm(dW2)])
            run_mean = 0.9 * run_mean + 0.1 * bmean
            run_var = 0.9 * run_var + 0.1 * bvar * n / (n - 1)
            t += 1
            for k, (q, g) in enumerate(zip(params, (dW1, db1, dgamma, dbeta, dW2, db2))):
                if k in (0, 4):            # weight decay on W only
                    if optimizer == "adamw":
                        q -= lr * lam * q
                    else:
                        g = g + lam * q
                m[k] = 0.9 * m[k] + 0.1 * g
                v[k] = 0.999 * v[k] + 0.001 * g * g
                q -= lr * (m[k] / (1 - 0.9 ** t)) / (np.sqrt(v[k] / (1 - 0.999 ** t)) + 1e-8)
        np.testing.assert_allclose(values[f"tiny.epoch{epoch}.grad_norm"], np.mean(norms, 0), rtol=1e-9)
        loss, _ = evaluate(xtr, ytr)
        test_loss, accuracy = evaluate(xte, yte)
        assert values[f"tiny.epoch{epoch}.loss"] == pytest.approx(loss, rel=1e-9)
        assert values[f"tiny.epoch{epoch}.test_loss"] == pytest.approx(test_loss, rel=1e-9)
        assert values[f"tiny.epoch{epoch}.accuracy"] == accuracy


def _random_problem(seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(6, 3)), rng.integers(0, 4, size=6)


@pytest.mark.parametrize("activation,batchnorm", [("tanh", False), ("sigmoid", True), ("elu", True)])
def test_trainer_gradients_match_central_differences(activation, batchnorm):
    from stepcalc.engine.numbers.experiment_train import Layout, backward, forward, init_params, loss_of

    x, y = _random_problem(1)
    layout = Layout((3, 4, 5, 4), batchnorm)
    params = init_params(layout, "normal", 0.7, np.random.default_rng(2))
    rng = np.random.default_rng(5)
    for k in range(len(params)):   # γ, β and biases away from 1 and 0
        params[k] = params[k] + 0.3 * rng.normal(size=params[k].shape)
    grads = backward(params, layout, activation, forward(params, layout, activation, x), y)

    def loss():
        return loss_of(forward(params, layout, activation, x), y)

    h = 1e-6
    for p, g in zip(params, grads):
        numeric = np.empty_like(p)
        for idx in np.ndindex(p.shape):
            keep = p[idx]
            p[idx] = keep + h
            up = loss()
            p[idx] = keep - h
            down = loss()
            p[idx] = keep
            numeric[idx] = (up - down) / (2 * h)
        np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-8)


def test_same_seed_same_json_and_another_seed_differs(tmp_path):
    first = write_scenario(tmp_path, IRIS_RUN, "a.toml")
    code1, out1, _ = run_cli("export", first, "-f", "json")
    code2, out2, _ = run_cli("export", first, "-f", "json")
    assert code1 == code2 == 0
    assert out1 == out2
    other = write_scenario(tmp_path, IRIS_RUN.replace("seed = 7", "seed = 8"), "b.toml")
    _, out3, _ = run_cli("export", other, "-f", "json")
    v1, v3 = json.loads(out1)["values"], json.loads(out3)["values"]
    assert v1["tiny.epoch0.loss"] != v3["tiny.epoch0.loss"]


def test_batchnorm_adam_run_learns_iris():
    text = IRIS_RUN.replace('optimizer = "momentum"\nmomentum = 0.8', 'optimizer = "adam"') \
        .replace("lr = 0.05", "lr = 0.02").replace("epochs = 3", "epochs = 30") \
        .replace('activation = "tanh"', 'activation = "relu"\nbatchnorm = true')
    values = stepcalc.trace(stepcalc.loads(text)).values
    assert values["tiny.epoch30.accuracy"] >= 0.8   # chance: 1/3
    assert values["tiny.epoch30.loss"] < values["tiny.epoch0.loss"] / 3


CSV = "a,b,kind\n1,2,cat\n2,1,dog\n3,3,cat\n0,1,dog\n4,2,cat\n"


def csv_scenario(tmp_path, csv_text=CSV, data="", run=""):
    (tmp_path / "rows.csv").write_text(csv_text, encoding="utf-8")
    text = (f'title = "csv"\nkind = "experiment"\n[data]\ncsv = "rows.csv"\ntarget = "kind"\n'
            f'test_fraction = 0.4\n{data}\n[[runs]]\nname = "r"\nhidden = [3]\nepochs = 2\n{run}\n')
    return write_scenario(tmp_path, text, "exp.toml")


def test_csv_rows_relative_to_the_scenario(tmp_path):
    sc = stepcalc.load(csv_scenario(tmp_path))
    data = sc.spec["data"]
    assert data.classes == ("cat", "dog")
    np.testing.assert_array_equal(data.labels, [0, 1, 0, 1, 0])
    np.testing.assert_array_equal(data.x, [[1, 2], [2, 1], [3, 3], [0, 1], [4, 2]])
    assert data.n_test == 2
    trace = stepcalc.trace(sc)
    assert "r.epoch2.accuracy" in trace.values


@pytest.mark.parametrize("csv_text,data,run,path,expected", [
    (CSV, "", "", "data.target", 'no column "kind"'),
    ("a,b,kind\n1,x,cat\n2,1,dog\n", "", "", "data.csv", 'line 2, column "b": expected a number, got "x"'),
    ("a,kind\n1,cat\n2,cat\n3,cat\n", "", "", "data.target", "one class only"),
    (CSV, "", "", "data.test_fraction", "leaves the test split empty"),
    ("a,b,kind\n1,nan,cat\n2,1,dog\n", "", "", "data.csv", 'line 2, column "b": expected a number, got "nan"'),
    ("a,b,kind\n1,2,cat\n2,,dog\n", "", "", "data.csv", 'line 3, column "b": expected a number, got ""'),
    ("a,b,kind\n1,2,cat\n2,1\n", "", "", "data.csv", "line 3 has 2 cells; the header has 3"),
    (CSV, "", 'optimizer = "sgd"\nbeta1 = 0.5', "runs[0].beta1", "only used by adam, adamw"),
    (CSV, "", 'init = "normal"', "runs[0].std", "missing"),
    (CSV, "", 'hidden2 = 3', "runs[0].hidden2", "unknown key"),
    (CSV, 'normalize = "minmax"', "", "data.normalize", "expected one of none, unit, symmetric, zscore"),
])
def test_bad_input_names_file_key_and_expectation(tmp_path, csv_text, data, run, path, expected):
    file = csv_scenario(tmp_path, csv_text, data, run)
    text = file.read_text(encoding="utf-8")
    if expected == 'no column "kind"':
        text = text.replace('target = "kind"', 'target = "species"')
        expected = 'no column "species"'
    if "test split empty" in expected:
        text = text.replace("test_fraction = 0.4", "test_fraction = 0.05")
    file.write_text(text, encoding="utf-8")
    code, out, err = run_cli("export", file)
    assert code == 2, err
    assert "Traceback" not in err
    assert f"{file}: {path}: " in err
    assert expected in err


def test_missing_csv_and_reserved_names(tmp_path):
    text = ('title = "t"\nkind = "experiment"\n[data]\ncsv = "nope.csv"\ntarget = "y"\n'
            '[[runs]]\nname = "r"\nhidden = []\n')
    code, _, err = run_cli("export", write_scenario(tmp_path, text, "m.toml"))
    assert code == 2 and "data.csv" in err and "no such file" in err
    text = ('title = "t"\nkind = "experiment"\n[data]\ndataset = "iris"\n'
            '[[runs]]\nname = "compare"\nhidden = []\n')
    code, _, err = run_cli("export", write_scenario(tmp_path, text, "n.toml"))
    assert code == 2 and "runs[0].name" in err and "reserved" in err


@pytest.mark.parametrize("fraction,side", [("0.001", "test"), ("0.999", "training")])
def test_bundled_split_that_leaves_a_side_empty(tmp_path, fraction, side):
    text = ('title = "t"\nkind = "experiment"\n[data]\ndataset = "iris"\n'
            f'test_fraction = {fraction}\n[[runs]]\nname = "r"\nhidden = []\n')
    file = write_scenario(tmp_path, text, "split.toml")
    code, _, err = run_cli("export", file)
    assert code == 2 and "Traceback" not in err
    assert f"{file}: data.test_fraction: " in err and f"leaves the {side} split empty" in err


def test_limits_are_checked_before_any_training(monkeypatch):
    """The loader refuses the work before the engine is reached: the trainer is never called."""
    from stepcalc.engine.kinds import experiment
    from stepcalc.errors import ScenarioError

    def trainer_called(*args, **kwargs):
        raise AssertionError("trained before the limits were checked")

    monkeypatch.setattr(experiment, "train_run", trainer_called)
    big = ('title = "t"\nkind = "experiment"\n[data]\ndataset = "digits"\n'
           '[[runs]]\nname = "big"\nhidden = [4096, 4096]\nepochs = 1000\n')
    with pytest.raises(ScenarioError, match="multiply-adds"):
        stepcalc.trace(stepcalc.loads(big))


def test_work_limit_is_checked_before_training(tmp_path):
    text = ('title = "t"\nkind = "experiment"\n[data]\ndataset = "digits"\n'
            '[[runs]]\nname = "big"\nhidden = [2048, 2048]\nepochs = 1000\n')
    code, _, err = run_cli("export", write_scenario(tmp_path, text, "big.toml"))
    assert code == 2 and "runs[0].epochs" in err and "multiply-adds" in err
    wide = text.replace("[2048, 2048]", "[4096, 4096, 4096]").replace("1000", "1")
    code, _, err = run_cli("export", write_scenario(tmp_path, wide, "wide.toml"))
    assert code == 2 and "runs[0].hidden" in err and "activations" in err


def test_bundled_seed_discussion_tells_the_decks_story():
    """The deep sigmoid + SGD nets stay near chance with vanishing first-layer gradients;
    the recipe learns. `stepcalc check` passes it."""
    code, out, err = run_cli("check", "seed_discussion")
    assert code == 0, out + err
    values = stepcalc.trace(stepcalc.load("seed_discussion")).values
    last = 10
    assert values[f"recipe7.epoch{last}.accuracy"] > 0.9
    for deep in ("sigmoid5", "sigmoid7"):
        assert values[f"{deep}.epoch{last}.accuracy"] < 0.2
        norms = values[f"{deep}.epoch{last}.grad_norm"]
        assert norms[0] < 1e-3 * norms[-1]
    assert values[f"sigmoid2.epoch{last}.accuracy"] > values[f"sigmoid7.epoch{last}.accuracy"]


def test_json_holds_every_number_of_every_run(tmp_path):
    """Each run's per-epoch ids, complete, at full precision; the steps' tables too (null
    where a shorter run has no epoch)."""
    text = IRIS_RUN + ('[[runs]]\nname = "short"\nhidden = []\nepochs = 1\n')
    code, out, err = run_cli("export", write_scenario(tmp_path, text, "j.toml"), "-f", "json")
    assert code == 0, err
    exported = json.loads(out)
    values = stepcalc.trace(stepcalc.loads(text)).values
    per_epoch = ("loss", "test_loss", "accuracy", "train_accuracy", "act_mean", "act_std")
    for run, epochs, hidden in (("tiny", 3, 1), ("short", 1, 0)):
        for k in range(epochs + 1):
            ids = [f"{run}.epoch{k}.{q}" for q in per_epoch] + ([f"{run}.epoch{k}.grad_norm"] if k else [])
            for key in ids:
                np.testing.assert_array_equal(np.asarray(exported["values"][key], dtype=float), values[key])
        assert f"{run}.epoch{epochs + 1}.loss" not in exported["values"]
        assert len(exported["values"][f"{run}.epoch1.grad_norm"]) == hidden + 1
    steps = {s["id"]: s for s in exported["steps"]}
    loss = steps["compare.loss"]["table"]
    assert loss["plot"] == "curves" and loss["rows"] == ["tiny", "short"]
    assert loss["values"][1] == [values["short.epoch0.loss"], values["short.epoch1.loss"], None, None]
    assert steps["tiny.grad_norms"]["table"]["values"][2] == list(values["tiny.epoch3.grad_norm"])
