"""The pytest plugin (entry point pytest11): one item per printed number, plus the gradient check."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import numpy as np

from stepcalc.cli import main

pytest_plugins = ["pytester"]

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def printed_count(path: Path) -> int:
    expect = tomllib.loads(path.read_text(encoding="utf-8")).get("expect", {})
    return sum(int(np.size(value)) for value in expect.values())


def test_one_item_per_printed_number_and_a_gradient_check(pytester):
    source = SCENARIOS / "dying_relu.toml"
    shutil.copy(source, pytester.path / "dying_relu.toml")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--collect-only", "-q")
    items = [line for line in result.outlines if line.startswith("dying_relu.toml::")]
    assert len(items) == printed_count(source) + 1
    assert "dying_relu.toml::grad.w[1][2]" in items
    assert "dying_relu.toml::gradient-check" in items


def test_a_wrong_printed_number_fails_with_exact_value_and_cause(pytester):
    shutil.copy(SCENARIOS / "dying_relu.toml", pytester.path / "dying_relu.toml")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rf")
    # 1.5·(−1.04) + 0.2·(−0.65) = −1.69; the slide printed −1.68.
    result.stdout.fnmatch_lines(["*dying_relu.toml::h[[]1[]][[]2[]]: printed -1.68, exact -1.69*"])
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] >= 1 and outcomes["passed"] >= 1
    assert result.ret == 1


def test_a_clean_file_passes_and_other_toml_files_are_ignored(pytester):
    pytester.makefile(".toml", course="""
        title = "one neuron"
        [data]
        x = [[2.0]]
        y = [1.0]
        [[model.layers]]
        units = 1
        activation = "identity"
        [params]
        W1 = [[0.5]]
        b1 = [0.25]
        [train]
        loss = "squared_error"
        lr = 0.1
        [expect]
        u1 = 1.25
        loss = 0.0625
        "grad.W1" = 1.0
    """)
    pytester.makefile(".toml", config='[tool]\nname = "not a scenario"\n')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v")
    # u = 2·0.5 + 0.25 = 1.25; L = (1.25 − 1)² = 0.0625; ∂L/∂W = 2(1.25 − 1)·2 = 1.0
    result.assert_outcomes(passed=4)
    assert "config.toml" not in result.stdout.str()


def test_a_broken_file_is_one_failing_item_not_a_collection_error(pytester):
    pytester.makefile(".toml", broken='title = "broken"\n[data]\nx = [[1.0]]\n')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*broken.toml::load: stepcalc: *broken.toml: model: missing*"])
    assert "Traceback" not in result.stdout.str()


def test_plugin_can_be_turned_off(pytester):
    shutil.copy(SCENARIOS / "dying_relu.toml", pytester.path / "dying_relu.toml")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:stepcalc")
    assert result.ret == 5   # no tests collected


def test_check_dir_prints_one_line_per_file(tmp_path, capsys):
    shutil.copy(SCENARIOS / "dying_relu.toml", tmp_path / "dying_relu.toml")
    shutil.copy(SCENARIOS / "zero_init_mlp.toml", tmp_path / "zero_init_mlp.toml")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert main(["check", str(tmp_path)]) == 1   # dying_relu's slide has printed errors
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["scenario", "printed", "problems"]
    names = [line.split()[0] for line in lines[1:]]
    assert names == ["dying_relu", "zero_init_mlp"]
    count = int(lines[1].split()[1])
    assert count == printed_count(SCENARIOS / "dying_relu.toml")


def test_check_dir_with_a_broken_file_exits_2_after_checking_the_rest(tmp_path, capsys):
    shutil.copy(SCENARIOS / "zero_init_mlp.toml", tmp_path / "a.toml")
    (tmp_path / "b.toml").write_text('title = "broken"\n[data]\nx = [[1.0]]\n')
    assert main(["check", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert "a " in out and "b                            error:" in out


def test_check_empty_dir_is_bad_input(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 2
    assert "no scenario files" in capsys.readouterr().err

