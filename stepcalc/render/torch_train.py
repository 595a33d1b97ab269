"""The PyTorch calculation of a `train` scenario, written out for `-f pytorch`.

The script is what a student writes next in a framework: the forward pass with torch
operations, the loss from `torch.nn.functional`, the gradients from autograd
(`loss.backward()`) and the update from `torch.optim`. Nothing in it is derived by hand,
so it checks stepcalc's derivations as well as its arithmetic.
"""

from __future__ import annotations

from stepcalc.render.numpy_literals import number
from stepcalc.render.numpy_train import function, metrics_function

# Each activation in torch. The step function has slope 0 everywhere; "+ 0 * u" keeps it on
# autograd's graph, so the gradients before it come out as zeros rather than missing.
ACTIVATIONS = {
    "identity": "u",
    "step": "torch.where(u >= 0, 1.0, 0.0) + 0 * u   # slope 0; 0·u keeps it on the graph",
    "sigmoid": "torch.sigmoid(u)",
    "tanh": "torch.tanh(u)",
    "relu": "torch.relu(u)",
    "leaky_relu": "F.leaky_relu(u, a)",
    "prelu": "torch.where(u > 0, u, a * u)   # the slope a is fixed here, not learned",
    "elu": "F.elu(u, a)",
    "selu": "F.selu(u)",
    "softplus": "F.softplus(u)",
    "swish": "F.silu(u)",
    "softsign": "F.softsign(u)",
    "softmax": "torch.softmax(u, dim=1)",
}
USES_ALPHA = ("leaky_relu", "prelu", "elu")

# Per-sample loss written in ŷ (``yh``); a row sum over the outputs.
LOSSES = {
    "squared_error": "((yh - Y) ** 2).sum(dim=1)",
    "half_squared_error": "0.5 * ((yh - Y) ** 2).sum(dim=1)",
    "absolute_error": "(yh - Y).abs().sum(dim=1)",
    "binary_cross_entropy": "F.binary_cross_entropy(yh, Y, reduction=\"none\").sum(dim=1)",
    "cross_entropy": "-(Y * torch.log(yh)).sum(dim=1)",
    # multi_margin_loss averages over the K classes; the slides' hinge sums them.
    "hinge": "F.multi_margin_loss(yh, labels, reduction=\"none\") * yh.shape[1]",
}
# The fused pairs, written in the logits z as torch users write them.
FUSED = {
    ("softmax", "cross_entropy"): "F.cross_entropy(z, Y, reduction=\"none\")",   # Y: rows of class probabilities
    ("sigmoid", "binary_cross_entropy"):
        "F.binary_cross_entropy_with_logits(z, Y, reduction=\"none\").sum(dim=1)",
}

HEAD = '''import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)   # stepcalc keeps full double precision


def tensor(values):
    return torch.tensor(values, dtype=torch.float64)


def kept(t):
    """A value to compare: detached from autograd, as a numpy array."""
    return t.detach().clone().numpy()


def as_numpy(*tensors):
    return [None if t is None else kept(t) for t in tensors]

'''


def torch_train_script(scenario) -> str:
    """The whole calculation, for the frame of `numpy_script.render_script`."""
    model, train, data = scenario.model, scenario.train, scenario.data
    _check_supported(train)
    out = [HEAD, _functions(scenario),
           "# ---------------------------------------------------------------- data and parameters ---",
           f"x = tensor({data.x.tolist()})   # rows are samples",
           f"Y = {'None   # forward only: no targets' if data.y is None else f'tensor({data.y.tolist()})'}"]
    if data.labels is not None:
        out.append(f"labels = torch.tensor({[int(v) for v in data.labels.reshape(-1)]})")
    elif train.loss == "hinge":
        out.append("labels = Y.argmax(dim=1)")
    else:
        out.append("labels = None")
    out.append("params = {")
    for name in scenario.param_names:
        out.append(f"    {name!r}: tensor({scenario.params[name].tolist()}).requires_grad_(),")
    out.append("}")
    masks = {index: layer for index, layer in enumerate(model.layers) if layer.type == "dropout"}
    if masks:
        out.append("MASKS = {   # dropout: one 0/1 row per sample, and the drop probability p")
        for index, layer in masks.items():
            out.append(f"    {index}: (tensor({layer.mask.tolist()}), {number(layer.p)}),")
        out.append("}")
    out.append(f"LR, STEPS, BATCH = {number(train.lr)}, {train.steps}, {train.batch_size}")
    out.append(f"WEIGHT_DECAY = {number(train.weight_decay)}   # λ, on the dense weights only")
    out.append(f"FROZEN = {list(train.frozen)!r}   # not given to the optimizer")
    out.append(f"WEIGHTS = {[layer.weights for layer in model.layers if layer.dense]!r}")
    out.append("")
    out.append(_forward(scenario))
    if scenario.has_loss:
        out += [_loss(scenario), metrics_function(scenario), _optimizer(scenario)]
    out.append(_loop(scenario))
    return "\n".join(out)


