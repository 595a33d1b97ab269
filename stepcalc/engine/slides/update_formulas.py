"""Index-level formulas of the update (every optimizer, the learning-rate schedule) and
their per-element expansions.

Same shape as `gradient_formulas`: each builder returns ``(formula, expand)`` closures
that build sympy only when a renderer asks. One template per formula writes both the
symbolic and the numeric expansion. Buffers are read as ids of the step: ``v0.W`` before
the update, ``v.W`` after it (`Page` fills both in); hyperparameters as ``hyper.<name>``
(a dot: never a user's quantity name).
"""

from __future__ import annotations

import sympy as sp

from stepcalc.engine.slides.formulas import ETA, ONE, Notation, expander, i, j
from stepcalc.records.notation import (
    Label, Root, Squared, add, decorate, entry, equation, mul, num,
)

ETA_T = Label("eta_t")


def _index(note: Notation, p: str):
    return (i, j) if note.roles[p] == "weight" else (j,)


def hyper(note: Notation, get, key: str):
    """A hyperparameter: its symbol (μ, β₁, ε …) in formulas, its number in the numbers line."""
    if get != note.val:
        return Label(key)
    value = note.values["hyper." + key]
    return sp.Integer(int(value)) if key == "t" else num(value)


def _eta(note: Notation, get, scheduled: bool):
    """η, or η_t when a schedule changes it from step to step (the step's own value)."""
    if get == note.val:
        return get("eta", ())
    return ETA_T if scheduled else ETA


def _sqrt(x):
    return Root(x)


def _over(top, bottom):
    return mul(top, sp.Pow(bottom, -1, evaluate=False))


def _square(x):
    return sp.Pow(x, 2, evaluate=False) if x.is_Number else Squared(x)


def _one_minus(x):
    return add(ONE, mul(-1, x))


