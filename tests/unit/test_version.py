"""`stepcalc --version` and `python -m stepcalc --version`."""

from __future__ import annotations


def test_version_from_console_script_and_module():
    import subprocess
    import sys
    from importlib.metadata import version

    expected = f"stepcalc {version('stepcalc')}"
    for command in (["stepcalc", "--version"], [sys.executable, "-m", "stepcalc", "--version"]):
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and done.stdout.strip() == expected