def _functions(scenario) -> str:
    lines = []
    for name in sorted({layer.activation for layer in scenario.model.layers if layer.type != "dropout"}):
        lines.append(function(name, "u, a" if name in USES_ALPHA else "u", ACTIVATIONS[name]))
    if scenario.model.bias == "folded":
        last = scenario.model.bias_position == "last"
        lines.append(f'''def with_ones(a):
    """The constant input 1 of a folded bias, put {"last" if last else "in front"}."""
    return torch.cat([{"a, torch.ones(len(a), 1)" if last else "torch.ones(len(a), 1), a"}], dim=1)
''')
    return "\n".join(lines)


def _forward(scenario) -> str:
    model = scenario.model
    row = model.convention == "row"
    lines = ["def forward(p, x, rows):", "    v = {'x': x}"]
    for index, layer in enumerate(model.layers):
        inp = "x" if index == 0 else f"v[{model.layers[index - 1].post!r}]"
        alpha = f", {number(layer.alpha)}" if layer.activation in USES_ALPHA else ""
        if layer.type == "dropout":
            lines.append(f"    mask, drop = MASKS[{index}]")
            lines.append(f"    v[{layer.post!r}] = {inp} * mask[rows] / (1 - drop)   # inverted dropout")
            continue
        if layer.type == "activation":
            lines.append(f"    v[{layer.post!r}] = {layer.activation}({inp}{alpha})")
            continue
        if layer.type == "batchnorm":
            # Written out so that autograd reports ∂L/∂μ, ∂L/∂σ² and ∂L/∂x̂ too; torch's own
            # batch_norm (training mode) must give the same output.
            mu, var, xh, pre = repr(layer.mu), repr(layer.var), repr(layer.x_hat), repr(layer.pre)
            gamma, beta = f"p[{layer.weights!r}]", f"p[{layer.bias_name!r}]"
            lines += [f"    a = {inp}",
                      f"    v[{mu}] = a.mean(dim=0)",
                      f"    v[{var}] = ((a - v[{mu}]) ** 2).mean(dim=0)   # biased (1/N), as in training",
                      f"    v[{xh}] = (a - v[{mu}]) / torch.sqrt(v[{var}] + {number(layer.eps)})",
                      f"    v[{pre}] = {gamma} * v[{xh}] + {beta}",
                      "    if len(a) > 1:   # (torch refuses batch statistics of a single sample)",
                      f"        torch.testing.assert_close(v[{pre}], F.batch_norm(a, None, None, {gamma}, {beta}, "
                      f"training=True, eps={number(layer.eps)}))"]
        else:
            if model.bias == "folded":
                inp = f"with_ones({inp})"
            weights = f"p[{layer.weights!r}]" + ("" if row else ".T")
            bias = f" + p[{layer.bias_name!r}]" if layer.bias_name else ""
            lines.append(f"    v[{layer.pre!r}] = {inp} @ {weights}{bias}")
        lines.append(f"    v[{layer.post!r}] = {layer.activation}(v[{layer.pre!r}]{alpha})")
    lines.append("    return v\n\n")
    return "\n".join(lines)


def _loss(scenario) -> str:
    out, train = scenario.model.output, scenario.train
    reduce = "mean" if train.reduction == "mean" else "sum"
    fused = FUSED.get((out.activation, train.loss))
    lines = ["def loss_of_yhat(yh, Y, labels):",
             f"    return ({LOSSES[train.loss]}).{reduce}()   # {train.reduction} over the samples",
             "", ""]
    if fused:
        lines += ["def batch_loss(v, Y, labels):",
                  "    # torch's fused loss works on the logits z, as a torch user writes it",
                  f"    z = v[{out.pre!r}]",
                  f"    return ({fused}).{reduce}()", "", ""]
    else:
        lines += ["def batch_loss(v, Y, labels):",
                  f"    return loss_of_yhat(v[{out.post!r}], Y, labels)", "", ""]
    return "\n".join(lines)


