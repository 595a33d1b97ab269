"""Command line: run, export, check, list, new. Heavy imports happen inside commands."""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from stepcalc.errors import StepcalcError

EXIT_OK, EXIT_MISMATCH, EXIT_BAD_INPUT = 0, 1, 2
EXIT_INTERRUPTED = 130

# How `export -o` knows a file is one it wrote (and may overwrite without --force):
# a Markdown export ends with MARKDOWN_MARKER on its own line, a JSON export starts with
# the key "generator": "stepcalc".
MARKDOWN_MARKER = "<!-- stepcalc export -->"   # = render.markdown.MARKER (kept light: no import)
GENERATOR = "stepcalc"                          # = render.json_export.GENERATOR
_JSON_MARK = re.compile(rb'\A\s*\{\s*"generator"\s*:\s*"stepcalc"')

EXPORT_EPILOG = f"""\
An existing OUT is replaced only if stepcalc export wrote it: a Markdown export ends with
the line {MARKDOWN_MARKER}, a JSON export starts with "generator": "{GENERATOR}". Any other
existing file is left alone (exit 2) unless --force is given. OUT is written to a temporary
file beside it and renamed into place, so it is never half-written.
"""


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


def export_text(trace, fmt: str) -> str:
    """The export as written by the CLI (and the TUI): the renderers carry the marks above."""
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
        tail.rstrip().endswith(MARKDOWN_MARKER.encode("ascii"))


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


def cmd_export(args) -> int:
    import stepcalc

    out = Path(args.output) if args.output else None
    if out is not None:
        check_output(out, args.force)   # before the (possibly long) computation
    text = export_text(stepcalc.trace(load_scenario(args.file)), args.format)
    if out is not None:
        try:
            write_atomically(out, text)
        except OSError as exc:
            raise StepcalcError(f"{out}: cannot write: {exc.strerror or exc}") from None
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


class Progress:
    """Training progress on stderr (stdout stays clean for the export).

    On a terminal one line is redrawn at most every 0.2 s; otherwise a line is printed
    at every 10 % of the run.
    """

    def __init__(self, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last_time = 0.0
        self.last_tenth = 0
        self.open_line = False

    def __call__(self, step: int, total: int) -> None:
        if self.tty:
            now = time.monotonic()
            if now - self.last_time < 0.2 and step != total:
                return
            self.last_time = now
            self.stream.write(f"\rstepcalc: training step {step:,}/{total:,} "
                              f"({100 * step // total}%)")
            self.open_line = step != total
            if not self.open_line:
                self.stream.write("\n")
            self.stream.flush()
            return
        tenth = 10 * step // total
        if tenth > self.last_tenth:
            self.last_tenth = tenth
            self.stream.write(f"stepcalc: training step {step:,}/{total:,} ({10 * tenth}%)\n")
            self.stream.flush()

    def close(self) -> None:
        """End a half-drawn terminal line (before an error message or on interrupt)."""
        if self.open_line:
            self.stream.write("\n")
            self.open_line = False


def cmd_check(args) -> int:
    from stepcalc.check import check_all, check_file

    if args.all:
        return check_all(sys.stdout)
    if not args.file:
        raise StepcalcError("check: give a scenario FILE or NAME, or --all")
    return check_file(args.file, sys.stdout)


def cmd_list(args) -> int:
    from stepcalc.bundled import bundled
    from stepcalc.scenario import load

    for name, path in bundled().items():
        scenario = load(path)
        print(f"{name:<28} {scenario.title}")
    return EXIT_OK


def cmd_new(args) -> int:
    from stepcalc.templates import template

    sys.stdout.write(template(args.kind))
    return EXIT_OK


def cmd_run(args) -> int:
    from stepcalc.tui import run_app  # textual is imported only here

    return run_app(args.file)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="stepcalc", description="Step-by-step calculator for tiny neural networks.")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="interactive TUI")
    run.add_argument("file", nargs="?", help="scenario file or bundled name (none: pick one)")
    run.set_defaults(func=cmd_run)
    export = sub.add_parser("export", help="export every step as Markdown (LaTeX math) or JSON",
                            epilog=EXPORT_EPILOG,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    export.add_argument("file", help="scenario file or bundled name")
    export.add_argument("-f", "--format", choices=("markdown", "json"), default="markdown")
    export.add_argument("-o", "--output", metavar="OUT",
                        help="write here instead of stdout (see below)")
    export.add_argument("--force", action="store_true",
                        help="overwrite OUT even if stepcalc did not write it")
    export.set_defaults(func=cmd_export)
    check = sub.add_parser("check", help="validate, gradient-check and audit [expect]")
    check.add_argument("file", nargs="?", help="scenario file or bundled name")
    check.add_argument("--all", action="store_true", help="check every bundled scenario")
    check.set_defaults(func=cmd_check)
    lst = sub.add_parser("list", help="bundled scenarios")
    lst.set_defaults(func=cmd_list)
    new = sub.add_parser("new", help="print a commented template scenario")
    from stepcalc.templates import KINDS   # plain strings: no heavy import

    new.add_argument("kind", nargs="?", default="train", choices=KINDS)
    new.set_defaults(func=cmd_new)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    progress = Progress()
    try:
        if args.command not in ("export", "check"):
            return args.func(args)
        from stepcalc.engine.long_runs import reporting_progress

        with reporting_progress(progress):
            return args.func(args)
    except StepcalcError as exc:
        progress.close()
        print(f"stepcalc: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        progress.close()
        print("stepcalc: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
