"""records.precision.digits_to_tell_apart prints only the pairs that could look alike; it
must give what printing every changed pair gives (the rule read literally, written here)."""

from __future__ import annotations

import math

import numpy as np

from stepcalc.records.precision import MAX_DIGITS, digits_to_tell_apart, float_noise


def literal(before, after, digits):
    before, after = np.ravel(before).astype(float), np.ravel(after).astype(float)
    noise = float_noise(np.concatenate([before, after]))
    pairs = [(b, a) for b, a, nb, na in zip(before, after, noise[:before.size], noise[before.size:])
             if b != a and math.isfinite(b) and math.isfinite(a) and not (nb or na)]
    while digits < MAX_DIGITS and any(f"{b:.{digits}g}" == f"{a:.{digits}g}" for b, a in pairs):
        digits += 1
    return digits


def test_agrees_with_printing_every_pair():
    rng = np.random.default_rng(11)
    checked = set()
    for trial in range(3000):
        n = int(rng.integers(1, 12))
        scale = 10.0 ** rng.integers(-30, 30)
        before = rng.normal(size=n) * scale
        # powers of ten, and their neighbours one float away, where log10 rounds
        powers = 10.0 ** rng.integers(-25, 25, size=n)
        before = np.where(rng.random(n) < 0.2, powers, before)
        before = np.where(rng.random(n) < 0.1, np.nextafter(powers, 0), before)
        relative = 10.0 ** rng.uniform(-14, 0, size=n) * rng.choice([-1, 1], size=n)
        after = before * (1 + relative)
        after = np.where(rng.random(n) < 0.1, before, after)                 # unchanged
        after = np.where(rng.random(n) < 0.05, np.nextafter(before, np.inf), after)
        after = np.where(rng.random(n) < 0.03, np.inf, after)
        after = np.where(rng.random(n) < 0.03, 1e-13 * scale, after)         # noise-sized
        digits = int(rng.integers(1, 8))
        got = digits_to_tell_apart(before, after, digits)
        assert got == literal(before, after, digits), (before.tolist(), after.tolist(), digits)
        checked.add(got)
    assert len(checked) > 6            # the cases reach many different answers


def test_edges():
    assert digits_to_tell_apart([1.0, 2.0], [1.0, 2.0], 3) == 3               # nothing changed
    assert digits_to_tell_apart([1.0], [1.0001], 3) == 5
    assert digits_to_tell_apart([999.95], [1000.04], 3) == literal([999.95], [1000.04], 3)
    assert digits_to_tell_apart([1.0], [np.nextafter(1.0, 2)], 3) == MAX_DIGITS
    assert digits_to_tell_apart([1.0, 2.0], [1.0], 3) == 3                    # shapes differ