ADAM_STATE = {   # m̂ and ŝ are not kept by torch: the bias corrections of its step count t
    "m": 'b["exp_avg"]', "s": 'b["exp_avg_sq"]',
    "mhat": 'b["exp_avg"] / (1 - BETA1 ** float(b["step"]))',
    "shat": 'b["exp_avg_sq"] / (1 - BETA2 ** float(b["step"]))',
}
# Each optimizer: its torch.optim constructor (after the parameter groups), and how the
# buffers the slides show are read back from torch's state (``b``: a parameter's state dict).
OPTIMIZERS = {
    "sgd": ("torch.optim.SGD(groups, lr=LR)", {}),
    # The slides' classic form v ← μv − ηg, θ ← θ + v is torch's buffer b ← μb + g,
    # θ ← θ − ηb with v = −ηb (the same steps while η is constant).
    "momentum": ("torch.optim.SGD(groups, lr=LR, momentum=MOMENTUM)", {"v": '-LR * b["momentum_buffer"]'}),
    "momentum/pytorch": ("torch.optim.SGD(groups, lr=LR, momentum=MOMENTUM)", {"v": 'b["momentum_buffer"]'}),
    "nesterov": ("torch.optim.SGD(groups, lr=LR, momentum=MOMENTUM, nesterov=True)",
                 {"v": 'b["momentum_buffer"]'}),
    "adagrad": ("torch.optim.Adagrad(groups, lr=LR, eps=EPS)", {"s": 'b["sum"]'}),
    "rmsprop": ("torch.optim.RMSprop(groups, lr=LR, alpha=RHO, eps=EPS)", {"s": 'b["square_avg"]'}),
    "adam": ("torch.optim.Adam(groups, lr=LR, betas=(BETA1, BETA2), eps=EPS)", ADAM_STATE),
    # AdamW decays the weights themselves (θ ← θ − ηλθ) before the Adam step: its group's
    # weight_decay is λ, and the gradient shown carries no λθ.
    "adamw": ("torch.optim.AdamW(groups, lr=LR, betas=(BETA1, BETA2), eps=EPS)", ADAM_STATE),
}
SCHEDULES = {
    "step": "torch.optim.lr_scheduler.StepLR(optimizer, step_size={step}, gamma={gamma})",
    "exponential": "torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma={gamma})",
}


def optimizer_key(train) -> str:
    if train.optimizer == "momentum" and getattr(train, "momentum_form", "classic") == "pytorch":
        return "momentum/pytorch"
    return train.optimizer


def _optimizer(scenario) -> str:
    train = scenario.train
    build, _ = OPTIMIZERS[optimizer_key(train)]
    out = []
    if train.optimizer in ("momentum", "nesterov"):
        out.append(f"MOMENTUM = {number(train.momentum)}")
    if train.optimizer in ("adam", "adamw"):
        out.append(f"BETA1, BETA2 = {number(train.beta1)}, {number(train.beta2)}")
    if train.optimizer == "rmsprop":
        out.append(f"RHO = {number(train.rho)}   # torch's alpha")
    if train.optimizer in ("adagrad", "rmsprop", "adam", "adamw"):
        out.append(f"EPS = {number(train.eps)}")
    out += [
        "groups = [   # weight decay on the dense weights only, never on a bias; frozen: left out",
        '    {"params": [params[n] for n in WEIGHTS if n not in FROZEN], "weight_decay": WEIGHT_DECAY},',
        '    {"params": [t for n, t in params.items() if n not in WEIGHTS and n not in FROZEN], "weight_decay": 0.0},',
        '    {"params": [torch.zeros(1, requires_grad=True)]},   # never has a gradient: torch skips it',
        "]",
        f"optimizer = {build}",
    ]
    schedule = getattr(train, "lr_schedule", "constant")
    if schedule in SCHEDULES:
        out.append("scheduler = " + SCHEDULES[schedule].format(step=train.lr_step, gamma=number(train.lr_gamma)))
    return "\n".join(out) + "\n\n"


