"""Bundled scenarios: found by name, installed with the package as stepcalc.scenarios."""

from __future__ import annotations

from pathlib import Path


def scenario_dir() -> Path:
    """The installed scenarios (package data), or the checkout's scenarios/ folder."""
    try:
        from importlib.resources import files

        folder = Path(str(files("stepcalc.scenarios")))
        if folder.is_dir():
            return folder
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parent.parent / "scenarios"


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
