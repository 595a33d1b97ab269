"""kind = "experiment": several recipes trained on one data set, their curves compared.

The numbers: a deterministic split (``data.seed``), the normalisation of the normalize kind
(z-score statistics from the training split only), then each run's trainer
(engine/numbers/experiment_train.py). The steps: per run its per-epoch table, gradient
norms per layer and activation statistics; then the comparison of all runs.
"""

from __future__ import annotations

import numpy as np

from stepcalc.engine.kinds.common import Emitter, table
from stepcalc.engine.kinds.normalize import to_symmetric, to_unit, zscore
from stepcalc.engine.numbers.experiment_train import train_run
from stepcalc.records.flags import Flag, FlagKind

CURVE_COLUMNS = ("loss", "test_loss", "accuracy", "train_accuracy")
# A first layer whose weight gradient is below this fraction of the output layer's is
# learning (all but) nothing: the vanishing-gradient evidence of the seed deck's discussion.
VANISHING = 0.01


def split(data):
    """(x_train, y_train, x_test, y_test): one permutation from ``data.seed``, the first
    ``n_test`` rows of it for testing."""
    order = np.random.default_rng(data.seed).permutation(len(data.labels))
    test, train = order[:data.n_test], order[data.n_test:]
    return data.x[train], data.labels[train], data.x[test], data.labels[test]


def normalized(method: str, data, x_train, x_test):
    """The normalize kind's scalings; the z-score's μ and σ come from the training split."""
    if method == "unit":
        return to_unit(x_train, data.max_value), to_unit(x_test, data.max_value), None
    if method == "symmetric":
        return to_symmetric(x_train, data.max_value), to_symmetric(x_test, data.max_value), None
    if method == "zscore":
        z, mu, sigma = zscore(x_train, None, None)
        return z, (x_test - mu) / sigma, (mu, sigma)
    return x_train, x_test, None


def prepared(data, method: str):
    """(x_train, y_train, x_test, y_test, z-score (μ, σ) or None) normalised by ``method``."""
    x_train, y_train, x_test, y_test = split(data)
    x_train, x_test, stats = normalized(method, data, x_train, x_test)
    return x_train, y_train, x_test, y_test, stats


def trace(scenario):
    em = Emitter(scenario)
    data, runs = scenario.spec["data"], scenario.spec["runs"]
    n_classes = len(data.classes)
    inputs = {}
    curves = {}
    for run in runs:
        if run.normalize not in inputs:
            inputs[run.normalize] = prepared(data, run.normalize)
        x_train, y_train, x_test, y_test, stats = inputs[run.normalize]
        curves[run.name] = c = train_run(run, x_train, y_train, x_test, y_test, n_classes,
                                         _epoch_progress(run.name))
        _record_epochs(em, run.name, c)
        _emit_run(em, run, c, data, len(y_train), len(y_test), stats)
    _emit_comparison(em, runs, curves)
    return em.trace()


def _epoch_progress(name: str):
    from stepcalc.engine.numbers.long_runs import current_progress

    progress = current_progress()
    if progress is None:
        return None
    return lambda epoch, epochs: progress(epoch, epochs, unit=f"experiment run {name}: epoch")


def _record_epochs(em: Emitter, name: str, c) -> None:
    """The per-epoch ids: <run>.epoch<k>.loss … (k = 0 before training)."""
    for k in range(len(c.loss)):
        head = f"{name}.epoch{k}."
        em.values[head + "loss"] = np.asarray(c.loss[k])
        em.values[head + "test_loss"] = np.asarray(c.test_loss[k])
        em.values[head + "accuracy"] = np.asarray(c.accuracy[k])
        em.values[head + "train_accuracy"] = np.asarray(c.train_accuracy[k])
        em.values[head + "act_mean"] = c.act_mean[k]
        em.values[head + "act_std"] = c.act_std[k]
        if k >= 1:
            em.values[head + "grad_norm"] = c.grad_norm[k - 1]


