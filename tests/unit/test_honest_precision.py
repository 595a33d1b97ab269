"""Display precision never hides or invents a change (issue: mathematics like the slides, 7).

Expected texts are worked out here by hand from the printed rules, not read back from
stepcalc's output.
"""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pytest

import stepcalc
from stepcalc.bundled import bundled
from stepcalc.records.precision import digits_to_tell_apart, float_noise
from stepcalc.render.latex import matrix_latex
from stepcalc.render.text import matrix_layout
from stepcalc.render.text_export import render_text

from conftest import train_toml

# A 1-input, 1-output linear unit: z = w·x + b, squared error, one step.
#   x = 1, y = 0, w = 0.5, b = 0 → z = 0.5, L = 0.25, ∂L/∂w = 2·0.5·1 = 1, ∂L/∂b = 1.
LINEAR = dict(x=[[1.0]], y=[[0.0]], layers=[(1, "identity")], loss="squared_error",
              params={"W1": [[0.5]], "b1": [0.0]})


def step_of(trace, step_id):
    return next(step for step in trace.steps if step.id == step_id)


def test_a_value_gets_the_digits_its_expect_was_printed_with():
    # L = 0.25 printed as 0.250000 (6 decimals): 6 significant digits from 0.2…
    text = train_toml(**LINEAR, lr=0.1, display={"precision": 2}, expect={"loss": 0.250000})
    trace = stepcalc.trace(stepcalc.loads(text.replace("loss = 0.25\n", "loss = 0.250000\n")))
    assert step_of(trace, "loss").precision == 6
    assert step_of(trace, "u1").precision == 2   # no [expect] for z: the scenario's precision


def test_a_parameter_that_changed_never_shows_the_same_number_before_and_after():
    # lr = 1e-4: w′ = 0.5 − 0.0001·1 = 0.4999, which rounds to 0.5 at 3 digits; 4 tell them apart.
    trace = stepcalc.trace(stepcalc.loads(train_toml(**LINEAR, lr=1e-4, display={"precision": 3})))
    step = step_of(trace, "new.W1")
    assert step.precision == 4
    lines = "\n".join(render_text(trace, 100).splitlines())
    assert "= 0.4999" in lines


def test_digits_to_tell_apart_by_hand():
    assert digits_to_tell_apart([0.1262], [0.1258], 3) == 4          # 0.126 → 0.126 hid a change
    assert digits_to_tell_apart([0.1262], [0.1262], 3) == 3          # no change: nothing to show
    assert digits_to_tell_apart([1.0, 2.0], [1.0, 2.5], 3) == 3
    assert digits_to_tell_apart([0.0], [8.33e-19], 3) == 3           # float noise is not a change


def test_float_noise_is_shown_as_zero_and_marked():
    value = np.array([[0.25, 8.33e-19], [-0.5, 0.0]])
    assert float_noise(value).tolist() == [[False, True], [False, False]]
    assert r"{\approx}0" in matrix_latex(value, 3)
    text = "\n".join("".join(piece for _, piece in row) for row in matrix_layout(value, 3).lines)
    assert "≈0" in text and "e−19" not in text and "8.33" not in text
    # A small value that is the matrix's whole scale is a value, not noise.
    assert not float_noise(np.array([1e-19, -2e-19])).any()


SUMS_EXPECTED = {"momentum_mlp", "mse_mlp_weight_decay"}   # bias gradients summed over a batch
SUM_LINE = re.compile(r"= ((?:[−-]?\s?\d+\.?\d*\s[+−]\s)+[−-]?\s?\d+\.?\d*) ([=≈]) ([−-]?\d+\.?\d*)$")


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace("−", "-").replace(" ", ""))


@pytest.mark.parametrize("name", sorted(bundled()))
def test_a_written_out_sum_adds_up_as_printed_or_says_approximately(name):
    """Every line whose numbers put in are a plain sum of printed numbers: the printed terms,
    added by hand, round to the printed result, unless the result is marked ≈."""
    text = render_text(stepcalc.trace(stepcalc.load(bundled()[name])), 200)
    checked = 0
    for line in text.splitlines():
        match = SUM_LINE.search(line.strip())
        if not match:
            continue
        terms = re.findall(r"([+−-]?)\s?(\d+\.?\d*)", match.group(1))
        total = sum((-1 if sign in "−-" and sign else 1) * Decimal(digits) for sign, digits in terms)
        result = _decimal(match.group(3))
        places = -result.as_tuple().exponent

        def rounds_to_result(extra):   # the display drops trailing zeros: 0.04 may be 0.04000
            return total.quantize(Decimal(1).scaleb(-places - extra)) == result

        checked += 1
        if match.group(2) == "=":
            assert rounds_to_result(0), line
        else:
            # ≈ is wrong only if the terms' total is the result with any number of dropped zeros
            assert not all(rounds_to_result(extra) for extra in range(4)), f"≈ but the terms add up: {line}"
    assert checked > 0 or name not in SUMS_EXPECTED


def test_the_slides_sum_that_did_not_add_up_is_now_marked():
    # momentum_mlp ∂L/∂b₁: 0.0306 − 0.0348 − 0.0348 + 0.0206 = −0.0184 by hand, not −0.0183.
    text = render_text(stepcalc.trace(stepcalc.load(bundled()["momentum_mlp"])), 200)
    line = next(line for line in text.splitlines() if "0.0306 − 0.0348 − 0.0348 + 0.0206" in line)
    assert line.rstrip().endswith("≈ −0.0183")
