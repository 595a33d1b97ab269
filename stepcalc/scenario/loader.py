"""Scenario files → validated, immutable Scenario objects (or one ScenarioError).

The order of checks follows the dependencies: x gives the input width, the model gives
the output layer, the loss decides how y is read, the shapes decide which params fit.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from pathlib import Path

from stepcalc.errors import ScenarioError

from .common import common_fields
from .dataset import DATA_KEYS, parse_inputs, parse_targets
from .expect import parse_toml_float
from .fields import Table, one_of
from .init import initial_params, parse_init
from .kinds import load_kind
from .model import KINDS, Data, Scenario
from .network import parse_model
from .shapes import fit_param, param_slots
from .training import check_loss_fits_output, parse_train

TRAIN_KEYS = ("data", "model", "params", "init", "train")   # besides the common ones

# A 1024 × 784 batch written out is about 8 MB of TOML; tomllib needs ~1 s per 5 MB.
MAX_FILE_BYTES = 32 * 2**20
# Multiply-adds of a whole run (≈ 3 × parameters × samples per step × steps: forward,
# backward and the weight gradient); 10¹² is minutes of numpy, beyond it hours.
MAX_WORK = 1e12

# The deepest a scenario needs is about 5 (expect → id → matrix rows → numbers; tables of
# arrays of tables); numpy refuses more than 64 dimensions, tomllib recurses per level.
MAX_DEPTH = 16

_TOML_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOML_END = re.compile(r"\s*\(at end of document\)$")


def load(path: str | os.PathLike) -> Scenario:
    """Read and validate a scenario file."""
    file = str(path)
    p = Path(path)
    try:
        with p.open("rb") as handle:   # at most one byte past the limit: /dev/zero ends too
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError(file, "", "no such file") from None
    except IsADirectoryError:
        raise ScenarioError(file, "", "is a directory; expected a scenario file (.toml)") \
            from None
    except OSError as exc:   # permissions, a broken symlink, ...
        raise ScenarioError(file, "", f"cannot read the file: {exc.strerror or exc}") \
            from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(file, "", f"the file is larger than {MAX_FILE_BYTES // 2**20} MB; "
                                      "a scenario is a small text file (is this the right file?)")
    try:
        text = data.decode("utf-8-sig")   # tolerate a BOM written by some editors
    except UnicodeDecodeError as exc:
        raise ScenarioError(file, "", f"not UTF-8 text (byte 0x{data[exc.start]:02x} at "
                                      f"offset {exc.start}); save the file as UTF-8") from None
    return loads(text, file)


def loads(text: str, file: str = "<string>") -> Scenario:
    """Validate a scenario given as TOML text; ``file`` names it in error messages."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError(file, "", f"the text is longer than {MAX_FILE_BYTES // 2**20} MB; "
                                      "a scenario is a small text file")
    return load_data(_parse_toml(text, file), file)


def load_data(data: dict, file: str) -> Scenario:
    """Validate a scenario given as the dict TOML parses to (the builder API's way in)."""
    _check_depth(data, file)
    root = Table(data, "", file)
    kind = root.choice("kind", KINDS, "train")
    return _load_train(root, kind) if kind == "train" else load_kind(root, kind)


def _parse_toml(text: str, file: str) -> dict:
    try:
        return tomllib.loads(text, parse_float=parse_toml_float)
    except RecursionError:   # tomllib recurses once per [ or {: hundreds deep exhaust the stack
        raise ScenarioError(file, "", f"invalid TOML for stepcalc: arrays or inline tables nested "
                                      f"hundreds deep; a scenario nests at most {MAX_DEPTH} "
                                      "levels") from None
    except tomllib.TOMLDecodeError as exc:
        message, where = str(exc), ""
        m = _TOML_WHERE.search(message)
        if m:   # tomllib puts the position at the end of its message
            message, where = f"{message[:m.start()]} (column {m.group(2)})", f"line {m.group(1)}"
        elif m := _TOML_END.search(message):
            message, where = message[:m.start()], "end of file"
        raise ScenarioError(file, where, f"invalid TOML: {message}") from None


def _check_depth(data: dict, file: str) -> None:
    """Refuse values nested deeper than any scenario needs (numpy stops at 64 dimensions,
    and every later step would recurse once per level), naming the key path."""
    stack = [(data, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ScenarioError(file, path, f"nested {depth} levels deep (tables, arrays); a "
                                            f"scenario nests at most {MAX_DEPTH}")
        if isinstance(value, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k), depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            # scalars are not pushed: a 1024 × 784 matrix costs 1024 entries here
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)
                         if isinstance(v, (list, dict)))


def _load_train(root: Table, kind: str) -> Scenario:
    common = common_fields(root, kind, TRAIN_KEYS)
    data_t = root.table("data", required=True)
    data_t.check_keys(DATA_KEYS)
    x = parse_inputs(data_t)
    model = parse_model(root.table("model", required=True), n_inputs=x.shape[1],
                        n_samples=x.shape[0])
    slots = param_slots(model)
    names = tuple(s.name for s in slots)
    # Without targets the scenario is a forward pass only: [train] and its loss are optional.
    has_y = data_t.has("y")
    train_t = root.table("train", required=has_y)
    if train_t is None:
        train_t = Table({}, "train", root.file)
    elif not has_y and train_t.data.get("steps") != 0:
        raise ScenarioError(root.file, "data.y", "missing: training needs targets (for the "
                                                 "forward pass only, set train.steps = 0 or "
                                                 "leave [train] out)")
    train = parse_train(train_t, names, n_samples=x.shape[0], has_targets=has_y)
    if train.loss:
        check_loss_fits_output(train_t, train.loss, model.output)
    if train.steps and not names:
        raise train_t.error("steps", "the model has no parameters to train (only activation "
                                     "and dropout layers); set train.steps = 0")
    _check_work(train_t, slots, train, x.shape[0])
    y, labels = parse_targets(data_t, x.shape[0], model.output, train.loss) if has_y \
        else (None, None)
    given = _given_params(root.table("params"), slots, model.convention)
    params = initial_params(slots, parse_init(root.table("init")), given)
    return Scenario(model=model, data=Data(x=x, y=y, labels=labels), params=params,
                    train=train, **common)


def _check_work(train_t: Table, slots, train, n_samples: int) -> None:
    """Refuse a run that would take hours before computing anything."""
    n_params = sum(math.prod(s.shape) for s in slots)
    per_step = train.batch_size or n_samples
    work = 3.0 * n_params * per_step * max(train.steps, 1)
    if work > MAX_WORK:
        raise train_t.error("steps", f"this run needs about {work:.1e} multiply-adds "
                                     f"({train.steps:,} steps × {per_step:,} samples × "
                                     f"{n_params:,} parameters × 3), more than stepcalc's "
                                     f"limit of {MAX_WORK:.0e}; use fewer steps, samples or units")


def _given_params(table: Table | None, slots, convention: str) -> dict:
    if table is None:
        return {}
    by_name = {s.name: s for s in slots}
    out = {}
    for key, value in table.data.items():
        if key not in by_name:
            raise table.error(key, f"unknown parameter; the model has {one_of(by_name)}")
        out[key] = fit_param(value, by_name[key], convention, table.at(key), table.file)
    return out
