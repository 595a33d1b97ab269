"""The plain-numpy calculation of the kinds other than `train`, for `-f numpy`."""

from __future__ import annotations

from stepcalc.render.numpy_experiment import experiment_script
from stepcalc.render.numpy_literals import array, number
from stepcalc.render.numpy_train import ACTIVATIONS, NEEDS_SIGMOID, USES_ALPHA, function


def activations_script(scenario) -> str:
    spec = scenario.spec
    names = {fn.name for fn in spec["activations"]}
    if names & set(NEEDS_SIGMOID):
        names.add("sigmoid")
    lines = []
    if "selu" in names:
        lines.append("SELU_L, SELU_A = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717\n")
    for name in sorted(names):
        value, slope = ACTIVATIONS[name]
        args = "u, a" if name in USES_ALPHA else "u"
        lines.append(function(name, args, value))
        if slope is not None:
            lines.append(function(name + "_prime", args, slope))
    lines.append(f"data = {array(spec['data'])}")
    lines.append('computed = {"data": data}')
    for fn in spec["activations"]:
        if fn.name == "softmax":     # the whole vector; its derivative is the Jacobian
            lines.append("s = softmax(data[None, :])[0]")
            lines.append(f"computed[{fn.id!r}] = s")
            lines.append(f"computed['d.' + {fn.id!r}] = np.diag(s) - np.outer(s, s)   # s_i(Δ_ik − s_k)")
            continue
        alpha = f", {number(fn.alpha)}" if fn.name in USES_ALPHA else ""
        lines.append(f"computed[{fn.id!r}] = {fn.name}(data{alpha})")
        lines.append(f"computed['d.' + {fn.id!r}] = {fn.name}_prime(data{alpha})")
    ids = [fn.id for fn in spec["activations"]]
    slopes = [fn.id for fn in spec["activations"] if fn.name != "softmax"]
    lines.append(f"computed['values'] = np.array([computed[i] for i in {ids!r}])")
    if slopes:
        lines.append(f"computed['derivatives'] = np.array([computed['d.' + i] for i in {slopes!r}])")
    return "\n".join(lines) + "\n"


def batchnorm_script(scenario) -> str:
    spec = scenario.spec
    return "\n".join([
        f"x = {array(spec['x'])}   # the batch: rows are samples",
        f"gamma, beta, eps = {array(spec['gamma'])}, {array(spec['beta'])}, {number(spec['eps'])}",
        "mu = x.mean(axis=0)",
        "var = ((x - mu) ** 2).mean(axis=0)   # biased: divided by N",
        "x_hat = (x - mu) / np.sqrt(var + eps)",
        "y = gamma * x_hat + beta",
        "computed = dict(x=x, gamma=gamma, beta=beta, eps=eps, mu=mu, var=var, x_hat=x_hat, y=y)",
        ""])


def normalize_script(scenario) -> str:
    spec = scenario.spec
    lines = [f"x = {array(spec['pixels'])}",
             f"m = {number(spec['max_value'])}   # the largest possible value",
             "computed = dict(x=x, m=m, half=m / 2)"]
    methods = spec["methods"]
    if "unit" in methods:
        lines.append("computed['unit'] = x / m   # [0, 1]")
    if "symmetric" in methods:
        lines.append("computed['symmetric'] = x / (m / 2) - 1   # [-1, 1]")
    if "zscore" in methods:
        mean = "x.mean()" if spec["mean"] is None else number(spec["mean"])
        std = "x.std()" if spec["std"] is None else number(spec["std"])
        lines += [f"mu, sigma = {mean}, {std}",
                  "computed.update(mu=mu, sigma=sigma, zscore=(x - mu) / sigma)"]
    return "\n".join(lines) + "\n"


