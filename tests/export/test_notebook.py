"""A trace, a step and an expansion display as slides in a real Jupyter kernel (nbclient)."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

CELLS = [
    "import stepcalc\ntr = stepcalc.trace(stepcalc.load('dying_relu'))\ntr",
    "tr.step('grad.w')",
    "tr.step('grad.w').expand((0, 0))",
]


def run_notebook(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    return [cell.outputs for cell in notebook.cells]


def data_of(outputs) -> dict:
    results = [o for o in outputs if o.output_type == "execute_result"]
    assert len(results) == 1, outputs
    return results[0].data


def test_a_notebook_shows_the_trace_a_step_and_an_expansion_as_slides(tmp_path):
    trace_out, step_out, expansion_out = (data_of(o) for o in run_notebook(tmp_path))

    trace_md = trace_out["text/markdown"]
    assert trace_md.startswith("# Dying ReLU")
    assert "## Backward pass" in trace_md and "$$" in trace_md
    assert "stepcalc export -->" not in trace_md          # the file mark is for `export -o`

    step_md = step_out["text/markdown"]
    assert step_md.startswith("### Gradient ∂L/∂w")
    # ∂L/∂w₁₁ = relu₁ · ∂L/∂z₁ = 1.372 × (ŷ₁ − 1): 1.5·0.86 + 0.2·0.41 = 1.372, ŷ₁ = 0.3718
    assert r"1.372 \times \left(-0.6282\right) = -0.8619" in step_md
    assert "begin{bmatrix}" in step_out["text/latex"]

    # The HTML deck in a frame of its own (its keys and style stay inside it); the step as
    # its slide, maths as MathML the browser lays out.
    frame = trace_out["text/html"]
    assert frame.startswith("<iframe srcdoc=") and "&lt;math" in frame and "Dying ReLU" in frame
    assert "<script" not in frame.split('srcdoc="', 1)[0]
    step_html = step_out["text/html"]
    assert '<div class="stepcalc-step">' in step_html and "<script" not in step_html
    assert step_html.count("<math") >= 3
    assert "<mn>1.372</mn>" in step_html and "<mn>0.8619</mn>" in step_html

    chain = expansion_out["text/latex"]
    assert chain.startswith("$$") and chain.endswith("$$")
    assert chain.count(" = ") == 3 and chain.rstrip("$").endswith("-0.8619")
