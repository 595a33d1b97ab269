"""`stepcalc check`: gradient check and audit of printed values, as a text report."""

from __future__ import annotations

import math
from typing import TextIO

import numpy as np

from stepcalc.records.quantity import parse_quantity
from stepcalc.render.escaping import terminal_text
from stepcalc.render.printing import format_number

TOLERANCE = 1e-6


def _entry_id(key: str, element) -> str:
    """``grad.w`` and (0, 1) → ``grad.w[1][2]`` (a scalar keeps its id alone)."""
    return str(parse_quantity(key).entry(element))


def mismatch_text(m) -> str:
    """One printed value that does not match: printed, exact and the likely cause."""
    cause = f"  — {m.cause}" if m.cause else ""
    return f"printed {m.printed:.{m.decimals}f}, exact {format_number(m.exact, max(m.decimals + 3, 6))}{cause}"


def gradient_status(result) -> str:
    notes = result.notes()
    if result.ok(TOLERANCE):
        return f"ok ({notes})" if notes else "ok"
    if result.not_finite:
        return f"NOT FINITE (nan/inf gradient, loss or difference: {notes})"
    return f"MISMATCH ({notes})" if notes else "MISMATCH"


def golden_results(scenario) -> list[tuple[str, str | None]]:
    """(item name, problem or None) for each printed number and the gradient check.

    What the pytest plugin reports: one item per printed entry, named as displayed
    (``grad.w[1][2]``, 1-based; a scalar by its id alone), then ``gradient-check``.
    """
    import stepcalc
    from stepcalc.engine.numbers.gradcheck import check_gradients
    from stepcalc.engine.slides.audit import audit

    trace = stepcalc.trace(scenario)
    out: list[tuple[str, str | None]] = []
    for entry in audit(scenario, trace.values, trace.states):
        wrong = {m.element: m for m in entry.mismatches}
        for element in np.ndindex(entry.printed.shape):
            m = wrong.get(tuple(element))
            out.append((_entry_id(entry.id, element), None if m is None else mismatch_text(m)))
    if scenario.kind == "train" and scenario.train.steps > 0:
        bad = [f"{r.name}: max rel. error {r.max_error:.1e} over {r.checked} entries, {gradient_status(r)}"
               for r in check_gradients(scenario, state=trace.state(1)) if not r.ok(TOLERANCE)]
        out.append(("gradient-check", "; ".join(bad) if bad else None))
    return out


def check_scenario(scenario, out: TextIO) -> tuple[int, int]:
    """Print the report; returns (printed values checked, problems found)."""
    import stepcalc
    from stepcalc.engine.slides.audit import audit
    from stepcalc.engine.numbers.gradcheck import check_gradients

    trace = stepcalc.trace(scenario)
    problems = 0
    # The title is the file's text: escaped, so ESC/CR/NUL cannot forge or colour the report.
    print(f"{terminal_text(str(scenario.file))}: {terminal_text(scenario.title)}", file=out)
    if scenario.kind == "train" and scenario.train.steps > 0:
        what = "loss + weight-decay penalty" if scenario.train.gradient_decay else "loss"
        print(f"  gradients vs central differences (step 1, {what}):", file=out)
        for result in check_gradients(scenario, state=trace.state(1)):
            status = gradient_status(result)
            problems += 0 if result.ok(TOLERANCE) else 1
            entries = "entry  " if result.checked == 1 else "entries"
            print(f"    {result.name:<12} {result.checked:>4} {entries}  max rel. error "
                  f"{result.max_error:.1e}  {status}", file=out)
    entries = audit(scenario, trace.values, trace.states)
    count = sum(int(e.printed.size) for e in entries)
    if entries:
        print("  printed values ([expect]) at their printed precision:", file=out)
    for entry in entries:
        if entry.ok:
            print(f"    ✓ {entry.id}: {entry.printed.size} value(s) match", file=out)
            continue
        for m in entry.mismatches:
            problems += 1
            print(f"    ✗ {_entry_id(entry.id, m.element)}: {mismatch_text(m)}", file=out)
    print(f"  {count} printed value(s), {problems} problem(s)", file=out)
    return count, problems


def check_file(file_or_name: str, out: TextIO) -> int:
    """One scenario in full, or a folder's scenario files one line each."""
    from pathlib import Path

    from stepcalc.files import EXIT_MISMATCH, EXIT_OK, load_scenario

    if Path(file_or_name).is_dir():
        from stepcalc.bundled import scenario_files

        files = scenario_files(Path(file_or_name))
        if not files:
            from stepcalc.errors import StepcalcError

            raise StepcalcError(f"{file_or_name}: no scenario files (*.toml with a title) in this folder")
        return check_many(files, out)
    _, problems = check_scenario(load_scenario(file_or_name), out)
    return EXIT_MISMATCH if problems else EXIT_OK


def check_all(out: TextIO) -> int:
    from stepcalc.bundled import bundled

    return check_many(bundled(), out)


def check_many(files: dict, out: TextIO) -> int:
    """One line per scenario file: printed values checked and problems found.

    A file stepcalc cannot use gets its one-line error in place of the counts, and makes
    the exit code 2 (bad input) once every file has been checked.
    """
    import io

    from stepcalc.errors import StepcalcError
    from stepcalc.files import EXIT_BAD_INPUT, EXIT_MISMATCH, EXIT_OK
    from stepcalc.scenario import load

    total_problems = broken = 0
    print(f"{'scenario':<28} {'printed':>8} {'problems':>9}", file=out)
    for name, path in files.items():
        try:
            count, problems = check_scenario(load(path), io.StringIO())
        except StepcalcError as exc:
            broken += 1
            print(f"{name:<28} error: {exc}", file=out)
            continue
        total_problems += problems
        print(f"{name:<28} {count:>8} {problems:>9}", file=out)
    if broken:
        return EXIT_BAD_INPUT
    return EXIT_MISMATCH if total_problems else EXIT_OK
