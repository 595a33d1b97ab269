"""Audit of printed values: compare `[expect]` numbers with the exact ones.

A printed value matches when the exact value rounds to it at the number of decimals it
was printed with (0.4105 must round-match to 4 decimals). A mismatch gets the most
likely cause this module can tell (`likely_cause`), tried in this order:

* sign flipped (for an update: θ + η∇ instead of θ − η∇);
* an update computed with the printed η instead of the one used, or from the printed
  (rounded) gradient;
* truncated instead of rounded;
* a factor left out (printed = exact / v) or put in twice (printed = exact · v), where v
  is an entry of the step's inputs or activations (x, each layer's pre and post);
* the decimal point shifted (printed = exact · 10^k);
* a digit dropped or two adjacent digits transposed;
* for a whole pre-activation matrix: the printed values follow from other weights (a
  least-squares fit over the batch reproduces them; the biases kept as given);
* for an activation or the loss: carried over from a printed input that is itself off;
* for η: the printed updates use another learning rate;
* last printed digit off by one (nothing better found).

Inputs that are not steps can be audited too: `x`, `y` (the data) and `eta`, `gamma`,
`lambda` (the training settings).
"""

from __future__ import annotations

from collections import ChainMap
from dataclasses import dataclass, field

import numpy as np

from stepcalc.errors import ScenarioError
from stepcalc.records.quantity import AFTER, Quantity, parse_quantity
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

    @property
    def quantity(self) -> Quantity:
        return parse_quantity(self.key)

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


def _params_before(ctx: Context, updated: Quantity):
    """θ before the update that gives ``updated`` (None after the run)."""
    if updated.step == AFTER:
        return None
    state = ctx.states.get(updated.number)
    if state is not None:
        return state.params[updated.name]
    if updated.number == 1:
        return np.asarray(ctx.scenario.params[updated.name], dtype=float)
    return ctx.value_of(Quantity(updated.name, "new", updated.number - 1))


# ------------------------------------------------------------------ element causes --

def _update_cause(exact, printed, decimals, ctx: Context, element) -> str:
    quantity = ctx.quantity
    if quantity.kind != "new" or ctx.scenario.train.optimizer != "sgd":
        return ""
    theta = _params_before(ctx, quantity)
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
    printed_grad = ctx.printed_of(quantity.of("grad"))
    if printed_grad is not None:
        pg = float(printed_grad[element])
        if pg != g and _close(t - lr * pg, printed, decimals):
            return f"computed from the printed (rounded) gradient {pg:g}"
    return ""


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
                 element: tuple[int, ...] = (), weak: bool = True) -> str:
    """The most likely reason one printed number differs from the exact one ("" if unknown).

    ``weak=False`` leaves out the digit-level guesses (decimal point, dropped or swapped
    digits), which `audit` tries only after the explanations that use the whole matrix.
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
    if _truncated(exact, printed, decimals):
        return "truncated instead of rounded"
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


def _carried_cause(ctx: Context, exact: np.ndarray) -> tuple[np.ndarray | None, str]:
    """Recompute an activation (or the loss) from the printed input that feeds it."""
    from stepcalc.engine.numbers import network
    from stepcalc.engine.maths.activations import get_activation

    quantity = ctx.quantity
    sc = ctx.scenario
    layers = sc.model.layers
    if quantity.kind != "value":
        return None, ""
    if quantity.name == "loss":
        pre = ctx.printed_of(Quantity(layers[-1].pre, step=quantity.step))
        if pre is None or quantity.step == 1 and sc.data.x.shape[0] != pre.shape[0]:
            return None, ""
        out = layers[-1]
        post = get_activation(out.activation).forward(pre, out.alpha)
        fp = network.ForwardPass(sc.data.x, [None] * (len(layers) - 1) + [pre],
                                 [None] * (len(layers) - 1) + [post])
        labels = sc.data.labels
        return np.asarray(network.reduce(sc, network.per_sample_loss(sc, fp, sc.data.y, labels))), out.pre
    index, layer = _layer_of(sc, quantity.name, "post")
    if layer is None or layer.type == "dropout":
        return None, ""
    pre = ctx.printed_of(Quantity(layer.pre, step=quantity.step))
    if pre is None:
        return None, ""
    return get_activation(layer.activation).forward(pre, layer.alpha).reshape(exact.shape), layer.pre


def _eta_cause(ctx: Context, printed: float) -> str:
    lr = ctx.scenario.train.lr
    explained = []
    for key, value in ctx.printed.items():
        quantity = parse_quantity(key)
        if quantity.kind != "new" or quantity.step != 1:
            continue
        name = quantity.name
        theta, grad = _params_before(ctx, quantity), ctx.value_of(quantity.of("grad"))
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
        if key not in known_values:
            known = ", ".join(sorted(known_values)[:40])
            raise ScenarioError(scenario.file, f'expect."{key}"', f"unknown quantity id; known ids: {known}")
        exact = np.asarray(known_values[key], dtype=float)
        value, decimals = shaped(scenario, key, printed, exact)
        prepared.append((key, exact, value, decimals))
    printed_all = {key: value for key, _, value, _ in prepared}
    by_number = {state.number: state for state in states}
    entries = []
    for key, exact, value, decimals in prepared:
        ok = matches(exact, value, decimals)
        ctx = Context(scenario, known_values, printed_all, key, by_number) if scenario.kind == "train" else None
        entries.append(AuditEntry(key, value, exact, decimals,
                                  tuple(_mismatches(ctx, exact, value, decimals, ok))))
    return entries


def _mismatches(ctx: Context | None, exact, value, decimals, ok):
    bad = [idx for idx in np.ndindex(exact.shape) if not ok[idx]]
    if not bad:
        return []
    eta = _eta_cause(ctx, float(value.reshape(-1)[0])) if ctx and ctx.quantity == Quantity("eta") else ""
    causes = {idx: eta or likely_cause(float(exact[idx]), float(value[idx]), int(decimals[idx]), ctx, idx,
                                     weak=ctx is None)
              for idx in bad}
    if ctx is not None and any(not c for c in causes.values()):
        whole = _fit_cause(ctx, value, decimals) if exact.ndim == 2 else ""
        carried, carried_from = (None, "") if whole else _carried_cause(ctx, exact)
        for idx in bad:
            if causes[idx]:
                continue
            p, d = float(value[idx]), int(decimals[idx])
            if whole:
                causes[idx] = whole
            elif carried is not None:
                c = float(np.asarray(carried)[idx] if np.ndim(carried) else carried)
                src = f"the printed {carried_from}"
                if _close(c, p, d):
                    causes[idx] = f"carried over from {src} (exact from it: {_g(c)})"
                elif _truncated(c, p, d):
                    causes[idx] = f"carried over from {src} (exact from it: {_g(c)}), then truncated"
            if not causes[idx]:
                causes[idx] = (_decimal_shift_cause(float(exact[idx]), p, d)
                               or _digit_slip_cause(float(exact[idx]), p, d)
                               or off_by_one(float(exact[idx]), p, d))
    return [Mismatch(idx, float(value[idx]), float(exact[idx]), int(decimals[idx]), causes[idx])
            for idx in bad]