def _check_supported(train) -> None:
    if optimizer_key(train) not in OPTIMIZERS:
        raise ValueError(f"-f pytorch does not write the {train.optimizer!r} optimizer yet")
    if train.optimizer == "momentum" and optimizer_key(train) == "momentum" \
            and getattr(train, "lr_schedule", "constant") != "constant":
        raise ValueError('classic momentum (v ← μv − ηg) with a changing learning rate has no '
                         'torch.optim form; write momentum_form = "pytorch" to check it in PyTorch')


def _loop(scenario) -> str:
    out = scenario.model.output
    lines = [
        "computed = {}",
        "N = len(x)",
        "size = BATCH if 0 < BATCH < N else N",
        "batches = [slice(start, min(start + size, N)) for start in range(0, N, size)]",
        "for number in range(1, max(STEPS, 1) + 1):",
        '    prefix = "" if number == 1 else f"step{number}."',
        "    rows = batches[(number - 1) % len(batches)]",
        "    xb = x[rows].clone().requires_grad_()   # a leaf: ∂L/∂x is reported too",
        "    v = forward(params, xb, rows)",
        "    computed.update({prefix + k: kept(t) for k, t in v.items()})",
    ]
    if not scenario.has_loss:
        return "\n".join(lines + ["    break   # forward only: no targets, no loss", ""])
    train = scenario.train
    _, state = OPTIMIZERS[optimizer_key(train)]
    decay = "" if train.optimizer == "adamw" else " + (WEIGHT_DECAY * t if n in WEIGHTS else 0)"
    lines += [
        "    Yb, lb = Y[rows], None if labels is None else labels[rows]",
        "    for t in v.values():",
        "        t.retain_grad()   # keep ∂L/∂ of the layer values too, not only of the parameters",
        "    loss = batch_loss(v, Yb, lb)",
        '    computed[prefix + "loss"] = loss.item()',
        f"    computed.update({{prefix + k: val for k, val in metrics(*as_numpy(v[{out.post!r}], Yb, lb)).items()}})",
        "    if STEPS == 0:",
        "        break",
        "    for t in params.values():",
        "        t.grad = None",
        "    loss.backward()",
        '    computed.update({prefix + "grad." + k: kept(t.grad) for k, t in v.items() if t.grad is not None})',
    ]
    if (out.activation, scenario.train.loss) in FUSED:
        lines += [
            "    # ŷ is not on the fused loss's graph: its gradient through the loss written in ŷ",
            f"    yh = v[{out.post!r}].detach().requires_grad_()",
            f'    computed[prefix + "grad.{out.post}"] = kept(torch.autograd.grad(loss_of_yhat(yh, Yb, lb), yh)[0])',
        ]
    lines += [
        ("    # stepcalc shows the gradient the update uses: torch.optim adds λW inside step()"
         if decay else "    # AdamW's decay acts on the weights, not on the gradient"),
        f'    computed.update({{prefix + "grad." + n: kept(t.grad{decay}) for n, t in params.items()}})',
        '    computed[prefix + "eta"] = optimizer.param_groups[0]["lr"]   # η of this step',
        "    optimizer.step()",
        '    computed.update({prefix + "new." + n: kept(t) for n, t in params.items()})',
    ]
    for kind, read in state.items():   # a frozen parameter keeps buffers of zeros
        lines.append(f'    computed.update({{prefix + "{kind}." + n: kept({read}) if (b := optimizer.state.get(t)) '
                     f"else np.zeros(tuple(t.shape)) for n, t in params.items()}})")
    if getattr(train, "lr_schedule", "constant") in SCHEDULES:
        lines.append("    scheduler.step()   # once per training step")
    lines += [
        "if STEPS >= 1:   # the forward pass again, over the whole data set",
        "    with torch.no_grad():",
        "        v = forward(params, x, slice(0, N))",
        '        computed.update({"after." + k: kept(t) for k, t in v.items()})',
        '        computed["after.loss"] = batch_loss(v, Y, labels).item()',
        f'        computed.update({{"after." + k: val for k, val in metrics(*as_numpy(v[{out.post!r}], Y, labels)).items()}})',
        ""]
    return "\n".join(lines)
