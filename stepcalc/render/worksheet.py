"""Worksheets: which steps a student works out (`export --worksheet [--blank PATTERNS]`).

One choice for every format: a blanked step keeps its formula and the symbolic part of
its expansion, while the numbers put in, the result, and the flags (which name numbers)
are left blank. The answer key at the end shows them in full. Renderers only ask
`Worksheet.blanks(step)`; nothing is recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from stepcalc.errors import StepcalcError
from stepcalc.records.steps import Trace
from stepcalc.render.latex import MAX_COLS, MAX_ROWS, _elide
from stepcalc.render.printing import to_latex

# What a blank looks like where the medium has no box of its own.
TEXT_BLANK = "____"
MARKDOWN_BLANK = r"\_\_\_\_"          # escaped: never read as emphasis or a rule
LATEX_BLANK = r"\underline{\hspace{3em}}"
LATEX_BLANK_ENTRY = r"\underline{\hspace{1.6em}}"


def parse_patterns(text: str | None) -> tuple[str, ...] | None:
    """`--blank "grad.*,new.*"` → ("grad.*", "new.*"); None (the default) when not given."""
    if text is None:
        return None
    patterns = tuple(p.strip() for p in text.split(",") if p.strip())
    if not patterns:
        raise StepcalcError('--blank: expected comma-separated step id patterns such as '
                            '"grad.*,new.*" (got nothing)')
    return patterns


def default_blanks(trace: Trace) -> frozenset[str]:
    """Every result after the forward pass: the steps after the first block of one phase
    (a train run: its first forward pass is the worked part). When every step has the
    same phase (batchnorm, normalize, losses), every step after the first."""
    steps = trace.steps
    first = 0
    while first < len(steps) and steps[first].phase == steps[0].phase \
            and steps[first].step_number == steps[0].step_number:
        first += 1
    if first == len(steps):
        first = min(1, len(steps))
    return frozenset(step.id for step in steps[first:])


@dataclass(frozen=True)
class Worksheet:
    """The step ids left blank, in deck order (the answer key follows that order)."""

    blank_ids: frozenset[str]

    @classmethod
    def of(cls, trace: Trace, patterns: tuple[str, ...] | None = None) -> "Worksheet":
        if patterns is None:
            return cls(default_blanks(trace))
        chosen = frozenset(step.id for step in trace.steps
                           if any(fnmatchcase(step.id, p) for p in patterns))
        if not chosen:
            where = trace.scenario.file or "<scenario>"
            raise StepcalcError(f"{where}: --blank {','.join(patterns)!r} matches no step id "
                                f"(ids: {', '.join(s.id for s in trace.steps[:8])}"
                                f"{' …' if len(trace.steps) > 8 else ''})")
        return cls(chosen)

    def blanks(self, step) -> bool:
        return step.id in self.blank_ids

    def key_steps(self, trace: Trace) -> list[tuple[int, object]]:
        """(slide number, step) of every blanked step: what the answer key shows."""
        return [(n, step) for n, step in enumerate(trace.steps, 1) if self.blanks(step)]


def blank_chain_latex(expansion, precision: int) -> str:
    """lhs = symbolic = ____ = ____: the numbers put in and the result left to fill in."""
    parts = [to_latex(expansion.lhs, precision)]
    if expansion.symbolic is not None:
        parts.append(to_latex(expansion.symbolic, precision))
    return " = ".join(parts + [LATEX_BLANK, LATEX_BLANK])


def blank_matrix_latex(shape: tuple[int, ...]) -> str:
    """A bmatrix of blanks with the shape (and the elision) of the result's matrix."""
    if len(shape) == 0:
        return LATEX_BLANK
    rows_shape = (1, shape[0]) if len(shape) == 1 else shape
    cols = _elide(rows_shape[1], MAX_COLS)
    rows = []
    for r in _elide(rows_shape[0], MAX_ROWS):
        if r is None:
            rows.append(" & ".join(r"\vdots" if c is not None else r"\ddots" for c in cols))
        else:
            rows.append(" & ".join(r"\cdots" if c is None else LATEX_BLANK_ENTRY for c in cols))
    return r"\begin{bmatrix} %s \end{bmatrix}" % r" \\ ".join(rows)