def losses_script(scenario) -> str:
    spec = scenario.spec
    lines = ['''def xlogy(a, b):
    """a·log(b), with 0·log(0) = 0."""
    return np.where(a == 0, 0.0, a * np.log(np.where(a == 0, 1.0, b)))


def softmax(s):
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(s):
    m = s.max(axis=1, keepdims=True)
    return s - m - np.log(np.exp(s - m).sum(axis=1, keepdims=True))
''', "computed = {}"]
    if "loss" in spec:
        lines += _data_losses(spec["loss"])
    if "distance" in spec:
        d = spec["distance"]
        lines += [f"f, t = {array(d['prediction'])}, {array(d['target'])}",
                  "computed.update(f=f, t=t, diff=f - t)"]
        for fn in d["functions"]:
            expr = "((f - t) ** 2).sum()" if fn == "l2" else "np.abs(f - t).sum()"
            lines.append(f"computed['distance.{fn}'] = {expr}")
    if "regularization" in spec:
        r = spec["regularization"]
        lines.append("weights = {")
        for name, w in r["weights"].items():
            lines.append(f"    {name!r}: {array(w)},")
        lines.append("}")
        lines.append("computed.update(weights)")
        for fn in r["functions"]:
            expr = "(w ** 2).sum()" if fn == "l2" else "np.abs(w).sum()"
            lines.append(f"for name, w in weights.items():\n    computed['penalty.{fn}.' + name] = {expr}")
            lines.append(f"computed['penalty.{fn}'] = sum(computed['penalty.{fn}.' + n] for n in weights)")
            if r["lam"] is not None:
                lines.append(f"computed['lambda'] = {number(r['lam'])}")
                lines.append(f"computed['penalty.{fn}.scaled'] = {number(r['lam'])} * computed['penalty.{fn}']")
    return "\n".join(lines) + "\n"


def _data_losses(spec) -> list[str]:
    scores, labels, preds, targets = spec["scores"], spec["labels"], spec["predictions"], spec["targets"]
    lines = []
    if scores is not None:
        lines += [f"s = {array(scores)}", "computed['s'] = computed['scores'] = s"]
    if labels is not None:
        lines += [f"labels = np.array({[int(v) for v in labels]})",
                  "computed['labels'] = labels.astype(float)"]
    if targets is not None:
        lines.append(f"y = {array(targets)}")
    elif labels is not None:
        lines += ["y = np.zeros((len(labels), " + str((scores if scores is not None else preds).shape[1]) + "))",
                  "y[np.arange(len(labels)), labels] = 1.0   # one-hot"]
    if targets is not None or labels is not None:
        lines.append("computed['y'] = y")
    if preds is not None:
        lines += [f"yhat = {array(preds)}", "computed['yhat'] = yhat"]
    reduce = "mean" if spec["reduction"] == "mean" else "sum"
    rows = []
    for fn in spec["functions"]:
        uses_scores = scores is not None and (fn in ("cross_entropy", "hinge") or preds is None)
        per = _per_sample(fn, uses_scores)
        if fn == "cross_entropy" and uses_scores:
            lines.append("computed['probs'] = softmax(s)")
        lines.append(f"computed['{fn}.samples'] = {per}")
        lines.append(f"computed['{fn}'] = computed['{fn}.samples'].{reduce}()")
        rows.append(f"list(computed['{fn}.samples']) + [computed['{fn}']]")
    lines.append(f"computed['loss.table'] = np.array([{', '.join(rows)}])")
    return lines


def _per_sample(fn: str, uses_scores: bool) -> str:
    if fn == "cross_entropy":
        return "-(y * log_softmax(s)).sum(axis=1)" if uses_scores else "-xlogy(y, yhat).sum(axis=1)"
    if fn == "hinge":
        scores = "s" if uses_scores else "yhat"
        return (f"np.where(np.arange({scores}.shape[1]) == labels[:, None], 0.0, "
                f"np.maximum(0.0, {scores} - {scores}[np.arange(len({scores})), labels][:, None] + 1)).sum(axis=1)")
    if fn == "binary_cross_entropy":
        if uses_scores:   # logits
            return "(np.logaddexp(0.0, s) - y * s).sum(axis=1)"
        return "-(xlogy(y, yhat) + xlogy(1 - y, 1 - yhat)).sum(axis=1)"
    source = "s" if uses_scores else "yhat"
    return {
        "squared_error": f"(({source} - y) ** 2).sum(axis=1)",
        "half_squared_error": f"0.5 * (({source} - y) ** 2).sum(axis=1)",
        "absolute_error": f"np.abs({source} - y).sum(axis=1)",
    }[fn]


