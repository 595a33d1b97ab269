"""`-f numpy` of kind = "experiment": the training written out as a plain numpy loop.

A student's version of the same experiment, independent of stepcalc's trainer: the raw
rows embedded, the split, the normalisation, then per run the forward pass, the
backpropagation, batch norm and the optimizer step written out.
"""

from __future__ import annotations

from stepcalc.render.numpy_literals import array, number
from stepcalc.render.numpy_train import ACTIVATIONS, NEEDS_SIGMOID, USES_ALPHA, function

ALPHA = {"leaky_relu": 0.01, "elu": 1.0, "prelu": 0.25}

LOOP = '''
order = np.random.default_rng(SPLIT_SEED).permutation(len(LABELS))
TEST, TRAIN = order[:N_TEST], order[N_TEST:]
Y_TRAIN, Y_TEST = LABELS[TRAIN], LABELS[TEST]


def prepare(method):
    x_train, x_test = X[TRAIN], X[TEST]
    if method == "unit":
        return x_train / MAX_VALUE, x_test / MAX_VALUE
    if method == "symmetric":
        return x_train / (MAX_VALUE / 2) - 1, x_test / (MAX_VALUE / 2) - 1
    if method == "zscore":
        mu, sigma = x_train.mean(), x_train.std()
        return (x_train - mu) / sigma, (x_test - mu) / sigma
    return x_train, x_test


def weight_std(method, d_in, std):
    return {"xavier": 1 / np.sqrt(d_in), "kaiming": np.sqrt(2 / d_in)}.get(method, std)


def forward(Ws, bs, gammas, betas, f, x, running=None):
    """Hidden layers: u = a·W + b, batch norm (batch statistics, or the running ones), f."""
    inputs, pres, posts, xhats, inv_stds, stats = [], [], [], [], [], []
    a = x
    for l in range(len(Ws) - 1):
        inputs.append(a)
        u = a @ Ws[l] + bs[l]
        if gammas:
            mean, var = (u.mean(axis=0), u.var(axis=0)) if running is None else running[l]
            stats.append((mean, var))
            inv_std = 1 / np.sqrt(var + 1e-5)
            xhat = (u - mean) * inv_std
            u = gammas[l] * xhat + betas[l]
            xhats.append(xhat)
            inv_stds.append(inv_std)
        a = f(u)
        pres.append(u)
        posts.append(a)
    inputs.append(a)
    z = a @ Ws[-1] + bs[-1]
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return inputs, pres, posts, xhats, inv_stds, stats, log_p


def run(name, hidden, f, f_prime, init, std, batchnorm, normalize, optimizer, lr, epochs,
        batch_size, seed, mu, beta1, beta2, rho, eps, decay):
    x_train, x_test = prepare(normalize)
    dims = [x_train.shape[1], *hidden, N_CLASSES]
    rng = np.random.default_rng(seed)
    Ws, bs, gammas, betas = [], [], [], []
    for l, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:])):
        Ws.append(rng.standard_normal((d_in, d_out)) * weight_std(init, d_in, std))
        bs.append(np.zeros(d_out))
        if batchnorm and l < len(hidden):
            gammas.append(np.ones(d_out))
            betas.append(np.zeros(d_out))
    params = []
    for l in range(len(Ws)):   # the order of the updates: W, b (, γ, β) per layer
        params += [Ws[l], bs[l]] + ([gammas[l], betas[l]] if gammas and l < len(hidden) else [])
    decays = [any(p is W for W in Ws) for p in params]
    m = [np.zeros_like(p) for p in params]
    s = [np.zeros_like(p) for p in params]
    running = [(np.zeros(d), np.ones(d)) for d in hidden]
    n = len(Y_TRAIN)
    size = batch_size or n
    rows, norms, t = [], [], 0

    def evaluate():
        bn = running if batchnorm else None
        fit = forward(Ws, bs, gammas, betas, f, x_train, bn)
        test = forward(Ws, bs, gammas, betas, f, x_test, bn)
        loss = -fit[-1][np.arange(n), Y_TRAIN].mean()
        test_loss = -test[-1][np.arange(len(Y_TEST)), Y_TEST].mean()
        rows.append((loss, test_loss, np.mean(test[-1].argmax(axis=1) == Y_TEST),
                     np.mean(fit[-1].argmax(axis=1) == Y_TRAIN),
                     [a.mean() for a in fit[2]], [a.std() for a in fit[2]]))

    evaluate()
    for epoch in range(epochs):
        order = rng.permutation(n)
        total = np.zeros(len(Ws))
        batches = 0
        for start in range(0, n, size):
            idx = order[start:start + size]
            xb, yb = x_train[idx], Y_TRAIN[idx]
            inputs, pres, posts, xhats, inv_stds, stats, log_p = forward(Ws, bs, gammas, betas, f, xb)
            k = len(yb)
            g = np.exp(log_p)
            g[np.arange(k), yb] -= 1
            g /= k                                    # ∂L/∂z of the mean cross-entropy
            gW, gb, gg, gbeta = [None] * len(Ws), [None] * len(Ws), [None] * len(gammas), [None] * len(gammas)
            for l in range(len(Ws) - 1, -1, -1):
                gW[l], gb[l] = inputs[l].T @ g, g.sum(axis=0)
                if l == 0:
                    break
                g = (g @ Ws[l].T) * f_prime(pres[l - 1])
                if batchnorm:
                    xhat, inv_std = xhats[l - 1], inv_stds[l - 1]
                    gg[l - 1], gbeta[l - 1] = (g * xhat).sum(axis=0), g.sum(axis=0)
                    gx = g * gammas[l - 1]
                    g = inv_std / k * (k * gx - gx.sum(axis=0) - xhat * (gx * xhat).sum(axis=0))
            total += [np.sqrt((w ** 2).sum()) for w in gW]
            batches += 1
            if batchnorm:
                for l, (mean, var) in enumerate(stats):
                    unbiased = var * k / (k - 1) if k > 1 else var
                    running[l] = (0.9 * running[l][0] + 0.1 * mean, 0.9 * running[l][1] + 0.1 * unbiased)
            grads = []
            for l in range(len(Ws)):
                grads += [gW[l], gb[l]] + ([gg[l], gbeta[l]] if gammas and l < len(hidden) else [])
            t += 1
            for p, g_p, m_p, s_p, d in zip(params, grads, m, s, decays):
                if decay and d:
                    if optimizer == "adamw":
                        p -= lr * decay * p
                    else:
                        g_p = g_p + decay * p
                if optimizer == "sgd":
                    p -= lr * g_p
                elif optimizer == "momentum":              # v ← μv − ηg, θ ← θ + v
                    m_p *= mu
                    m_p -= lr * g_p
                    p += m_p
                elif optimizer == "nesterov":
                    m_p *= mu
                    m_p += g_p
                    p -= lr * (g_p + mu * m_p)
                elif optimizer == "adagrad":
                    s_p += g_p * g_p
                    p -= lr * g_p / (np.sqrt(s_p) + eps)
                elif optimizer == "rmsprop":
                    s_p *= rho
                    s_p += (1 - rho) * g_p * g_p
                    p -= lr * g_p / (np.sqrt(s_p) + eps)
                else:
                    m_p *= beta1
                    m_p += (1 - beta1) * g_p
                    s_p *= beta2
                    s_p += (1 - beta2) * g_p * g_p
                    p -= lr * (m_p / (1 - beta1 ** t)) / (np.sqrt(s_p / (1 - beta2 ** t)) + eps)
        norms.append(total / batches)
        evaluate()
    curves = np.array([r[:4] for r in rows])
    means = np.array([r[4] for r in rows]).reshape(len(rows), len(hidden))
    stds = np.array([r[5] for r in rows]).reshape(len(rows), len(hidden))
    for k, r in enumerate(rows):
        head = f"{name}.epoch{k}."
        for j, key in enumerate(("loss", "test_loss", "accuracy", "train_accuracy")):
            computed[head + key] = r[j]
        computed[head + "act_mean"], computed[head + "act_std"] = means[k], stds[k]
        if k:
            computed[head + "grad_norm"] = norms[k - 1]
    computed[name + ".curves"] = curves
    computed[name + ".grad_norms"] = np.array(norms)
    if hidden:
        both = np.empty((len(rows), 2 * len(hidden)))
        both[:, 0::2], both[:, 1::2] = means, stds
        computed[name + ".activations"] = both
    RESULTS.append(curves)


def compare_runs():
    longest = max(len(c) for c in RESULTS)
    for j, key in ((0, "loss"), (2, "accuracy")):
        table = np.full((len(RESULTS), longest), np.nan)
        for i, c in enumerate(RESULTS):
            table[i, :len(c)] = c[:, j]
        computed["compare." + key] = table
    computed["compare.final"] = np.array([c[-1] for c in RESULTS])

'''