class Update:
    """The update formulas of one parameter ``p`` for the scenario's optimizer."""

    def __init__(self, note: Notation, p: str, scheduled: bool, decay: float):
        self.note, self.p, self.scheduled = note, p, scheduled
        # adamw: decoupled decay of the weights (biases are not decayed).
        self.decay = decay and note.roles[p] == "weight"

    def _built(self, target: str, rhs):
        """(formula, expand) of ``target`` = rhs(el, get); the formula's entries at i, j."""
        note, p = self.note, self.p

        def formula():
            def get(name, el):
                quantity_kind, _, base = name.rpartition(".")
                if base == p:
                    return decorate(quantity_kind or "value", entry(p, *_index(note, p)))
                return note.sym(name, el)
            lhs_kind = target.partition(".")[0] if "." in target else "value"
            lhs = decorate(lhs_kind, entry(p, *_index(note, p)))
            return equation(lhs, rhs(None, get))

        return formula, expander(note, target, rhs)

    # -------------------------------------------------------------- pieces ----------
    def _g(self, el, get):
        return get("grad." + self.p, el)

    def _eta(self, get):
        return _eta(self.note, get, self.scheduled)

    def _h(self, get, key):
        return hyper(self.note, get, key)

    # -------------------------------------------------------------- optimizers ------
    def sgd(self):
        """θ′ = θ − η ∂L/∂θ."""
        p = self.p
        return [("new." + p, lambda el, get: add(get(p, el), mul(-1, self._eta(get), self._g(el, get))))]

    def momentum_classic(self):
        """v′ = μv − η ∂L/∂θ; θ′ = θ + v′."""
        p = self.p
        return [("v." + p, lambda el, get: add(mul(self._h(get, "mu"), get("v0." + p, el)),
                                               mul(-1, self._eta(get), self._g(el, get)))),
                ("new." + p, lambda el, get: add(get(p, el), get("v." + p, el)))]

    def momentum_pytorch(self):
        """v′ = μv + ∂L/∂θ; θ′ = θ − η v′ (torch.optim.SGD)."""
        p = self.p
        return [("v." + p, lambda el, get: add(mul(self._h(get, "mu"), get("v0." + p, el)), self._g(el, get))),
                ("new." + p, lambda el, get: add(get(p, el), mul(-1, self._eta(get), get("v." + p, el))))]

    def nesterov(self):
        """v′ = μv + ∂L/∂θ; θ′ = θ − η(∂L/∂θ + μv′) (torch.optim.SGD, nesterov=True)."""
        p = self.p
        return [("v." + p, lambda el, get: add(mul(self._h(get, "mu"), get("v0." + p, el)), self._g(el, get))),
                ("new." + p, lambda el, get: add(get(p, el), mul(-1, self._eta(get), add(
                    self._g(el, get), mul(self._h(get, "mu"), get("v." + p, el))))))]

    def _scaled_step(self, el, get, numerator, second):
        """θ − η·numerator/(√second + ε), with adamw's − ηλθ before it."""
        p = self.p
        step = mul(-1, self._eta(get), _over(numerator, add(_sqrt(second), self._h(get, "epsilon"))))
        if self.decay:
            return add(get(p, el), mul(-1, self._eta(get), get("lambda", ()), get(p, el)), step)
        return add(get(p, el), step)

    def adagrad(self):
        """s′ = s + (∂L/∂θ)²; θ′ = θ − η ∂L/∂θ/(√s′ + ε)."""
        p = self.p
        return [("s." + p, lambda el, get: add(get("s0." + p, el), _square(self._g(el, get)))),
                ("new." + p, lambda el, get: self._scaled_step(el, get, self._g(el, get), get("s." + p, el)))]

    def rmsprop(self):
        """s′ = ρs + (1 − ρ)(∂L/∂θ)²; θ′ = θ − η ∂L/∂θ/(√s′ + ε)."""
        p = self.p
        return [("s." + p, lambda el, get: add(mul(self._h(get, "rho"), get("s0." + p, el)),
                                               mul(_one_minus(self._h(get, "rho")), _square(self._g(el, get))))),
                ("new." + p, lambda el, get: self._scaled_step(el, get, self._g(el, get), get("s." + p, el)))]

    def adam(self):
        """m′ = β₁m + (1 − β₁)g; s′ = β₂s + (1 − β₂)g²; m̂ = m′/(1 − β₁ᵗ); ŝ = s′/(1 − β₂ᵗ);
        θ′ = θ − η m̂/(√ŝ + ε) (adamw: − ηλθ too)."""
        p = self.p

        def corrected(get, moment, beta):
            return _one_minus(sp.Pow(self._h(get, beta), self._h(get, "t"), evaluate=False))

        return [
            ("m." + p, lambda el, get: add(mul(self._h(get, "beta1"), get("m0." + p, el)),
                                           mul(_one_minus(self._h(get, "beta1")), self._g(el, get)))),
            ("s." + p, lambda el, get: add(mul(self._h(get, "beta2"), get("s0." + p, el)),
                                           mul(_one_minus(self._h(get, "beta2")), _square(self._g(el, get))))),
            ("mhat." + p, lambda el, get: _over(get("m." + p, el), corrected(get, "m", "beta1"))),
            ("shat." + p, lambda el, get: _over(get("s." + p, el), corrected(get, "s", "beta2"))),
            ("new." + p, lambda el, get: self._scaled_step(el, get, get("mhat." + p, el), get("shat." + p, el))),
        ]

    def frozen(self):
        """θ′ = θ: a frozen parameter keeps its value."""
        p = self.p
        return [("new." + p, lambda el, get: get(p, el))]

    def slides(self, optimizer: str, form: str, frozen: bool):
        """(target id, (formula, expand)) of each slide of this parameter's update, in order."""
        if frozen:
            rules = self.frozen()
        elif optimizer == "momentum":
            rules = self.momentum_pytorch() if form == "pytorch" else self.momentum_classic()
        elif optimizer == "adamw":
            rules = self.adam()
        else:
            rules = getattr(self, optimizer)()
        return [(target, self._built(target, rhs)) for target, rhs in rules]


def schedule(note: Notation, kind: str):
    """η_t of StepLR (η₀γ^⌊(t−1)/k⌋) or ExponentialLR (η₀γ^(t−1))."""

    def power(get):
        if get != note.val:
            t, k = Label("t"), Label("lr_step")
            shift = add(t, -1)
            if kind == "step":
                return sp.floor(_over(shift, k), evaluate=False)
            return shift
        t, k = int(note.values["hyper.t"]), int(note.values["hyper.lr_step"])
        return sp.Integer((t - 1) // k if kind == "step" else t - 1)

    def template(el, get):
        return mul(hyper(note, get, "eta0"),
                   sp.Pow(hyper(note, get, "lr_gamma"), power(get), evaluate=False))

    def formula():
        return equation(ETA_T, template(None, note.sym))

    return formula, expander(note, "eta", template)

