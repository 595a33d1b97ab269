"""Golden-value tests for anyone's slides: a pytest plugin (entry point ``pytest11``).

``pytest slides/`` collects every scenario file (a ``*.toml`` with a top-level ``title``)
in the folders pytest is given. Each printed number of ``[expect]`` is one item, named
like its quantity id and entry (``dying_relu.toml::grad.w[1][2]``), and a train scenario
adds one item for the gradient check of its first step. A failing item says what
``stepcalc check`` says: the printed value, the exact one and the likely cause. A file
stepcalc cannot use is one failing item with the one-line error.

Installing stepcalc is enough; ``-p no:stepcalc`` turns the plugin off.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix != ".toml":
        return None
    from stepcalc.bundled import looks_like_scenario

    if looks_like_scenario(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class GoldenFailure(Exception):
    """A printed number, or a gradient, that does not match: reported without a traceback."""


class ScenarioFile(pytest.File):
    def collect(self):
        from stepcalc.check import golden_results
        from stepcalc.errors import StepcalcError
        from stepcalc.files import load_scenario

        try:
            results = golden_results(load_scenario(str(self.path)))
        except StepcalcError as exc:
            yield GoldenItem.from_parent(self, name="load", problem=f"stepcalc: {exc}")
            return
        for name, problem in results:
            yield GoldenItem.from_parent(self, name=name, problem=problem)


class GoldenItem(pytest.Item):
    def __init__(self, *, problem: str | None, **kwargs):
        super().__init__(**kwargs)
        self.problem = problem

    def runtest(self):
        if self.problem is not None:
            raise GoldenFailure(self.problem)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, GoldenFailure):
            return f"{self.path.name}::{self.name}: {excinfo.value}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}::{self.name}"
