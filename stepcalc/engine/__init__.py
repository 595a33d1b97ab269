"""Engine: Scenario → Trace. Never imports textual."""

from __future__ import annotations

from dataclasses import replace

from stepcalc.errors import ScenarioError
from stepcalc.records.steps import Flag, Trace


def trace(scenario) -> Trace:
    """Compute every step of a scenario once, then mark printed values that disagree.

    numpy's overflow/invalid warnings are silenced here, at the engine's boundary: every
    value they concern is non-finite, and each step flags its non-finite entries.
    """
    import numpy as np

    with np.errstate(all="ignore"):
        return _trace(scenario)


def _trace(scenario) -> Trace:
    if scenario.kind == "train":
        from stepcalc.engine.slides.train import trace_train

        result = trace_train(scenario)
    elif scenario.kind in ("activations", "losses", "init_stats", "batchnorm", "normalize"):
        from stepcalc.engine.kinds import trace_kind

        result = trace_kind(scenario)
    else:
        raise ScenarioError(scenario.file, "kind", f'kind "{scenario.kind}" is not supported yet')
    if scenario.expect:
        mark_mismatches(result)
    return result


def mark_mismatches(result: Trace) -> None:
    from stepcalc.engine.slides.audit import audit
    from stepcalc.render.printing import format_number

    by_id = {step.id: step for step in result.steps}
    for entry in audit(result.scenario, result.values):
        step = by_id.get(entry.id)
        if step is None or entry.ok:
            continue
        flags = []
        for m in entry.mismatches:
            where = "".join(f"[{i + 1}]" for i in m.element)
            cause = f" ({m.cause})" if m.cause else ""
            flags.append(Flag("mismatch",
                              f"printed {entry.id}{where} = {m.printed:.{m.decimals}f}, exact "
                              f"{format_number(m.exact, max(m.decimals + 2, 4))}{cause}",
                              (m.element,)))
        step.flags = step.flags + tuple(flags)
