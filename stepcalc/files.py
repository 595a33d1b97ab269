"""Plumbing shared by the command line, `check` and the TUI: loading a scenario by file
or bundled name, exit codes, the marks of a stepcalc export, and atomic writes.

It sits below cli, check and tui, so none of them imports another for these.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from stepcalc.errors import StepcalcError
from stepcalc.render.marks import GENERATOR, MARKDOWN_MARKER, SCRIPT_MARKER, TEXT_MARKER

EXIT_OK, EXIT_MISMATCH, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130

# How `export -o` knows a file is one it wrote (and may overwrite without --force):
# a Markdown export ends with MARKDOWN_MARKER on its own line, a JSON export starts with
# the key "generator": GENERATOR, a script (-f numpy) ends with SCRIPT_MARKER, a text export
# (-f text) with TEXT_MARKER (render/marks.py).
_JSON_MARK = re.compile(rb'\A\s*\{\s*"generator"\s*:\s*"' + re.escape(GENERATOR.encode()) + rb'"')



def load_scenario(file_or_name: str):
    from stepcalc.bundled import resolve
    from stepcalc.scenario import load

    return load(resolve(file_or_name))


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside the target, then rename: never a half-written file."""
    folder = path.resolve().parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, _file_mode(path))   # mkstemp makes 0600; an export is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_text(trace, fmt: str, width: int = 80, full_derivations: bool = False) -> str:
    """The export as written by the CLI (and the TUI): the renderers carry the marks above."""
    if fmt == "text":
        from stepcalc.render.text_export import render_text

        return render_text(trace, width, full_derivations)
    if fmt == "numpy":
        from stepcalc.render.numpy_script import render_numpy

        return render_numpy(trace)
    if fmt == "json":
        from stepcalc.render.json_export import render_json

        return render_json(trace)
    from stepcalc.render.markdown import render_markdown

    return render_markdown(trace)


def written_by_stepcalc(path: Path) -> bool:
    """Whether an existing file carries the marks of a stepcalc export (see EXPORT_EPILOG)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(256)
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 256))
            tail = handle.read()
    except OSError:
        return False
    return bool(_JSON_MARK.match(head)) or \
        tail.rstrip().endswith((MARKDOWN_MARKER.encode("ascii"), SCRIPT_MARKER.encode("ascii"),
                                TEXT_MARKER.encode("ascii")))


def check_output(out: Path, force: bool) -> None:
    if out.is_dir():
        raise StepcalcError(f"{out}: is a directory; expected a file to write")
    if not out.parent.resolve().is_dir():
        raise StepcalcError(f"{out}: the folder {out.parent} does not exist")
    if out.exists() and not force and not written_by_stepcalc(out):
        raise StepcalcError(f"{out}: exists and was not written by stepcalc export; "
                            "use --force to overwrite it")


def _file_mode(path: Path) -> int:
    """The mode a file replacing ``path`` gets: the old file's, or 0666 minus the umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
