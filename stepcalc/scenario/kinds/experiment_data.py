"""`[data]` of kind = "experiment": a bundled data set or the user's CSV file, validated.

The rows are read here (a CSV's errors name the file, the line and the column); the split
and the normalisation are numbers, done by the engine from ``seed`` and ``normalize``.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stepcalc.datasets import DATASETS, load_bundled
from stepcalc.errors import ScenarioError

from ..fields import Table, quote
from ..shapes import readonly

DATA_KEYS = ("dataset", "csv", "target", "test_fraction", "seed", "normalize", "max_value")
NORMALIZE = ("none", "unit", "symmetric", "zscore")
MAX_CSV_BYTES = 32 * 2**20            # = loader.MAX_FILE_BYTES
MAX_CLASSES = 1000


@dataclass(frozen=True)
class ExperimentData:
    name: str                         # "digits", "iris" or the CSV file as written
    x: np.ndarray                     # N × D float64, read-only
    labels: np.ndarray                # N class indices 0..K−1
    classes: tuple[str, ...]
    features: tuple[str, ...]
    test_fraction: float
    seed: int
    normalize: str                    # none | unit | symmetric | zscore
    max_value: float | None           # unit / symmetric divide by it (None: zscore / none)

    @property
    def n_test(self) -> int:
        return test_count(len(self.labels), self.test_fraction)


def test_count(n: int, fraction: float) -> int:
    """Rows in the test split: round half up, as 0.2 × 1797 = 359.4 → 359."""
    return int(math.floor(n * fraction + 0.5))


def parse_data(root: Table) -> ExperimentData:
    data = root.table("data", required=True)
    data.check_keys(DATA_KEYS)
    if data.has("dataset") == data.has("csv"):
        raise data.error("dataset" if data.has("dataset") else None,
                         'expected exactly one of dataset = "digits" | "iris" or csv = "file.csv"'
                         ' (with target = "<column>")')
    if data.has("dataset"):
        if data.has("target"):
            raise data.error("target", "only used with csv (a bundled dataset knows its target)")
        name = data.choice("dataset", DATASETS)
        ds = load_bundled(name)
        x, labels, classes, features, known_max = ds.x, ds.labels, ds.classes, ds.features, ds.max_value
    else:
        name = data.string("csv", nonempty=True)
        x, labels, classes, features = read_csv(data, name, data.string("target", nonempty=True))
        known_max = None
    n = len(labels)
    if len(classes) < 2:
        key = "target" if data.has("csv") else "dataset"
        raise data.error(key, f"the target has one class only ({quote(classes[0])}); "
                              "expected at least two classes to tell apart")
    fraction = data.number("test_fraction", 0.2, gt=0.0, lt=1.0)
    n_test = test_count(n, fraction)
    if n_test == 0 or n_test == n:
        side = "test" if n_test == 0 else "training"
        raise data.error("test_fraction", f"{fraction:g} of {n} rows leaves the {side} split "
                                          f"empty; expected a fraction giving at least one row to each")
    normalize = data.choice("normalize", NORMALIZE, "none")
    # unit / symmetric divide by the largest possible value: given, known (digits: 16), or
    # the largest |x| of the file; None when there is no range (every value 0).
    default = known_max if known_max is not None else float(np.max(np.abs(x)))
    if normalize in ("unit", "symmetric") and not data.has("max_value") and default == 0.0:
        raise data.error("normalize", "every value is 0, so there is no range to scale by; "
                                      "give data.max_value")
    max_value = data.number("max_value", default, gt=0.0) if data.has("max_value") or default > 0 else None
    if normalize == "zscore" and float(np.std(x)) == 0.0:
        raise data.error("normalize", "every value is the same, so the z-score is undefined (σ = 0)")
    return ExperimentData(name, readonly(np.array(x, dtype=np.float64)),
                          readonly(np.array(labels, dtype=np.int64)), tuple(classes),
                          tuple(features), fraction, data.integer("seed", 0, low=0),
                          normalize, max_value)


def read_csv(data: Table, name: str, target: str):
    """(x, labels, classes, features) of a CSV file with a header row; the path is relative
    to the scenario file. Classes are the target's distinct values, sorted (numerically when
    they are all numbers)."""
    base = Path(data.file).parent if data.file != "<string>" else Path.cwd()
    path = base / name

    def fail(what: str) -> ScenarioError:
        return data.error("csv", f"{quote(str(path), 80)}: {what}")

    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CSV_BYTES + 1)
    except FileNotFoundError:
        raise fail("no such file (paths are relative to the scenario file)") from None
    except IsADirectoryError:
        raise fail("is a directory; expected a CSV file") from None
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_CSV_BYTES:
        raise fail(f"larger than {MAX_CSV_BYTES // 2**20} MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 text (byte offset {exc.start})") from None
    try:
        rows = [r for r in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in r)]
    except csv.Error as exc:
        raise fail(f"not a CSV file ({exc})") from None
    if len(rows) < 2:
        raise fail("expected a header row and at least one data row")
    header = [h.strip() for h in rows[0]]
    if target not in header:
        raise data.error("target", f"no column {quote(target)} in {quote(name, 80)}; its columns "
                                   f"are {', '.join(quote(h, 20) for h in header[:20])}")
    t = header.index(target)
    features = tuple(h for i, h in enumerate(header) if i != t)
    if not features:
        raise fail(f"has no column besides the target {quote(target)}")
    x = np.empty((len(rows) - 1, len(features)))
    raw_targets = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise fail(f"line {line} has {len(row)} cells; the header has {len(header)}")
        if not row[t].strip():
            raise fail(f"line {line}: the target cell ({quote(target, 30)}) is empty")
        raw_targets.append(row[t].strip())
        cells = [c for i, c in enumerate(row) if i != t]
        for j, cell in enumerate(cells):
            x[line - 2, j] = _number(cell, lambda: fail(
                f"line {line}, column {quote(features[j], 30)}: expected a number, got {quote(cell)}"))
    classes, labels = _classes(raw_targets)
    if len(classes) > MAX_CLASSES:
        raise data.error("target", f"{len(classes)} distinct values in column {quote(target)}; "
                                   f"expected class labels (at most {MAX_CLASSES} classes)")
    return x, labels, classes, features


def _number(cell: str, error) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise error() from None
    if not math.isfinite(value):
        raise error()
    return value


def _classes(values: list[str]) -> tuple[tuple[str, ...], np.ndarray]:
    try:
        keyed = {v: float(v) for v in values}
        order = sorted(set(values), key=lambda v: keyed[v])
    except ValueError:
        order = sorted(set(values))
    index = {v: i for i, v in enumerate(order)}
    return tuple(order), np.array([index[v] for v in values], dtype=np.int64)
