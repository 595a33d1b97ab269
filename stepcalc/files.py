"""Plumbing shared by the command line, `check` and the TUI: loading a scenario by file
or bundled name, exit codes, the marks of a stepcalc export, and atomic writes.

It sits below cli, check and tui, so none of them imports another for these.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from stepcalc.errors import StepcalcError
from stepcalc.render.marks import GENERATOR, LATEX_MARKER, MARKDOWN_MARKER, SCRIPT_MARKER, TEXT_MARKER

EXIT_OK, EXIT_MISMATCH, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130

# How `export -o` knows a file is one it wrote (and may overwrite without --force):
# a Markdown export ends with MARKDOWN_MARKER on its own line, a JSON export starts with
# the key "generator": GENERATOR, a script (-f numpy) ends with SCRIPT_MARKER, a text export
# (-f text) with TEXT_MARKER, an HTML export with MARKDOWN_MARKER (an HTML comment), a Beamer
# deck (-f latex) with LATEX_MARKER (render/marks.py).
MARK_BYTES = 256                                # read from each end, no more
_JSON_MARK = re.compile(rb'\A\s*\{\s*"generator"\s*:\s*"' + re.escape(GENERATOR.encode()) + rb'"')



def load_scenario(file_or_name: str):
    from stepcalc.bundled import resolve
    from stepcalc.scenario import load

    return load(resolve(file_or_name))


# Our temporaries: ".<target name>.<pid>.<random>.stepcalc-tmp" beside the target. The pid lets the
# next run tell a leftover (its writer is gone: killed with -9, power cut) from a live write.
_TMP_SUFFIX = ".stepcalc-tmp"
_TMP_NAME = re.compile(r"\A\..*\.(\d+)\.[^.]+\.stepcalc-tmp\Z")


def write_atomically(path: Path, chunks: str | Iterable[str], force: bool = False) -> None:
    """Write to a temporary file beside the target, then rename: never a half-written file.

    ``chunks`` is the text, or pieces of it written as they come (a large export is never
    held whole). Just before the rename the target is checked again (``force`` as in
    `check_output`): a file that appeared at ``path`` during a long run is not overwritten.
    """
    folder = path.resolve().parent
    remove_stale_temporaries(folder)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=_TMP_SUFFIX, dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for chunk in ([chunks] if isinstance(chunks, str) else chunks):
                handle.write(chunk)
        check_output(path, force)
        os.chmod(tmp, _file_mode(path))   # mkstemp makes 0600; an export is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_stale_temporaries(folder: Path) -> None:
    """Delete temporaries of our naming whose writing process no longer exists."""
    try:
        names = [entry.name for entry in os.scandir(folder) if entry.name.endswith(_TMP_SUFFIX)]
    except OSError:
        return
    for name in names:
        match = _TMP_NAME.match(name)
        if match is None or _alive(int(match.group(1))):
            continue
        try:
            if stat.S_ISREG(os.lstat(folder / name).st_mode):
                os.unlink(folder / name)
        except OSError:
            pass   # another run removed it first, or the folder is read-only


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True    # someone else's process: not ours to judge
    return True


def export_text(trace, fmt: str, width: int = 80, full_derivations: bool = False) -> str:
    """The export as written by the CLI (and the TUI): the renderers carry the marks above."""
    return "".join(export_chunks(trace, fmt, allow_large=True, width=width,
                                 full_derivations=full_derivations))


def export_chunks(trace, fmt: str, allow_large: bool = False, width: int = 80,
                  full_derivations: bool = False, worksheet=None) -> Iterable[str]:
    """The export in pieces to write as they come. A JSON export over MAX_NUMBERS numbers
    is refused (with its size) unless ``allow_large``; Markdown elides large arrays itself.
    ``worksheet`` (render.worksheet.Worksheet) leaves its steps blank, with an answer key
    (markdown, html, latex, text)."""
    if fmt == "html":
        from stepcalc.render.html import render_html

        return [render_html(trace, worksheet)]
    if fmt == "latex":
        from stepcalc.render.beamer import render_beamer

        return [render_beamer(trace, worksheet)]
    if fmt == "text":
        from stepcalc.render.text_export import render_text

        return [render_text(trace, width, full_derivations, worksheet)]
    if fmt == "numpy":
        from stepcalc.render.numpy_script import render_numpy

        return [render_numpy(trace)]
    if fmt == "json":
        from stepcalc.render.json_export import MAX_NUMBERS, iter_json, number_count

        count = number_count(trace)
        if count > MAX_NUMBERS and not allow_large:
            where = trace.scenario.file or "<scenario>"
            raise StepcalcError(
                f"{where}: the JSON export would hold {count:,} numbers (about "
                f"{count * 20 / 1e6:,.0f} MB; the limit is {MAX_NUMBERS:,}); "
                "pass --allow-large to write it anyway, or use -f markdown (large arrays elided)")
        return iter_json(trace)
    from stepcalc.render.markdown import render_markdown

    return [render_markdown(trace, worksheet)]


def written_by_stepcalc(path: Path) -> bool:
    """Whether an existing regular file carries the marks of a stepcalc export.

    Opened without following a symlink and without blocking (a FIFO would otherwise wait
    for a writer), checked to be a regular file on the open descriptor, and at most
    MARK_BYTES read from each end (a device could otherwise be read without limit).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return False
        head = os.pread(fd, MARK_BYTES, 0)
        tail = os.pread(fd, MARK_BYTES, max(0, info.st_size - MARK_BYTES))
    except OSError:
        return False
    finally:
        os.close(fd)
    return bool(_JSON_MARK.match(head)) or \
        tail.rstrip().endswith((MARKDOWN_MARKER.encode("ascii"), SCRIPT_MARKER.encode("ascii"),
                                TEXT_MARKER.encode("ascii"), LATEX_MARKER.encode("ascii")))


def check_output(out: Path, force: bool) -> None:
    """OUT must be a new path in an existing folder, or a regular file (never followed
    through a symlink) that stepcalc wrote — any regular file with ``force``. A FIFO,
    device, socket, symlink or folder is refused even with ``force``."""
    try:
        info = os.lstat(out)
    except FileNotFoundError:
        if not out.parent.resolve().is_dir():
            raise StepcalcError(f"{out}: the folder {out.parent} does not exist") from None
        return
    except OSError as exc:
        raise StepcalcError(f"{out}: cannot write: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise StepcalcError(f"{out}: is a directory; expected a file to write")
    if not stat.S_ISREG(info.st_mode):
        raise StepcalcError(f"{out}: is {_kind(info.st_mode)}; expected a regular file "
                            "or a new path (never replaced, even with --force)")
    if not force and not written_by_stepcalc(out):
        raise StepcalcError(f"{out}: exists and was not written by stepcalc export; "
                            "use --force to overwrite it")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _file_mode(path: Path) -> int:
    """The mode a file replacing ``path`` gets: the old file's, or 0666 minus the umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
