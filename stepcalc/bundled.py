"""Finding scenario files: the bundled ones by name (installed with the package as
stepcalc.scenarios), and the scenario files of any folder."""

from __future__ import annotations

import re
from pathlib import Path

# A scenario file names its title at the top level; other TOML files (pyproject.toml,
# config files) are told apart without being parsed.
_TITLE_LINE = re.compile(rb"^[ \t]*title[ \t]*=", re.M)


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


def looks_like_scenario(path: Path) -> bool:
    """A ``*.toml`` file with a top-level ``title =`` line in its first 64 KiB."""
    if path.suffix != ".toml" or not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return False
    return bool(_TITLE_LINE.search(head))


def scenario_files(folder: Path) -> dict[str, Path]:
    """The scenario files directly in ``folder``: name (file stem) → path, sorted by name."""
    return {p.stem: p for p in sorted(folder.glob("*.toml")) if looks_like_scenario(p)}
