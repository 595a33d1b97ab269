"""Audit of printed values: compare `[expect]` numbers with the exact ones.

A printed value matches when the exact value rounds to it at the number of decimals it
was printed with (0.4105 must round-match to 4 decimals). A mismatch gets the most
likely cause this module can tell (`likely_cause`), tried in this order:

* sign flipped (for an update: θ + η∇ instead of θ − η∇);
* an update computed with the printed η instead of the one used, or from the printed
  gradient;
* computed from the printed (rounded) upstream values: the hidden outputs a layer was
  multiplied out from, the ŷ a loss was taken of, the new weights of the after-pass
  (`upstream.recompute`); "carried over" when those printed values are themselves off;
* truncated instead of rounded (or computed from the printed upstream values, then truncated);
* a factor left out (printed = exact / v) or put in twice (printed = exact · v), where v
  is an entry of the step's inputs or activations (x, each layer's pre and post);
* the decimal point shifted (printed = exact · 10^k);
* a digit dropped or two adjacent digits transposed;
* for a whole pre-activation matrix: the printed values follow from other weights (a
  least-squares fit over the batch reproduces them; the biases kept as given);
* for η: the printed updates use another learning rate;
* last printed digit off by one (nothing better found).

Inputs that are not steps can be audited too: `x`, `y` (the data) and `eta`, `gamma`,
`lambda` (the training settings).
"""

from __future__ import annotations

from collections import ChainMap
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from stepcalc.errors import ScenarioError
from stepcalc.records.quantity import AFTER, Quantity, parse_quantity
from stepcalc.engine.slides.upstream import params_before, recompute
from stepcalc.scenario.model import Printed, Scenario


@dataclass(frozen=True)
class Mismatch:
    element: tuple[int, ...]
    printed: float
    exact: float
    decimals: int
    cause: str = ""


@dataclass(frozen=True)
class AuditEntry:
    id: str
    printed: np.ndarray
    exact: np.ndarray
    decimals: np.ndarray
    mismatches: tuple[Mismatch, ...]

    @property
    def ok(self) -> bool:
        return not self.mismatches


@dataclass
class Context:
    """What a cause may look at: the scenario, every value of the trace, the printed values."""

    scenario: Scenario
    values: dict[str, np.ndarray]
    printed: dict[str, np.ndarray] = field(default_factory=dict)   # in the exact values' shapes
    key: str = ""
    states: dict = field(default_factory=dict)    # training step → its recorded StepState
    off: frozenset = frozenset()                  # printed ids that are themselves off

    @property
    def quantity(self) -> Quantity:
        return parse_quantity(self.key)

    @cached_property
    def upstream(self):
        """The quantity recomputed from the printed values that feed it (or None)."""
        return recompute(self)

    def value_of(self, quantity: Quantity):
        return self.values.get(str(quantity))

    def printed_of(self, quantity: Quantity):
        return self.printed.get(str(quantity))


def tolerance(decimals: np.ndarray, printed: np.ndarray) -> np.ndarray:
    # Half a unit in the last printed place, plus float noise of the printed number itself.
    return 0.5 * 10.0 ** (-decimals.astype(float)) * (1 + 1e-9) + 1e-12 * np.abs(printed)


