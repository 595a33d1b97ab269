"""`stepcalc export NAME -f latex`: a Beamer deck that pdflatex compiles, one page per step
after the title page; prose with TeX's special characters and the slide notation compiles."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from conftest import require_tool, run_cli, train_toml, write_scenario
from stepcalc.render.latex_text import latex_text


def compile_pdf(tex, folder) -> int:
    """pdflatex once (frames need no second run); the page count from its log line."""
    pdflatex = require_tool("pdflatex")
    result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", tex.name],
                            cwd=folder, capture_output=True, text=True, timeout=300)
    log = result.stdout
    assert result.returncode == 0, log[-3000:]
    written = re.search(r"Output written on \S+ \((\d+) pages?", log)
    assert written, log[-2000:]
    return int(written.group(1))


def steps_of(name: str) -> int:
    code, out, err = run_cli("export", name, "-f", "json")
    assert code == 0, err
    return len(json.loads(out)["steps"])


def test_dying_relu_compiles_to_title_plus_one_page_per_step(tmp_path):
    tex = tmp_path / "deck.tex"
    code, _, err = run_cli("export", "dying_relu", "-f", "latex", "-o", tex)
    assert code == 0, err
    text = tex.read_text(encoding="utf-8")
    assert text.count(r"\begin{frame}") == steps_of("dying_relu") + 1
    assert compile_pdf(tex, tmp_path) == steps_of("dying_relu") + 1 == 22
    # Written by stepcalc: replaced without --force.
    code, _, err = run_cli("export", "dying_relu", "-f", "latex", "-o", tex)
    assert code == 0, err


def test_hostile_and_unicode_text_compiles(tmp_path):
    title = r"50% of $x_1$ & {W⁽¹⁾} #1 \input{/etc/passwd} ~ ŷ ∂L/∂w₁₁ ≤ 漢"
    path = write_scenario(tmp_path, train_toml(title=title, steps=2))
    tex = tmp_path / "deck.tex"
    code, _, err = run_cli("export", str(path), "-f", "latex", "-o", tex)
    assert code == 0, err
    assert r"\input{/etc" not in tex.read_text(encoding="utf-8")
    assert compile_pdf(tex, tmp_path) == steps_of(str(path)) + 1


def test_latex_text_escapes_and_writes_notation_as_maths():
    assert latex_text("50% & $5 #1 _x {y} ~") == r"50\% \& \$5 \#1 \_x \{y\} \textasciitilde{}"
    assert latex_text(r"\input") == r"\textbackslash{}input"
    assert latex_text("∂L/∂w₁₁") == r"$\partial$L/$\partial$w${}_{11}$"
    assert latex_text("W⁽¹⁾ ŷ θ") == r"W${}^{(1)}$ $\hat{y}$ $\theta$"
    assert latex_text("line\nbreak") == "line break"
    assert latex_text("漢") == r"\texttt{[U+6F22]}"
