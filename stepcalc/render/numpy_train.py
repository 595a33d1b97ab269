"""The plain-numpy calculation of a `train` scenario, written out for `-f numpy`.

Forward pass, loss, backward pass and update are written layer by layer as a student
would write them, from the scenario's network description, so the script is a check of
stepcalc's engine rather than a copy of it.
"""

from __future__ import annotations

from stepcalc.render.numpy_literals import array, number

# Each activation as a student writes it, with its derivative f′(u) (ReLU′(0) = 0 as on
# the slides). ``a`` is alpha (leaky_relu, elu, prelu).
ACTIVATIONS = {
    "identity": ("u", "np.ones_like(u)"),
    "step": ("np.where(u >= 0, 1.0, 0.0)", "np.zeros_like(u)"),
    "sigmoid": ("1 / (1 + np.exp(-u))", "sigmoid(u) * (1 - sigmoid(u))"),
    "tanh": ("np.tanh(u)", "1 - np.tanh(u) ** 2"),
    "relu": ("np.maximum(u, 0.0)", "np.where(u > 0, 1.0, 0.0)"),
    "leaky_relu": ("np.where(u > 0, u, a * u)", "np.where(u > 0, 1.0, a)"),
    "prelu": ("np.where(u > 0, u, a * u)", "np.where(u > 0, 1.0, a)"),
    "elu": ("np.where(u > 0, u, a * (np.exp(u) - 1))", "np.where(u > 0, 1.0, a * np.exp(u))"),
    "selu": ("np.where(u < 0, SELU_L * SELU_A * (np.exp(u) - 1), SELU_L * u)",
             "np.where(u < 0, SELU_L * SELU_A * np.exp(u), SELU_L)"),
    "softplus": ("np.logaddexp(0.0, u)", "sigmoid(u)"),
    "swish": ("u * sigmoid(u)", "sigmoid(u) + u * sigmoid(u) * (1 - sigmoid(u))"),
    "softsign": ("u / (1 + np.abs(u))", "1 / (1 + np.abs(u)) ** 2"),
    "softmax": ("e = np.exp(u - u.max(axis=1, keepdims=True))   # shifted: no overflow\n"
                "    return e / e.sum(axis=1, keepdims=True)", None),
}
USES_ALPHA = ("leaky_relu", "prelu", "elu")
NEEDS_SIGMOID = ("sigmoid", "softplus", "swish")

# Per-sample loss of ŷ (``yh``), targets Y, output pre-activation z and class labels;
# then ∂ℓ/∂ŷ. Softmax + cross-entropy and sigmoid + BCE are written in the logits z.
LOSSES = {
    "squared_error": ("((yh - Y) ** 2).sum(axis=1)", "2 * (yh - Y)"),
    "half_squared_error": ("0.5 * ((yh - Y) ** 2).sum(axis=1)", "yh - Y"),
    "absolute_error": ("np.abs(yh - Y).sum(axis=1)", "np.sign(yh - Y)"),
    "binary_cross_entropy": ("(np.logaddexp(0.0, z) - Y * z).sum(axis=1)",
                             "(yh - Y) / (yh * (1 - yh))"),
    "cross_entropy": ("logsumexp(z) * Y.sum(axis=1) - (Y * z).sum(axis=1)", "-Y / yh"),
    "hinge": ("hinge_margins(yh, labels).sum(axis=1)", "hinge_gradient(yh, labels)"),
}
FUSED = {("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy")}

HELPERS = {
    "logsumexp": '''def logsumexp(z):
    m = z.max(axis=1)
    return m + np.log(np.exp(z - m[:, None]).sum(axis=1))
''',
    "hinge": '''def hinge_margins(s, labels):
    """max(0, s_k − s_y + 1) for every class k ≠ y."""
    rows = np.arange(len(s))
    margins = np.maximum(0.0, s - s[rows, labels][:, None] + 1)
    margins[rows, labels] = 0.0
    return margins


def hinge_gradient(s, labels):
    positive = (hinge_margins(s, labels) > 0).astype(float)
    positive[np.arange(len(s)), labels] = -positive.sum(axis=1)
    return positive
''',
    "ones": '''def with_ones(a):
    """The constant input 1 of a folded bias, put in front."""
    return np.hstack([np.ones((len(a), 1)), a])
''',
    "ones_last": '''def with_ones(a):
    """The constant input 1 of a folded bias, put after the inputs."""
    return np.hstack([a, np.ones((len(a), 1))])
''',
}