def describe(run) -> str:
    init = (f"W ~ N(0, {run.std:g}²)" if run.init == "normal" else
            {"xavier": "Xavier (std 1/√D_in)", "kaiming": "He/Kaiming (std √(2/D_in))"}[run.init])
    layers = "-".join(map(str, run.hidden)) or "no hidden layer"
    hyper = {"momentum": f" μ={run.momentum:g}", "nesterov": f" μ={run.momentum:g}",
             "rmsprop": f" ρ={run.rho:g}", "adam": f" β=({run.beta1:g}, {run.beta2:g})",
             "adamw": f" β=({run.beta1:g}, {run.beta2:g})"}.get(run.optimizer, "")
    decay = f", weight decay {run.weight_decay:g}" if run.weight_decay else ""
    batch = f"batch {run.batch_size}" if run.batch_size else "full batch"
    return (f"hidden {layers}, {run.activation}{' + batch norm' if run.batchnorm else ''}, "
            f"{init}, {run.optimizer}{hyper} η={run.lr:g}{decay}, {batch}, "
            f"{run.epochs} epochs, seed {run.seed}")


def _data_text(run, data, n_train: int, n_test: int, stats) -> str:
    norm = {"none": "not normalised", "unit": f"scaled to [0, 1] (x / {data.max_value:g})",
            "symmetric": f"scaled to [−1, 1] (x / {data.max_value / 2:g} − 1)",
            "zscore": "z-scored with the training split's μ = {:.4g}, σ = {:.4g}".format(*stats)
            if stats else ""}[run.normalize]
    return (f"{data.name}: {n_train} training and {n_test} test rows (split seed {data.seed}), "
            f"{len(data.features)} features {norm}, {len(data.classes)} classes.")


def _emit_run(em: Emitter, run, c, data, n_train: int, n_test: int, stats) -> None:
    epochs = [f"epoch {k}" for k in range(len(c.loss))]
    values = np.column_stack([c.loss, c.test_loss, c.accuracy, c.train_accuracy])
    final = f"final test accuracy {c.accuracy[-1]:.3f}, training loss {c.loss[-1]:.4g}"
    em.emit(f"{run.name}.curves", "update", f"{run.name}: {final}", values,
            f"Recipe: {describe(run)}. {_data_text(run, data, n_train, n_test, stats)} "
            "Each row is measured after that epoch (epoch 0: at initialisation): the mean "
            "cross-entropy over the training split and over the test split, and the share of "
            "rows whose largest softmax output is the right class.",
            formula=_loss_formula, table=table(epochs, CURVE_COLUMNS, values, corner="epoch"),
            flags=_curve_flags(run, c, len(data.classes)))
    layers = [f"W{l + 1}" for l in range(c.grad_norm.shape[1])]
    em.emit(f"{run.name}.grad_norms", "update", f"{run.name}: weight-gradient norm per layer",
            c.grad_norm,
            "‖∂L/∂W‖_F = √(Σᵢⱼ (∂L/∂Wᵢⱼ)²) of each layer's weights, averaged over the epoch's "
            "minibatch updates (L: the batch's mean cross-entropy, without weight decay). "
            "The strip beside each row is that profile from the first layer to the output.",
            formula=_norm_formula, table=table(epochs[1:], layers, c.grad_norm, corner="epoch", sparkline=True),
            flags=_gradient_flags(c))
    if c.act_mean.shape[1]:
        stats_values = np.empty((len(epochs), 2 * c.act_mean.shape[1]))
        stats_values[:, 0::2], stats_values[:, 1::2] = c.act_mean, c.act_std
        columns = [f"h{l + 1} {s}" for l in range(c.act_mean.shape[1]) for s in ("mean", "std")]
        em.emit(f"{run.name}.activations", "update", f"{run.name}: activations of each hidden layer",
                stats_values,
                "Mean and standard deviation of every hidden layer's output over the training "
                "split" + (" (batch norm with its running statistics, as at test time)"
                           if run.batchnorm else "") + ", after each epoch.",
                table=table(epochs, columns, stats_values, corner="epoch"))


