"""`stepcalc export --all [FOLDER] -f FORMAT -o DIR`: a course pack — every bundled
scenario (or every scenario file of FOLDER) exported into DIR, with an index page.

Every target is checked before anything is computed (a file stepcalc did not write stops
the pack unless --force), then each export is written atomically as it is made.
"""

from __future__ import annotations

import sys
from pathlib import Path

from stepcalc.errors import StepcalcError
from stepcalc.files import EXIT_OK, check_output, export_chunks, load_scenario, write_atomically

EXTENSIONS = {"markdown": ".md", "html": ".html", "latex": ".tex", "text": ".txt", "json": ".json",
              "numpy": ".py"}


def sources(folder: str | None) -> dict[str, Path]:
    from stepcalc.bundled import bundled, scenario_files

    if folder is None:
        return bundled()
    path = Path(folder)
    if not path.is_dir():
        raise StepcalcError(f"{path}: export --all takes a folder of scenario files (or none: "
                            "the bundled scenarios)")
    found = scenario_files(path)
    if not found:
        raise StepcalcError(f"{path}: no scenario file (*.toml with a top-level title) in this folder")
    return found


def output_folder(text: str | None) -> Path:
    if not text:
        raise StepcalcError("export --all: give the folder to write the pack into with -o DIR")
    out = Path(text)
    if out.exists() and not out.is_dir():
        raise StepcalcError(f"{out}: exists and is not a folder; export --all writes into a folder")
    if not out.exists():
        if not out.parent.resolve().is_dir():
            raise StepcalcError(f"{out}: the folder {out.parent} does not exist")
        out.mkdir()
    return out


def export_all(args, worksheet_of=None) -> int:
    """Write the pack; ``worksheet_of(trace)`` gives each export's worksheet (or None)."""
    import stepcalc
    from stepcalc.render.index_page import Entry, index_html, index_markdown

    files = sources(args.file)
    out = output_folder(args.output)
    extension = EXTENSIONS[args.format]
    targets = {name: out / f"{name}{extension}" for name in files}
    index = out / ("index.html" if args.format == "html" else "index.md")
    if index in targets.values():
        raise StepcalcError(f"{index}: a scenario named like the index page; rename it")
    for target in (*targets.values(), index):
        check_output(target, args.force)
    entries = []
    for name, path in files.items():
        trace = stepcalc.trace(load_scenario(str(path)))
        worksheet = worksheet_of(trace) if worksheet_of else None
        write(targets[name], export_chunks(trace, args.format, args.allow_large, args.width or 80,
                                           args.full_derivations, worksheet), args.force)
        scenario = trace.scenario
        entries.append(Entry(name, scenario.title, targets[name].name,
                             getattr(scenario, "kind", "train"), len(trace.steps)))
    heading = "stepcalc course pack" + (" (worksheets)" if worksheet_of else "")
    page = index_html(heading, entries) if args.format == "html" else index_markdown(heading, entries)
    write(index, page, args.force)
    print(f"wrote {len(entries)} exports and {index.name} to {out}", file=sys.stderr)
    return EXIT_OK


def write(path: Path, chunks, force: bool) -> None:
    try:
        write_atomically(path, chunks, force=force)
    except OSError as exc:
        raise StepcalcError(f"{path}: cannot write: {exc.strerror or exc}") from None
