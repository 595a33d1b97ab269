"""The new kinds through the command line, and without textual."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from stepcalc.cli import main

FAST = ["activations", "tum_losses_cat_chair_car", "tum_hinge_vs_ce", "tum_l1_l2",
        "tum_regularization", "batchnorm", "normalize"]


@pytest.mark.parametrize("name", FAST)
def test_export_and_check(name, capsys):
    assert main(["export", name]) == 0
    assert capsys.readouterr().out.startswith("# ")
    assert main(["export", name, "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["steps"] and data["values"]
    code = main(["check", name])
    out = capsys.readouterr().out
    assert "gradients" not in out   # the gradient check is for train only
    assert code == (1 if name in ("activations", "tum_hinge_vs_ce") else 0)


def test_bad_kind_field_exits_2(tmp_path, capsys):
    f = tmp_path / "bad.toml"
    f.write_text('title = "t"\nkind = "init_stats"\n[network]\ndims = [4, 4]\n[[runs]]\n'
                 'name = "a"\nactivation = "tanh"\nmethod = "lecun"\n')
    assert main(["check", str(f)]) == 2
    assert "runs[0].method" in capsys.readouterr().err


def test_engine_does_not_import_textual():
    code = ("import sys, stepcalc\n"
            "for n in ['activations', 'tum_l1_l2', 'batchnorm', 'normalize']:\n"
            "    tr = stepcalc.trace(stepcalc.load('scenarios/%s.toml' % n))\n"
            "    from stepcalc.render.markdown import render_markdown; render_markdown(tr)\n"
            "assert 'textual' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)
