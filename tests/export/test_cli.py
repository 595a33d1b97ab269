"""The command line: exports, check exit codes, list, new, and clean errors."""

import json

import numpy as np
import pytest

from stepcalc.cli import main

from conftest import run_cli


def test_json_export_is_the_contract(capsys):
    assert main(["export", "dying_relu", "-f", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    # The contract's keys; keys may be added (the CLI adds "generator" and per-step "flags").
    assert set(doc) == {"generator", "title", "steps", "values"}
    assert doc["generator"] == "stepcalc"
    for step in doc["steps"]:
        assert set(step) == {"id", "phase", "title", "latex", "value", "flags"}
        assert step["phase"] in ("forward", "loss", "backward", "update", "check")
    ids = [s["id"] for s in doc["steps"]]
    assert ids[:5] == ["h", "relu", "z", "y_hat", "loss"]
    assert {"grad.m", "grad.bm", "grad.w", "grad.bw", "grad.h", "grad.relu", "grad.z",
            "new.m", "new.w", "after.loss"} <= set(doc["values"])
    # Full precision: the exact float, not a rounded display value.
    m, x = np.array([[0.86, -1.04], [0.41, -0.65]]), np.array([1.5, 0.2])
    assert doc["values"]["h"][0][0] == float(x @ m[:, 0])
    assert isinstance(doc["values"]["loss"], float)


def test_markdown_export_shows_formula_numbers_and_result(capsys):
    assert main(["export", "dying_relu"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# Dying ReLU")
    assert md.count("$$") % 2 == 0
    assert r"\frac{\partial L}{\partial {m}_{11}} = {x}_{1} \cdot \frac{\partial L}{\partial {h}_{1}}" in md
    assert r"1.5 \times \left(-0.07592\right)" in md
    assert r"\begin{bmatrix}" in md
    assert "dead relu" in md and "mismatch" in md


def test_export_to_file(tmp_path, capsys):
    out = tmp_path / "ex.md"
    assert main(["export", "softmax_regression", "-o", str(out)]) == 0
    assert out.read_text().startswith("# Softmax regression")


def test_check_reports_mismatches_with_exit_1():
    code, out, err = run_cli("check", "softmax_regression")
    assert code == 1
    assert "sign flipped" in out
    assert "ok" in out          # the gradient check passed


def test_check_clean_template_exits_0(tmp_path):
    template = run_cli("new", "train")[1]
    path = tmp_path / "mine.toml"
    path.write_text(template)
    code, out, err = run_cli("check", str(path))
    assert code == 0, out + err
    assert "0 problems" in out


def test_list_shows_bundled_scenarios():
    code, out, err = run_cli("list")
    assert code == 0
    assert "dying_relu" in out and "Dying ReLU" in out


@pytest.mark.parametrize("args,needle", [
    (["export", "no_such_scenario"], "no such file"),
    (["check", "."], "no scenario files"),
])
def test_bad_input_exits_2_without_traceback(args, needle):
    code, out, err = run_cli(*args)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err


def test_scenario_error_names_file_and_key_path(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('title = "x"\n[data]\nx = [[1.0]]\ny = [0]\n[[model.layers]]\nunits = 2\n'
                    'activation = "relu"\n[train]\nloss = "cross_entropy"\n')
    code, out, err = run_cli("export", str(path))
    assert code == 2
    assert "bad.toml" in err and "train.loss" in err
    assert "Traceback" not in err


def test_unknown_expect_id_is_a_clean_error(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text(run_cli("new", "train")[1] + '"grad.nope" = 1.0\n')
    code, out, err = run_cli("check", str(path))
    assert code == 2
    assert 'expect."grad.nope"' in err


@pytest.mark.parametrize("kind", ["train", "activations", "losses", "init_stats", "batchnorm", "normalize"])
def test_every_template_loads_as_printed(kind, capsys):
    import stepcalc

    assert main(["new", kind]) == 0
    assert stepcalc.loads(capsys.readouterr().out).kind == kind


def test_export_marks_are_the_renderers_marks():
    from stepcalc import cli
    from stepcalc.render.json_export import GENERATOR
    from stepcalc.render.markdown import MARKER

    assert cli.MARKDOWN_MARKER == MARKER and cli.GENERATOR == GENERATOR
