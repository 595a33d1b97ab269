"""Flags in words: one wording for every renderer (Markdown, JSON, text, TUI).

The engine records facts (a mismatch: printed, exact, decimals, entry, cause); this is
where they become sentences. Icons, labels and styles come from records.flags.FlagKind.
"""

from __future__ import annotations

from stepcalc.records.flags import Flag, MismatchFact
from stepcalc.records.quantity import entry_suffix  # noqa: F401  (the HTML deck imports it from here)
from stepcalc.render.printing import format_number


def mismatch_message(fact: MismatchFact) -> str:
    """"printed grad.w[1] = 0.412, exact 0.4105 (cause)": the exact value gets two more
    digits than were printed (at least 4), so the difference is visible."""
    cause = f" ({fact.cause})" if fact.cause else ""
    return (f"printed {fact.id}{entry_suffix(fact.element)} = {fact.printed:.{fact.decimals}f}, "
            f"exact {format_number(fact.exact, max(fact.decimals + 2, 4))}{cause}")


def flag_message(flag: Flag) -> str:
    """The sentence shown after the flag's icon and label."""
    if flag.mismatch is not None:
        return mismatch_message(flag.mismatch)
    return flag.message


def flag_line(flag: Flag) -> str:
    """One flag as plain text: "☠ dead relu: unit 2 of h is dead …"."""
    return f"{flag.kind.icon} {flag.kind.label}: {flag_message(flag)}"
