"""Every $$…$$ block of every bundled scenario's Markdown export renders in KaTeX.

Needs node and the katex npm package (`npm install katex`, or STEPCALC_KATEX=/path/to/katex);
skipped where they are missing (CI has only Python and pip).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def katex_module() -> str | None:
    if shutil.which("node") is None:
        return None
    candidate = os.environ.get("STEPCALC_KATEX", "katex")
    probe = subprocess.run(["node", "-e", f"require.resolve({candidate!r})"], capture_output=True)
    return candidate if probe.returncode == 0 else None


def test_markdown_math_renders_in_katex(tmp_path):
    module = katex_module()
    if module is None:
        pytest.skip("node with the katex package is not available")
    from stepcalc.bundled import bundled

    files = []
    for name in bundled():
        out = tmp_path / f"{name}.md"
        subprocess.run([sys.executable, "-m", "stepcalc", "export", name, "-o", str(out)], check=True,
                       capture_output=True)
        files.append(str(out))
    result = subprocess.run(["node", str(HERE / "katex_check.js"), *files], capture_output=True, text=True,
                            env={**os.environ, "KATEX": module})
    assert result.returncode == 0, result.stdout
