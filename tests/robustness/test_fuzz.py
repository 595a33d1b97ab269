"""Fuzzing the scenario loader, the engine and every renderer with Hypothesis.

Every generated file goes through `stepcalc export` (Markdown and JSON) and `stepcalc check`
in-process (`stepcalc.cli.main`). Whatever the input, the outcome is exit 0/1 (it worked)
or exit 2 with one line `stepcalc: <file>: <key path or line>: <expected>` on stderr —
never an uncaught exception, a traceback or a numpy warning.

Most inputs are a *valid* scenario (every bundled kind, plus small ones) with one mutation:
a number perturbed (often to an extreme), a title/source/class name holding Markdown, HTML,
Rich markup or control characters, a name renamed (reserved words included), a value nested
dozens of levels deep, or an extreme [init]. So most of them reach the engine and every
renderer; `test_most_valid_mutations_reach_every_renderer` measures and asserts it, and
prints the fraction. Fully random slot mutations, broken TOML, random text and bytes follow.

The seed rotates: each run draws a new one and prints it ("fuzz seed: N"); set
STEPCALC_FUZZ_SEED=N to replay a run. Health checks stay on. Fast mode (default, CI) stays
well under a minute; STEPCALC_FUZZ_LONG=1 runs 20× more cases.
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
import re
import tempfile
import tomllib
from pathlib import Path

import pytest
from conftest import run_cli, run_cli_process
from hypothesis import event, given, seed, settings
from hypothesis import strategies as st

LONG = os.environ.get("STEPCALC_FUZZ_LONG") == "1"
SEED = int(os.environ.get("STEPCALC_FUZZ_SEED") or random.SystemRandom().randrange(2**32))
SETTINGS = dict(deadline=None, database=None, derandomize=False)
VALID_CASES = 1_000 if LONG else 50
MAIN_CASES = 2_000 if LONG else 40
SIDE_CASES = 1_000 if LONG else 20

WORK = Path(tempfile.mkdtemp(prefix="stepcalc-fuzz-"))
REPO = Path(__file__).resolve().parents[2]


def show(config, line: str) -> None:
    """A line on the terminal (the CI log) even while pytest captures output."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None:
        return
    if capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)
    else:
        reporter.write_line(line)


@pytest.fixture(autouse=True, scope="module")
def _print_the_seed(request):
    """The seed on the terminal (CI log), so a failure can be replayed."""
    show(request.config, f"fuzz seed: {SEED} (replay with STEPCALC_FUZZ_SEED={SEED})")
    yield


# --------------------------------------------------------------------------- TOML writer --

def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def dump(doc: dict, prefix: str = "") -> str:
    """A small TOML writer: scalars and arrays first, then [tables] and [[arrays of tables]]."""
    lines, later = [], []
    for key, value in doc.items():
        path = f"{prefix}.{toml_key(key)}" if prefix else toml_key(key)
        if isinstance(value, dict):
            later.append(f"[{path}]\n" + dump(value, path))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            later.extend(f"[[{path}]]\n" + dump(item, path) for item in value)
        else:
            lines.append(f"{toml_key(key)} = {toml_value(value)}")
    return "\n".join(lines + later) + "\n"


# ------------------------------------------------------------------------------ runners --


# A training kind reports its epochs on stderr while it runs (the only stderr a success may have).
PROGRESS_LINE = re.compile(r"^stepcalc: [^\n]*\b\d+/\d+ \(\d+%\)$", re.M)


def without_progress(err: str) -> str:
    return PROGRESS_LINE.sub("", err)


def assert_clean(path: Path, code: int, out: str, err: str, command: str) -> None:
    assert "Traceback" not in err and "Warning" not in err, err
    assert code in (0, 1, 2), (code, err)
    if code == 2:
        assert err.count("\n") == 1 and err.endswith("\n"), err[:2000]
        head = f"stepcalc: {path}: "
        assert err.startswith(head), err[:500]
        # Names the key path (or "line N" / "end of file") before what was expected,
        # except for errors about the file as a whole.
        rest = err[len(head):]
        file_level = ("no such file", "is a directory", "not UTF-8", "larger than")
        assert ": " in rest or rest.startswith(file_level), err[:500]
    elif command == "export":
        assert out and not without_progress(err).strip(), err[:500]


