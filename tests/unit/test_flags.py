"""The flag vocabulary (records/flags.py) and its one wording (render/flags.py)."""

from __future__ import annotations

import pytest

from stepcalc.records.flags import Flag, FlagKind, MismatchFact
from stepcalc.render.flags import flag_line, flag_message


def test_every_kind_has_its_own_icon_and_a_label_and_style():
    icons = [k.icon for k in FlagKind]
    assert len(set(icons)) == len(icons) and all(icons)
    assert all(k.label and k.style for k in FlagKind)
    assert FlagKind.SYMMETRIC_UNITS.icon == "⇌" and FlagKind.DIVERGED.icon


def test_a_kind_is_its_name_as_a_string():
    flag = Flag("dead_relu", "unit 1 is dead")
    assert flag.kind is FlagKind.DEAD_RELU and flag.kind == "dead_relu"
    assert f"{flag.kind}" == "dead_relu" and FlagKind.DEAD_RELU.label == "dead relu"


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        Flag("dead_sigmoid", "no such kind")


def test_a_mismatch_is_worded_from_its_fact():
    fact = MismatchFact("grad.w", (0, 2), printed=0.412, exact=0.41049999, decimals=3,
                        cause="a cause")
    flag = Flag(FlagKind.MISMATCH, elements=((0, 2),), mismatch=fact)
    assert flag.message == ""
    # exact at two more significant digits than printed decimals (at least 4), trailing
    # zeros dropped; the entry 1-based
    assert flag_message(flag) == "printed grad.w[1][3] = 0.412, exact 0.4105 (a cause)"
    scalar = MismatchFact("loss", (), printed=1.5, exact=1.25, decimals=1)
    assert flag_message(Flag("mismatch", mismatch=scalar)) == "printed loss = 1.5, exact 1.25"
    assert flag_line(Flag("note", "hello")) == "ℹ note: hello"


def test_a_negative_number_in_a_flag_gets_a_minus_sign_on_screen_not_a_hyphen():
    from stepcalc.records.notation import display_prose

    fact = MismatchFact("grad.w", (0, 0), printed=-0.628, exact=-0.86189, decimals=3, cause="")
    shown = display_prose(flag_message(Flag("mismatch", "", mismatch=fact)))
    assert "= −0.628" in shown and "exact −0.86189" in shown and "-" not in shown
    # hyphens stay: words, ranges written with ids, exponents
    assert display_prose("step-by-step, 1e-05, x-1, [-1, 1]") == "step-by-step, 1e-05, x-1, [−1, 1]"
