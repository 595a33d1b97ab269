"""Command line: run, export, check, list, new. Heavy imports happen inside commands."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from stepcalc.errors import StepcalcError

EXIT_OK, EXIT_MISMATCH, EXIT_BAD_INPUT = 0, 1, 2


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
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cmd_export(args) -> int:
    import stepcalc

    trace = stepcalc.trace(load_scenario(args.file))
    if args.format == "json":
        from stepcalc.render.json_export import render_json as render
    else:
        from stepcalc.render.markdown import render_markdown as render
    text = render(trace)
    if args.output:
        out = Path(args.output)
        if out.is_dir():
            raise StepcalcError(f"{out}: is a directory; expected a file to write")
        write_atomically(out, text)
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


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
    export = sub.add_parser("export", help="export every step as Markdown (LaTeX math) or JSON")
    export.add_argument("file", help="scenario file or bundled name")
    export.add_argument("-f", "--format", choices=("markdown", "json"), default="markdown")
    export.add_argument("-o", "--output", help="write here instead of stdout")
    export.set_defaults(func=cmd_export)
    check = sub.add_parser("check", help="validate, gradient-check and audit [expect]")
    check.add_argument("file", nargs="?", help="scenario file or bundled name")
    check.add_argument("--all", action="store_true", help="check every bundled scenario")
    check.set_defaults(func=cmd_check)
    lst = sub.add_parser("list", help="bundled scenarios")
    lst.set_defaults(func=cmd_list)
    new = sub.add_parser("new", help="print a commented template scenario")
    new.add_argument("kind", nargs="?", default="train", choices=("train",))
    new.set_defaults(func=cmd_new)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except StepcalcError as exc:
        print(f"stepcalc: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("stepcalc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
