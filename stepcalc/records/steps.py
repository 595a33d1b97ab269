"""The Trace: every step of a calculation, computed once; what renderers read.

A Step holds numbers (full precision) and sympy expressions (formulas); renderers turn
them into text, LaTeX or widgets and never compute anything themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from stepcalc.records.flags import Flag  # noqa: F401  (re-exported: steps carry flags)
from stepcalc.records.display import shown
from stepcalc.records.precision import sum_digits
from stepcalc.records.quantity import Quantity, parse_quantity

PHASE_LABELS = {
    "forward": "Forward pass",
    "loss": "Loss",
    "backward": "Backward pass",
    "update": "Update",
    "check": "Forward pass again",
}


@dataclass(frozen=True)
class Expansion:
    """One element's scalar calculation: lhs = symbolic = numbers put in = value.

    ``symbolic`` and ``numeric`` are sympy expressions; ``numeric`` holds sympy Floats at
    full precision inside unevaluated operations (printers round for display).
    ``symbolic`` may be None when the formula has no index-free form worth repeating.
    """

    element: tuple[int, ...]
    lhs: Any
    symbolic: Any
    numeric: Any
    value: float
    note: str = ""                     # a short remark shown under it (a term left out, and why)
    precision: int = 3                 # significant digits shown (set by Step.expand)
    approximate: bool = False          # the rounded numbers put in do not give the rounded value: ≈

    def _repr_latex_(self):
        """The chain lhs = symbolic = numbers put in = value, in a notebook."""
        return shown("expansion/latex", self)


@dataclass(frozen=True)
class Derivation:
    """A chain of equal expressions derived with sympy (e.g. δ = ŷ − y)."""

    lhs: Any
    chain: tuple[Any, ...]             # successive sympy expressions, each equal to lhs
    comment: str = ""

    def links(self, full: bool = False) -> tuple[Any, ...]:
        """The links shown: every one when ``full``; else the identity, with the link before
        it when that one is short enough to read at a glance (∂L/∂ŷ₁·σ′(z₁) = (ŷ₁ − y₁)·ŷ₁(1 − ŷ₁),
        ŷ₁(y₁ + y₂ + y₃) − y₁ = ŷ₁ − y₁), so the line goes from a definition to the identity."""
        if full or len(self.chain) < 2:
            return tuple(self.chain)
        return tuple(self.chain[-2:]) if _glanceable(self.chain[-2]) else tuple(self.chain[-1:])


def _glanceable(expr) -> bool:
    """Few operations and none of the forms raw sympy output is made of (exp, 1/(…)², |x|)."""
    import sympy as sp

    if sp.count_ops(expr) > 10 or expr.has(sp.exp, sp.Abs, sp.sign):
        return False
    return not any(power.exp.is_negative for power in expr.atoms(sp.Pow))


@dataclass(frozen=True)
class Table:
    """A labelled table of numbers (value tables, per-layer statistics, histograms).

    ``values`` is rows × columns; renderers print ``row_labels`` down the left and
    ``column_labels`` across the top. ``sparkline`` asks for a text sparkline of each
    row next to it (histogram counts). ``plot = "curves"`` asks for a line plot besides:
    each row one curve over the columns (the experiment's runs per epoch), labelled
    ``plot_label`` on its y axis.
    """

    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    values: np.ndarray
    corner: str = ""                   # the top-left cell
    sparkline: bool = False
    plot: str = ""                     # "" | "curves"
    plot_label: str = ""


@dataclass
class Step:
    id: str                            # quantity id: "h", "grad.m", "new.w", "step2.z", "after.loss"
    phase: str                         # a key of PHASE_LABELS
    title: str
    value: np.ndarray                  # full precision; 0-d for scalars
    explanation: str = ""
    flags: tuple[Flag, ...] = ()
    step_number: int = 1               # training step this belongs to (1-based); 0 = after
    representative: tuple[int, ...] | None = None   # element whose expansion is shown
    formula_builder: Callable[[], Any] | None = field(default=None, repr=False)
    expander: Callable[[tuple[int, ...]], Expansion] | None = field(default=None, repr=False)
    derivation_builder: Callable[[], Derivation] | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)
    table: Table | None = None         # labelled table shown instead of the bare matrix
    symbol: Any = None                 # sympy expr naming the quantity (or see symbol_builder)
    symbol_builder: Callable[[], Any] | None = field(default=None, repr=False)
    # Renderers show the derivation short (lhs = identity) unless this asks for every line
    # sympy went through (the TUI toggles it; `export --full-derivations` sets it for all).
    full_derivation: bool = False
    label: str = ""                    # short label for the step tree ("" : the title)
    precision: int = 3                 # significant digits shown (the scenario's [display])
    quantity: Quantity = field(init=False, repr=False)

    def __post_init__(self):
        # Built from a Quantity (the train plan) or from its id text (the other kinds).
        if isinstance(self.id, Quantity):
            self.quantity, self.id = self.id, str(self.id)
        else:
            self.quantity = parse_quantity(self.id)

    @property
    def formula(self) -> Any:
        """Index-level sympy ``Eq`` (lhs = rhs), built on first use.

        Building sympy objects costs far more than the numpy work of a small layer,
        so nothing symbolic is made until a renderer asks for it.
        """
        if "formula" not in self._cache:
            self._cache["formula"] = self.formula_builder() if self.formula_builder else None
        return self._cache["formula"]

    def quantity_symbol(self) -> Any:
        """The quantity's name as a sympy expression (h, ∂L/∂m, m′ …), built on first use."""
        if self.symbol is None and self.symbol_builder is not None:
            self.symbol = self.symbol_builder()
        return self.symbol

    @property
    def derivation(self) -> Derivation | None:
        """A sympy derivation shown with this step (e.g. δ = ŷ − y), if any."""
        if "derivation" not in self._cache:
            builder = self.derivation_builder
            self._cache["derivation"] = builder() if builder else None
        return self._cache["derivation"]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(np.shape(self.value))

    def expand(self, element: tuple[int, ...] | None = None) -> Expansion | None:
        """The scalar expansion of one element, built on first request and cached."""
        if self.expander is None:
            return None
        if element is None:
            element = self.representative if self.representative is not None else ()
        element = tuple(int(i) for i in element)
        key = ("expansion", element)
        if key not in self._cache:
            expansion = self.expander(element)
            digits, approximate = sum_digits(expansion.numeric, expansion.value, self.precision)
            self._cache[key] = replace(expansion, precision=digits, approximate=approximate)
        return self._cache[key]

    def _repr_markdown_(self):
        """The step as a slide (formula, numbers put in, result) in a notebook."""
        return shown("step/markdown", self)

    def _repr_latex_(self):
        return shown("step/latex", self)

    def _repr_html_(self):
        return shown("step/html", self)

    def shown_derivation(self, full: bool = False) -> tuple[Any, ...]:
        """The derivation links to show (see Derivation.links); none when the short form
        would only repeat the numbers-put-in line below it (∂L/∂z₁ = ŷ₁ − y₁ twice)."""
        derivation = self.derivation
        if derivation is None:
            return ()
        links = derivation.links(full or self.full_derivation)
        expansion = self.substitution
        if len(links) == 1 and expansion is not None and derivation.lhs == expansion.lhs \
                and links[0] == expansion.symbolic:
            return ()
        return links

    @property
    def shown_formula(self) -> Any:
        """The formula, unless the expansion below repeats it word for word (a formula with
        one entry: L = (ŷ₁ − y₁)², then L = (ŷ₁ − y₁)² = (−9.1)² = 82.81)."""
        formula = self.formula
        expansion = self.substitution
        if formula is not None and expansion is not None and expansion.symbolic is not None \
                and formula.lhs == expansion.lhs and formula.rhs == expansion.symbolic:
            return None
        return formula

    @property
    def one_entry_expanded(self) -> bool:
        """One entry, whose expansion already ends in its value: no matrix to show after it."""
        return self.value.size == 1 and self.value.ndim > 0 and self.substitution is not None

    @property
    def substitution(self) -> Expansion | None:
        """The expansion of the representative element (what slides show)."""
        return self.expand(None)


@dataclass
class Trace:
    scenario: Any
    steps: list[Step]
    values: Mapping[str, np.ndarray]      # quantity id → value (records.run.RunValues for long runs)
    losses: Sequence[float] = field(default_factory=list)   # batch loss before each update, then after
    final_params: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    # A train run's recorded step states (records.run.StepState), the after pass last.
    states: tuple = field(default=(), repr=False)

    def state(self, number: int):
        """The recorded state of training step ``number`` (0: after the last update), or None."""
        for state in self.states:
            if state.number == number:
                return state
        return None

    def _repr_markdown_(self):
        """Every step as slides, in a notebook."""
        return shown("trace/markdown", self)

    def _repr_html_(self):
        """The HTML deck, in a frame: arrow keys, the step list, clickable entries."""
        return shown("trace/html", self)

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)
