"""kind = "losses": per-sample and reduced losses, L1/L2 distances, L1/L2 penalties.

Numbers come from `engine.losses` (cross-entropy from the scores through its stable
log-sum-exp form, so 2.78e-11 keeps its digits); formulas and expansions are sympy trees
built on demand, one sample (or one term list) at a time.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from stepcalc.engine.maths.activations import get_activation
from stepcalc.engine.kinds.common import Emitter, sym, table
from stepcalc.engine.maths.losses import get_loss, l1, l1_penalty, l2, l2_penalty
from stepcalc.records.notation import Name, add, applied, entry, long_sum, mul, sum_except

SIGMA = applied(r"\sigma", "σ")   # σ(z) kept unevaluated (binary cross-entropy from logits)

n, k, i, j = sp.symbols("n k i j", integer=True)
ONE = sp.Integer(1)


def trace(scenario):
    em = Emitter(scenario)
    spec = scenario.spec
    if "loss" in spec:
        _loss_steps(em, spec["loss"])
    if "distance" in spec:
        _distance_steps(em, spec["distance"])
    if "regularization" in spec:
        _penalty_steps(em, spec["regularization"])
    return em.trace()


# ------------------------------------------------------------------ data losses -----

def _loss_steps(em: Emitter, spec: dict) -> None:
    scores, labels, preds, targets = spec["scores"], spec["labels"], spec["predictions"], spec["targets"]
    names = spec["class_names"]
    main = scores if scores is not None else preds
    N, K = main.shape
    samples = [f"sample {s + 1}" for s in range(N)]
    onehot = None
    if labels is not None:
        onehot = np.zeros((N, K))
        onehot[np.arange(N), labels] = 1.0
    y = targets if targets is not None else onehot
    if scores is not None:
        em.values["s"] = scores
        em.emit("scores", "loss", "Scores", scores, "One row of class scores per sample.",
                table=table(samples, names, scores, corner="scores"), symbol=Name("s"))
    if y is not None:
        em.values["y"] = y
    if labels is not None:
        em.values["labels"] = labels.astype(float)
    if preds is not None:
        em.values["yhat"] = preds
    mean = spec["reduction"] == "mean"
    rows = []
    for fn in spec["functions"]:
        loss = get_loss(fn)
        uses_scores = scores is not None and (fn in ("cross_entropy", "hinge") or preds is None)
        if fn == "cross_entropy" and uses_scores and "probs" not in em.values:
            probs = get_activation("softmax").forward(scores)
            em.emit("probs", "loss", "Softmax probabilities", probs,
                    "exp makes every score positive; dividing by the row sum makes them sum to 1.",
                    formula=_softmax_formula(K),
                    expand=em.expander("probs", lambda el: sym("p", el), _softmax_template(K)),
                    table=table(samples, names, probs, corner="p"), symbol=Name("p"))
        if uses_scores:
            per = loss.per_sample(None, y, logits=scores, labels=labels)
        else:
            per = loss.per_sample(preds, y, labels=labels)
        reduced = float(per.mean() if mean else per.sum())
        sid = fn + ".samples"
        title = get_loss(fn).title
        em.values[sid] = per
        em.alias[sid] = "L"
        formula, template = _per_sample(fn, loss, K, uses_scores, y, labels)
        em.emit(sid, "loss", f"{title.capitalize()}: loss of each sample", per,
                f"One number per sample: {loss.text}." + (" Computed from the scores with a "
                "stable log-sum-exp, so tiny losses keep their digits." if fn == "cross_entropy"
                and uses_scores else ""),
                formula=formula, expand=em.expander(sid, lambda el: sym("L", el), template),
                symbol=Name("L"))
        em.emit(fn, "loss", f"{title.capitalize()}: {'mean' if mean else 'sum'} over the batch",
                reduced, "The batch loss " + ("averages" if mean else "adds up") + " the per-sample losses.",
                formula=_reduce_formula(N, mean), expand=_reduce_expander(em, sid, fn, N, mean))
        rows.append(list(per) + [reduced])
    em.emit("loss.table", "loss", "Loss table", np.array(rows),
            "Each row: one loss function, per sample and reduced.",
            table=table([get_loss(f).title for f in spec["functions"]],
                        samples + [spec["reduction"]], np.array(rows), corner="loss"))


def _softmax_formula(K):
    def formula():
        e = sp.exp(entry("s", n, k), evaluate=False)
        total = sp.Sum(sp.exp(entry("s", n, j), evaluate=False), (j, 1, K))
        return sp.Eq(entry("p", n, k), mul(e, sp.Pow(total, -1, evaluate=False)))
    return formula


def _softmax_template(K):
    def template(el, get):
        s, c = el
        terms = [sp.exp(get("s", (s, q)), evaluate=False) for q in range(K)]
        return mul(terms[c], sp.Pow(long_sum(terms), -1, evaluate=False))
    return template


def _per_sample(fn, loss, K, uses_scores, y, labels):
    """(formula(), template(element, get)) of one sample's loss."""
    y_n = entry("y", n)
    if fn == "hinge":
        def formula():
            margin = add(entry("s", n, k), mul(-1, entry("s", n, y_n)), ONE)
            hinge_sum = sum_except("y_{n}", "y_n")
            return sp.Eq(entry("L", n), hinge_sum(sp.Max(0, margin, evaluate=False), (k, 1, K)))

        def template(el, get):
            s = el[0]
            t = int(labels[s])
            return long_sum([sp.Max(0, add(get("s", (s, c)), mul(-1, get("s", (s, t))), ONE), evaluate=False)
                             for c in range(K) if c != t], keep_head=K)
        return formula, template
    if fn == "cross_entropy" and uses_scores and labels is not None:
        def formula():
            frac = mul(sp.exp(entry("s", n, y_n), evaluate=False),
                       sp.Pow(sp.Sum(sp.exp(entry("s", n, k), evaluate=False), (k, 1, K)), -1, evaluate=False))
            return sp.Eq(entry("L", n), mul(-1, sp.log(frac, evaluate=False)))

        def template(el, get):
            s = el[0]
            t = int(labels[s])
            terms = [sp.exp(get("s", (s, c)), evaluate=False) for c in range(K)]
            frac = mul(terms[t], sp.Pow(long_sum(terms), -1, evaluate=False))
            return mul(-1, sp.log(frac, evaluate=False))
        return formula, template
    # elementwise terms ℓ(ŷ_k, y_k), summed over k (cross-entropy: terms with y = 0 vanish)
    source = "p" if (fn == "cross_entropy" and uses_scores) else "yhat"
    if fn == "binary_cross_entropy" and uses_scores:
        source = "s"

    def term(get, s, c):
        yh = get(source, (s, c))
        if source == "s":
            yh = SIGMA(yh)
        return loss.term(yh, get("y", (s, c)))

    def formula():
        prediction = SIGMA(entry("s", n, k)) if source == "s" else entry(
            "p" if source == "p" else "y_hat", n, k)
        inner = loss.term(prediction, entry("y", n, k))
        return sp.Eq(entry("L", n), sp.Sum(inner, (k, 1, K)) if K > 1 else inner.xreplace({k: 1}))

    def template(el, get):
        s = el[0]
        keep = [c for c in range(K) if not (fn == "cross_entropy" and y[s, c] == 0)]
        return long_sum([term(get, s, c) for c in keep]) if keep else sp.Integer(0)
    return formula, template


