"""Bundled scenarios: found by name, installed with the package as stepcalc.scenarios."""

from __future__ import annotations

from pathlib import Path


def scenario_dir() -> Path:
    """The installed scenarios (package data stepcalc/scenarios), or a checkout's scenarios/.

    Plain paths rather than importlib.resources: the installed folder is a namespace
    package, for which resources hands back a MultiplexedPath, not a directory.
    """
    package = Path(__file__).resolve().parent
    installed = package / "scenarios"
    return installed if installed.is_dir() else package.parent / "scenarios"


def bundled() -> dict[str, Path]:
    """name (file stem) → path, sorted by name."""
    folder = scenario_dir()
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}


def resolve(file_or_name: str) -> Path:
    """A path that exists wins; otherwise a bundled scenario's name."""
    path = Path(file_or_name)
    if path.exists():
        return path
    found = bundled().get(file_or_name)
    return found if found is not None else path
