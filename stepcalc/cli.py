"""Command line: run, export, check, list, new. Heavy imports happen inside commands."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path
from typing import NoReturn

from stepcalc.errors import StepcalcError
from stepcalc.files import (
    EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, GENERATOR, LATEX_MARKER, MARKDOWN_MARKER, check_output,
    export_chunks, load_scenario, write_atomically,
)

EXPORT_EPILOG = f"""\
An existing OUT is replaced only if stepcalc export wrote it: a Markdown or HTML export ends
with the line {MARKDOWN_MARKER}, a Beamer deck with {LATEX_MARKER}, a JSON export starts with "generator": "{GENERATOR}". Any other
existing regular file is left alone (exit 2) unless --force is given; OUT is checked again
just before it is replaced. A FIFO, device, socket, symlink or folder is never a target, even
with --force (exit 2). OUT is written to a temporary file beside it (.OUT.<pid>.<random>.stepcalc-tmp,
removed by the next export into that folder if a killed run left it) and renamed into place,
so it is never half-written. A JSON export of more than 10,000,000 numbers is refused unless
--allow-large is given.
"""


WORKSHEET_FORMATS = ("markdown", "html", "latex", "text")


def cmd_export(args) -> int:
    import stepcalc

    if args.worksheet and args.format not in WORKSHEET_FORMATS:
        raise StepcalcError(f"--worksheet: -f {args.format} has no worksheet; expected -f "
                            + ", ".join(WORKSHEET_FORMATS))
    if args.blank is not None and not args.worksheet:
        raise StepcalcError("--blank chooses the blanks of a worksheet: add --worksheet")
    worksheet_of = None
    if args.worksheet:
        from stepcalc.render.worksheet import Worksheet, parse_patterns

        patterns = parse_patterns(args.blank)

        def worksheet_of(trace):
            return Worksheet.of(trace, patterns)
    if args.width is None:
        args.width = shutil.get_terminal_size((80, 24)).columns if sys.stdout.isatty() else 80
    if args.all:
        from stepcalc.course_pack import export_all

        return export_all(args, worksheet_of)
    out = Path(args.output) if args.output else None
    if out is not None:
        check_output(out, args.force)   # before the (possibly long) computation; again before the rename
    width = args.width
    trace = stepcalc.trace(load_scenario(args.file))
    worksheet = worksheet_of(trace) if worksheet_of else None
    chunks = export_chunks(trace, args.format, args.allow_large, width, args.full_derivations, worksheet)
    if out is not None:
        try:
            write_atomically(out, chunks, force=args.force)
        except OSError as exc:
            raise StepcalcError(f"{out}: cannot write: {exc.strerror or exc}") from None
        print(f"wrote {out}", file=sys.stderr)
    else:
        for chunk in chunks:
            sys.stdout.write(chunk)
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

    def __call__(self, step: int, total: int, unit: str = "training step") -> None:
        if step <= 1:   # a new run (init_stats reports each of its runs' layers)
            self.last_tenth = 0
        if self.tty:
            now = time.monotonic()
            if now - self.last_time < 0.2 and step != total:
                return
            self.last_time = now
            self.stream.write(f"\rstepcalc: {unit} {step:,}/{total:,} "
                              f"({100 * step // total}%)")
            self.open_line = step != total
            if not self.open_line:
                self.stream.write("\n")
            self.stream.flush()
            return
        tenth = 10 * step // total
        if tenth > self.last_tenth:
            self.last_tenth = tenth
            self.stream.write(f"stepcalc: {unit} {step:,}/{total:,} ({10 * tenth}%)\n")
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
    import stepcalc
    from stepcalc.bundled import bundled
    from stepcalc.render.escaping import terminal_text

    for name, path in bundled().items():
        scenario = stepcalc.load(path)
        print(f"{name:<28} {terminal_text(scenario.title)}")
    return EXIT_OK


def cmd_new(args) -> int:
    if args.random:
        from stepcalc.exercise_files import write_exercises

        return write_exercises(args)
    from stepcalc.templates import template

    sys.stdout.write(template(args.kind))
    return EXIT_OK


def cmd_run(args) -> int:
    # Piped or in CI the app would wait for ever, writing escape codes: refuse up front.
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("stepcalc: stepcalc run needs a terminal; try stepcalc export", file=sys.stderr)
        return EXIT_BAD_INPUT
    from stepcalc.tui import run_app  # textual is imported only here

    return run_app(args.file)


class _Version(argparse.Action):
    """--version, with the installed distribution's version looked up only when asked."""

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("stepcalc")
        except PackageNotFoundError:   # running from a checkout that was never installed
            number = "unknown (not installed)"
        print(f"stepcalc {number}")
        parser.exit(EXIT_OK)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="stepcalc", description="Step-by-step calculator for tiny neural networks.")
    p.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="interactive TUI")
    run.add_argument("file", nargs="?", help="scenario file or bundled name (none: pick one)")
    run.set_defaults(func=cmd_run)
    export = sub.add_parser("export", help="export every step as Markdown (LaTeX math), JSON, "
                                           "typeset text or an HTML slide deck",
                            epilog=EXPORT_EPILOG,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    export.add_argument("file", nargs="?",
                        help="scenario file or bundled name (with --all: a folder of scenario files)")
    export.add_argument("--all", action="store_true",
                        help="a course pack: every bundled scenario (or every scenario file of the "
                             "folder given) into -o DIR, with an index page")
    export.add_argument("-f", "--format",
                        choices=("markdown", "json", "numpy", "pytorch", "text", "html", "latex"),
                        default="markdown",
                        help="text: the slides typeset as 2-D Unicode text for a terminal; html: one "
                             "self-contained slide deck (MathML, no network request; ←/→ to move); latex: a Beamer "
                             "deck (title frame + one frame per step) for pdflatex; numpy, pytorch: a "
                             "script that recomputes every value and compares")
    export.add_argument("--worksheet", action="store_true",
                        help="markdown, html, latex, text: leave the numbers put in and the results "
                             "blank, with an answer key at the end")
    export.add_argument("--blank", metavar="PATTERNS",
                        help='with --worksheet: the step ids left blank, comma-separated patterns '
                             '(e.g. "grad.*,new.*"; default: every step after the first forward pass)')
    export.add_argument("--width", type=int, metavar="N",
                        help="text: wrap formulas at N columns (default: the terminal's, or 80)")
    export.add_argument("--full-derivations", action="store_true",
                        help="show every line of each sympy derivation, not just its result")
    export.add_argument("-o", "--output", metavar="OUT",
                        help="write here instead of stdout (see below)")
    export.add_argument("--force", action="store_true",
                        help="overwrite OUT even if stepcalc did not write it (regular files only)")
    export.add_argument("--allow-large", action="store_true",
                        help="write a JSON export of more than 10,000,000 numbers")
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
    exercise = new.add_argument_group("exercises (train only): --random with numbers nice by hand")
    exercise.add_argument("--random", action="store_true", help="draw a new exercise scenario")
    exercise.add_argument("--seed", type=int, default=0, help="the same seed gives the same exercise")
    exercise.add_argument("--layers", default="2-2-3", help="widths: inputs-hidden…-outputs (default 2-2-3)")
    exercise.add_argument("--activation", default="relu",
                          help="hidden activation: relu sigmoid tanh identity leaky_relu (default relu)")
    exercise.add_argument("--loss", default="cross_entropy",
                          help="cross_entropy binary_cross_entropy squared_error half_squared_error "
                               "absolute_error hinge (default cross_entropy)")
    exercise.add_argument("--precision", type=int, default=1, choices=(1, 2),
                          help="decimals of the given numbers (default 1)")
    exercise.add_argument("--samples", type=int, default=1, help="samples in the batch (default 1)")
    exercise.add_argument("--dead-unit", action="store_true", help="ask for a dead ReLU unit")
    exercise.add_argument("--variant", type=int, default=0, help="which variant of the seed (default 0)")
    exercise.add_argument("--variants", type=int, metavar="K", help="write K different exercises into -o DIR")
    exercise.add_argument("-o", "--output", metavar="OUT", help="a file (one exercise) or a folder (--variants)")
    exercise.add_argument("--force", action="store_true", help="overwrite existing files")
    new.set_defaults(func=cmd_new)
    return p


def entry() -> NoReturn:
    """`stepcalc` and `python -m stepcalc`: main(), then an exit that skips the interpreter's
    teardown once everything is written and flushed. Teardown frees numpy's and sympy's
    objects one by one: about 150 ms, as long as a whole export's own work, for nothing a
    finished command needs. A command that ran the TUI exits the usual way, so Textual's
    exit handlers restore the terminal."""
    code = main()
    if "textual" in sys.modules:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):   # the reader has gone, or the stream is closed
            pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    command_line = parser()
    args = command_line.parse_args(argv)
    if args.command == "export" and not args.file and not args.all:
        command_line.error("export: give a scenario FILE or NAME, or --all")   # usage, exit 2
    progress = Progress()
    try:
        if args.command not in ("export", "check", "run"):
            return args.func(args)
        import numpy as np

        import stepcalc

        # No numpy RuntimeWarning reaches stderr (or the TUI's screen): every overflow or
        # invalid operation leaves a non-finite value, which its step flags.
        with np.errstate(all="ignore"):
            if args.command == "run":
                return args.func(args)
            with stepcalc.reporting_progress(progress):
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