def _reduce_formula(N, mean):
    def formula():
        total = sp.Sum(entry("L", n), (n, 1, N))
        return sp.Eq(Name("L"), mul(sp.Rational(1, N), total) if mean else total)
    return formula


def _reduce_expander(em, sid, fn, N, mean):
    def template(el, get):
        total = long_sum([get(sid, (s,)) for s in range(N)])
        return mul(total, sp.Pow(sp.Integer(N), -1, evaluate=False)) if mean else total
    return em.expander(fn, lambda el: Name("L"), template)


# ------------------------------------------------------------------ distances -------

def _distance_steps(em: Emitter, spec: dict) -> None:
    a, b = spec["prediction"], spec["target"]
    em.values["f"], em.values["t"] = a, b
    diff = a - b
    em.alias["diff"] = "d"
    em.emit("diff", "loss", "Difference prediction − target", diff,
            "Entry by entry: what each distance adds up.",
            formula=lambda: sp.Eq(entry("d", *_idx(a)), add(entry("f", *_idx(a)), mul(-1, entry("t", *_idx(a))))),
            expand=em.expander("diff", lambda el: sym("d", el),
                               lambda el, get: add(get("f", el), mul(-1, get("t", el)))),
            symbol=Name("d"))
    flat = list(np.ndindex(a.shape))
    for fn in spec["functions"]:
        value = l2(a, b) if fn == "l2" else l1(a, b)
        sid = "distance." + fn

        def term(el, get, fn=fn):
            d = get("diff", el)
            return sp.Pow(d, 2, evaluate=False) if fn == "l2" else sp.Abs(d, evaluate=False)

        def formula(fn=fn):
            d = entry("d", *_idx(a))
            body = sp.Pow(d, 2, evaluate=False) if fn == "l2" else sp.Abs(d, evaluate=False)
            for index_symbol, size in zip(_idx(a), a.shape):
                body = sp.Sum(body, (index_symbol, 1, size))
            return sp.Eq(Name("L^2" if fn == "l2" else "L^1"), body)

        em.emit(sid, "loss", ("L2 distance: sum of squared differences" if fn == "l2"
                              else "L1 distance: sum of absolute differences"), value,
                "Sum of squared differences (no square root): prone to outliers, optimum is the mean."
                if fn == "l2" else "Sum of absolute differences: robust to outliers, optimum is the median.",
                formula=formula,
                expand=em.expander(sid, lambda el, fn=fn: Name("L^2" if fn == "l2" else "L^1"),
                                   lambda el, get, term=term: long_sum([term(e, get) for e in flat], keep_head=4)))


