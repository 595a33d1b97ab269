"""Scenario files: TOML → validated, immutable Scenario (fields: docs/scenarios.md)."""

import sys
import types

from .loader import load, loads

__all__ = ["load", "loads"]


class _ScenarioPackage(types.ModuleType):
    """`stepcalc.scenario(...)` is the builder API, and `stepcalc.scenario` is also this
    package: importing the package replaces the function `stepcalc/__init__.py` defines
    under the same name (Python sets a parent's attribute to a loaded subpackage), so the
    package itself answers the call with the same builder."""

    def __call__(self, **fields):
        from .builder import build

        return build(**fields)


sys.modules[__name__].__class__ = _ScenarioPackage
