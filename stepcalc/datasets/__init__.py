"""Small real data sets shipped with stepcalc (see LICENSE here: BSD-3, from scikit-learn).

`load_bundled(name)` returns (x, labels, class_names, feature_names, max_value) as float64 /
int arrays; the files are read with the standard library only (no pandas, no scikit-learn).
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from importlib import resources

import numpy as np

DATASETS = ("digits", "iris")


@dataclass(frozen=True)
class Dataset:
    x: np.ndarray                 # N × D float64
    labels: np.ndarray            # N class indices 0..K−1 (int64)
    classes: tuple[str, ...]      # K class names
    features: tuple[str, ...]     # D column names
    max_value: float | None       # the largest possible value (digits: 16), if known


def _text(name: str) -> str:
    data = resources.files(__name__).joinpath(name).read_bytes()
    return (gzip.decompress(data) if name.endswith(".gz") else data).decode("ascii")


def load_bundled(name: str) -> Dataset:
    if name == "digits":
        table = np.loadtxt(io.StringIO(_text("digits.csv.gz")), delimiter=",")
        features = tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8))
        return Dataset(table[:, :-1], table[:, -1].astype(np.int64),
                       tuple(str(d) for d in range(10)), features, 16.0)
    if name == "iris":
        rows = list(csv.reader(io.StringIO(_text("iris.csv"))))
        classes = tuple(rows[0][2:])
        table = np.array(rows[1:], dtype=np.float64)
        features = ("sepal_length", "sepal_width", "petal_length", "petal_width")
        return Dataset(table[:, :-1], table[:, -1].astype(np.int64), classes, features, None)
    raise KeyError(name)
