"""Every $$…$$ block of the Markdown export of 120 random train scenarios renders in KaTeX.

The scenarios use the default names (W1, b1, u1, a1, y_hat …) or names that stress the
LaTeX of names (digits, a trailing underscore, Greek words, long names), every activation,
every loss, both conventions, folded / separate / no bias, momentum, weight decay,
minibatches and several steps. All blocks go to one node process.

Needs node and the katex npm package, found as tests/export/test_katex.py finds it (skipped
locally when missing, a failure in CI).
"""

from __future__ import annotations

import json
import os
import subprocess

import numpy as np
from conftest import require_tool
from export.test_katex import katex_module

import stepcalc
from stepcalc.render.markdown import render_markdown

SCENARIOS = 120
HIDDEN = ("identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "prelu",
          "selu", "softplus", "swish", "softsign")
LOSSES = ("squared_error", "half_squared_error", "absolute_error", "binary_cross_entropy",
          "cross_entropy", "hinge")
REGRESSION_OUTPUTS = ("identity", "sigmoid", "tanh", "softplus", "leaky_relu", "swish",
                      "relu", "elu", "softsign")
# Names a user may give that are hard to typeset: digits, underscores, Greek words, long.
# (eta, gamma, lambda and L are reserved for the training constants and the loss.)
ODD_NAMES = ("W1", "B0", "a_", "w_", "alpha", "theta", "sigma", "theta2", "weights_in",
             "hidden_layer_output", "z2_", "x_hat", "Wout", "beta1", "mu", "gamma0")

# Renders each block; prints the failures as JSON lines; exit 1 if any failed.
KATEX_SCRIPT = r"""
const katex = require(process.env.KATEX || 'katex');
const blocks = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));
let bad = 0;
for (const [where, tex] of blocks) {
  try { katex.renderToString(tex, {displayMode: true, throwOnError: true, strict: 'ignore'}); }
  catch (e) { bad++; if (bad <= 10) console.log(JSON.stringify([where, e.message.slice(0, 160), tex.slice(0, 300)])); }
}
console.log(`${blocks.length} blocks, ${bad} failed`);
process.exit(bad ? 1 : 0);
"""


def matrix(rows) -> str:
    return "[" + ", ".join("[" + ", ".join(repr(round(float(v), 3)) for v in row) + "]"
                           for row in rows) + "]"


def scenario_text(rng: np.random.Generator, index: int) -> str:
    loss = LOSSES[index % len(LOSSES)]
    depth = int(rng.integers(1, 4))
    units = [int(rng.integers(1, 4)) for _ in range(depth - 1)]
    if loss == "binary_cross_entropy":
        output, k = "sigmoid", 1
    elif loss == "cross_entropy":
        output, k = "softmax", int(rng.integers(2, 4))
    elif loss == "hinge":
        output, k = "identity", int(rng.integers(2, 4))
    else:
        output, k = REGRESSION_OUTPUTS[int(rng.integers(len(REGRESSION_OUTPUTS)))], int(rng.integers(1, 3))
    units.append(k)
    bias = ("separate", "folded", "none")[index % 3]
    odd = index % 4 == 3            # every fourth scenario names things oddly
    pool = list(rng.permutation(ODD_NAMES))
    n, d = int(rng.integers(1, 5)), int(rng.integers(1, 4))
    x = rng.normal(size=(n, d))
    if loss in ("cross_entropy", "hinge"):
        y = "[" + ", ".join(str(int(c)) for c in rng.integers(0, k, size=n)) + "]"
    elif loss == "binary_cross_entropy":
        y = "[" + ", ".join(str(float(c)) for c in rng.integers(0, 2, size=n)) + "]"
    else:
        y = matrix(rng.normal(size=(n, k)) * 0.5)
    layers = ""
    for i, size in enumerate(units):
        act = output if i == len(units) - 1 else HIDDEN[int(rng.integers(len(HIDDEN)))]
        layers += f'\n[[model.layers]]\nunits = {size}\nactivation = "{act}"\n'
        if odd:
            layers += f'weights = "{pool.pop()}"\npre = "{pool.pop()}"\n'
            if i < len(units) - 1:
                layers += f'post = "{pool.pop()}"\n'
        if bias == "none":
            layers += 'bias_name = ""\n'
        elif bias == "separate" and odd:
            layers += f'bias_name = "{pool.pop()}"\n'
    train = [f'loss = "{loss}"', f"lr = {float(rng.choice([0.01, 0.1, 0.5]))}",
             f"steps = {int(rng.integers(1, 4))}", f'reduction = "{("mean", "sum")[index % 2]}"']
    if rng.random() < 0.4:
        train += ['optimizer = "momentum"', f"momentum = {float(rng.choice([0.5, 0.9]))}"]
    if rng.random() < 0.4:
        train.append(f"weight_decay = {float(rng.choice([0.001, 0.01]))}")
    if n > 1 and rng.random() < 0.5:
        train.append(f"batch_size = {int(rng.integers(1, n))}")
    return f"""
title = "random {index}"
[data]
x = {matrix(x)}
y = {y}
[model]
convention = "{("row", "column")[index // 3 % 2]}"
bias = "{"separate" if bias == "none" else bias}"
{layers}
[init]
method = "normal"
std = 0.7
seed = {index}
[train]
{chr(10).join(train)}
[display]
precision = {int(rng.integers(2, 6))}
"""


def math_blocks(markdown: str) -> list[str]:
    parts = markdown.split("$$\n")
    return [p.split("\n$$")[0] for p in parts[1::2]]


def test_random_scenarios_render_in_katex(tmp_path):
    node = require_tool("node")
    module = katex_module(node)
    rng = np.random.default_rng(20261124)
    blocks = []
    for index in range(SCENARIOS):
        text = scenario_text(rng, index)
        trace = stepcalc.trace(stepcalc.loads(text, f"random{index}.toml"))
        blocks += [[f"random {index}", b] for b in math_blocks(render_markdown(trace))]
    assert len(blocks) > 20 * SCENARIOS
    path = tmp_path / "blocks.json"
    path.write_text(json.dumps(blocks))
    result = subprocess.run([node, "-e", KATEX_SCRIPT, str(path)], capture_output=True, text=True,
                            timeout=300, env={**os.environ, "KATEX": module})
    assert result.returncode == 0, result.stdout + result.stderr