def train_script(scenario) -> str:
    model, train, data = scenario.model, scenario.train, scenario.data
    out = []
    out.append(_functions(scenario))
    out.append("# ---------------------------------------------------------------- data and parameters ---")
    out.append(f"x = {array(data.x)}   # rows are samples")
    out.append(f"Y = {array(data.y)}   # targets, one row per sample" if data.y is not None else
               "Y = None   # no targets: the forward pass only")
    labels = data.labels
    if labels is None and train.loss == "hinge":
        out.append("labels = Y.argmax(axis=1)")
    else:
        out.append("labels = " + ("None" if labels is None else
                                  f"np.array({[int(v) for v in labels.reshape(-1)]})"))
    out.append("params = {")
    for name in scenario.param_names:
        out.append(f"    {name!r}: {array(scenario.params[name])},")
    out.append("}")
    out.append(f"LR, STEPS, BATCH = {number(train.lr)}, {train.steps}, {train.batch_size}")
    masks = {index: layer for index, layer in enumerate(model.layers) if layer.type == "dropout"}
    if masks:
        out.append("MASKS = {   # dropout: one 0/1 row per sample, and the drop probability p")
        for index, layer in masks.items():
            out.append(f"    {index}: ({array(layer.mask)}, {number(layer.p)}),")
        out.append("}")
    if train.weight_decay:
        out.append(f"WEIGHT_DECAY = {number(train.weight_decay)}   # λ: weight decay of the weights (not the biases)")
    out.append(f"FROZEN = {list(train.frozen)!r}")
    out += _settings(scenario)
    out.append("")
    out.append(_forward(scenario))
    if scenario.has_loss:
        out.append(_loss(scenario))
        out.append(metrics_function(scenario))
        out.append(_backward(scenario))
    out.append(_update(scenario))
    out.append(_loop(scenario))
    return "\n".join(out)


def _functions(scenario) -> str:
    names = {layer.activation for layer in scenario.model.layers}
    lines = []
    if "selu" in names:
        lines.append("SELU_L, SELU_A = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717\n")
    if names & set(NEEDS_SIGMOID):
        names.add("sigmoid")
    for name in sorted(names):
        value, slope = ACTIVATIONS[name]
        args = "u, a" if name in USES_ALPHA else "u"
        lines.append(function(name, args, value))
        if slope is not None:
            lines.append(function(name + "_prime", args, slope))
    loss = scenario.train.loss
    if loss == "cross_entropy":
        lines.append(HELPERS["logsumexp"])
    if loss == "hinge":
        lines.append(HELPERS["hinge"])
    if scenario.model.bias == "folded":
        lines.append(HELPERS["ones_last" if scenario.model.bias_position == "last" else "ones"])
    return "\n".join(lines) + "\n"


def function(name: str, args: str, body: str) -> str:
    """A one-expression function, or a body that has its own return."""
    return f"def {name}({args}):\n    {body if 'return ' in body else 'return ' + body}\n"


def _call(layer, what: str, arg: str) -> str:
    suffix = "_prime" if what == "prime" else ""
    alpha = f", {number(layer.alpha)}" if layer.activation in USES_ALPHA else ""
    return f"{layer.activation}{suffix}({arg}{alpha})"


def _layer_input(scenario, index: int) -> str:
    inp = _input(scenario, index)
    return f"with_ones({inp})" if scenario.model.bias == "folded" else inp


def _input(scenario, index: int) -> str:
    return "x" if index == 0 else f"v[{scenario.model.layers[index - 1].post!r}]"