def _idx(a):
    return (i, j)[:a.ndim]


# ------------------------------------------------------------------ penalties -------

def _penalty_steps(em: Emitter, spec: dict) -> None:
    weights, lam = spec["weights"], spec["lam"]
    for name, w in weights.items():
        em.values[name] = w
        em.emit(name, "loss", f"Weights {name}", w, "", symbol=Name(name))
    for fn in spec["functions"]:
        R = "R^2" if fn == "l2" else "R^1"
        parts = []
        for name, w in weights.items():
            value = l2_penalty(w) if fn == "l2" else l1_penalty(w)
            parts.append(value)
            sid = f"penalty.{fn}.{name}"
            em.alias[sid] = lambda idx, R=R, name=name: _Applied(R, name)
            flat = list(np.ndindex(w.shape))

            def term(el, get, name=name, fn=fn):
                v = get(name, el)
                return sp.Pow(v, 2, evaluate=False) if fn == "l2" else sp.Abs(v, evaluate=False)

            def formula(name=name, fn=fn, w=w, R=R):
                e = entry(name, *_idx(w))
                body = sp.Pow(e, 2, evaluate=False) if fn == "l2" else sp.Abs(e, evaluate=False)
                for index_symbol, size in zip(_idx(w), w.shape):
                    body = sp.Sum(body, (index_symbol, 1, size))
                return sp.Eq(_Applied(R, name), body)

            em.emit(sid, "loss", f"{fn.upper()} penalty of {name}", value,
                    "Sum of squared weights." if fn == "l2" else "Sum of absolute weights.",
                    formula=formula,
                    expand=em.expander(sid, lambda el, name=name, R=R: _Applied(R, name),
                                       lambda el, get, term=term, flat=flat: long_sum([term(e, get) for e in flat])))
        total = float(sum(parts))
        sid = f"penalty.{fn}"
        em.alias[sid] = lambda idx, R=R: _Applied(R, "W")
        ids = [f"penalty.{fn}.{name}" for name in weights]
        em.emit(sid, "loss", f"{fn.upper()} penalty of all weights", total,
                "The penalty of W adds up the penalties of its parts.",
                formula=lambda R=R: sp.Eq(_Applied(R, "W"), add(*[_Applied(R, nm) for nm in weights]))
                if len(weights) > 1 else sp.Eq(_Applied(R, "W"), _Applied(R, next(iter(weights)))),
                expand=em.expander(sid, lambda el, R=R: _Applied(R, "W"),
                                   lambda el, get, ids=ids: long_sum([get(x, ()) for x in ids])))
        if lam is not None:
            em.values["lambda"] = np.asarray(lam)
            em.emit(sid + ".scaled", "loss", f"λ·{fn.upper()} penalty (added to the data loss)",
                    lam * total, "The regularisation loss: λ times the penalty.",
                    expand=em.expander(sid + ".scaled", lambda el, R=R: mul(Name("lambda"), _Applied(R, "W")),
                                       lambda el, get, sid=sid: mul(get("lambda", ()), get(sid, ()))))


class _Applied(sp.Expr):
    """R²(w₁): a named penalty of a named weight."""

    def __new__(cls, head, name):
        return sp.Expr.__new__(cls, sp.Symbol(head), Name(name))

    def _latex(self, printer):
        return r"%s\left(%s\right)" % (self.args[0].name, printer._print(self.args[1]))

    def _sympystr(self, printer):
        return "%s(%s)" % (self.args[0].name, printer._print(self.args[1]))