def run_both(path: Path) -> int:
    for command in ("export", "check"):
        code, out, err = run_cli(command, str(path))
        assert_clean(path, code, out, err, command)
        event(f"{command} exit {code}")   # --hypothesis-show-statistics shows the split
    return code


# --------------------------------------------------------------------------- strategies --

def base_doc() -> dict:
    return {
        "title": "fuzz",
        "data": {"x": [[1.5, 0.2], [0.3, -1.0]], "y": [0, 2]},
        "model": {"convention": "row", "bias": "separate", "layers": [
            {"units": 2, "activation": "relu", "weights": "m", "bias_name": "bm", "pre": "h"},
            {"units": 3, "activation": "softmax", "weights": "w", "bias_name": "bw", "pre": "z"},
        ]},
        "params": {"m": [[0.86, -1.04], [0.41, -0.65]], "bm": [0.0, 0.0],
                   "w": [[0.32, 0.25, 0.14], [-0.47, -1.06, 0.063]], "bw": [0.0, 0.0, 0.0]},
        "train": {"loss": "cross_entropy", "lr": 0.01, "steps": 2},
        "expect": {"loss": 0.989},
    }


HOSTILE = ["__import__('os').system('touch PWNED')", "{0.__class__}", "%s%n", "\\input{/etc/passwd}",
           "$$\\x$$", "\n", "\x00", "é", "💥", ""]
NAMES = ["identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "prelu", "selu",
         "softplus", "swish", "softsign", "softmax", "squared_error", "half_squared_error",
         "absolute_error", "binary_cross_entropy", "cross_entropy", "hinge", "sgd", "momentum",
         "row", "column", "folded", "mean", "sum", "normal", "xavier", "W1", "x", "loss"]
EXTREME_FLOATS = [math.nan, math.inf, -math.inf, 1e300, -1e300, 1e308, 5e-324, 0.0, -0.0, 1e4, -1e4]
EXTREME_INTS = [0, -1, 1, 2, 3, 10**6, 10**12, -10**12, 2**63, 10**400, 100_001]

scalars = st.one_of(
    st.integers(-5, 5), st.sampled_from(EXTREME_INTS),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(EXTREME_FLOATS),
    st.booleans(), st.sampled_from(NAMES), st.sampled_from(HOSTILE),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=8),
)
numbers = st.one_of(st.integers(-3, 3), st.floats(-10, 10), st.sampled_from(EXTREME_FLOATS),
                    st.sampled_from([10**400, True, "1"]))
ragged = st.lists(st.lists(numbers, max_size=4), max_size=4)
flat = st.lists(numbers, max_size=5)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.sampled_from(["units", "x", "k", "lr", "é"]), inner,
                                        max_size=3), max_leaves=10)
any_value = st.one_of(values, ragged, flat, st.just([]), st.just([[]]), st.just({}))

# (where, key): where is a path of keys / layer indices inside the base document.
SLOTS = [
    ((), "title"), ((), "source"), ((), "notes"), ((), "kind"), ((), "epochs"),
    (("data",), "x"), (("data",), "y"), (("data",), "z"),
    (("model",), "convention"), (("model",), "bias"), (("model",), "layers"),
    (("model", "layers", 0), "units"), (("model", "layers", 0), "activation"),
    (("model", "layers", 0), "weights"), (("model", "layers", 0), "pre"),
    (("model", "layers", 0), "post"), (("model", "layers", 0), "alpha"),
    (("model", "layers", 0), "bias_name"), (("model", "layers", 1), "units"),
    (("model", "layers", 1), "activation"), (("model", "layers", 1), "weights"),
    (("params",), "m"), (("params",), "bm"), (("params",), "w"), (("params",), "bw"),
    (("params",), "nope"),
    (("train",), "loss"), (("train",), "lr"), (("train",), "steps"), (("train",), "reduction"),
    (("train",), "optimizer"), (("train",), "momentum"), (("train",), "weight_decay"),
    (("train",), "frozen"), (("train",), "batch_size"),
    (("init",), "method"), (("init",), "std"), (("init",), "seed"),
    (("display",), "precision"), (("expect",), "loss"), (("expect",), "grad.w"),
    (("expect",), "nope.id"), (("expect",), "a b"),
    ((), "data"), ((), "model"), ((), "train"), ((), "params"), ((), "init"), ((), "expect"),
]

