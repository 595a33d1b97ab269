"""Malformed scenarios: always one ScenarioError naming the file and the key path."""

from __future__ import annotations

import random

import pytest

from stepcalc.errors import ScenarioError
from stepcalc.scenario import load, loads

DATA = "x = [[1.0, 2.0], [3.0, 4.0]]\ny = [0, 1]"
LAYERS = '[[model.layers]]\nunits = 2\nactivation = "softmax"'
TRAIN = 'loss = "cross_entropy"'


def doc(data: str = DATA, layers: str = LAYERS, train: str = TRAIN, model: str = "",
        head: str = 'title = "t"', extra: str = "") -> str:
    return f"{head}\n[data]\n{data}\n[model]\n{model}\n{layers}\n[train]\n{train}\n{extra}\n"


def layer(units: int, activation: str, more: str = "") -> str:
    return f'[[model.layers]]\nunits = {units}\nactivation = "{activation}"\n{more}\n'


SIGMOID_1 = layer(1, "sigmoid")
REGRESSION = dict(data="x = [[1.0, 2.0], [3.0, 4.0]]\ny = [0.5, 1.5]",
                  layers=layer(1, "identity"), train='loss = "squared_error"')

CASES = [
    # (id, TOML text, key path, a phrase of the message)
    ("params shape", doc(extra="[params]\nW1 = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]"),
     "params.W1", "expected a 2×2 matrix"),
    ("params transposed (column)",
     doc(data="x = [[1.0, 2.0, 3.0]]\ny = [0]", model='convention = "column"',
         extra="[params]\nW1 = [[1, 2], [3, 4], [5, 6]]"),
     "params.W1", "transposed"),
    ("folded bias row missing",
     doc(model='bias = "folded"', extra="[params]\nW1 = [[1.0, 2.0], [3.0, 4.0]]"),
     "params.W1", "expected a 3×2 matrix"),
    ("bias length", doc(extra="[params]\nb1 = [0.0, 0.0, 0.0]"), "params.b1", "2 numbers"),
    ("unknown param", doc(extra="[params]\nfoo = [1.0]"), "params.foo",
     "unknown parameter; the model has W1, b1"),
    ("label out of range", doc(data="x = [[1.0], [2.0], [3.0], [4.0]]\ny = [0, 1, 1, 2]"),
     "data.y[3]", "0..1"),
    ("negative label", doc(data="x = [[1.0], [2.0]]\ny = [-1, 0]"), "data.y[0]", "0..1"),
    ("ragged x", doc(data="x = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0, 7.0]]\ny = [0, 1, 0]"),
     "data.x[2]", "expected 2 numbers like the rows before, got 3"),
    ("row mixed with number", doc(data="x = [[1.0, 2.0], 3.0]\ny = [0, 1]"),
     "data.x[1]", "like the rows before"),
    ("nan in x", doc(data="x = [[1.0, nan], [3.0, 4.0]]\ny = [0, 1]"),
     "data.x[0][1]", "finite"),
    ("inf in params", doc(extra="[params]\nW1 = [[1.0, 2.0], [-inf, 4.0]]"),
     "params.W1[1][0]", "finite"),
    ("huge int", doc(data=f"x = [[1, 2], [3, {10**400}]]\ny = [0, 1]"),
     "data.x[1][1]", "fits a float"),
    ("empty x", doc(data="x = []\ny = []"), "data.x", "non-empty"),
    ("empty row", doc(data="x = [[], []]\ny = [0, 1]"), "data.x[0]", "non-empty"),
    ("string in x", doc(data='x = [["1.0", 2.0], [3.0, 4.0]]\ny = [0, 1]'),
     "data.x[0][0]", "expected a number, got a string"),
    ("3-d x", doc(data="x = [[[1.0]], [[2.0]]]\ny = [0, 1]"), "data.x", "1×1"),
    ("n mismatch", doc(data="x = [[1.0, 2.0], [3.0, 4.0]]\ny = [0, 1, 1]"),
     "data.y", "expected 2 samples"),
    ("y width", doc(data="x = [[1.0, 2.0]]\ny = [[0.0, 0.5, 0.5]]"), "data.y",
     "expected 2 targets per sample"),
    ("flat floats for 2 units", doc(data="x = [[1.0], [2.0]]\ny = [0.0, 1.0]"), "data.y",
     "class indices as integers"),
    ("softmax regression not a probability row",
     doc(data="x = [[1.0], [2.0]]\ny = [[0.5, 0.2], [1.0, 0.0]]"), "data.y[0]",
     "probability row"),
    ("bce target out of [0,1]",
     doc(data="x = [1.0, 2.0]\ny = [0, 2]", layers=SIGMOID_1,
         train='loss = "binary_cross_entropy"'), "data.y[1]", "[0, 1]"),
    ("hinge with real targets",
     doc(data="x = [1.0, 2.0]\ny = [[0.5, 1.5], [2.0, 0.0]]", layers=layer(2, "identity"),
         train='loss = "hinge"'), "data.y", "hinge needs class labels"),
    ("missing y", doc(data="x = [1.0]"), "data.y", "missing"),
    ("unknown data key", doc(data=DATA + "\nz = 1"), "data.z", "unknown key"),
    ("unknown top-level key", doc(head='title = "t"\nepochs = 3'), "epochs",
     "unknown key; expected one of title"),
    ("unknown layer key", doc(layers=LAYERS + '\nactivaton = "relu"'),
     "model.layers[0].activaton", "did you mean activation?"),
    ("unknown activation", doc(layers=layer(2, "relu6")), "model.layers[0].activation",
     "expected one of identity"),
    ("softmax not last", doc(layers=layer(3, "softmax") + LAYERS),
     "model.layers[0].activation", "only allowed on the last layer"),
    ("alpha on relu", doc(layers=layer(3, "relu", "alpha = 0.1") + LAYERS),
     "model.layers[0].alpha", "only used by leaky_relu"),
    ("units zero", doc(layers=layer(0, "relu") + LAYERS), "model.layers[0].units", "1..100000"),
    ("units not int", doc(layers=LAYERS.replace("units = 2", "units = 2.0")),
     "model.layers[0].units", "expected an integer, got a float"),
    ("layers not tables", doc(layers="layers = 3"), "model.layers", "[[model.layers]]"),
    ("bad convention", doc(model='convention = "rows"'), "model.convention",
     "expected one of row, column"),
    ("duplicate name", doc(layers=layer(2, "relu", 'weights = "w"')
                           + layer(2, "softmax", 'weights = "w"')),
     "model.layers[1].weights", "already the name of model.layers[0].weights"),
    ("explicit name hits a default", doc(layers=layer(2, "relu", 'pre = "u2"') + LAYERS),
     "model.layers[1].pre", "default"),
    ("reserved name", doc(layers=layer(2, "softmax", 'post = "y"')),
     "model.layers[0].post", "reserved"),
    ("name not an identifier", doc(layers=layer(2, "softmax", 'weights = "2W"')),
     "model.layers[0].weights", "letters, digits and _"),
    ("name too long", doc(layers=layer(2, "softmax", f'pre = "{"h" * 33}"')),
     "model.layers[0].pre", "at most 32"),
    ("folded with bias_name", doc(model='bias = "folded"',
                                  layers=layer(2, "softmax", 'bias_name = "b"')),
     "model.layers[0].bias_name", "folded"),
    ("cross_entropy without softmax", doc(layers=layer(2, "sigmoid")), "train.loss",
     "needs a softmax output"),
    # 2 sigmoid units are a multi-label output: the targets must then be N × 2
    ("bce with 2 units", doc(layers=layer(2, "sigmoid"),
                             train='loss = "binary_cross_entropy"'),
     "data.y", "multi-label targets write an N×2 matrix"),
    ("bce without sigmoid", doc(data="x = [1.0]\ny = [1]", layers=layer(1, "tanh"),
                                train='loss = "binary_cross_entropy"'),
     "train.loss", "needs sigmoid output units"),
    ("hinge on softmax", doc(train='loss = "hinge"'), "train.loss", "raw scores"),
    ("missing loss", doc(train="lr = 0.1"), "train.loss", "missing"),
    ("bool as number", doc(train=TRAIN + "\nlr = true"), "train.lr",
     "expected a number, got a boolean"),
    ("string as number", doc(train=TRAIN + '\nlr = "0.1"'), "train.lr",
     "expected a number, got a string"),
    ("negative lr", doc(train=TRAIN + "\nlr = -0.1"), "train.lr", "> 0"),
    ("nan lr", doc(train=TRAIN + "\nlr = nan"), "train.lr", "finite"),
    ("steps not int", doc(train=TRAIN + "\nsteps = 1.5"), "train.steps",
     "expected an integer"),
    ("too many steps", doc(train=TRAIN + "\nsteps = 100001"), "train.steps", "0..100000"),
    ("momentum 1", doc(train=TRAIN + '\noptimizer = "momentum"\nmomentum = 1.0'),
     "train.momentum", "< 1"),
    ("momentum with sgd", doc(train=TRAIN + "\nmomentum = 0.5"), "train.momentum",
     'optimizer = "momentum"'),
    ("negative weight decay", doc(train=TRAIN + "\nweight_decay = -1"),
     "train.weight_decay", ">= 0"),
    ("frozen unknown", doc(train=TRAIN + '\nfrozen = ["W9"]'), "train.frozen[0]",
     "the model has W1, b1"),
    ("frozen not list", doc(train=TRAIN + '\nfrozen = "W1"'), "train.frozen",
     "list of strings"),
    ("batch larger than N", doc(train=TRAIN + "\nbatch_size = 3"), "train.batch_size",
     "0..2"),
    ("missing title", doc(head='source = "s"'), "title", "missing"),
    ("empty title", doc(head='title = "  "'), "title", "non-empty"),
    ("bad kind", doc(head='title = "t"\nkind = "trian"'), "kind", "expected one of train"),
    ("precision 0", doc(extra="[display]\nprecision = 0"), "display.precision", "1..15"),
    ("missing data table", 'title = "t"\n[train]\nloss = "hinge"', "data", "missing"),
    ("missing train table", 'title = "t"\n[data]\n' + DATA + "\n[model]\n" + LAYERS,
     "train", "missing"),
    ("model not a table", f'title = "t"\nmodel = 3\n[data]\n{DATA}\n[train]\n{TRAIN}',
     "model", "expected a table"),
    ("init method", doc(extra='[init]\nmethod = "he"'), "init.method", "xavier"),
    ("init std for uniform", doc(extra='[init]\nmethod = "uniform"\nstd = 0.1'), "init.std",
     'method = "normal"'),
    ("init negative std", doc(extra='[init]\nmethod = "normal"\nstd = -0.1'), "init.std",
     ">= 0"),
    ("init low >= high", doc(extra='[init]\nmethod = "uniform"\nlow = 1\nhigh = 0'),
     "init.high", "high > low"),
    ("init seed negative", doc(extra="[init]\nseed = -1"), "init.seed", ">= 0"),
    ("expect bad id", doc(extra='[expect]\n"grad w" = 1.0'), 'expect."grad w"',
     "quantity id"),
    ("expect ragged", doc(extra="[expect]\nh = [[1.0, 2.0], [3.0]]"), "expect.h[1]",
     "expected 2 numbers like the rows before, got 1 number"),
    ("expect string", doc(extra='[expect]\nloss = "0.98"'), "expect.loss",
     "expected a number or a list of numbers"),
    ("expect inf inside a dotted id", doc(extra='[expect]\n"grad.w" = [inf]'),
     'expect."grad.w"[0]', "finite"),
    ("toml syntax", 'title = "t"\n[data]\nx = [1.0,, 2.0]\n', "line 3", "invalid TOML"),
    ("toml duplicate key", 'title = "t"\ntitle = "u"\n', "line 2", "invalid TOML"),
    # layer types, bias none / position, forward only (issue 11)
    ("layer type unknown", doc(layers=layer(2, "softmax", 'type = "conv"')),
     "model.layers[0].type", "one of dense, batchnorm, dropout, activation"),
    ("key of another layer type", doc(layers=layer(2, "softmax", "p = 0.5")),
     "model.layers[0].p", 'not used by a layer of type = "dense"'),
    ("batchnorm width", doc(layers=layer(2, "relu") + '[[model.layers]]\ntype = "batchnorm"\nunits = 3\n'
                            + layer(2, "softmax")),
     "model.layers[1].units", "keeps the width of its input: expected 2"),
    ("batchnorm without beta", doc(layers=layer(2, "relu") + '[[model.layers]]\ntype = "batchnorm"\n'
                                   'bias_name = ""\n' + layer(2, "softmax")),
     "model.layers[1].bias_name", "always has its shift"),
    ("dropout last", doc(layers=layer(2, "sigmoid") + '[[model.layers]]\ntype = "dropout"\np = 0.5\n'
                         "mask = [[1, 0], [1, 1]]\n"),
     "model.layers[1].type", "cannot be the last layer"),
    ("dropout mask shape", doc(layers='[[model.layers]]\ntype = "dropout"\np = 0.5\nmask = [[1, 0]]\n'
                               + layer(2, "softmax")),
     "model.layers[0].mask", "expected a 2×2 list of rows of 0 and 1"),
    ("dropout mask value", doc(layers='[[model.layers]]\ntype = "dropout"\np = 0.5\n'
                               "mask = [[1, 0], [1, 0.5]]\n" + layer(2, "softmax")),
     "model.layers[0].mask[1][1]", "expected 0 (dropped) or 1 (kept), got 0.5"),
    ("dropout p", doc(layers='[[model.layers]]\ntype = "dropout"\np = 1\n'
                      "mask = [[1, 0], [1, 1]]\n" + layer(2, "softmax")),
     "model.layers[0].p", "< 1"),
    ("dropout activation", doc(layers='[[model.layers]]\ntype = "dropout"\np = 0.5\n'
                               'activation = "relu"\nmask = [[1, 0], [1, 1]]\n' + layer(2, "softmax")),
     "model.layers[0].activation", 'not used by a layer of type = "dropout"'),
    ("mask name taken", doc(layers='[[model.layers]]\ntype = "dropout"\np = 0.5\n'
                            "mask = [[1, 0], [1, 1]]\n" + layer(2, "softmax", 'pre = "mask1"')),
     "model.layers[1].pre", "already the name of model.layers[0].mask"),
    ("bias none with bias_name", doc(model='bias = "none"', layers=layer(2, "softmax", 'bias_name = "b"')),
     "model.layers[0].bias_name", 'with bias = "none" no layer has a bias'),
    ("bias_position without folding", doc(model='bias_position = "last"'),
     "model.bias_position", 'only used with bias = "folded"'),
    ("bias_position value", doc(model='bias = "folded"\nbias_position = "middle"'),
     "model.bias_position", "one of first, last"),
    ("y missing with steps", doc(data="x = [[1.0, 2.0]]", train="steps = 2"),
     "data.y", "training needs targets"),
    ("only activation layers", doc(layers='[[model.layers]]\ntype = "activation"\nactivation = "softmax"\n'),
     "train.steps", "no parameters to train"),
]


