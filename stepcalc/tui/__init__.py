"""The Textual TUI of stepcalc: `stepcalc run FILE|NAME`.

``build_app`` is the one factory used by the command line and the tests; ``run_app``
adds the command line's error handling (a bad scenario prints ``stepcalc: <message>``
and returns 2 before any screen is drawn).
"""

from __future__ import annotations

import sys

__all__ = ["build_app", "run_app"]


def build_app(scenario_or_trace=None, *, step: str | None = None):
    """A ready-to-run app: a Trace or a Scenario opens its slides; None opens the picker.

    A str or Path is read as a scenario file or bundled name. ``step`` is a quantity id
    (e.g. ``"grad.m"``) to open at instead of the first step.
    """
    from stepcalc.records.steps import Trace
    from stepcalc.tui.app import StepcalcApp

    source = scenario_or_trace
    if source is None or isinstance(source, Trace):
        return StepcalcApp(source, start=step)
    if isinstance(source, (str, bytes)) or hasattr(source, "__fspath__"):
        from stepcalc.files import load_scenario

        source = load_scenario(str(source))
    if step is None and getattr(source, "kind", "") == "experiment":
        return StepcalcApp(experiment=source)     # trained in the app, with progress
    import stepcalc

    return StepcalcApp(stepcalc.trace(source), start=step)


def run_app(file_or_name: str | None) -> int:
    """Run the TUI; the return value is the process exit code."""
    from stepcalc.errors import StepcalcError

    try:
        app = build_app(file_or_name)
    except StepcalcError as exc:
        print(f"stepcalc: {exc}", file=sys.stderr)
        return 2
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)
