"""`stepcalc new KIND`: commented template scenarios that load as they are."""

from __future__ import annotations

TRAIN = '''\
# A stepcalc scenario: one SGD step of a small MLP, shown like lecture slides.
# Run:  stepcalc export this.toml      stepcalc check this.toml      stepcalc run this.toml
title  = "My example: one SGD step of a 2-2-3 ReLU/softmax MLP"   # required
source = ""          # where the example comes from (optional)
notes  = """
Markdown shown on the first step (optional).
"""
kind = "train"

[data]
x = [[1.5, 0.2]]     # rows are samples; a flat list means N samples of one feature
y = [0]              # class indices, or an N×K matrix (one-hot / real targets), or flat real targets

[model]
convention = "row"   # "row": u = x·W + b, W is (in × out) | "column": u = W·x + b, W is (out × in)
bias = "separate"    # "separate" | "folded" (a 1 is prepended; the bias is row 0 of W)

[[model.layers]]
units = 2
activation = "relu"  # identity step sigmoid tanh relu leaky_relu elu prelu selu softplus swish softsign softmax
weights = "m"        # parameter names (default W1, b1, W2, b2 ...)
bias_name = "bm"
pre = "h"            # pre-activation name (default u1, u2 ...)
post = "relu"        # activation output name (default a1, a2 ..., last layer y_hat)

[[model.layers]]
units = 3
activation = "softmax"
weights = "w"
bias_name = "bw"
pre = "z"

[params]             # initial values, shaped by the convention; parameters left out come from [init]
m  = [[0.86, -1.04], [0.41, -0.65]]
bm = [0.0, 0.0]
w  = [[0.32, 0.25, 0.14], [-0.47, -1.06, 0.063]]
bw = [0.0, 0.0, 0.0]

[init]               # for parameters not given in [params]
method = "zeros"     # zeros | constant | normal | uniform | xavier | kaiming
seed = 0

[train]
loss = "cross_entropy"  # squared_error half_squared_error absolute_error binary_cross_entropy cross_entropy hinge
reduction = "mean"      # over the samples of a batch: mean | sum
lr = 0.01
steps = 1               # number of updates; 0 = forward pass and loss only
optimizer = "sgd"       # sgd | momentum | nesterov | adagrad | rmsprop | adam | adamw (torch.optim)
lr_schedule = "constant"  # constant | step (lr_step, lr_gamma) | exponential (lr_gamma)
weight_decay = 0.0      # λ: adds λ·W to the gradient of every weight matrix
frozen = []             # parameter names that are not updated
batch_size = 0          # 0 = full batch; otherwise consecutive minibatches in file order

[display]
precision = 3           # significant digits shown (values are kept in full precision)

[expect]                # numbers printed in your source, audited by `stepcalc check`
loss = 0.989
"grad.w" = [[-0.862, 0.463, 0.398], [0.0, 0.0, 0.0]]
'''

# The other kinds start from a bundled example: complete, commented and known to load.
EXAMPLES = {
    "activations": "activations",
    "losses": "tum_losses_cat_chair_car",
    "init_stats": "init_stats",
    "batchnorm": "batchnorm",
    "normalize": "normalize",
}
KINDS = ("train",) + tuple(EXAMPLES)


def template(kind: str) -> str:
    if kind == "train":
        return TRAIN
    from stepcalc.bundled import bundled

    path = bundled()[EXAMPLES[kind]]
    header = (f"# A stepcalc scenario of kind = \"{kind}\" (from the bundled example "
              f"\"{path.stem}\").\n# Its fields are documented at the top of "
              f"stepcalc/scenario/kinds/{kind}.py.\n")
    return header + path.read_text(encoding="utf-8")