def matches(exact: np.ndarray, printed: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    return np.abs(exact - printed) <= tolerance(decimals, printed)


def _close(value: float, printed: float, decimals: int) -> bool:
    return abs(value - printed) <= 0.5 * 10.0 ** (-decimals) * (1 + 1e-9) + 1e-12 * abs(printed)


def _truncated(value: float, printed: float, decimals: int) -> bool:
    if decimals > 300:   # printed like 5e-324: 10**decimals would overflow
        return False
    scale = 10.0 ** decimals
    # A hair of slack so 0.0062819… → 0.0062 is not lost to binary noise.
    return abs(np.trunc(value * scale * (1 + 1e-12)) / scale - printed) <= 1e-12 + 1e-9 * abs(printed)


def _shown(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def _g(value: float) -> str:
    return f"{value:.4g}"


# ------------------------------------------------------------------ quantity ids ----

def inputs_values(scenario: Scenario) -> dict[str, np.ndarray]:
    """Quantities that are not steps but may be printed: the data and the settings."""
    out: dict[str, np.ndarray] = {}
    if scenario.data is not None:
        out["x"], out["y"] = scenario.data.x, scenario.data.y
    if scenario.train is not None:
        out["eta"] = np.asarray(scenario.train.lr)
        out["gamma"] = np.asarray(scenario.train.momentum)
        out["lambda"] = np.asarray(scenario.train.weight_decay)
    return out


def _layer_of(scenario: Scenario, name: str, what: str):
    for index, layer in enumerate(scenario.model.layers):
        if getattr(layer, what) == name:
            return index, layer
    return None, None


def _input_name(scenario: Scenario, index: int) -> str:
    return "x" if index == 0 else scenario.model.layers[index - 1].post


# ------------------------------------------------------------------ element causes --

def _update_cause(exact, printed, decimals, ctx: Context, element) -> str:
    quantity = ctx.quantity
    if quantity.kind != "new" or ctx.scenario.train.optimizer != "sgd":
        return ""
    theta = params_before(ctx, quantity)
    grad = ctx.value_of(quantity.of("grad"))
    if theta is None or grad is None:
        return ""
    t, g, lr = float(theta[element]), float(grad[element]), ctx.scenario.train.lr
    if g != 0 and _close(t + lr * g, printed, decimals):
        return f"sign flipped: θ + η∇ = {_g(t)} + {lr:g}·({_g(g)}) instead of θ − η∇"
    eta = ctx.printed.get("eta")
    if eta is not None and float(eta) != lr and g != 0:
        for sign, text in ((1, "θ − η∇"), (-1, "θ + η∇ (sign flipped too)")):
            if _close(t - sign * float(eta) * g, printed, decimals):
                return f"computed with the printed η = {float(eta):g} instead of {lr:g} ({text})"
    grad_id = quantity.of("grad")
    printed_grad = ctx.printed_of(grad_id)
    if printed_grad is not None:
        pg = float(printed_grad[element])
        if pg != g and _close(t - lr * pg, printed, decimals):
            if str(grad_id) in ctx.off:      # a wrong gradient is not a rounded one
                return f"carried over from the printed gradient {pg:g} (exact: {_g(g)})"
            return f"computed from the printed (rounded) gradient {pg:g}"
    return ""


def _upstream_cause(exact, printed, decimals, ctx: Context, element) -> tuple[str, str]:
    """(cause if the printed upstream values give the printed value, cause if they give it
    truncated); "" where they do not."""
    recomputed = ctx.upstream
    if recomputed is None:
        return "", ""
    c = float(recomputed.value[element])
    if not np.isfinite(c) or abs(c - exact) <= 1e-12 * max(1.0, abs(exact)):
        return "", ""                        # the printed values upstream change nothing here
    names = ", ".join(recomputed.sources)
    if any(source in ctx.off for source in recomputed.sources):
        cause = f"carried over from the printed {names} (exact from {'it' if len(recomputed.sources) == 1 else 'them'}: {_g(c)})"
    else:
        cause = f"computed from the printed (rounded) upstream values {names} (they give {_g(c)})"
    if _close(c, printed, decimals):
        return cause, ""
    return "", (f"{cause}, then truncated" if _truncated(c, printed, decimals) else "")


def _factor_candidates(ctx: Context, step):
    """(label, value) of every entry of the step's inputs and activations, in network order."""
    names = ["x"] if step in (1, AFTER) else []
    for layer in ctx.scenario.model.layers:
        names += [layer.post, layer.pre]
    seen = set()
    for name in names:
        value = ctx.value_of(Quantity(name, step=step if name != "x" else 1))
        if value is None:
            continue
        value = np.asarray(value, dtype=float)
        for idx in np.ndindex(value.shape):
            v = float(value[idx])
            if v == 0 or abs(abs(v) - 1) < 1e-12 or not np.isfinite(v) or round(v, 12) in seen:
                continue
            seen.add(round(v, 12))
            shown = idx[1:] if value.ndim == 2 and value.shape[0] == 1 else idx
            yield f"{name}{''.join(f'[{i + 1}]' for i in shown)}", v


def _factor_cause(exact, printed, decimals, ctx: Context) -> str:
    if exact == 0 or printed == 0:
        return ""
    for label, v in _factor_candidates(ctx, ctx.quantity.step):
        if _close(exact / v, printed, decimals):
            return f"a factor {label} = {_g(v)} left out (printed = exact / {_g(v)})"
        if _close(exact * v, printed, decimals):
            return f"an extra factor {label} = {_g(v)} (printed = exact × {_g(v)})"
    return ""


def _decimal_shift_cause(exact, printed, decimals) -> str:
    if exact == 0:
        return ""
    for k in (-2, -1, 1, 2):
        if abs(exact * 10.0 ** k - printed) <= 1e-9 * max(abs(printed), 1e-12):
            return f"decimal point shifted (printed = exact × {10.0 ** k:g})"
    return ""


def _digit_slip_cause(exact, printed, decimals) -> str:
    if (exact < 0) != (printed < 0):
        return ""
    want = _shown(abs(printed), decimals)
    longer = _shown(abs(exact), decimals + 1)
    point = longer.index(".")
    for pos in range(point + 1, len(longer)):
        if longer[:pos] + longer[pos + 1:] == want:
            return f"a digit dropped: {longer} written without its digit {longer[pos]} (decimal {pos - point})"
    right = _shown(abs(exact), decimals)
    digits = [c for c in right]
    for pos in range(len(digits) - 1):
        a, b = digits[pos], digits[pos + 1]
        if a != b and "." not in (a, b):
            swapped = digits[:pos] + [b, a] + digits[pos + 2:]
            if "".join(swapped) == want:
                return f"adjacent digits transposed ({right} written as {want})"
    return ""


def likely_cause(exact: float, printed: float, decimals: int, context: Context | None = None,
                 element: tuple[int, ...] = (), weak: bool = True, upstream: bool = True) -> str:
    """The most likely reason one printed number differs from the exact one ("" if unknown).

    ``weak=False`` leaves out the digit-level guesses (decimal point, dropped or swapped
    digits), which `audit` tries only after the explanations that use the whole matrix.
    ``upstream=False`` leaves out the printed upstream values (a whole-matrix fit explains
    the entry better: the weights it finds are the printed values' real source).
    """
    if not (np.isfinite(exact) and np.isfinite(printed)):   # no digit of nan/inf to compare
        return "the exact value is not a finite number (nan/inf)"
    if decimals > 300:   # printed like 5e-324: 10**decimals overflows; no digit-level cause
        return ""
    tol = 0.5 * 10.0 ** (-decimals) * (1 + 1e-9)
    if context is not None:
        cause = _update_cause(exact, printed, decimals, context, element)
        if cause:
            return cause
    if exact != 0 and abs(-exact - printed) <= tol:
        return "sign flipped"
    upstream, upstream_truncated = _upstream_cause(exact, printed, decimals, context, element) \
        if context is not None and upstream else ("", "")
    if upstream:
        return upstream
    if _truncated(exact, printed, decimals):
        return "truncated instead of rounded"
    if upstream_truncated:
        return upstream_truncated
    if context is not None:
        cause = _factor_cause(exact, printed, decimals, context)
        if cause:
            return cause
    if not weak:
        return ""
    return _decimal_shift_cause(exact, printed, decimals) or _digit_slip_cause(exact, printed, decimals)


def off_by_one(exact: float, printed: float, decimals: int) -> str:
    unit = 10.0 ** (-decimals)
    if abs(abs(round(exact, decimals) - printed) - unit) <= 1e-9 * max(1.0, abs(printed)):
        return f"last printed digit off by one ({_shown(exact, decimals)} expected)"
    return ""


# ------------------------------------------------------------------ entry causes ----

def _fit_cause(ctx: Context, printed: np.ndarray, decimals: np.ndarray) -> str:
    """A pre-activation that follows from other weights: fit them over the batch."""
    quantity = ctx.quantity
    sc = ctx.scenario
    index, layer = _layer_of(sc, quantity.name, "pre") if quantity.kind == "value" else (None, None)
    if layer is None or not layer.dense or quantity.step != 1:
        return ""
    inp_name = _input_name(sc, index)
    printed_inp = ctx.printed.get(inp_name)
    from_printed = printed_inp is not None
    A = printed_inp if from_printed else (sc.data.x if inp_name == "x" else ctx.values.get(inp_name))
    if A is None or A.shape[0] != printed.shape[0]:
        return ""
    A = np.asarray(A, dtype=float)
    W = np.asarray(sc.params[layer.weights], dtype=float)
    row = sc.model.convention == "row"
    Wr = W if row else W.T                              # (in × out) either way
    target = printed.astype(float).copy()
    if sc.model.bias == "folded":
        last = sc.model.bias_position == "last"
        target -= Wr[-1] if last else Wr[0]
        Wr = Wr[:-1] if last else Wr[1:]
    if layer.bias_name:
        target -= np.asarray(sc.params[layer.bias_name], dtype=float).reshape(1, -1)
    used = np.flatnonzero(np.any(A != 0, axis=0))       # inputs that carry information
    if used.size == 0 or A.shape[0] <= used.size:
        return ""                                       # as many unknowns as equations: proves nothing
    fit, *_ = np.linalg.lstsq(A[:, used], target, rcond=None)
    residual = np.abs(A[:, used] @ fit - target)
    if np.any(residual > 10.0 ** (-decimals.astype(float)) * (1 + 1e-9)):
        return ""
    given = Wr[used]
    if np.allclose(fit, given, atol=5e-4):
        return ""
    rows = _matrix(fit, lambda v: f"{v:.3f}")
    shown = _matrix(given, lambda v: f"{v:g}")
    src = f"the printed {inp_name}" if from_printed else inp_name
    which = "" if used.size == Wr.shape[0] else \
        f" (row{'s' if used.size > 1 else ''} {', '.join(str(u + 1) for u in used)})"
    return (f"does not follow from the printed {layer.weights}; {src} gives these numbers with "
            f"{layer.weights}{which} ≈ {rows} instead of {shown}")


def _matrix(rows: np.ndarray, fmt) -> str:
    inner = ["[" + ", ".join(fmt(v) for v in r) + "]" for r in rows]
    return inner[0] if len(inner) == 1 else "[" + ", ".join(inner) + "]"


def _eta_cause(ctx: Context, printed: float) -> str:
    lr = ctx.scenario.train.lr
    explained = []
    for key, value in ctx.printed.items():
        quantity = parse_quantity(key)
        if quantity.kind != "new" or quantity.step != 1:
            continue
        name = quantity.name
        theta, grad = params_before(ctx, quantity), ctx.value_of(quantity.of("grad"))
        if theta is None or grad is None or not np.any(grad):
            continue
        with_lr = np.abs(theta - lr * grad - value) <= 10.0 ** -6 + 0.5 * 10.0 ** -3
        flipped = np.abs(theta + lr * grad - value) <= 10.0 ** -6 + 0.5 * 10.0 ** -3
        with_printed = np.abs(theta - printed * grad - value) <= 10.0 ** -6 + 0.5 * 10.0 ** -3
        if np.all(with_lr | flipped) and not np.all(with_printed):
            explained.append(name)
    if explained:
        return (f"the printed updates of {', '.join(explained)} use η = {lr:g} "
                f"(θ ∓ {lr:g}·∇), not the printed {printed:g}")
    return ""


# ------------------------------------------------------------------ audit ------------

def shaped(scenario: Scenario, key: str, printed: Printed, exact: np.ndarray):
    """Printed values in the exact value's shape (a flat list for a 1 × n row is fine)."""
    if printed.value.size != exact.size:
        raise ScenarioError(scenario.file, f'expect."{key}"',
                            f"expected {exact.size} numbers shaped {exact.shape}, got shape {printed.value.shape}")
    return printed.value.reshape(exact.shape), printed.decimals.reshape(exact.shape)


def audit(scenario: Scenario, values, states=()) -> list[AuditEntry]:
    """Each `[expect]` entry against the exact values; ``states`` are the trace's recorded
    step states (the parameters each update started from)."""
    # The trace's values first, then the data and settings (a long run's values are many).
    known_values = ChainMap(values, inputs_values(scenario) if scenario.kind == "train" else {})
    prepared = []
    for key, printed in scenario.expect.items():
        whole, at = key, None
        if key in known_values:
            exact = np.asarray(known_values[key], dtype=float)
        else:
            whole, at, exact = _entry(scenario, known_values, key, states)
        value, decimals = shaped(scenario, key, printed, exact)
        prepared.append((key, whole, at, exact, value, decimals))
    printed_all = {key: value for key, _, at, _, value, _ in prepared if at is None}
    ok_of = {key: matches(exact, value, decimals) for key, _, _, exact, value, decimals in prepared}
    off = frozenset(key for key, _, at, *_ in prepared if at is None and not np.all(ok_of[key]))
    by_number = {state.number: state for state in states}
    entries = []
    for key, whole, at, exact, value, decimals in prepared:
        ok = ok_of[key]
        ctx = Context(scenario, known_values, printed_all, whole, by_number, off) \
            if scenario.kind == "train" else None
        entries.append(AuditEntry(key, value, exact, decimals,
                                  tuple(_mismatches(ctx, exact, value, decimals, ok, at))))
    return entries


def _unknown(scenario: Scenario, values, key: str, states) -> ScenarioError:
    """An id that names nothing; a step a long run did not record says so."""
    path = f'expect."{key}"'
    try:
        quantity = parse_quantity(key)
    except ValueError:
        quantity = None
    recorded = sorted(state.number for state in states if state.number)
    if quantity is not None and recorded and quantity.step not in (1, AFTER) \
            and quantity.number not in recorded:
        shown = ", ".join(str(n) for n in recorded)
        return ScenarioError(scenario.file, path,
                             f"step {quantity.number} was not recorded (the recorded steps are "
                             f"{shown}); add it to train.record to check its values")
    known = ", ".join(sorted(values)[:40])
    return ScenarioError(scenario.file, path, f"unknown quantity id; known ids: {known}")


def _entry(scenario: Scenario, values, key: str, states):
    """(whole id, 0-based entry, exact value) of an entry id like "grad.w[1][2]" (1-based,
    as displayed); a one-sample batch quantity may leave out its sample: "h[2]"."""
    try:
        quantity = parse_quantity(key)
    except ValueError:
        quantity = None
    if quantity is None or quantity.element is None or str(quantity.whole) not in values:
        raise _unknown(scenario, values, key, states)
    whole = str(quantity.whole)
    array = np.asarray(values[whole], dtype=float)
    at = quantity.element
    missing = array.ndim - len(at)
    if missing > 0 and all(d == 1 for d in array.shape[:missing]):
        at = (0,) * missing + at
    if len(at) != array.ndim or any(i >= d for i, d in zip(at, array.shape)):
        size = " × ".join(str(d) for d in array.shape) or "a scalar"
        raise ScenarioError(scenario.file, f'expect."{key}"',
                            f"{whole} is {size}; an entry is written with "
                            f"{array.ndim} 1-based ind{'ex' if array.ndim == 1 else 'ices'} "
                            f"inside it, like {whole}{'[1]' * array.ndim}")
    return whole, at, np.asarray(array[at])


def _digit_causes(exact: float, printed: float, decimals: int) -> str:
    return (_decimal_shift_cause(exact, printed, decimals) or _digit_slip_cause(exact, printed, decimals)
            or off_by_one(exact, printed, decimals))


def _mismatches(ctx: Context | None, exact, value, decimals, ok, at=None):
    """The mismatches of one [expect] entry; ``at`` is the entry of the whole quantity an
    entry id names (its causes are looked for there)."""
    bad = [idx for idx in np.ndindex(exact.shape) if not ok[idx]]
    if not bad:
        return []
    eta = _eta_cause(ctx, float(value.reshape(-1)[0])) if ctx and ctx.quantity == Quantity("eta") else ""
    whole = _fit_cause(ctx, value, decimals) if ctx is not None and at is None and exact.ndim == 2 else ""
    causes = {idx: eta or likely_cause(float(exact[idx]), float(value[idx]), int(decimals[idx]), ctx,
                                       idx if at is None else at, weak=ctx is None, upstream=not whole)
              for idx in bad}
    if at is not None:          # one entry: the whole-matrix explanations do not apply
        return [Mismatch(idx, float(value[idx]), float(exact[idx]), int(decimals[idx]),
                         causes[idx] or _digit_causes(float(exact[idx]), float(value[idx]), int(decimals[idx])))
                for idx in bad]
    if ctx is not None and any(not c for c in causes.values()):
        for idx in bad:
            if not causes[idx]:
                causes[idx] = whole or _digit_causes(float(exact[idx]), float(value[idx]), int(decimals[idx]))
    return [Mismatch(idx, float(value[idx]), float(exact[idx]), int(decimals[idx]), causes[idx])
            for idx in bad]