def _loss_formula():
    """L = −(1/N) Σₙ log ŷ_{n, yₙ}: the mean cross-entropy every curve measures."""
    import sympy as sp

    from stepcalc.records.notation import Name

    n, N = sp.symbols("n N", integer=True, positive=True)
    y_hat, y = sp.IndexedBase(Name("y_hat")), sp.IndexedBase(Name("y"))
    return sp.Eq(Name("L"), -sp.Sum(sp.log(y_hat[n, y[n]]), (n, 1, N)) / N, evaluate=False)


def _norm_formula():
    """‖∂L/∂W‖_F: the square root of the sum of the squared entries."""
    import sympy as sp

    from stepcalc.records.notation import Grad, Name, Root, Squared, applied, entry

    i, j = sp.symbols("i j", integer=True)
    norm = applied(r"\operatorname{norm}_F", "norm_F")
    total = sp.Sum(Squared(Grad(entry("W", i, j))), (i, 1, sp.Symbol("D_in")), (j, 1, sp.Symbol("D_out")))
    return sp.Eq(norm(Grad(Name("W"))), Root(total), evaluate=False)


def _curve_flags(run, c, n_classes: int):
    if not np.isfinite(c.loss).all():
        first = int(np.argmax(~np.isfinite(c.loss)))
        return (Flag("non_finite", f"the training loss stops being finite at epoch {first}: "
                     f"the run diverged (η = {run.lr:g} is too large for {run.optimizer})"),)
    chance = 1.0 / n_classes
    if c.accuracy[-1] < 1.5 * chance:
        return (Flag(FlagKind.NOTE, f"stuck near chance: test accuracy {c.accuracy[-1]:.3f} after "
                     f"{len(c.loss) - 1} epochs (chance {chance:.2f})"),)
    return ()


def _gradient_flags(c):
    last = c.grad_norm[-1]
    if len(last) > 1 and np.isfinite(last).all() and last[0] < VANISHING * last[-1]:
        return (Flag(FlagKind.NOTE, f"vanishing gradient: the first layer's weight gradient "
                     f"({last[0]:.2g}) is {last[0] / last[-1]:.1e} of the output layer's "
                     f"({last[-1]:.2g}) in the last epoch"),)
    return ()


def _emit_comparison(em: Emitter, runs, curves) -> None:
    names = [r.name for r in runs]
    longest = max(r.epochs for r in runs) + 1
    epochs = [str(k) for k in range(longest)]
    for key, title, what in (("loss", "training loss", "mean cross-entropy over the training split"),
                             ("accuracy", "test accuracy", "share of test rows classified right")):
        values = np.full((len(runs), longest), np.nan)   # a shorter run leaves its row blank
        for i, r in enumerate(runs):
            row = getattr(curves[r.name], key)
            values[i, :len(row)] = row
        em.emit(f"compare.{key}", "loss", f"All runs: {title} per epoch", values,
                f"One row per run, one column per epoch (0: at initialisation): the {what}. "
                "The strip is the curve.",
                table=table(names, epochs, values, corner="run \\ epoch", sparkline=True,
                            plot="curves", plot_label=title))
    final = np.array([[curves[n].loss[-1], curves[n].test_loss[-1], curves[n].accuracy[-1],
                       curves[n].train_accuracy[-1]] for n in names])
    best = names[int(np.nanargmax(final[:, 2]))] if np.isfinite(final[:, 2]).any() else names[0]
    em.emit("compare.final", "loss", f"All runs after their last epoch: best test accuracy {best}",
            final, "The last row of each run's table.",
            table=table(names, CURVE_COLUMNS, final, corner="run"))
