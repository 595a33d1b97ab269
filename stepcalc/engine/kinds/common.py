"""Shared pieces of the non-train tracers: Step construction and lazy element expansions.

A template ``template(element, get)`` writes one element's calculation; it is called once
with ``get`` returning symbols (x_{12}) and once returning numbers, so the symbolic and the
numeric line cannot disagree (the same idea as engine/formulas.py).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import sympy as sp

from stepcalc.engine.slides.digits import new_step
from stepcalc.records.notation import entry, num
from stepcalc.records.steps import Expansion, Step, Table, Trace


def sym(name: str, idx: tuple):
    """``name`` at 0-based ``idx``, printed 1-based like the slides."""
    return entry(name, *(int(i) + 1 for i in idx))


class Emitter:
    """Collects Steps and the values dict of one trace."""

    def __init__(self, scenario):
        self.sc = scenario
        self.steps: list[Step] = []
        self.values: dict[str, np.ndarray] = {}
        # How a quantity is written in formulas when its id is not a good symbol:
        # a name ("L") or a function of the 0-based index returning a sympy expression.
        self.alias: dict[str, object] = {}

    def sym(self, name: str, idx: tuple):
        shown = self.alias.get(name, name)
        return shown(idx) if callable(shown) else sym(shown, idx)

    def val(self, name: str, idx: tuple):
        return num(self.values[name][idx])

    def expander(self, target: str, lhs: Callable[[tuple], object], template: Callable):
        values = self.values

        def expand(element: tuple) -> Expansion:
            with sp.evaluate(False):
                symbolic = template(element, self.sym)
                numeric = template(element, self.val)
            return Expansion(element, lhs(element), symbolic, numeric, float(values[target][element]))

        return expand

    def emit(self, step_id: str, phase: str, title: str, value, explanation: str = "", *,
             formula=None, expand=None, derivation=None, table: Table | None = None,
             symbol=None, flags=(), representative=None, record: bool = True) -> Step:
        step = new_step(self.sc, step_id, phase, value, flags=flags, representative=representative,
                        title=title, explanation=explanation, formula_builder=formula,
                        expander=expand, derivation_builder=derivation, table=table, symbol=symbol)
        self.steps.append(step)
        if record:
            self.values[step_id] = step.value
        return step

    def trace(self) -> Trace:
        return Trace(self.sc, self.steps, self.values)


def table(rows, columns, values, corner: str = "", sparkline: bool = False, plot: str = "",
          plot_label: str = "") -> Table:
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values.reshape(1, -1)
    return Table(tuple(rows), tuple(columns), values, corner, sparkline, plot, plot_label)