def _forward(scenario) -> str:
    row = scenario.model.convention == "row"
    lines = ["def forward(p, x, rows):",
             f'    """Layer by layer: u = {"a·W + b" if row else "W·a + b (as rows: a·Wᵀ + b)"}, then the activation."""',
             "    v = {'x': x}"]
    for index, layer in enumerate(scenario.model.layers):
        inp = _input(scenario, index)
        if layer.type == "dropout":
            lines.append(f"    mask, drop = MASKS[{index}]")
            lines.append(f"    v[{layer.post!r}] = {inp} * mask[rows] / (1 - drop)   # inverted dropout")
            continue
        if layer.type == "activation":
            lines.append(f"    v[{layer.post!r}] = {_call(layer, 'value', inp)}")
            continue
        if layer.type == "batchnorm":
            mu, var, xh = repr(layer.mu), repr(layer.var), repr(layer.x_hat)
            lines += [f"    a = {inp}",
                      f"    v[{mu}] = a.mean(axis=0)",
                      f"    v[{var}] = ((a - v[{mu}]) ** 2).mean(axis=0)   # biased (1/N)",
                      f"    v[{xh}] = (a - v[{mu}]) / np.sqrt(v[{var}] + {number(layer.eps)})",
                      f"    v[{layer.pre!r}] = p[{layer.weights!r}] * v[{xh}] + p[{layer.bias_name!r}]"]
        else:
            W = f"p[{layer.weights!r}]" + ("" if row else ".T")
            bias = f" + p[{layer.bias_name!r}]" if layer.bias_name else ""
            lines.append(f"    v[{layer.pre!r}] = {_layer_input(scenario, index)} @ {W}{bias}")
        lines.append(f"    v[{layer.post!r}] = {_call(layer, 'value', f'v[{layer.pre!r}]')}")
    lines.append("    return v\n\n")
    return "\n".join(lines)


def _loss(scenario) -> str:
    out = scenario.model.output
    per_sample, _ = LOSSES[scenario.train.loss]
    reduce = "mean" if scenario.train.reduction == "mean" else "sum"
    return "\n".join([
        "def batch_loss(v, Y, labels):",
        f"    yh, z = v[{out.post!r}], v[{out.pre!r}]",
        f"    return float(({per_sample}).{reduce}())   # {scenario.train.reduction} over the samples",
        "\n"])


def _backward(scenario) -> str:
    model, train = scenario.model, scenario.train
    row = model.convention == "row"
    out = model.output
    _, d_loss = LOSSES[train.loss]
    scale = " / len(x)" if train.reduction == "mean" else ""
    lines = ["def backward(p, x, v, Y, labels, rows):",
             '    """∂L/∂· of the batch loss L, from the output back to the input."""',
             "    g = {}",
             f"    yh = v[{out.post!r}]",
             f"    g[{out.post!r}] = ({d_loss}){scale}"]
    if (out.activation, train.loss) in FUSED:
        lines.append(f"    g[{out.pre!r}] = (yh - Y){scale}   # δ = ŷ − y")
    layers = model.layers
    for index in range(len(layers) - 1, -1, -1):
        layer = layers[index]
        pre, post = layer.pre, layer.post
        if layer.type == "dropout":
            if index > 0:
                lines.append(f"    mask, drop = MASKS[{index}]")
                lines.append(f"    g[{pre!r}] = g[{post!r}] * mask[rows] / (1 - drop)")
            continue
        if index < len(layers) - 1 or (out.activation, train.loss) not in FUSED:
            if layer.activation == "softmax":
                lines.append(f"    a, ga = v[{post!r}], g[{post!r}]")
                lines.append(f"    g[{pre!r}] = a * (ga - (ga * a).sum(axis=1, keepdims=True))   # softmax Jacobian")
            else:
                lines.append(f"    g[{pre!r}] = g[{post!r}] * {_call(layer, 'prime', f'v[{pre!r}]')}")
        if layer.type == "batchnorm":
            lines += _batchnorm_backward(scenario, index, layer)
        elif layer.dense:
            lines += _dense_backward(scenario, index, layer)
    lines.append("    return g\n\n")
    return "\n".join(lines)


# Each optimizer's update of one parameter, as torch.optim writes it (see docs/scenarios.md).
_OPTIMIZER_LINES = {
    "sgd": ["new[name] = theta - eta * grad"],
    "momentum": ["v = state['v'][name] = MOMENTUM * state['v'][name] - eta * grad",
                 "new[name] = theta + v"],
    "momentum_pytorch": ["v = state['v'][name] = MOMENTUM * state['v'][name] + grad",
                         "new[name] = theta - eta * v"],
    "nesterov": ["v = state['v'][name] = MOMENTUM * state['v'][name] + grad",
                 "new[name] = theta - eta * (grad + MOMENTUM * v)"],
    "adagrad": ["s = state['s'][name] = state['s'][name] + grad ** 2",
                "new[name] = theta - eta * grad / (np.sqrt(s) + EPS)"],
    "rmsprop": ["s = state['s'][name] = RHO * state['s'][name] + (1 - RHO) * grad ** 2",
                "new[name] = theta - eta * grad / (np.sqrt(s) + EPS)"],
    "adam": ["m = state['m'][name] = BETA1 * state['m'][name] + (1 - BETA1) * grad",
             "s = state['s'][name] = BETA2 * state['s'][name] + (1 - BETA2) * grad ** 2",
             "shown['mhat.' + name] = mhat = m / (1 - BETA1 ** t)",
             "shown['shat.' + name] = shat = s / (1 - BETA2 ** t)",
             "new[name] = theta - eta * mhat / (np.sqrt(shat) + EPS)"],
}
_KEEPS = {"momentum": "v", "nesterov": "v", "adagrad": "s", "rmsprop": "s", "adam": "ms", "adamw": "ms"}


