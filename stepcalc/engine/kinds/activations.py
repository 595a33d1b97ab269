"""kind = "activations": a data vector through each listed activation, and its derivative.

Values come from `Activation.forward`, derivative values from `Activation.derivative`
(the slide identity where there is one, else the lambdified sympy.diff). The derivation
shown for each function is `sympy.diff` of its expression, then the slide's identity
(σ′ = σ(1 − σ), tanh′ = 1 − tanh², softplus′ = σ, swish′ = swish + σ(1 − swish)), or the
simplified diff when the slide has no separate identity.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from stepcalc.engine.maths.activations import SATURATION_THRESHOLD, get_activation
from stepcalc.engine.kinds.common import Emitter, sym, table
from stepcalc.records.notation import Name, applied, entry, num
from stepcalc.engine.maths.symbols import sigmoid_expr
from stepcalc.records.flags import Flag, FlagKind
from stepcalc.records.steps import Derivation

I = sp.Symbol("i", integer=True)
X = sp.Symbol("x", real=True)
A = sp.Symbol("a", real=True)
ALPHA = sp.Symbol("alpha", positive=True)


def _label(entry_, act) -> str:
    return act.text + (f" (α = {entry_.alpha:g})" if act.uses_alpha else "")


def _f(act):
    return applied(act.latex, act.text)


def _fprime(act):
    return applied(act.latex + "'", act.text + "′")


def _alpha_value(entry_, get_is_symbolic: bool):
    return ALPHA if get_is_symbolic else num(entry_.alpha)


def _branch(expr, u, value: float):
    """The Piecewise branch that applies at u = value (the slide's case split)."""
    if not isinstance(expr, sp.Piecewise):
        return expr
    with sp.evaluate(True):   # expanders run inside evaluate(False); conditions must decide
        for e, cond in expr.args:
            if cond is sp.true or bool(cond.subs(u, value)):
                return e
    return expr


def _put(expr, mapping):
    with sp.evaluate(False):
        return expr.xreplace(mapping)


def trace(scenario):
    em = Emitter(scenario)
    spec = scenario.spec
    data = np.asarray(spec["data"], dtype=float)
    entries = spec["activations"]
    columns = [f"{v:g}" for v in data]
    em.emit("data", "forward", "The data", data, "The input vector every function is applied to.",
            symbol=Name("data"))

    values, derivs = [], []
    for e in entries:
        act = get_activation(e.name)
        a = act.forward(data, e.alpha)
        values.append(a)
        if not act.elementwise:
            em.emit(e.id, "forward", "Softmax of the data", a, act.summary,
                    formula=softmax_formula, expand=em.expander(
                        e.id, lambda el: _f(act)(sym("data", el)), _softmax_template(data.size)),
                    symbol=_f(act)(Name("data")))
            continue
        em.emit(e.id, "forward", f"{_label(e, act)} of the data", a,
                _value_explanation(e, act), formula=_value_formula(act),
                expand=em.expander(e.id, lambda el, act=act: _f(act)(sym("data", el)),
                                   _value_template(em, e, act, data)),
                symbol=_f(act)(Name("data")), flags=_value_flags(e, act, data))
    em.emit("values", "forward", "Value table", np.array(values),
            "Each row is one function applied to the data (data_a on the slides).",
            table=table([_label(e, get_activation(e.name)) for e in entries], columns,
                        np.array(values), corner="data"))

    elementwise = []
    for e, a in zip(entries, values):
        act = get_activation(e.name)
        if not act.elementwise:
            _softmax_jacobian(em, e, a)
            continue
        elementwise.append(e)
        d = act.derivative(data, a, e.alpha)
        derivs.append(d)
        em.emit("d." + e.id, "backward", f"Derivative of {_label(e, act)}", d,
                "Derived with sympy.diff from the definition" +
                (", then rewritten as the slide's identity (sympy checks they are equal)."
                 if act.slide_identity else ", then simplified."),
                formula=_derivative_formula(act),
                expand=em.expander("d." + e.id, lambda el, act=act: _fprime(act)(sym("data", el)),
                                   _derivative_template(em, e, act, data)),
                derivation=lambda e=e, act=act: derivation(act, e.alpha),
                symbol=_fprime(act)(Name("data")),
                flags=_derivative_flags(e, act, d))
    if elementwise:    # softmax alone has its Jacobian, no row of this table
        em.emit("derivatives", "backward", "Derivative table", np.array(derivs),
                "Each row is one function's derivative at the data points: what "
                "backpropagation multiplies the incoming gradient by.",
                table=table([_label(e, get_activation(e.name)) + "′" for e in elementwise],
                            columns, np.array(derivs), corner="data"))
    return em.trace()


# ------------------------------------------------------------------ softmax ---------

K_ = sp.Symbol("k", integer=True)


def softmax_formula():
    exp_sum = sp.Sum(sp.exp(entry("data", K_), evaluate=False), (K_, 1, sp.Symbol("n", integer=True)))
    return sp.Eq(applied(r"\mathrm{softmax}", "softmax")(entry("data", I)),
                 sp.Mul(sp.exp(entry("data", I), evaluate=False), sp.Pow(exp_sum, -1, evaluate=False),
                        evaluate=False))


def _softmax_template(size: int):
    def template(el, get):
        terms = [sp.exp(get("data", (k,)), evaluate=False) for k in range(size)]
        return sp.Mul(terms[el[0]], sp.Pow(sp.Add(*terms, evaluate=False), -1, evaluate=False),
                      evaluate=False)
    return template


def _softmax_jacobian(em, e, s: np.ndarray) -> None:
    """∂sᵢ/∂data_k = sᵢ(Δᵢₖ − s_k): the Jacobian of the whole vector, derived with sympy."""
    jac = np.diag(s) - np.outer(s, s)

    def template(el, get):
        i, k = el
        delta = sp.Integer(1 if i == k else 0)
        return sp.Mul(get(e.id, (i,)), sp.Add(delta, sp.Mul(-1, get(e.id, (k,)), evaluate=False),
                                              evaluate=False), evaluate=False)

    def formula():
        delta = entry("Delta", I, K_)
        return sp.Eq(entry("d." + e.id, I, K_),
                     sp.Mul(entry(e.id, I), sp.Add(delta, sp.Mul(-1, entry(e.id, K_), evaluate=False),
                                                   evaluate=False), evaluate=False))

    em.emit("d." + e.id, "backward", "Softmax Jacobian", jac,
            "Each output depends on every input: ∂sᵢ/∂xₖ = sᵢ(Δᵢₖ − sₖ) with Δᵢₖ = 1 when "
            "i = k, else 0 (sympy.diff of e^{xᵢ}/Σₖ e^{xₖ}, checked equal to this form). Rows "
            "sum to 0: the outputs always sum to 1.",
            formula=formula, expand=em.expander("d." + e.id, lambda el: sym("d." + e.id, el), template),
            derivation=lambda: softmax_derivation(min(3, s.size)), symbol=Name("d." + e.id))


def softmax_derivation(K: int) -> Derivation:
    from stepcalc.engine.maths.symbols import softmax_jacobian_derivation

    jac = softmax_jacobian_derivation(K)
    if not all(sp.simplify(v) == 0 for v in (jac.raw - jac.identity_in_u)):
        raise AssertionError("softmax Jacobian: sympy.diff disagrees with s_i(Δ_ik − s_k)")
    lhs = sp.Derivative(jac.h[0], jac.u[1], evaluate=False)
    with sp.evaluate(False):
        chain = (jac.raw[0, 1], jac.identity[0, 1])
    return Derivation(lhs, chain, f"Written out for K = {K} entries, off the diagonal; on it, "
                      "∂h₁/∂u₁ = h₁(1 − h₁). sympy checks every entry.")


# ------------------------------------------------------------------ values ----------

def _value_formula(act):
    def formula():
        u = entry("data", I)
        return sp.Eq(_f(act)(u), act.expression(u, ALPHA if act.uses_alpha else None))
    return formula


def _value_template(em, e, act, data):
    def template(el, get):
        symbolic = get == em.sym
        with sp.evaluate(True):
            expr = act.expression(X, ALPHA if act.uses_alpha else None)
        expr = _branch(expr, X, float(data[el]))
        mapping = {X: get("data", el)}
        if act.uses_alpha:
            mapping[ALPHA] = _alpha_value(e, symbolic)
        return _put(expr, mapping)
    return template


def _value_explanation(e, act) -> str:
    text = act.summary
    if act.uses_alpha:
        text += f" Here α = {e.alpha:g}."
    return text


def _value_flags(e, act, data):
    if e.name in ("sigmoid", "tanh"):
        sat = act.derivative(data, None, e.alpha) < SATURATION_THRESHOLD
        if sat.any():
            where = tuple((int(i),) for i in np.flatnonzero(sat))
            return (Flag(FlagKind.SATURATED_SIGMOID, f"{int(sat.sum())} entries are saturated "
                         f"({act.text}′ < {SATURATION_THRESHOLD:g}): almost no gradient flows back",
                         where),)
    return ()


# ------------------------------------------------------------------ derivatives -----

def _derivative_formula(act):
    def formula():
        u = entry("data", I)
        with sp.evaluate(False):   # keep the slide's order: σ(1 − σ), not (1 − σ)σ
            identity = act.identity(u, _f(act)(u), ALPHA if act.uses_alpha else None)
        if identity is None:
            identity = _simplified(act.derivative_expression(X, ALPHA if act.uses_alpha else None)
                                   ).xreplace({X: u})
        return sp.Eq(_fprime(act)(u), identity)
    return formula


def _derivative_template(em, e, act, data):
    alpha = ALPHA if act.uses_alpha else None

    def template(el, get):
        symbolic = get == em.sym
        x_val = float(data[el])
        u = get("data", el)
        with sp.evaluate(True):
            identity = act.identity(X, A, alpha)
            raw = None if identity is not None else _simplified(act.derivative_expression(X, alpha))
        if identity is not None:
            a = _f(act)(u) if symbolic else get(e.id, el)
            mapping = {X: u, A: a}
            expr = identity
        else:
            expr = _branch(raw, X, x_val)
            mapping = {X: u}
        if act.uses_alpha:
            mapping[ALPHA] = _alpha_value(e, symbolic)
        return _put(expr, mapping)
    return template


def _derivative_flags(e, act, d):
    zero = d == 0
    if zero.any():
        return (Flag(FlagKind.ZERO_GRADIENT, f"{act.text}′ is exactly 0 at {int(zero.sum())} of {d.size} "
                     "points: no gradient passes there", tuple((int(i),) for i in np.flatnonzero(zero))),)
    return ()


def _simplified(expr):
    if expr.has(sp.sign):   # softsign: x·sign(x) = |x|, so f′ = 1/(1 + |x|)²
        x = next(iter(expr.free_symbols))
        together = sp.cancel(sp.together(expr.subs(sp.sign(x), sp.Abs(x) / x)))
        square = sp.Pow(1 + sp.Abs(x), 2, evaluate=False)
        if sp.numer(together) == 1 and sp.expand(sp.denom(together) - sp.expand(square)) == 0:
            return sp.Pow(square, -1, evaluate=False)   # checked equal just above
        return together
    simple = sp.piecewise_fold(sp.simplify(expr))
    if isinstance(simple, sp.Piecewise):
        # piecewise_fold can leave (0, x < 0), (0, True): one value is just that value.
        if len({arg.expr for arg in simple.args}) == 1:
            return simple.args[0].expr
    return simple


def derivation(act, alpha=None) -> Derivation:
    """f′(x): sympy.diff of the definition, then the slide's identity (or the simplified diff).

    The identity is written with f(x) kept as a function symbol (σ(x)(1 − σ(x))); the tests
    prove it equals the raw diff once f(x) is replaced by its definition.
    """
    a = ALPHA if act.uses_alpha else None
    definition = act.expression(X, a)
    raw = sp.diff(definition, X)
    chain = [raw]
    sigma = applied(r"\sigma", "σ")(X)
    with sp.evaluate(False):
        identity = act.identity(X, _f(act)(X), a)
        if identity is not None:   # show σ(x) as σ(x), not 1/(1 + e^{−x})
            identity = identity.xreplace({sigmoid_expr(X): sigma})
    chain_note = ""
    if identity is not None and identity.xreplace({_f(act)(X): definition, sigma: sigmoid_expr(X)}) == raw:
        chain_note = "sympy.diff of the definition is already the slide's form."
    elif identity is not None:
        if act.name == "swish":   # the slide's middle line: σ + x·σ(1 − σ)
            with sp.evaluate(False):
                chain.append(sigma + X * sigma * (1 - sigma))
        chain.append(identity)
    else:
        simple = _simplified(raw)
        if simple != raw:
            chain.append(simple)
    comment = chain_note or ("The first line is sympy.diff of the definition; the last is the slide's identity "
               "(the tests prove them equal)." if identity is not None
               else "The first line is sympy.diff of the definition, then simplified.")
    return Derivation(_fprime(act)(X), tuple(chain), comment)
