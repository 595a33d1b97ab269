"""Engine: Scenario → Trace. Never imports textual."""

from __future__ import annotations

from stepcalc.records.flags import Flag, FlagKind, MismatchFact
from stepcalc.records.steps import Trace


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
    """Attach a mismatch flag (the fact, not words: renderers word it) to each step whose
    printed value disagrees with the exact one."""
    from stepcalc.engine.slides.audit import audit

    by_id = {step.id: step for step in result.steps}
    for entry in audit(result.scenario, result.values, result.states):
        step = by_id.get(entry.id)
        if step is None or entry.ok:
            continue
        step.flags = step.flags + tuple(
            Flag(FlagKind.MISMATCH, elements=(m.element,),
                 mismatch=MismatchFact(entry.id, m.element, m.printed, m.exact, m.decimals, m.cause))
            for m in entry.mismatches)
