"""Loading valid scenarios: defaults, conventions, shapes, targets, init, printed decimals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stepcalc.scenario import load, loads

MINIMAL = """
title = "minimal"
[data]
x = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
y = [0, 2, 1]
[model]
[[model.layers]]
units = 4
activation = "relu"
[[model.layers]]
units = 3
activation = "softmax"
[train]
loss = "cross_entropy"
"""


def doc(data: str, layers: str, train: str = 'loss = "squared_error"', model: str = "",
        extra: str = "") -> str:
    return (f'title = "t"\n[data]\n{data}\n[model]\n{model}\n{layers}\n'
            f"[train]\n{train}\n{extra}\n")


def layer(units: int, activation: str, more: str = "") -> str:
    return f'[[model.layers]]\nunits = {units}\nactivation = "{activation}"\n{more}\n'


# -- defaults ---------------------------------------------------------------------------

def test_defaults_are_filled_in():
    sc = loads(MINIMAL)
    assert sc.file == "<string>" and sc.kind == "train"
    assert sc.source == "" and sc.notes == "" and sc.precision == 3
    m = sc.model
    assert (m.convention, m.bias, m.n_inputs) == ("row", "separate", 2)
    first, last = m.layers
    assert (first.weights, first.bias_name, first.pre, first.post) == ("W1", "b1", "u1", "a1")
    assert (last.weights, last.bias_name, last.pre, last.post) == ("W2", "b2", "u2", "y_hat")
    assert first.alpha is None
    t = sc.train
    assert (t.loss, t.reduction, t.lr, t.steps) == ("cross_entropy", "mean", 0.01, 1)
    assert (t.optimizer, t.momentum, t.weight_decay, t.frozen, t.batch_size) == \
        ("sgd", 0.0, 0.0, (), 0)
    assert sc.param_names == ("W1", "b1", "W2", "b2")
    assert list(sc.params) == ["W1", "b1", "W2", "b2"]
    # No [init]: everything starts at zero.
    assert sc.params["W1"].shape == (2, 4) and sc.params["W2"].shape == (4, 3)
    assert sc.params["b1"].shape == (4,) and sc.params["b2"].shape == (3,)
    assert all(not p.any() for p in sc.params.values())
    assert sc.expect == {} and sc.spec == {}


def test_arrays_are_float64_and_read_only():
    sc = loads(MINIMAL)
    arrays = [sc.data.x, sc.data.y, sc.data.labels, *sc.params.values()]
    for arr in arrays:
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[0] = 1
    assert sc.data.x.dtype == np.float64 and sc.data.y.dtype == np.float64
    assert sc.params["W1"].dtype == np.float64


def test_optional_fields_and_momentum_default():
    text = doc("x = [1.0]\ny = [2.0]", layer(1, "identity"),
               train='loss = "squared_error"\noptimizer = "momentum"\nlr = 1\nsteps = 0\n'
                     'reduction = "sum"\nweight_decay = 0.5\nfrozen = ["b1"]\nbatch_size = 1',
               extra='[display]\nprecision = 5').replace(
        'title = "t"', 'title = "t"\nsource = "slides"\nnotes = "*hi*"')
    sc = loads(text)
    assert (sc.source, sc.notes, sc.precision) == ("slides", "*hi*", 5)
    t = sc.train
    assert t.momentum == 0.9 and t.lr == 1.0 and isinstance(t.lr, float)
    assert (t.steps, t.reduction, t.weight_decay, t.frozen, t.batch_size) == \
        (0, "sum", 0.5, ("b1",), 1)


def test_alpha_defaults_and_names():
    sc = loads(doc("x = [[1.0, 2.0]]\ny = [[0.5, 0.5]]",
                   layer(2, "leaky_relu", 'weights = "m"\nbias_name = "bm"\npre = "h"\n'
                                          'post = "r"')
                   + layer(2, "elu") + layer(2, "prelu", "alpha = 0.3") + layer(2, "tanh")))
    assert [lay.alpha for lay in sc.model.layers] == [0.01, 1.0, 0.3, None]
    assert sc.param_names == ("m", "bm", "W2", "b2", "W3", "b3", "W4", "b4")
    assert (sc.model.layers[0].pre, sc.model.layers[0].post) == ("h", "r")


def test_no_bias_layer():
    sc = loads(doc("x = [[1.0, 2.0]]\ny = [1.0]", layer(1, "identity", 'bias_name = ""')))
    assert sc.model.layers[0].bias_name == "" and sc.param_names == ("W1",)


# -- conventions and shapes -------------------------------------------------------------

def test_row_convention_params_as_given():
    sc = loads(doc("x = [[1.0, 2.0]]\ny = [0.5]", layer(1, "sigmoid"),
                   extra="[params]\nW1 = [[0.1], [0.2]]\nb1 = [0.3]"))
    np.testing.assert_array_equal(sc.params["W1"], [[0.1], [0.2]])
    np.testing.assert_array_equal(sc.params["b1"], [0.3])


def test_column_convention_weights_are_out_by_in():
    sc = loads(doc("x = [[1.0, 2.0, 3.0]]\ny = [[1.0, 0.0]]", layer(2, "identity"),
                   model='convention = "column"',
                   extra="[params]\nW1 = [[1, 2, 3], [4, 5, 6]]\nb1 = [[0.5], [0.25]]"))
    assert sc.model.convention == "column"
    np.testing.assert_array_equal(sc.params["W1"], [[1, 2, 3], [4, 5, 6]])
    # A bias written as a column (out × 1) is flattened.
    np.testing.assert_array_equal(sc.params["b1"], [0.5, 0.25])


@pytest.mark.parametrize("convention, shape1, shape2", [
    ("row", (3, 4), (5, 1)),        # (D+1) × out, (4+1) × 1
    ("column", (4, 3), (1, 5)),     # out × (D+1)
])
def test_folded_bias_shapes(convention, shape1, shape2):
    sc = loads(doc("x = [[1.0, 2.0]]\ny = [1.0]", layer(4, "tanh") + layer(1, "identity"),
                   model=f'convention = "{convention}"\nbias = "folded"'))
    assert sc.param_names == ("W1", "W2")
    assert all(lay.bias_name == "" for lay in sc.model.layers)
    assert sc.params["W1"].shape == shape1 and sc.params["W2"].shape == shape2


def test_folded_bias_given_params():
    sc = loads(doc("x = [[1.0, 2.0]]\ny = [1.0]", layer(1, "identity"),
                   model='bias = "folded"', extra="[params]\nW1 = [[0.5], [1.0], [2.0]]"))
    np.testing.assert_array_equal(sc.params["W1"], [[0.5], [1.0], [2.0]])


def test_flat_weights_accepted_when_one_side_is_one():
    sc = loads(doc("x = [3.0]\ny = [[1.0, 0.0]]", layer(2, "identity"),
                   extra="[params]\nW1 = [0.5, -1]\nb1 = [0, 0]"))
    np.testing.assert_array_equal(sc.params["W1"], [[0.5, -1.0]])


# -- data -------------------------------------------------------------------------------

def test_flat_x_is_n_samples_of_one_feature():
    sc = loads(doc("x = [1, 2, 3]\ny = [2.0, 4.0, 6.5]", layer(1, "identity")))
    assert sc.data.x.shape == (3, 1) and sc.model.n_inputs == 1
    np.testing.assert_array_equal(sc.data.x[:, 0], [1, 2, 3])
    np.testing.assert_array_equal(sc.data.y, [[2.0], [4.0], [6.5]])
    assert sc.data.labels is None


def test_class_indices_become_one_hot():
    sc = loads(MINIMAL)
    np.testing.assert_array_equal(sc.data.labels, [0, 2, 1])
    assert sc.data.labels.dtype.kind == "i"
    np.testing.assert_array_equal(sc.data.y, [[1, 0, 0], [0, 0, 1], [0, 1, 0]])


def test_one_hot_matrix_also_gives_labels():
    sc = loads(MINIMAL.replace("y = [0, 2, 1]", "y = [[0, 1, 0], [1, 0, 0], [0, 0, 1.0]]"))
    np.testing.assert_array_equal(sc.data.labels, [1, 0, 2])
    np.testing.assert_array_equal(sc.data.y, [[0, 1, 0], [1, 0, 0], [0, 0, 1]])


def test_probability_targets_have_no_labels():
    sc = loads(MINIMAL.replace("y = [0, 2, 1]",
                               "y = [[0.2, 0.8, 0], [1, 0, 0], [0.25, 0.25, 0.5]]"))
    assert sc.data.labels is None
    np.testing.assert_array_equal(sc.data.y[0], [0.2, 0.8, 0.0])


def test_real_target_matrix():
    sc = loads(doc("x = [[1.0], [2.0]]\ny = [[1.5, -2], [0.0, 3.0]]", layer(2, "identity")))
    assert sc.data.labels is None
    np.testing.assert_array_equal(sc.data.y, [[1.5, -2.0], [0.0, 3.0]])


def test_flat_ints_are_real_targets_for_one_unit_regression():
    sc = loads(doc("x = [[50.0], [80.0]]\ny = [200, 310]", layer(1, "identity")))
    assert sc.data.labels is None
    np.testing.assert_array_equal(sc.data.y, [[200.0], [310.0]])


def test_flat_ints_with_several_units_and_squared_error_are_classes():
    sc = loads(doc("x = [[1.0], [2.0]]\ny = [1, 0]", layer(2, "sigmoid")))
    np.testing.assert_array_equal(sc.data.labels, [1, 0])
    np.testing.assert_array_equal(sc.data.y, [[0, 1], [1, 0]])


@pytest.mark.parametrize("y", ["[0, 1, 1]", "[0.0, 1.0, 0.25]", "[[0], [1], [1]]"])
def test_binary_cross_entropy_targets(y):
    sc = loads(doc(f"x = [1.0, 2.0, 3.0]\ny = {y}", layer(1, "sigmoid"),
                   train='loss = "binary_cross_entropy"'))
    assert sc.data.y.shape == (3, 1) and sc.data.labels is None


def test_hinge_takes_class_indices():
    sc = loads(doc("x = [[1.0], [2.0]]\ny = [2, 0]", layer(3, "identity"),
                   train='loss = "hinge"'))
    np.testing.assert_array_equal(sc.data.labels, [2, 0])


# -- init -------------------------------------------------------------------------------

BIG = doc("x = [[1.0, 2.0]]\ny = [0]",
          layer(400, "tanh") + layer(300, "identity"))


def with_init(text: str, init: str) -> str:
    return text + "[init]\n" + init + "\n"


def test_init_is_reproducible_and_seeded():
    a = loads(with_init(BIG, 'method = "normal"\nstd = 0.1\nseed = 7'))
    b = loads(with_init(BIG, 'method = "normal"\nstd = 0.1\nseed = 7'))
    c = loads(with_init(BIG, 'method = "normal"\nstd = 0.1\nseed = 8'))
    np.testing.assert_array_equal(a.params["W2"], b.params["W2"])
    assert not np.array_equal(a.params["W2"], c.params["W2"])


def test_init_draws_in_network_order_with_default_rng():
    sc = loads(with_init(BIG, 'method = "normal"\nstd = 0.1\nseed = 3'))
    rng = np.random.default_rng(3)
    w1 = rng.normal(0.0, 0.1, size=(2, 400))
    w2 = rng.normal(0.0, 0.1, size=(400, 300))
    np.testing.assert_array_equal(sc.params["W1"], w1)
    np.testing.assert_array_equal(sc.params["W2"], w2)


def test_given_params_do_not_shift_the_random_draws():
    base = loads(with_init(BIG, 'method = "uniform"\nseed = 1'))
    w1 = "[" + ", ".join(["[" + ", ".join(["0.5"] * 400) + "]"] * 2) + "]"
    given = loads(with_init(BIG + f"[params]\nW1 = {w1}\n", 'method = "uniform"\nseed = 1'))
    assert (given.params["W1"] == 0.5).all()
    np.testing.assert_array_equal(given.params["W2"], base.params["W2"])


@pytest.mark.parametrize("init, std", [
    ('method = "normal"\nstd = 0.05', 0.05),
    ('method = "xavier"', math.sqrt(2 / (400 + 300))),
    ('method = "kaiming"', math.sqrt(2 / 400)),
])
def test_init_std(init, std):
    w2 = loads(with_init(BIG, init)).params["W2"]      # 400 × 300 = 120 000 draws
    assert abs(w2.mean()) < 0.02 * std
    assert w2.std() == pytest.approx(std, rel=0.02)


def test_random_inits_start_biases_at_zero():
    sc = loads(with_init(BIG, 'method = "kaiming"'))
    assert not sc.params["b1"].any() and not sc.params["b2"].any()


def test_uniform_init_bounds():
    w2 = loads(with_init(BIG, 'method = "uniform"\nlow = -0.2\nhigh = 0.6')).params["W2"]
    assert w2.min() >= -0.2 and w2.max() < 0.6
    assert w2.mean() == pytest.approx(0.2, abs=0.005)
    assert w2.std() == pytest.approx(0.8 / math.sqrt(12), rel=0.02)


def test_constant_init_fills_biases_too():
    sc = loads(with_init(MINIMAL, 'method = "constant"\nvalue = 0.5'))
    assert all((p == 0.5).all() for p in sc.params.values())


@pytest.mark.parametrize("convention", ["row", "column"])
def test_folded_bias_starts_at_zero_and_is_not_in_fan_in(convention):
    text = doc("x = [[1.0, 2.0]]\ny = [0]", layer(400, "relu") + layer(300, "identity"),
               model=f'convention = "{convention}"\nbias = "folded"')
    w2 = loads(with_init(text, 'method = "kaiming"\nseed = 5')).params["W2"]
    if convention == "row":
        assert w2.shape == (401, 300)
        bias, body = w2[0], w2[1:]
    else:
        assert w2.shape == (300, 401)
        bias, body = w2[:, 0], w2[:, 1:]
    assert not bias.any()
    assert body.std() == pytest.approx(math.sqrt(2 / 400), rel=0.02)


# -- expect -----------------------------------------------------------------------------

def test_expect_values_and_printed_decimals():
    sc = loads(MINIMAL + '[expect]\nloss = 0.4105\nsteps = 3\n"grad.W2" = [[1.0, 82.81], '
                         '[2.8e-11, 1.50]]\n"step2.loss" = -3e2\n"after.loss" = 1_000.25\n')
    e = sc.expect
    assert e["loss"].value == pytest.approx(0.4105) and e["loss"].decimals == 4
    assert e["loss"].value.shape == () and e["steps"].decimals == 0
    np.testing.assert_array_equal(e["grad.W2"].value, [[1.0, 82.81], [2.8e-11, 1.5]])
    # 1.50 keeps its printed second decimal (read from the TOML literal).
    np.testing.assert_array_equal(e["grad.W2"].decimals, [[1, 2], [12, 2]])
    assert e["step2.loss"].decimals == 0 and e["after.loss"].decimals == 2
    assert e["grad.W2"].value.dtype == np.float64 and not e["grad.W2"].value.flags.writeable


def test_decimals_of_plain_floats_use_repr():
    from stepcalc.scenario.expect import decimals
    assert [decimals(v) for v in (0.4105, 1.0, 82.81, 2.8e-11, 3, 1e-5, 1.5e16)] == \
        [4, 1, 2, 12, 0, 5, 0]


# -- other kinds and files --------------------------------------------------------------

def test_other_kinds_share_the_common_fields():
    text = ('title = "acts"\nkind = "activations"\n[display]\nprecision = 4\n'
            '[data]\nvalues = [1, 5.5, -4]\n[[activations]]\nname = "relu"\n'
            '[expect]\nrelu = [1, 5.5, 0.0]\n')
    sc = loads(text)
    assert (sc.kind, sc.precision, sc.model) == ("activations", 4, None)
    assert sc.expect["relu"].decimals.tolist() == [0, 1, 1]


def test_load_reads_a_file_and_names_it(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    sc = load(path)
    assert sc.file == str(path) and sc.title == "minimal"


def test_load_accepts_a_utf8_bom(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.replace("minimal", "Gradient ∂L/∂w").encode())
    assert load(str(path)).title == "Gradient ∂L/∂w"
