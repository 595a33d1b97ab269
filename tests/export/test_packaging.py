"""The package as installed: every subpackage and data file is in pyproject's lists."""

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Not copied for the wheel build: version control, environments, build leftovers, caches.
NOT_SOURCE = (".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", "node_modules",
              ".pytest_cache", ".hypothesis", "snapshot_report.html")


def test_every_subpackage_is_listed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "stepcalc").rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)
    assert config["package-dir"]["stepcalc.scenarios"] == "scenarios"
    assert "*.toml" in config["package-data"]["stepcalc.scenarios"]
    assert "*.tcss" in config["package-data"]["stepcalc.tui"]


def test_wheel_carries_the_scenarios_and_styles(tmp_path):
    """`stepcalc list` / `export NAME` work after a plain `pip install .`: check the wheel.

    Built from a copy of the checkout, so the checkout gets no build/ or *.egg-info.
    """
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    wheels = tmp_path / "wheels"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, "pip wheel failed:\n" + result.stdout + result.stderr
    (wheel,) = wheels.glob("stepcalc-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = {p.name for p in (ROOT / "scenarios").glob("*.toml")}
    assert bundled and {f"stepcalc/scenarios/{n}" for n in bundled} <= names
    assert "stepcalc/tui/app.tcss" in names
    assert "stepcalc/bundled.py" in names