# Values that matter for a particular key, mixed with anything at all.
FOCUSED = {
    "units": st.sampled_from([0, -1, 1, 3, 10**6, 10**12, 1.5, "2"]),
    "lr": st.sampled_from([-1, 0, 0.0, -0.5, "0.1", 1e6, 1e308, math.nan, math.inf, 1e-300]),
    "steps": st.sampled_from([-1, 0, 1, 3, 10**12, 100_001, 2.0, "3"]),
    "y": st.one_of(st.lists(st.integers(-3, 5), max_size=3), ragged),
    "x": st.one_of(ragged, flat, st.just([[1e300, 1e300], [-1e300, 1e300]])),
    "m": st.one_of(ragged, st.just([[1e4, -1e4], [1e4, 1e4]])),
    "w": ragged,
    "activation": st.sampled_from(NAMES + HOSTILE),
    "loss": st.sampled_from(NAMES + HOSTILE),
}


def slot_value(key: str):
    return st.one_of(FOCUSED[key], any_value) if key in FOCUSED else any_value


mutation = st.sampled_from(SLOTS).flatmap(
    lambda slot: st.tuples(st.just(slot), st.sampled_from(["set", "set", "set", "delete"]),
                           slot_value(slot[1])))


def apply(doc: dict, mutation) -> None:
    (where, key), op, value = mutation
    target = doc
    for part in where:
        if isinstance(target, dict):
            if part not in target or not isinstance(target[part], (dict, list)):
                target[part] = {}
            target = target[part]
        elif isinstance(target, list) and isinstance(part, int) and part < len(target) \
                and isinstance(target[part], dict):
            target = target[part]
        else:
            return
    if not isinstance(target, dict):
        return
    if op == "delete":
        target.pop(key, None)
    else:
        target[key] = copy.deepcopy(value)   # st.just({}) is one shared object


def write(name: str, content: str | bytes) -> Path:
    path = WORK / name
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    path.write_bytes(content)
    return path


# ------------------------------------------------------ valid scenarios, one mutation --

# Bundled scenarios of every kind (the slow ones replaced by small ones of the same kind).
SLOW_BUNDLED = {"activations", "init_stats", "seed_discussion"}
SMALL_KINDS = {
    "small_activations": {"title": "acts", "kind": "activations", "data": {"values": [1.0, -4.0, 0.0]},
                          "activations": [{"name": "sigmoid"}, {"name": "relu"}, {"name": "tanh"}]},
    "small_init_stats": {"title": "init", "kind": "init_stats",
                         "network": {"dims": [16, 16, 16], "batch": 8, "seed": 1},
                         "runs": [{"name": "t", "activation": "tanh", "method": "normal", "std": 0.05},
                                  {"name": "r", "activation": "relu", "method": "kaiming"}]},
    "small_experiment": {"title": "exp", "kind": "experiment",
                         "data": {"dataset": "iris", "test_fraction": 0.2, "seed": 0, "normalize": "zscore"},
                         "runs": [{"name": "s", "hidden": [4], "activation": "sigmoid", "optimizer": "sgd",
                                   "lr": 0.1, "epochs": 2, "batch_size": 16, "seed": 0},
                                  {"name": "a", "hidden": [4, 3], "activation": "relu", "batchnorm": True,
                                   "optimizer": "adam", "lr": 0.01, "epochs": 2, "batch_size": 32, "seed": 1}]},
}


def valid_bases() -> dict[str, dict]:
    bases = {"base_doc": base_doc(), **SMALL_KINDS}
    for path in sorted((REPO / "scenarios").glob("*.toml")):
        if path.stem not in SLOW_BUNDLED:
            bases[path.stem] = tomllib.loads(path.read_text(encoding="utf-8"))
    return bases


BASES = valid_bases()

MARKUP = ["Scores [/] and [/bold]", "[bold red]x[/]", "T\n~~~\nswallowed", "a | b", "<img src=x onerror=alert(1)>",
          "</td><script>alert(2)</script>", "x\n\n# INJECTED\n\n$$\\input{/etc/passwd}$$", "\x1b[2J\x1b[31mred\r\x00",
          "`code` *em* _u_ ~~s~~ &amp;", "\u202eevil", "$$", "\\", "💥 é σ′"]
NAME_POOL = ["h", "z9", "W_in", "m", "s", "hidden", "out", "a_b", "eta", "gamma", "lambda", "grad", "new",
             "after", "step2", "v", "mhat", "x", "y", "loss", "steps", "eta2"]
