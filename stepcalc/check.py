"""`stepcalc check`: gradient check and audit of printed values, as a text report."""

from __future__ import annotations

import math
from typing import TextIO

from stepcalc.render.printing import format_number

TOLERANCE = 1e-6


def _where(element) -> str:
    return "".join(f"[{i + 1}]" for i in element)


def check_scenario(scenario, out: TextIO) -> tuple[int, int]:
    """Print the report; returns (printed values checked, problems found)."""
    import stepcalc
    from stepcalc.engine.slides.audit import audit
    from stepcalc.engine.numbers.gradcheck import check_gradients

    trace = stepcalc.trace(scenario)
    problems = 0
    print(f"{scenario.file}: {scenario.title}", file=out)
    if scenario.kind == "train" and scenario.train.steps > 0:
        print("  gradients vs central differences (step 1, loss + weight-decay penalty):", file=out)
        for result in check_gradients(scenario, state=trace.state(1)):
            status = "ok" if result.ok(TOLERANCE) else (
                "MISMATCH" if math.isfinite(result.max_error) else "NOT FINITE (nan/inf in the loss)")
            problems += 0 if result.ok(TOLERANCE) else 1
            print(f"    {result.name:<12} {result.checked:>4} entries  max rel. error "
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
            cause = f"  — {m.cause}" if m.cause else ""
            print(f"    ✗ {entry.id}{_where(m.element)}: printed {m.printed:.{m.decimals}f}, "
                  f"exact {format_number(m.exact, max(m.decimals + 3, 6))}{cause}", file=out)
    print(f"  {count} printed value(s), {problems} problem(s)", file=out)
    return count, problems


def check_file(file_or_name: str, out: TextIO) -> int:
    from stepcalc.files import EXIT_MISMATCH, EXIT_OK, load_scenario

    _, problems = check_scenario(load_scenario(file_or_name), out)
    return EXIT_MISMATCH if problems else EXIT_OK


def check_all(out: TextIO) -> int:
    import io

    from stepcalc.bundled import bundled
    from stepcalc.files import EXIT_MISMATCH, EXIT_OK
    from stepcalc.scenario import load

    total_problems = 0
    print(f"{'scenario':<28} {'printed':>8} {'problems':>9}", file=out)
    for name, path in bundled().items():
        count, problems = check_scenario(load(path), io.StringIO())
        total_problems += problems
        print(f"{name:<28} {count:>8} {problems:>9}", file=out)
    return EXIT_MISMATCH if total_problems else EXIT_OK