def _dense_backward(scenario, index: int, layer) -> list[str]:
    model, train = scenario.model, scenario.train
    row = model.convention == "row"
    pre = layer.pre
    lines = []
    inp = _layer_input(scenario, index)
    grad_w = f"{inp}.T @ g[{pre!r}]" if row else f"g[{pre!r}].T @ {inp}"
    decay = f" + WEIGHT_DECAY * p[{layer.weights!r}]" if train.gradient_decay else ""
    lines.append(f"    g[{layer.weights!r}] = {grad_w}{decay}")
    if layer.bias_name:
        lines.append(f"    g[{layer.bias_name!r}] = g[{pre!r}].sum(axis=0)")
    if index > 0:
        back = f"g[{pre!r}] @ p[{layer.weights!r}]" + (".T" if row else "")
        if model.bias == "folded":
            cut = "[:, :-1]" if model.bias_position == "last" else "[:, 1:]"
            back = f"({back}){cut}   # the folded bias has no input to pass back to"
        lines.append(f"    g[{model.layers[index - 1].post!r}] = {back}")
    return lines


def _batchnorm_backward(scenario, index: int, layer) -> list[str]:
    """The classic derivation: ∂L/∂x̂, ∂L/∂σ², ∂L/∂μ, ∂L/∂x, ∂L/∂γ, ∂L/∂β."""
    mu, var, xh, pre = repr(layer.mu), repr(layer.var), repr(layer.x_hat), repr(layer.pre)
    lines = [f"    a = {_input(scenario, index)}",
             f"    c, s = a - v[{mu}], v[{var}] + {number(layer.eps)}",
             f"    g[{xh}] = g[{pre}] * p[{layer.weights!r}]",
             f"    g[{var}] = (g[{xh}] * c).sum(axis=0) * -0.5 * s ** -1.5",
             f"    g[{mu}] = (-g[{xh}] / np.sqrt(s)).sum(axis=0) + g[{var}] * (-2 * c).mean(axis=0)"]
    if index > 0:
        lines.append(f"    g[{scenario.model.layers[index - 1].post!r}] = "
                     f"g[{xh}] / np.sqrt(s) + g[{var}] * 2 * c / len(a) + g[{mu}] / len(a)")
    lines += [f"    g[{layer.weights!r}] = (g[{pre}] * v[{xh}]).sum(axis=0)",
              f"    g[{layer.bias_name!r}] = g[{pre}].sum(axis=0)"]
    return lines


def _update(scenario) -> str:
    train = scenario.train
    key = "adam" if train.optimizer == "adamw" else train.optimizer
    if key == "momentum" and train.momentum_form == "pytorch":
        key = "momentum_pytorch"
    lines = ["def update(p, g, state, t, eta):",
             "    new, shown = {}, {}",
             "    for name, theta in p.items():",
             "        grad = g[name].reshape(theta.shape)",
             "        if name in FROZEN:",
             "            new[name] = theta",
             "            continue"]
    if train.optimizer == "adamw":
        lines.append("        if name in WEIGHTS:   # decoupled weight decay, before the Adam step")
        lines.append("            theta = theta * (1 - eta * WEIGHT_DECAY)")
    lines += ["        " + line for line in _OPTIMIZER_LINES[key]]
    for kind in _KEEPS.get(train.optimizer, ""):
        lines.append(f"        shown['{kind}.' + name] = state['{kind}'][name]")
    lines.append("    return new, shown\n\n")
    return "\n".join(lines)