@pytest.mark.parametrize("text, path, phrase", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_malformed_scenario(text, path, phrase):
    with pytest.raises(ScenarioError) as info:
        loads(text, file="case.toml")
    err = info.value
    assert err.path == path, str(err)
    assert err.file == "case.toml"
    message = str(err)
    assert message.startswith(f"case.toml: {path}: "), message
    assert phrase in message, message


def test_base_document_is_valid():
    # Guards the table above: each case breaks a scenario that is otherwise fine.
    assert loads(doc()).title == "t"
    assert loads(doc(**REGRESSION)).data.y.shape == (2, 1)


# -- files ------------------------------------------------------------------------------

def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(ScenarioError) as info:
        load(path)
    assert info.value.path == "" and str(info.value) == f"{path}: no such file"


def test_directory(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load(tmp_path)
    assert str(tmp_path) in str(info.value) and "directory" in str(info.value)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('title = "Gewichtsänderung"\n'.encode("latin-1"))
    with pytest.raises(ScenarioError) as info:
        load(path)
    assert info.value.path == ""
    assert str(path) in str(info.value) and "UTF-8" in str(info.value)


def test_syntax_error_in_a_file_names_file_and_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('title = "t"\n\n[data\nx = [1]\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load(path)
    assert str(info.value).startswith(f"{path}: line 3: invalid TOML")


# -- nothing but ScenarioError escapes ----------------------------------------------------

_ODD_VALUES = ['"s"', "true", "-1", "0", "1.5", "nan", "-inf", "[]", "[[]]", "[1, [2]]",
               "[[1, 2], [3]]", '["a"]', "{a = 1}", "1979-05-27", "[true]", "99999999999"]
_SLOTS = [("data", "x"), ("data", "y"), ("model", "convention"), ("model", "bias"),
          ("model", "layers"), ("train", "loss"), ("train", "lr"), ("train", "steps"),
          ("train", "frozen"), ("train", "batch_size"), ("params", "W1"), ("params", "b1"),
          ("init", "method"), ("init", "seed"), ("expect", "h"), ("display", "precision")]


def _with(table: str, key: str, value: str) -> str:
    """The base document with ``table.key`` set to ``value``."""
    line = f"{key} = {value}"
    if table == "model" and key == "layers":
        return doc(layers=line)
    if table == "model":
        return doc(model=line)
    if table in ("data", "train"):
        kept = [ln for ln in (DATA if table == "data" else TRAIN).splitlines()
                if not ln.startswith(f"{key} =")]
        return doc(**{table: "\n".join(kept + [line])})
    return doc(extra=f"[{table}]\n{line}")


@pytest.mark.parametrize("table, key", _SLOTS)
def test_odd_values_give_scenario_errors_only(table, key):
    for value in _ODD_VALUES:
        try:
            loads(_with(table, key, value), file="fuzz.toml")
        except ScenarioError as err:
            assert str(err).startswith("fuzz.toml: ")


def test_random_layer_tables_give_scenario_errors_only():
    rng = random.Random(0)
    keys = ["units", "activation", "weights", "bias_name", "pre", "post", "alpha"]
    values = _ODD_VALUES + ['"relu"', '"softmax"', '"leaky_relu"', '"W1"', '""', "3"]
    for _ in range(300):
        more = "\n".join(f"{k} = {rng.choice(values)}"
                         for k in rng.sample(keys, rng.randint(1, len(keys))))
        text = doc(layers=f"[[model.layers]]\n{more}\n" + LAYERS)
        try:
            loads(text)
        except ScenarioError:
            pass
