"""Quantity ids: str() gives the public ids, parse_quantity is its inverse."""

from __future__ import annotations

import pytest

from stepcalc.records.quantity import AFTER, Quantity, parse_quantity

IDS = {
    "h": Quantity("h"),
    "grad.m": Quantity("m", "grad"),
    "new.w": Quantity("w", "new"),
    "v.W1": Quantity("W1", "v"),
    "v0.W1": Quantity("W1", "v0"),
    "step2.z": Quantity("z", step=2),
    "after.loss": Quantity("loss", step=AFTER),
    "step7.loss": Quantity("loss", step=7),
    "step100000.grad.W2": Quantity("W2", "grad", 100000),
    "grad.w[1][2]": Quantity("w", "grad", element=(0, 1)),
    "step3.y_hat[2]": Quantity("y_hat", step=3, element=(1,)),
    "d.relu": Quantity("d.relu"),                       # the other kinds' ids stay names
    "relu_kaiming.hist": Quantity("relu_kaiming.hist"),
    "eta": Quantity("eta"),
}


@pytest.mark.parametrize("text", sorted(IDS))
def test_str_and_parse_are_inverse(text):
    assert str(IDS[text]) == text
    assert parse_quantity(text) == IDS[text]


def test_building_at_other_steps():
    q = Quantity("W1", "new")
    assert str(q.at(5)) == "step5.new.W1"
    assert str(q.at(1)) == "new.W1"
    assert str(q.at(0)) == "after.new.W1"
    assert q.at(0).number == 0 and q.at(5).number == 5 and q.number == 1
    assert str(q.at(4).of("grad")) == "step4.grad.W1"
    assert str(q.at(4).entry((2, 0))) == "step4.new.W1[3][1]"
    assert q.at(4).entry((2, 0)).whole == q.at(4)
    assert q.at(4).local == q


def test_step_one_has_no_prefix():
    # "step1.loss" is no id (step 1 is written "loss"), so it stays an unknown name.
    assert parse_quantity("step1.loss") == Quantity("step1.loss")
    assert parse_quantity("grad").name == "grad"      # a kind alone is a name


@pytest.mark.parametrize("bad", ["", "grad.w[0]", "grad.w[1", "w[1]x", "after.", "a..b", "w[-1]"])
def test_malformed_ids_are_refused(bad):
    with pytest.raises(ValueError):
        parse_quantity(bad)


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        Quantity("w", "gradient")
