"""[train] metrics (issue 11, item 9): accuracy, rmse and mae beside the loss, against a
forward pass and the metrics written here in numpy."""

from __future__ import annotations

import numpy as np
import pytest

import stepcalc
from conftest import run_cli, train_toml, write_scenario

X = np.array([[1.0, 2.0], [0.5, -1.0], [-1.0, 0.3], [0.2, 0.2]])
W = np.array([[0.3, -0.2, 0.1], [-0.4, 0.5, 0.2]])
B = np.array([0.1, 0.0, -0.1])


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def trace_of(tmp_path, **kwargs):
    return stepcalc.trace(stepcalc.load(str(write_scenario(tmp_path, train_toml(**kwargs)))))


def test_accuracy_counts_samples_whose_largest_output_is_the_target(tmp_path):
    labels = np.array([0, 1, 2, 0])
    tr = trace_of(tmp_path, x=X.tolist(), y=labels.tolist(), layers=((3, "softmax"),), steps=0,
                  params={"W1": W.tolist(), "b1": B.tolist()}, train={"metrics": ["accuracy"]})
    yhat = softmax(X @ W + B)
    right = yhat.argmax(axis=1) == labels
    assert right.sum() not in (0, len(labels))          # the example is not trivial
    assert float(tr.values["accuracy"]) == right.mean()
    step = tr.step("accuracy")
    chain = step.expand(())
    assert chain.value == right.mean()
    wrong = [f"sample {n + 1}" for n in np.nonzero(~right)[0]]
    assert all(w in chain.note for w in wrong)


def test_accuracy_per_step_and_after_training(tmp_path):
    """Two full-batch SGD steps, the forward passes written here: each step's accuracy is
    that of its parameters before the update."""
    labels = np.array([0, 1, 2, 0])
    tr = trace_of(tmp_path, x=X.tolist(), y=labels.tolist(), layers=((3, "softmax"),), steps=2, lr=2.0,
                  params={"W1": W.tolist(), "b1": B.tolist()}, train={"metrics": ["accuracy"]})
    w, b = W.copy(), B.copy()
    onehot = np.eye(3)[labels]
    for key in ("accuracy", "step2.accuracy", "after.accuracy"):
        yhat = softmax(X @ w + b)
        assert float(tr.values[key]) == (yhat.argmax(axis=1) == labels).mean(), key
        delta = (yhat - onehot) / len(X)                 # ∂L/∂z of the mean cross-entropy
        w, b = w - 2.0 * X.T @ delta, b - 2.0 * delta.sum(axis=0)


def test_multi_label_accuracy_counts_each_output(tmp_path):
    y = np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 1]])
    tr = trace_of(tmp_path, x=X.tolist(), y=y.tolist(), layers=((3, "sigmoid"),), steps=0,
                  loss="binary_cross_entropy", params={"W1": W.tolist(), "b1": B.tolist()},
                  train={"metrics": ["accuracy"]})
    yhat = 1 / (1 + np.exp(-(X @ W + B)))
    assert float(tr.values["accuracy"]) == ((yhat >= 0.5) == (y == 1)).mean()


def test_rmse_and_mae_over_every_output(tmp_path):
    y = np.array([[1.0, 0.0, 2.0], [0.5, 0.5, 0.5], [-1.0, 0.0, 1.0], [0.0, 2.0, 0.0]])
    tr = trace_of(tmp_path, x=X.tolist(), y=y.tolist(), layers=((3, "identity"),), steps=0,
                  loss="squared_error", params={"W1": W.tolist(), "b1": B.tolist()},
                  train={"metrics": ["rmse", "mae"]})
    error = X @ W + B - y
    assert float(tr.values["rmse"]) == pytest.approx(np.sqrt(np.mean(error ** 2)), rel=1e-14)
    assert float(tr.values["mae"]) == pytest.approx(np.mean(np.abs(error)), rel=1e-14)
    # the numbers put in are the printed errors, and they give the printed value
    chain = tr.step("mae").expand(())
    assert chain.value == pytest.approx(np.mean(np.abs(error)))


def test_metrics_show_in_every_export_and_can_be_expected(tmp_path):
    labels = [0, 1, 2, 0]
    yhat = softmax(X @ W + B)
    accuracy = (yhat.argmax(axis=1) == np.array(labels)).mean()
    path = write_scenario(tmp_path, train_toml(
        x=X.tolist(), y=labels, layers=((3, "softmax"),), steps=0, params={"W1": W.tolist(), "b1": B.tolist()},
        train={"metrics": ["accuracy"]}, expect={"accuracy": float(round(accuracy, 2))}))
    code, out, err = run_cli("check", str(path))
    assert code == 0, out + err
    for fmt, shown in (("markdown", r"\mathrm{accuracy}"), ("text", "accuracy = "), ("json", '"accuracy"')):
        code, out, err = run_cli("export", str(path), "-f", fmt)
        assert code == 0 and shown in out, (fmt, err)


@pytest.mark.parametrize(("loss", "metric", "layers", "y"), [
    ("squared_error", "accuracy", ((1, "identity"),), ((1.0,),)),
    ("cross_entropy", "rmse", ((2, "softmax"),), (0,))])
def test_a_metric_that_does_not_fit_the_loss_is_refused(tmp_path, loss, metric, layers, y):
    path = write_scenario(tmp_path, train_toml(x=((1.0, 2.0),), y=y, layers=layers, loss=loss,
                                               train={"metrics": [metric]}))
    code, _, err = run_cli("export", str(path))
    assert code == 2 and err.startswith(f"stepcalc: {path}: train.metrics[0]: {metric} goes with loss = ")
    code, _, err = run_cli("export", str(write_scenario(tmp_path, train_toml(train={"metrics": ["acuracy"]}),
                                                        "typo.toml")))
    assert code == 2 and "(did you mean accuracy?)" in err


@pytest.mark.parametrize("fmt", ["numpy", "pytorch"])
@pytest.mark.parametrize(("loss", "metrics", "layers", "y"), [
    ("cross_entropy", ["accuracy"], ((3, "softmax"),), [0, 1, 2, 0]),
    ("binary_cross_entropy", ["accuracy"], ((3, "sigmoid"),), [[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 1]]),
    ("squared_error", ["rmse", "mae"], ((2, "relu"), (3, "identity")), [[1.0, 0.0, 2.0]] * 4)])
def test_the_scripts_recompute_the_metrics(tmp_path, fmt, loss, metrics, layers, y):
    """`export -f numpy|pytorch`: every step's metrics recomputed by the script agree."""
    import subprocess
    import sys

    if fmt == "pytorch":
        pytest.importorskip("torch")
    path = write_scenario(tmp_path, train_toml(x=X.tolist(), y=y, layers=layers, loss=loss, steps=2,
                                               train={"metrics": metrics, "batch_size": 2}))
    script = tmp_path / "check.py"
    code, _, err = run_cli("export", str(path), "-f", fmt, "-o", str(script))
    assert code == 0, err
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "values agree" in result.stdout and "DISAGREE" not in result.stdout
    for metric in metrics:
        assert f'"step2.{metric}"' in script.read_text() and f'"after.{metric}"' in script.read_text()
