"""Metrics beside the loss (`[train] metrics`): accuracy, rmse and mae of a step's batch.

Each is a slide after the loss slide, with the id `accuracy`, `rmse` or `mae` (prefixed
like the loss: `step<k>.accuracy`, `after.accuracy`). They are read from the step's
predictions and targets; nothing here feeds back into training.

Accuracy counts what a lecturer counts: with class labels (softmax, hinge) a sample is
right when its largest output is the target class; with 0/1 targets (sigmoid outputs,
multi-label too) each output is right when ŷ ≥ 0.5 says the same as its target. rmse and
mae average over every output of every sample.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from stepcalc.engine.slides.formulas import batch_mean, k
from stepcalc.engine.slides.page import Page
from stepcalc.records.notation import Name, add, equation, long_sum, mul
from stepcalc.records.steps import Expansion

def right_answers(yhat: np.ndarray, y: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
    """True where the prediction is right: one per sample (labels) or per output (0/1)."""
    if labels is not None:
        return np.argmax(yhat, axis=1) == labels.astype(int)
    return (yhat >= 0.5) == (y >= 0.5)


def metric_slides(page: Page, phase: str = "loss") -> None:
    sc = page.scenario
    for name in sc.train.metrics:
        built, value = _BUILDERS[name](page)
        page.add(page.quantity(name), phase, value, built)


def _accuracy(page: Page):
    note, state = page.note, page.state
    yhat = note.values[page.scenario.model.output.post]
    right = right_answers(yhat, note.values["y"], state.labels)
    count, total = int(right.sum()), right.size
    value = count / total
    per_sample = state.labels is not None
    what = ("samples whose largest output ŷ is the target class" if per_sample else
            "outputs where ŷ ≥ 0.5 agrees with the 0/1 target")
    wrong = [_place(idx, per_sample) for idx in zip(*np.nonzero(~right))]
    remark = f"{count} of {total} {what}" + (f"; wrong: {', '.join(wrong[:8])}"
                                             + (" …" if len(wrong) > 8 else "") if wrong else "")
    c, t = Name("c"), Name("N") if per_sample else mul(Name("N"), Name("K"))

    def formula():
        return equation(Name("accuracy"), mul(c, sp.Pow(t, -1, evaluate=False)))

    def expand(element):
        with sp.evaluate(False):
            numeric = mul(sp.Integer(count), sp.Pow(sp.Integer(total), -1, evaluate=False))
        return Expansion((), Name("accuracy"), mul(c, sp.Pow(t, -1, evaluate=False)), numeric, value,
                         note=f"c = {remark}.")

    return (formula, expand), value


def _place(idx, per_sample: bool) -> str:
    return f"sample {idx[0] + 1}" if per_sample else f"ŷ{_sub(idx[0] + 1)}{_sub(idx[1] + 1)}"


def _sub(number: int) -> str:
    return str(number).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _error_metric(page: Page, root: bool):
    """rmse = √((1/(N·K)) Σₙ Σₖ (ŷₙₖ − yₙₖ)²), mae = (1/(N·K)) Σₙ Σₖ |ŷₙₖ − yₙₖ|."""
    note = page.note
    yhat_name = page.scenario.model.output.post
    yhat, y = note.values[yhat_name], note.values["y"]
    k_units = yhat.shape[1]
    error = yhat - y
    value = float(np.sqrt(np.mean(error ** 2))) if root else float(np.mean(np.abs(error)))
    name = Name("rmse" if root else "mae")

    def term(a, b):
        difference = add(a, mul(-1, b))
        return sp.Pow(difference, 2, evaluate=False) if root else sp.Abs(difference, evaluate=False)

    def averaged(inner):
        outputs = mul(sp.Rational(1, k_units), inner) if k_units > 1 else inner
        mean = batch_mean(note, True, outputs)
        return sp.sqrt(mean, evaluate=False) if root else mean

    def template(get):
        terms = [term(get(yhat_name, (s, c)), get("y", (s, c)))
                 for s in range(note.n_samples) for c in range(k_units)]
        inner = long_sum(terms)
        with sp.evaluate(False):
            total = mul(sp.Rational(1, note.n_samples * k_units), inner) if len(terms) > 1 else inner
            return sp.sqrt(total, evaluate=False) if root else total

    def formula():
        inner = term(note.index_sym(yhat_name, k), note.index_sym("y", k))
        if k_units > 1:
            inner = sp.Sum(inner, (k, 1, k_units))
        else:
            inner = term(note.index_sym(yhat_name, 1), note.index_sym("y", 1))
        return equation(name, averaged(note.sample_sum(inner)))

    def expand(element):
        with sp.evaluate(False):
            symbolic, numeric = template(note.sym), template(note.val)
        return Expansion((), name, symbolic, numeric, value)

    return (formula, expand), value


_BUILDERS = {
    "accuracy": _accuracy,
    "rmse": lambda page: _error_metric(page, root=True),
    "mae": lambda page: _error_metric(page, root=False),
}