EXTREME = [0.0, -0.0, 1e300, -1e300, 1e308, -1e308, 5e-324, 1e-300, 1e16, 40.0, -40.0, 710.0, 1e154]
EXTREME_INIT = [
    {"method": "uniform", "low": -1e308, "high": 1e308},
    {"method": "normal", "std": 1e200},
    {"method": "normal", "std": 1e-300},
    {"method": "constant", "value": 1e308},
    {"method": "constant", "value": 0.0},
    {"method": "xavier", "seed": 2**63 - 1},
]


def _leaves(value, path=()):
    """(path, value) of every float leaf (ints are labels, sizes and seeds: kept valid)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, path + (i,))
    elif isinstance(value, float):
        yield path, value


def _set(doc, path, value):
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


def _get(doc, path):
    for part in path:
        doc = doc[part]
    return doc


def _rename(doc: dict, old: str, new: str) -> None:
    """Rename a model name everywhere it is used: [params], frozen, [expect] ids."""
    def swap(key: str) -> str:
        return ".".join(new if part == old else part for part in key.split("."))
    if isinstance(doc.get("params"), dict) and old in doc["params"]:
        doc["params"] = {new if k == old else k: v for k, v in doc["params"].items()}
    train = doc.get("train")
    if isinstance(train, dict) and isinstance(train.get("frozen"), list):
        train["frozen"] = [new if f == old else f for f in train["frozen"]]
    if isinstance(doc.get("expect"), dict):
        doc["expect"] = {swap(re.sub(r"\[.*", "", k)) + k[len(re.sub(r"\[.*", "", k)):]: v
                         for k, v in doc["expect"].items()}


def _mutate(draw, name: str, doc: dict) -> str:
    """One mutation of a valid document; returns what it did (for the statistics)."""
    what = draw(st.sampled_from(["number", "number", "number", "extreme", "text", "class_names",
                                 "rename", "nesting", "init", "none"]))
    if what in ("number", "extreme"):
        leaves = list(_leaves(doc))
        if not leaves:
            return "none"
        path, value = draw(st.sampled_from(leaves))
        if what == "number":
            new = draw(st.one_of(st.floats(-3, 3, allow_subnormal=False),
                                 st.just(value * 2), st.just(-value), st.just(round(value, 1))))
        else:
            new = draw(st.sampled_from(EXTREME))
        _set(doc, path, float(new))
        return f"{what} at {'.'.join(map(str, path[:2]))}"
    if what == "text":
        # (notes are Markdown by design: a fence there is the author's own; not mutated)
        doc[draw(st.sampled_from(["title", "title", "source"]))] = draw(st.sampled_from(MARKUP))
        return "text"
    if what == "class_names":
        data = doc.get("data")
        if doc.get("kind") == "losses" and isinstance(data, dict) and "scores" in data or \
                doc.get("kind") == "losses" and isinstance(data, dict) and "predictions" in data:
            main = data.get("scores") or data.get("predictions")
            width = len(main[0]) if isinstance(main[0], list) else 1
            data["class_names"] = draw(st.lists(st.sampled_from(MARKUP), min_size=width, max_size=width))
            return "class_names"
        doc["title"] = draw(st.sampled_from(MARKUP))
        return "text"
    if what == "rename":
        layers = doc.get("model", {}).get("layers") if isinstance(doc.get("model"), dict) else None
        if not layers:
            doc["title"] = draw(st.sampled_from(MARKUP))
            return "text"
        index = draw(st.integers(0, len(layers) - 1))
        key = draw(st.sampled_from(["weights", "pre", "post", "bias_name"]))
        n = index + 1
        default = {"weights": f"W{n}", "pre": f"u{n}", "bias_name": f"b{n}",
                   "post": "y_hat" if n == len(layers) else f"a{n}"}[key]
        old = layers[index].get(key, default)
        new = draw(st.sampled_from(NAME_POOL))
        layers[index][key] = new
        if isinstance(old, str) and old:
            _rename(doc, old, new)
        return "rename"
    if what == "nesting":
        depth = draw(st.integers(1, 80))
        leaves = list(_leaves(doc))
        if leaves and draw(st.booleans()):
            path, value = draw(st.sampled_from(leaves))
            _set(doc, path, json.loads("[" * depth + repr(value) + "]" * depth))
        else:
            nested: object = 1.0
            for _ in range(depth):
                nested = {"a": nested}
            doc["expect"] = {"loss": nested} if draw(st.booleans()) else doc.get("expect", {})
            if not doc["expect"]:
                doc["expect"] = {"deep": nested}
        return "nesting" if depth <= 16 else "deep nesting"
    if what == "init":
        if doc.get("kind", "train") == "train" and isinstance(doc.get("model"), dict):
            doc["init"] = dict(draw(st.sampled_from(EXTREME_INIT)))
            if draw(st.booleans()):
                doc.pop("params", None)
            return "extreme init"
        if doc.get("kind") == "init_stats":
            run = doc["runs"][0]
            run.update(method="normal", std=draw(st.sampled_from([1e200, 1e-300, 1e30, 5.0])))
            return "extreme init"
    return "none"


@st.composite
def mutated_valid_scenario(draw):
    name = draw(st.sampled_from(sorted(BASES)))
    doc = copy.deepcopy(BASES[name])
    what = _mutate(draw, name, doc)
    return name, what, doc


OUTCOMES: dict[str, int] = {}


def run_every_renderer(path: Path) -> bool:
    """export (Markdown, JSON) and check; True if the scenario reached every renderer."""
    reached = True
    for args in (["export", str(path)], ["export", str(path), "-f", "json"], ["check", str(path)]):
        code, out, err = run_cli(*args)
        assert_clean(path, code, out, err, args[0])
        if code == 2:
            reached = False
            continue
        if args[0] == "export" and "json" in args:
            json.loads(out)   # valid JSON, non-finite numbers as null
        elif args[0] == "export":
            assert out.rstrip().endswith("<!-- stepcalc export -->")
            assert out.startswith("# ") and "\n" not in out.split("\n\n")[0]   # the title: one line
            assert not re.search(r"^(~~~|```)", out, flags=re.M)
    return reached


@seed(SEED)
@settings(max_examples=VALID_CASES, **SETTINGS)
@given(mutated_valid_scenario())
def _fuzz_valid(case):
    name, what, doc = case
    try:
        text = dump(doc)
    except TypeError:
        return
    reached = run_every_renderer(write("valid.toml", text))
    event(f"{what}: {'renders' if reached else 'refused'}")
    OUTCOMES["total"] = OUTCOMES.get("total", 0) + 1
    OUTCOMES["reached"] = OUTCOMES.get("reached", 0) + int(reached)


def test_most_valid_mutations_reach_every_renderer(request):
    OUTCOMES.clear()
    _fuzz_valid()
    total, reached = OUTCOMES.get("total", 0), OUTCOMES.get("reached", 0)
    fraction = reached / max(total, 1)
    line = f"fuzz: {reached}/{total} mutated valid scenarios ({fraction:.0%}) reached export and check"
    show(request.config, line)
    assert total >= VALID_CASES // 2
    assert fraction >= 0.6, line


def test_the_bases_are_valid_and_cover_every_kind():
    kinds = set()
    for name, doc in BASES.items():
        path = write(f"base_{name}.toml", dump(doc))
        code, out, err = run_cli("export", str(path), "-f", "json")
        assert code == 0, (name, err)
        kinds.add(doc.get("kind", "train"))
    assert kinds == {"train", "activations", "losses", "init_stats", "batchnorm", "normalize", "experiment"}


# -------------------------------------------------------------------------------- tests --

@seed(SEED)
@settings(max_examples=MAIN_CASES, **SETTINGS)
@given(st.lists(mutation, min_size=1, max_size=3))
def test_mutated_scenarios_exit_cleanly(mutations):
    doc = base_doc()
    for m in mutations:
        apply(doc, m)
    try:
        text = dump(doc)
    except TypeError:
        return
    run_both(write("mutated.toml", text))


@seed(SEED)
@settings(max_examples=SIDE_CASES, **SETTINGS)
@given(st.data())
def test_broken_toml_text_exits_cleanly(data):
    """A valid file with characters inserted, deleted or replaced somewhere."""
    text = dump(base_doc())
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 3))
        piece = data.draw(st.sampled_from(["[", "]", "=", '"', "'", "\n", "{", ",", "#", "x",
                                           "[[", "..", "0", "\\", "\t", "\x00", ""]))
        text = text[:at] + piece + text[at + cut:]
    run_both(write("broken.toml", text))


@seed(SEED)
@settings(max_examples=SIDE_CASES, **SETTINGS)
@given(st.binary(max_size=300))
def test_random_bytes_exit_cleanly(blob):
    run_both(write("bytes.toml", blob))


@seed(SEED)
@settings(max_examples=SIDE_CASES, **SETTINGS)
@given(st.text(max_size=200))
def test_random_text_exits_cleanly(text):
    run_both(write("text.toml", text))


# -------------------------------------------------------------- named cases, exit code 2 --

def _doc_with(**changes) -> str:
    doc = base_doc()
    for dotted, value in changes.items():
        *where, key = dotted.split("__")
        target = doc
        for part in where:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is KeyError:
            del target[key]
        else:
            target[key] = value
    return dump(doc)


NAMED = [
    # (id, file content, key path (or line) in the message)
    ("malformed toml", 'title = "t"\n[data\nx = 1\n', "line 2"),
    ("wrong type", _doc_with(train__lr="0.1"), "train.lr"),
    ("missing key", _doc_with(train__loss=KeyError), "train.loss"),
    ("unknown key", _doc_with(train__epochs=3), "train.epochs"),
    ("ragged matrix", _doc_with(data__x=[[1.0, 2.0], [3.0]]), "data.x[1]"),
    ("empty matrix", _doc_with(data__x=[]), "data.x"),
    ("shape mismatch", _doc_with(params__m=[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), "params.m"),
    ("nan", _doc_with(params__bm=[math.nan, 0.0]), "params.bm[0]"),
    ("inf", _doc_with(data__x=[[math.inf, 0.0], [0.0, 0.0]]), "data.x[0][0]"),
    ("huge", _doc_with(data__x=[[10**400, 0.0], [0.0, 0.0]]), "data.x[0][0]"),
    ("label out of range", _doc_with(data__y=[0, 3]), "data.y[1]"),
    ("negative label", _doc_with(data__y=[-1, 0]), "data.y[0]"),
    ("zero units", _doc_with(model__layers__0__units=0), "model.layers[0].units"),
    ("absurd units", _doc_with(model__layers__0__units=10**6), "model.layers[0].units"),
    ("negative lr", _doc_with(train__lr=-0.1), "train.lr"),
    ("non-numeric lr", _doc_with(train__lr="fast"), "train.lr"),
    ("absurd steps", _doc_with(train__steps=10**12), "train.steps"),
]


@pytest.mark.parametrize("case", NAMED, ids=[c[0] for c in NAMED])
@pytest.mark.parametrize("command", ["export", "check"])
def test_named_bad_inputs(case, command, tmp_path):
    _, content, where = case
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    code, out, err = run_cli(command, str(path))
    assert code == 2 and out == ""
    assert err.startswith(f"stepcalc: {path}: {where}: "), err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_file_level_errors(tmp_path):
    big = tmp_path / "big.toml"
    with big.open("wb") as handle:   # 50 MB of comments: refused before parsing
        handle.write(b'title = "t"\n')
        handle.write((b"# " + b"x" * 1022 + b"\n") * (50 * 1024))
    latin = tmp_path / "latin.toml"
    latin.write_bytes('title = "caf\xe9"\n'.encode("latin-1"))
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = [(tmp_path / "missing.toml", "no such file"), (latin, "not UTF-8"),
             (big, "larger than 32 MB")]
    # `check DIR` checks a folder's scenarios (none here: bad input); export takes one file.
    folder = {"export": (tmp_path, "is a directory"), "check": (empty, "no scenario files")}
    for command in ("export", "check"):
        for path, phrase in cases + [folder[command]]:
            code, out, err = run_cli(command, str(path))
            assert code == 2 and out == "", err
            assert err.startswith(f"stepcalc: {path}: ") and phrase in err, err
            assert err.count("\n") == 1


@pytest.mark.parametrize("content,phrase", [
    (None, "no such file"),
    (b'title = "t"\n[data\n', "line 2"),
    (b"\xff\xfe\x00title", "not UTF-8"),
    ("dir", {"export": "is a directory", "check": "no scenario files"}),
])
def test_real_subprocess_runs(tmp_path, content, phrase):
    path = tmp_path / "case.toml"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    for command in ("export", "check"):
        code, out, err = run_cli_process(command, path, cwd=REPO, timeout=60)
        assert code == 2, err
        assert out == ""
        expected = phrase[command] if isinstance(phrase, dict) else phrase
        assert err.startswith(f"stepcalc: {path}: ") and expected in err
        assert err.count("\n") == 1 and "Traceback" not in err
