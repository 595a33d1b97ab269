"""Fuzzing the scenario loader and the CLI with Hypothesis: bad input is exit 2 and one line.

Every generated file goes through `stepcalc export` and `stepcalc check` in-process
(`stepcalc.cli.main`). Whatever the input, the outcome is exit 0/1 (it worked) or exit 2
with one line `stepcalc: <file>: <key path or line>: <expected>` on stderr — never an
uncaught exception, never a traceback.

Fast mode (default, CI): a few hundred cases. Long mode: STEPCALC_FUZZ_LONG=1 runs
10,000 mutated scenarios plus 2,000 each of broken TOML text and raw bytes.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import run_cli, run_cli_process

LONG = os.environ.get("STEPCALC_FUZZ_LONG") == "1"
SETTINGS = dict(deadline=None, database=None, derandomize=not LONG,
                suppress_health_check=list(HealthCheck))
MAIN_CASES = 10_000 if LONG else 200
SIDE_CASES = 2_000 if LONG else 60

WORK = Path(tempfile.mkdtemp(prefix="stepcalc-fuzz-"))
REPO = Path(__file__).resolve().parents[2]


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


def assert_clean(path: Path, code: int, out: str, err: str, command: str) -> None:
    assert "Traceback" not in err, err
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
        assert out and not err.strip(), err[:500]


def run_both(path: Path) -> None:
    for command in ("export", "check"):
        code, out, err = run_cli(command, str(path))
        assert_clean(path, code, out, err, command)
        event(f"{command} exit {code}")   # --hypothesis-show-statistics shows the split


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


# -------------------------------------------------------------------------------- tests --

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


@settings(max_examples=SIDE_CASES, **SETTINGS)
@given(st.binary(max_size=300))
def test_random_bytes_exit_cleanly(blob):
    run_both(write("bytes.toml", blob))


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
