"""`stepcalc export NAME --worksheet [--blank PATTERNS]` in markdown, html, latex and text:
the chosen steps' numbers put in and results are blank, their key follows at the end.
(The Markdown worksheets' maths is checked in KaTeX by test_katex.py.)

dying_relu's numbers are recomputed here with numpy from its printed inputs.
"""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest

import stepcalc
from conftest import require_tool, run_cli
from stepcalc.bundled import bundled
from stepcalc.files import export_text
from stepcalc.render.worksheet import Worksheet

X = np.array([1.5, 0.2])
M = np.array([[0.86, -1.04], [0.41, -0.65]])
W = np.array([[0.32, 0.25, 0.14], [-0.47, -1.06, 0.063]])
KEY_HEADINGS = {"markdown": "## Answer key", "text": "Answer key\n══════════",
                "html": '<li class="group">Answer key</li>', "latex": r"\frametitle{Answer key"}
BLANKS = {   # how each format draws a blank (a square-root's overline is a longer run of _)
    "markdown": re.escape(r"\underline{\vphantom{0}\hspace{3em}}") + "|" + re.escape(r"\_\_\_\_"),   # maths | table
    "text": r"(?<!_)____(?!_)",
    "html": 'class="blank"', "latex": re.escape(r"\underline{\vphantom{0}\hspace{3em}}")}
FORMATS = tuple(KEY_HEADINGS)


def numbers():
    h = X @ M
    relu = np.maximum(h, 0)
    z = relu @ W
    y_hat = np.exp(z) / np.exp(z).sum()
    delta = y_hat - np.array([1, 0, 0])
    return {"h": h, "y_hat": y_hat, "delta": delta, "grad_w": np.outer(relu, delta)}


def worksheet(name: str, fmt: str, *extra: str) -> str:
    code, out, err = run_cli("export", name, "-f", fmt, "--worksheet", *extra)
    assert code == 0, err
    return out


def split_key(text: str, fmt: str) -> tuple[str, str]:
    if fmt == "latex":       # beamer: the key frames are titled "Answer key: …"
        at = text.index(r"\begin{frame}[t]{Answer key")
    elif fmt == "html":
        at = text.index('<section class="slide step key')
    else:
        at = text.index(KEY_HEADINGS[fmt])
    return text[:at], text[at:]


@pytest.mark.parametrize("fmt", FORMATS)
def test_dying_relu_worksheet_hides_results_after_the_forward_pass(fmt):
    text = worksheet("dying_relu", fmt)
    sheet, key = split_key(text, fmt)
    n = numbers()
    delta1 = f"{n['delta'][0]:.4f}"                    # -0.6282: ∂L/∂z₁, a backward result
    grad_w11 = f"{n['grad_w'][0, 0]:.4f}"              # -0.8619
    h1 = f"{n['h'][0]:.3f}"                            # 1.372: forward, given
    for value in (delta1, grad_w11):
        plain = value.lstrip("-")
        assert plain not in sheet, f"{value} shown before the key"
        assert plain in key, f"{value} missing from the key"
    assert h1 in sheet
    assert len(re.findall(BLANKS[fmt], sheet)) >= 16      # loss, 7 gradients, 4 updates, 5 after: each blank


def test_blank_patterns_choose_the_steps():
    # The updates are blanked too: their numbers put in would show the gradients.
    text = worksheet("dying_relu", "markdown", "--blank", "grad.*,new.*")
    sheet, key = split_key(text, "markdown")
    keyed = re.findall(r"^### (\d+)\.", key, flags=re.M)
    assert keyed == [str(n) for n in range(6, 17)]      # seven gradient and four update slides
    n = numbers()
    assert f"{n['y_hat'][0]:.4f}" in sheet              # forward and loss results stay
    assert f"{abs(n['grad_w'][0, 0]):.4f}" not in sheet


@pytest.mark.parametrize("args, message", [
    (("-f", "json", "--worksheet"), "--worksheet: -f json has no worksheet"),
    (("--blank", "grad.*"), "add --worksheet"),
    (("--worksheet", "--blank", "nothing.*"), "matches no step id"),
    (("--worksheet", "--blank", " , "), "expected comma-separated"),
])
def test_bad_worksheet_options_are_one_line_errors(args, message):
    code, out, err = run_cli("export", "dying_relu", *args)
    assert code == 2 and message in err and "Traceback" not in err, err
    assert out == ""


@pytest.mark.parametrize("name", sorted(bundled()))
def test_every_bundled_scenario_has_a_worksheet_and_key_in_every_format(name):
    trace = stepcalc.trace(stepcalc.load(bundled()[name]))
    sheet = Worksheet.of(trace)
    assert sheet.blank_ids, "nothing left to work out"
    assert len(sheet.blank_ids) < len(trace.steps), "nothing given as a worked example"
    for fmt in FORMATS:
        from stepcalc.files import export_chunks

        text = "".join(export_chunks(trace, fmt, worksheet=sheet))
        before, key = split_key(text, fmt)
        assert re.search(BLANKS[fmt], before), fmt
        assert not re.search(BLANKS[fmt], key), fmt
        full = export_text(trace, fmt) if fmt in ("markdown", "text") else None
        if full is not None:     # the key's step titles, in the order of the full export
            assert len(key) > 0 and all(t in full for t in re.findall(r"^### .+$", key, flags=re.M))


def test_beamer_worksheet_compiles_with_its_key(tmp_path):
    pdflatex = require_tool("pdflatex")
    tex = tmp_path / "sheet.tex"
    code, _, err = run_cli("export", "dying_relu", "-f", "latex", "--worksheet", "-o", tex)
    assert code == 0, err
    result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", tex.name],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    pages = int(re.search(r"Output written on \S+ \((\d+) pages", result.stdout).group(1))
    assert pages == 1 + 21 + 17          # title, 21 steps, a key page for each of the 17 blanks
