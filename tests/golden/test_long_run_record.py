"""Long runs choose what they keep: train.record / record_every, and [expect] on entries."""
from __future__ import annotations

import numpy as np
import pytest

import stepcalc
from conftest import run_cli, train_toml, write_scenario

X = np.array([[1.0, 2.0], [2.0, -1.0], [0.5, 0.5], [-1.0, 1.5]])
Y = np.array([[1.0], [0.0], [0.5], [2.0]])
W0, B0 = np.array([[0.1], [-0.2]]), np.array([0.05])
STEPS, LR = 300, 0.05


def text(**train):
    return train_toml(x=X.tolist(), y=Y.tolist(), layers=((1, "identity"),), loss="squared_error",
                      lr=LR, steps=STEPS, params={"W1": W0.tolist(), "b1": B0.tolist()},
                      train={"batch_size": 2, **train})


def reference():
    """Plain minibatch gradient descent on a linear model, written here: W, b after each step."""
    W, b, out = W0.copy(), B0.copy(), {}
    for t in range(1, STEPS + 1):
        rows = slice(0, 2) if t % 2 == 1 else slice(2, 4)
        x, y = X[rows], Y[rows]
        d = 2 * (x @ W + b - y) / len(x)
        W, b = W - LR * x.T @ d, b - LR * d.sum(axis=0)
        out[t] = (W.copy(), b.copy())
    return out


def test_record_and_record_every_keep_those_steps_in_full():
    tr = stepcalc.trace(stepcalc.loads(text(record=[50, 7, 50], record_every=100)))
    ref = reference()
    for t in (1, 5, 7, 50, 100, 200, 296, 300):
        key = "" if t == 1 else f"step{t}."
        np.testing.assert_allclose(tr.values[key + "new.W1"], ref[t][0], rtol=1e-12)
        np.testing.assert_allclose(tr.values[key + "new.b1"], ref[t][1], rtol=1e-12)
    for t in (6, 8, 51, 150, 295):
        assert f"step{t}.new.W1" not in tr.values
        assert f"step{t}.loss" in tr.values         # every loss is kept
    numbers = sorted({s.step_number for s in tr.steps if s.step_number})
    assert numbers == [1, 2, 3, 4, 5, 7, 50, 100, 200, 296, 297, 298, 299, 300]
    # each step's loss exactly once, in the values and in the losses
    losses = [k for k in tr.values if k == "loss" or k.endswith(".loss") and not k.startswith("after")]
    assert len(losses) == len(set(losses)) == STEPS
    assert len(tr.values) == len(list(tr.values))
    # The note says which middle steps are shown.
    notes = [f.message for s in tr.steps for f in s.flags if "not shown step by step" in f.message]
    assert notes and "7, 50, 100, 200" in notes[0]


def test_expect_on_an_entry_of_a_recorded_step(tmp_path):
    ref = reference()
    w, b = ref[50]
    expect = {"step50.new.W1[2][1]": round(float(w[1, 0]), 4),
              "step50.new.b1[1]": round(float(b[0]), 4)}
    file = write_scenario(tmp_path, text(record=[50]) + "[expect]\n" + "\n".join(
        f'"{k}" = {v!r}' for k, v in expect.items()) + "\n")
    code, out, err = run_cli("check", file)
    assert code == 0, out + err
    assert "✓ step50.new.W1[2][1]: 1 value matches" in out


def test_an_unrecorded_step_is_named_with_the_recorded_ones(tmp_path):
    file = write_scenario(tmp_path, text(record=[50]) + '[expect]\n"step60.new.W1" = [[0.1], [0.2]]\n')
    code, out, err = run_cli("check", file)
    assert code == 2
    assert 'expect."step60.new.W1": step 60 was not recorded (the recorded steps are ' \
           "1, 2, 3, 4, 5, 50, 296, 297, 298, 299, 300)" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("train, path, words", [
    ({"record": [0]}, "train.record[0]", "expected a step number from 1"),
    ({"record": [301]}, "train.record[0]", "past the last step"),
    ({"record": 5}, "train.record", "expected a list of step numbers"),
    ({"record_every": -1}, "train.record_every", "in 0..100000"),
])
def test_record_errors(tmp_path, train, path, words):
    code, out, err = run_cli("check", write_scenario(tmp_path, text(**train)))
    assert code == 2 and path in err and words in err, err


def test_entry_expect_outside_the_matrix(tmp_path):
    file = write_scenario(tmp_path, train_toml(expect={"grad.W1[3][1]": 0.5}))
    code, out, err = run_cli("check", file)
    assert code == 2
    assert "grad.W1 is 2 × 2; an entry is written with 2 1-based indices inside it" in err


def test_entry_expect_mismatch_names_the_entry(tmp_path):
    sc = stepcalc.loads(train_toml(lr=0.1))
    tr = stepcalc.trace(sc)
    exact = float(tr.values["grad.W2"][0, 1])
    wrong = round(-exact, 3) if round(exact, 3) else 0.5
    file = write_scenario(tmp_path, train_toml(lr=0.1, expect={"grad.W2[1][2]": wrong}))
    code, out, err = run_cli("check", file)
    assert code == 1
    assert "✗ grad.W2[1][2]: printed" in out and "1 problem" in out