def init_stats_script(scenario) -> str:
    spec = scenario.spec
    lines = [_init_head(spec)]
    names = {run.activation for run in spec["runs"]}
    if names & set(NEEDS_SIGMOID):
        names.add("sigmoid")
    if "selu" in names:
        lines.append("SELU_L, SELU_A = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717\n")
    for name in sorted(names):
        args = "u, a" if name in USES_ALPHA else "u"
        lines.append(function(name, args, ACTIVATIONS[name][0]))
    for run in spec["runs"]:
        std = "None" if run.std is None else number(run.std)
        alpha = ", 0.01" if run.activation == "leaky_relu" else (
            ", 1.0" if run.activation == "elu" else (", 0.25" if run.activation == "prelu" else ""))
        lines.append(f"run({run.name!r}, lambda u: {run.activation}(u{alpha}), {run.activation!r}, "
                     f"{run.method!r}, {std}, {run.seed})")
    return "\n".join(lines) + "\n"


def _init_head(spec) -> str:
    return f'''def weight_std(method, d_in, std):
    return {{"xavier": 1 / np.sqrt(d_in), "kaiming": np.sqrt(2 / d_in)}}.get(method, std)


def gram_root(x):
    """R with R·Rᵀ = x·xᵀ: then s·R·Z with Z ~ N(0, 1) has the distribution of x·W."""
    x = x.astype(np.float64)
    values, vectors = np.linalg.eigh(np.einsum("ik,jk->ij", x, x))
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


DIMS, BATCH, BINS = {list(spec["dims"])!r}, {spec["batch"]}, {spec["bins"]}
DTYPE = np.{spec["dtype"]}
DRAW = {spec["draw"]!r}   # "outputs": draw x·W from its exact distribution; "weights": draw W
computed = {{}}


# Histograms span the activation's range where it has one, else each layer's [min, max].
BOUNDED = {{"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "step": (0.0, 1.0), "softsign": (-1.0, 1.0)}}


def run(name, f, activation, method, std, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, DIMS[0]), dtype=DTYPE)
    means, stds, hists, edges = [], [], [], []
    for d_in, d_out in zip(DIMS[:-1], DIMS[1:]):
        s = weight_std(method, d_in, std)
        if DRAW == "outputs":
            u = s * np.einsum("ij,jk->ik", gram_root(x), rng.standard_normal((BATCH, d_out)))
        else:
            W = rng.standard_normal((d_in, d_out), dtype=DTYPE)
            u = (x @ W) * DTYPE(s)
        x = f(u.astype(np.float64)).astype(DTYPE)
        means.append(float(x.mean(dtype=np.float64)))
        stds.append(float(x.std(dtype=np.float64)))
        lo, hi = BOUNDED.get(activation) or (float(x.min()), float(x.max()))
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        counts, bin_edges = np.histogram(x, bins=BINS, range=(lo, hi))
        hists.append(counts)
        edges.append(bin_edges)
    computed[name + ".mean"], computed[name + ".std"] = np.array(means), np.array(stds)
    computed[name + ".stats"] = np.column_stack([means, stds])
    computed[name + ".hist"], computed[name + ".edges"] = np.array(hists), np.array(edges)

'''


KIND_WRITERS = {
    "activations": activations_script,
    "losses": losses_script,
    "batchnorm": batchnorm_script,
    "normalize": normalize_script,
    "init_stats": init_stats_script,
    "experiment": experiment_script,
}
