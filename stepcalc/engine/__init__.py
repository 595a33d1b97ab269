"""Engine: Scenario → Trace. Never imports textual."""

from __future__ import annotations

from dataclasses import replace

from stepcalc.records.steps import Flag, Trace


def trace(scenario) -> Trace:
    """Compute every step of a scenario once, then mark printed values that disagree."""
    if scenario.kind == "train":
        from stepcalc.engine.slides.train import trace_train

        result = trace_train(scenario)
    else:   # the loader accepts only the kinds engine.kinds knows
        from stepcalc.engine.kinds import trace_kind

        result = trace_kind(scenario)
    if scenario.expect:
        mark_mismatches(result)
    return result


def mark_mismatches(result: Trace) -> None:
    from stepcalc.engine.slides.audit import audit
    from stepcalc.render.printing import format_number

    by_id = {step.id: step for step in result.steps}
    for entry in audit(result.scenario, result.values, result.states):
        step = by_id.get(entry.id)
        if step is None or entry.ok:
            continue
        flags = []
        for m in entry.mismatches:
            cause = f" ({m.cause})" if m.cause else ""
            flags.append(Flag("mismatch",
                              f"printed {step.quantity.entry(m.element)} = {m.printed:.{m.decimals}f}, exact "
                              f"{format_number(m.exact, max(m.decimals + 2, 4))}{cause}",
                              (m.element,)))
        step.flags = step.flags + tuple(flags)
