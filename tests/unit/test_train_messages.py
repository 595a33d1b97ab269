"""Training messages: the early-divergence flag, the flat-x explanation, counts written right."""
from __future__ import annotations

import pytest

import stepcalc
from conftest import run_cli, train_toml, write_scenario
from stepcalc.records.flags import FlagKind


def one_weight(lr: float, steps: int) -> str:
    # L = (w·1 − 0)², w ← w − lr·2w: the loss is multiplied by (1 − 2lr)² each step.
    return train_toml(x=[[1.0]], y=[[0.0]], layers=((1, "identity"),), loss="squared_error",
                      lr=lr, steps=steps, params={"W1": [[1.0]], "b1": [0.0]},
                      train={"frozen": ["b1"]})


def flags_of(tr, kind):
    return [(s.step_number, f.message) for s in tr.steps for f in s.flags if f.kind == kind]


def test_a_loss_growing_five_steps_in_a_row_is_flagged_once_where_it_happens():
    tr = stepcalc.trace(stepcalc.loads(one_weight(1.05, 9)))     # × 1.21 per step
    flagged = flags_of(tr, FlagKind.DIVERGING)
    assert len(flagged) == 1
    number, message = flagged[0]
    assert number == 6          # steps 2, 3, 4, 5, 6 each grew
    assert "grown 5 steps in a row, from 1 at step 1 to 2.594 at step 6" in message
    assert "lr = 1.05" in message
    assert [s for s in tr.steps if FlagKind.DIVERGING in [f.kind for f in s.flags]][0].phase == "loss"


@pytest.mark.parametrize("lr, steps", [(0.1, 9), (1.05, 5), (0.95, 12)])
def test_no_flag_without_five_rises(lr, steps):
    # 0.1 shrinks the loss; 5 steps have only 4 rises; 0.95 oscillates but shrinks (× 0.81).
    tr = stepcalc.trace(stepcalc.loads(one_weight(lr, steps)))
    assert not flags_of(tr, FlagKind.DIVERGING)


def test_flat_x_is_explained(tmp_path):
    text = train_toml(x=[3.0, 2.0], y=[1.0], layers=((1, "identity"),), loss="squared_error")
    code, out, err = run_cli("check", write_scenario(tmp_path, text))
    assert code == 2
    assert ("data.y: expected 2 samples like data.x, got 1; x = [3.0, 2.0] is read as 2 "
            "samples of 1 feature; write [[3.0, 2.0]] for one sample of 2 features") in err


def test_check_counts_are_written_right(tmp_path):
    text = train_toml(x=[[1.0]], y=[[0.5]], layers=((1, "identity"),), loss="squared_error",
                      params={"W1": [[1.0]], "b1": [0.0]}, expect={"loss": 0.25})
    code, out, err = run_cli("check", write_scenario(tmp_path, text))
    assert code == 0, err
    assert "W1              1 entry    max rel. error" in out
    assert "✓ loss: 1 value matches" in out
    assert "1 printed value, 0 problems" in out