def _settings(scenario) -> list[str]:
    """The optimizer's and the schedule's constants, and the learning rate of step t."""
    train = scenario.train
    out = []
    opt = train.optimizer
    if opt in ("momentum", "nesterov"):
        out.append(f"MOMENTUM = {number(train.momentum)}   # μ")
    if opt in ("adam", "adamw"):
        out.append(f"BETA1, BETA2 = {number(train.beta1)}, {number(train.beta2)}")
    if opt == "rmsprop":
        out.append(f"RHO = {number(train.rho)}")
    if opt in ("adagrad", "rmsprop", "adam", "adamw"):
        out.append(f"EPS = {number(train.eps)}")
    if opt == "adamw":
        out.append(f"WEIGHTS = {[layer.weights for layer in scenario.model.layers if layer.dense]!r}   # decayed")
    out.append(f"STATE = {list(_KEEPS.get(opt, ''))!r}   # the optimizer's buffers, all starting at 0")
    out.append("")
    out.append("")
    out.append("def lr_at(t):")
    if train.lr_schedule == "step":
        out.append(f"    return LR * {number(train.lr_gamma)} ** ((t - 1) // {train.lr_step})   # StepLR")
    elif train.lr_schedule == "exponential":
        out.append(f"    return LR * {number(train.lr_gamma)} ** (t - 1)   # ExponentialLR")
    else:
        out.append("    return LR")
    out.append("")
    return out


def _loop(scenario) -> str:
    out_post = scenario.model.output.post
    return "\n".join([
        "computed = {}",
        "N = len(x)",
        "size = BATCH if 0 < BATCH < N else N",
        "batches = [slice(start, min(start + size, N)) for start in range(0, N, size)]",
        "p = dict(params)",
        "state = {kind: {name: np.zeros_like(theta) for name, theta in p.items()} for kind in STATE}",
        "for number in range(1, max(STEPS, 1) + 1):   # (not `step`: that is an activation)",
        '    prefix = "" if number == 1 else f"step{number}."',
        "    rows = batches[(number - 1) % len(batches)]",
        "    xb, Yb = x[rows], None if Y is None else Y[rows]",
        "    lb = None if labels is None else labels[rows]",
        "    v = forward(p, xb, rows)",
        "    computed.update({prefix + k: val for k, val in v.items()})",
        "    if Y is None:   # no targets: no loss",
        "        break",
        '    computed[prefix + "loss"] = batch_loss(v, Yb, lb)',
        f"    computed.update({{prefix + k: val for k, val in metrics(v[{out_post!r}], Yb, lb).items()}})",
        "    if STEPS == 0:",
        "        break",
        "    g = backward(p, xb, v, Yb, lb, rows)",
        '    computed.update({prefix + "grad." + k: val.reshape(p[k].shape) if k in p else val',
        "                     for k, val in g.items()})",
        "    eta = lr_at(number)",
        '    computed[prefix + "eta"] = eta',
        "    p, shown = update(p, g, state, number, eta)",
        '    computed.update({prefix + "new." + k: val for k, val in p.items()})',
        '    computed.update({prefix + k: val for k, val in shown.items()})',
        "if STEPS >= 1:   # the forward pass again, over the whole data set",
        "    v = forward(p, x, slice(0, N))",
        '    computed.update({"after." + k: val for k, val in v.items()})',
        '    computed["after.loss"] = batch_loss(v, Y, labels)',
        f'    computed.update({{"after." + k: val for k, val in metrics(v[{out_post!r}], Y, labels).items()}})',
        ""])


# [train] metrics, as a student computes them from the predictions (numpy arrays).
METRIC_CODE = {
    "accuracy": ("    right = (yh.argmax(axis=1) == labels) if labels is not None else ((yh >= 0.5) == (Y >= 0.5))\n"
                 '    out["accuracy"] = right.mean()'),
    "rmse": '    out["rmse"] = np.sqrt(np.mean((yh - Y) ** 2))',
    "mae": '    out["mae"] = np.mean(np.abs(yh - Y))',
}


def metrics_function(scenario) -> str:
    """def metrics(yh, Y, labels): the scenario's train.metrics (none: an empty dict)."""
    lines = ["def metrics(yh, Y, labels):",
             '    """[train] metrics: read from the predictions, never part of the loss."""',
             "    out = {}"]
    lines += [METRIC_CODE[name] for name in scenario.train.metrics]
    return "\n".join(lines + ["    return out", "", ""])
