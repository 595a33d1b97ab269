"""`stepcalc export NAME -f text`: the slides typeset as 2-D Unicode text.

Golden snippets were checked by hand against the AI VIETNAM MLP deck (Example 2,
dying_relu): softmax ŷ₁ = e^{z₁}/Σₖe^{zₖ} with z = (0.439, 0.343, 0.192); the
cross-entropy δ = ŷ − y; ∂L/∂w₁₁ = relu₁·δ₁ = 1.372 × (−0.628). Their numbers are
recomputed here with numpy, not pasted from the program.
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

import stepcalc
from stepcalc.bundled import bundled
from stepcalc.render.latex import expansion_latex
from stepcalc.render.text_export import render_text
from stepcalc.render.typeset import chain, picture

FORBIDDEN = {
    "a power written **": re.compile(r"\*\*"),
    "exp(": re.compile(r"\bexp\("),
    "sqrt(": re.compile(r"\bsqrt\("),
    "Max(": re.compile(r"\bMax\("),
    "an ASCII subscript": re.compile(r"\b[A-Za-z]\w*_(?:\d|[ijkn]\b)"),
    "theta/eta/hat spelled out": re.compile(r"\b(?:theta|eta)\b|_hat\b"),
    "a zero the algebra added": re.compile(r"\((?:−|-)?[\d.]+ [+−] 0\)"),
    "a coefficient 1·": re.compile(r"(?<![\d.])1·"),
}


def dying_relu():
    return stepcalc.trace(stepcalc.load(bundled()["dying_relu"]))


def step_block(text: str, number: int) -> str:
    start = text.index(f"\n{number}. ")
    end = text.index(f"\n{number + 1}. ", start)
    return text[start:end]


@pytest.mark.parametrize("name", sorted(bundled()))
def test_no_linear_sympy_text_in_any_bundled_export(name):
    trace = stepcalc.trace(stepcalc.load(bundled()[name]))
    text = render_text(trace, width=100)
    # The scenario's own notes (its author's prose) are not the program's notation.
    notes = trace.scenario.notes or ""
    body = text.replace(" ".join(notes.split()), "") if notes else text
    steps = body[body.index("\n1. "):]
    for what, pattern in FORBIDDEN.items():
        hit = pattern.search(steps)
        assert hit is None, f"{name}: {what}: …{steps[max(hit.start() - 60, 0):hit.end() + 20]}…"


def test_softmax_step_golden():
    trace = dying_relu()
    step = trace.step("y_hat")
    z = np.array([1.372 * 0.32, 1.372 * 0.25, 1.372 * 0.14])   # the dead unit adds 0
    y_hat = np.exp(z) / np.exp(z).sum()
    assert step.value[0] == pytest.approx(y_hat)
    assert picture(step.formula, 4).split("\n") == [
        "        zⱼ",
        "       e",
        "ŷⱼ = ───────",
        "      3   zₖ",
        "      Σ  e",
        "     k=1",
    ]
    e = step.substitution
    lines = chain([e.lhs, e.symbolic, e.numeric, f"{y_hat[0]:.4f}"], 4, 80)
    assert lines == [
        "            z₁                   0.439",
        "           e                    e",
        "ŷ₁ = ─────────────── = ───────────────────────── = 0.3718",
        "      z₁    z₂    z₃    0.439    0.343    0.1921",
        "     e   + e   + e     e      + e      + e",
    ]
    assert expansion_latex(step, 4) == (
        r"{\hat{y}}_{1} = \frac{e^{{z}_{1}}}{e^{{z}_{1}} + e^{{z}_{2}} + e^{{z}_{3}}} = "
        r"\frac{e^{0.439}}{e^{0.439} + e^{0.343} + e^{0.1921}} = 0.3718")


def test_cross_entropy_delta_golden():
    text = render_text(dying_relu(), width=80)
    block = step_block(text, 6)
    assert "    ∂L/∂zⱼ = ŷⱼ − yⱼ\n" in block
    # The short derivation: from Σ over the K = 3 classes to the identity, on one line
    # (ŷ₁Σₖyₖ − y₁ with Σₖyₖ = 1), said once, not again as a line of its own.
    assert "\n    ∂L/∂z₁ = ŷ₁(y₁ + y₂ + y₃) − y₁ = ŷ₁ − y₁\n" in block
    assert "\n    ∂L/∂z₁ = ŷ₁ − y₁\n" not in block
    y_hat = 0.3718                                            # from the softmax step
    assert f"    ∂L/∂z₁ = ŷ₁ − y₁ = 0.3718 − 1 = −{1 - y_hat:.4f}\n" in block
    assert "derived above" in block


def test_weight_gradient_golden():
    text = render_text(dying_relu(), width=80)
    block = step_block(text, 7)
    relu1, delta1 = 1.5 * 0.86 + 0.2 * 0.41, 0.37180255 - 1
    assert f"{relu1 * delta1:.4f}" == "-0.8619"
    assert "    ∂L/∂wᵢⱼ = reluᵢ·∂L/∂zⱼ\n" in block
    assert "    ∂L/∂w₁₁ = relu₁·∂L/∂z₁ = 1.372 × (−0.6282) = −0.8619\n" in block
    assert "    ∂L/∂w = ⎡ −0.8619  0.4634  0.3985 ⎤\n            ⎣  0       0       0      ⎦" in block


def test_update_golden_has_a_prime_and_no_internal_ids():
    text = render_text(dying_relu(), width=80)
    assert "    w₁₁′ = w₁₁ − η·∂L/∂w₁₁ = 0.32 − 0.01 × (−0.8619) = 0.3286\n" in text
    assert "grad.w[" not in text and "new.w" not in text


def test_mean_squared_error_reads_like_a_slide():
    sc = stepcalc.loads("""
title = "mse"
[data]
x = [[0.5, -1.0], [1.0, 2.0]]
y = [[0.0], [1.0]]
[model]
convention = "column"
[[model.layers]]
units = 1
activation = "sigmoid"
[params]
W1 = [[0.3, 0.8]]
b1 = [0.1]
[train]
loss = "squared_error"
""")
    text = render_text(stepcalc.trace(sc), width=100)
    assert "(1 + 0)" not in text and "+ 0)" not in text
    assert "W⁽¹⁾′" in text and "W1" not in text.split("\n", 2)[2]
    # 2(ŷ − y): the coefficient stands before the bracket, the prediction first.
    assert re.search(r"2\(ŷ₁ − y₁\)", text), text


def test_long_chains_wrap_with_the_equals_signs_aligned():
    text = render_text(dying_relu(), width=60)
    block = step_block(text, 9)
    rows = [line for line in block.split("\n") if "=" in line and "∂L/∂relu₁" not in line.split("=")[0][:4]]
    first = block.split("\n")
    starts = [line.index("=") for line in first if line.strip().startswith("∂L/∂relu₁ =") or
              line.strip().startswith("= ")]
    assert len(starts) >= 2 and len(set(starts)) == 1, block
    assert rows


def test_cli_text_export_width_and_full_derivations():
    out = subprocess.run([sys.executable, "-m", "stepcalc", "export", "dying_relu", "-f", "text",
                          "--width", "70", "--full-derivations"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.rstrip().endswith("-- stepcalc export --")
    block = step_block(out.stdout, 6)
    assert len(re.findall(r"\n {10,}= ", block)) >= 2     # the sympy chain, one row per link
    short = subprocess.run([sys.executable, "-m", "stepcalc", "export", "dying_relu", "-f", "text"],
                           capture_output=True, text=True).stdout
    assert len(step_block(short, 6)) < len(block)
