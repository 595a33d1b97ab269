"""stepcalc: a step-by-step calculator for tiny neural networks.

    import stepcalc
    sc = stepcalc.load("scenarios/dying_relu.toml")
    tr = stepcalc.trace(sc)
    tr.values["grad.m"]
    sc = stepcalc.scenario(title="…", x=np.array(...), y=[0],
                           layers=[dict(units=2, activation="relu"), dict(units=3, activation="softmax")],
                           params={...}, train=dict(loss="cross_entropy", lr=0.1))
    sc.to_toml()   # the same scenario as a file

Importing this package never imports textual (the TUI lives in stepcalc.tui).
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["load", "loads", "scenario", "trace", "reporting_progress"]


def load(path):
    """Read and validate a scenario file (a path, or a bundled scenario's name)."""
    from stepcalc.bundled import resolve
    from stepcalc.scenario import load as _load

    return _load(resolve(str(path)))


def loads(text: str, file: str = "<string>"):
    """Validate a scenario given as TOML text."""
    from stepcalc.scenario import loads as _loads

    return _loads(text, file)


def scenario(**fields):
    """Build a scenario in Python, validated exactly like a file (same errors, key paths).

    Keywords are the file's top-level keys and tables (``title``, ``kind``, ``data``,
    ``model``, ``params``, ``init``, ``train``, ``expect`` …), plus shortcuts for where a
    file nests them: ``x``, ``y`` (→ ``[data]``), ``layers``, ``convention``, ``bias``,
    ``bias_position`` (→ ``[model]``) and ``precision`` (→ ``[display]``). numpy arrays are welcome anywhere.
    """
    from stepcalc.scenario.builder import build

    return build(**fields)


def trace(scenario):
    """Compute every step of the scenario once: a Trace of Step records."""
    import sys

    from stepcalc.engine import trace as _trace

    if "IPython" in sys.modules:   # a notebook: traces and steps display as slides
        import stepcalc.render.notebook  # noqa: F401  (registers the displays)
    return _trace(scenario)


def reporting_progress(callback):
    """A context manager: within it, long training runs call ``callback(step, total)``."""
    from stepcalc.engine.numbers.long_runs import reporting_progress as _reporting

    return _reporting(callback)