def experiment_script(scenario) -> str:
    data, runs = scenario.spec["data"], scenario.spec["runs"]
    names = {run.activation for run in runs}
    if names & set(NEEDS_SIGMOID):
        names.add("sigmoid")
    lines = [f"X = {array(data.x)}   # {data.name}: the rows as read",
             f"LABELS = {array(data.labels)}.astype(int)",
             f"N_TEST, SPLIT_SEED, N_CLASSES = {data.n_test}, {data.seed}, {len(data.classes)}",
             f"MAX_VALUE = {number(data.max_value) if data.max_value is not None else 'None'}",
             "computed, RESULTS = {}, []\n"]
    if "selu" in names:
        lines.append("SELU_L, SELU_A = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717\n")
    for name in sorted(names):
        args = "u, a" if name in USES_ALPHA else "u"
        value, slope = ACTIVATIONS[name]
        lines.append(function(name, args, value))
        lines.append(function(name + "_prime", args, slope))
    lines.append(LOOP)
    for r in runs:
        alpha = f", {number(ALPHA[r.activation])}" if r.activation in USES_ALPHA else ""
        std = "None" if r.std is None else number(r.std)
        lines.append(
            f"run({r.name!r}, {list(r.hidden)!r}, lambda u: {r.activation}(u{alpha}), "
            f"lambda u: {r.activation}_prime(u{alpha}), {r.init!r}, {std}, {r.batchnorm!r}, "
            f"{r.normalize!r}, {r.optimizer!r}, {number(r.lr)}, {r.epochs}, {r.batch_size}, "
            f"{r.seed}, {number(r.momentum)}, {number(r.beta1)}, {number(r.beta2)}, "
            f"{number(r.rho)}, {number(r.eps)}, {number(r.weight_decay)})")
    lines.append("compare_runs()")
    return "\n".join(lines) + "\n"
