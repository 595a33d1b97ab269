"""The package as installed: every subpackage and data file is in pyproject's lists."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_subpackage_is_listed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "stepcalc").rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)
    assert config["package-dir"]["stepcalc.scenarios"] == "scenarios"
    assert "*.toml" in config["package-data"]["stepcalc.scenarios"]
    assert "*.tcss" in config["package-data"]["stepcalc.tui"]


def test_wheel_carries_the_scenarios_and_styles(tmp_path):
    """`stepcalc list` / `export NAME` work after a plain `pip install .`: check the wheel."""
    import subprocess
    import sys
    import zipfile

    import pytest

    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
         "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip("cannot build a wheel here: " + result.stderr[-200:])
    (wheel,) = tmp_path.glob("stepcalc-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = {p.name for p in (ROOT / "scenarios").glob("*.toml")}
    assert {f"stepcalc/scenarios/{n}" for n in bundled} <= names
    assert "stepcalc/tui/app.tcss" in names
    assert "stepcalc/bundled.py" in names
