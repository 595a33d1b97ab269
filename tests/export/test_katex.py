"""Every $$…$$ block of every bundled scenario's Markdown export, and of its worksheet
(`--worksheet`: blanks and answer key), renders in KaTeX.

Needs node and the katex npm package. Where katex is looked for, first found wins:
STEPCALC_KATEX (a path to the package folder, or a module name), .ci/node/node_modules/katex
(where .ci/run installs it: `npm install --prefix .ci/node katex`), then node's own search.
Missing: skipped locally, a failure in CI (STEPCALC_REQUIRE_TOOLS=1, see tests/conftest.py).
"""

import os
import re
import subprocess
from pathlib import Path

from conftest import REPO, missing, require_tool, run_cli

HERE = Path(__file__).resolve().parent
CI_KATEX = REPO / ".ci" / "node" / "node_modules" / "katex"


def katex_module(node: str) -> str:
    """What katex_check.js should require(), or a skip/failure if node cannot find katex."""
    candidates = [os.environ.get("STEPCALC_KATEX"), str(CI_KATEX) if CI_KATEX.is_dir() else None,
                  "katex"]
    for candidate in filter(None, candidates):
        probe = subprocess.run([node, "-e", f"require.resolve({candidate!r})"],
                               capture_output=True, timeout=60)
        if probe.returncode == 0:
            return candidate
    missing("the katex npm package is not installed (npm install --prefix .ci/node katex)")


def markdown_exports(folder: Path) -> list[Path]:
    """The Markdown export and worksheet of every bundled scenario, written into `folder`."""
    from stepcalc.bundled import bundled

    files = []
    for name in bundled():
        for suffix, extra in (("", ()), (".worksheet", ("--worksheet",))):
            out = folder / f"{name}{suffix}.md"
            code, _, err = run_cli("export", name, *extra, "-o", out)
            assert code == 0, err
            files.append(out)
    return files


def test_markdown_math_renders_in_katex(tmp_path):
    node = require_tool("node")
    module = katex_module(node)
    files = markdown_exports(tmp_path)
    result = subprocess.run([node, str(HERE / "katex_check.js"), *map(str, files)],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "KATEX": module})
    assert result.returncode == 0, result.stdout + result.stderr
    blocks, failed = map(int, re.search(r"(\d+) blocks, (\d+) failed", result.stdout).groups())
    assert failed == 0 and blocks >= len(files), result.stdout   # every export has math
