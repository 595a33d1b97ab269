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


def test_agrees_on_rounding_ties_short_decimals_and_sign_changes():
    """The cases where rounding to the larger number's last digit could mislead: a change of
    exactly half a unit of some digit, numbers with few decimals, a sign flip. More than 64
    entries, so the pairs beyond the first 64 close ones go through the vectorised filter."""
    rng = np.random.default_rng(23)
    for trial in range(1500):
        n = int(rng.integers(65, 200))
        scale = 10.0 ** rng.integers(-20, 20)
        before = np.round(rng.normal(size=n), int(rng.integers(1, 5))) * scale
        unit = 10.0 ** np.floor(np.log10(np.abs(before) + 1e-300))
        after = before + 0.5 * unit * 10.0 ** -rng.integers(0, 8, size=n) * rng.choice([-1, 1], size=n)
        after = np.where(rng.random(n) < 0.05, -before, after)
        after = np.where(rng.random(n) < 0.2, before * (1 + 10.0 ** rng.uniform(-12, -1, size=n)), after)
        digits = int(rng.integers(1, 8))
        assert digits_to_tell_apart(before, after, digits) == literal(before, after, digits), \
            (before.tolist(), after.tolist(), digits)


def test_a_pair_that_prints_alike_after_64_that_differ_is_found():
    """Only the first 64 close pairs are printed before the vectorised filter: a pair that
    prints alike further on must still raise the digits."""
    rng = np.random.default_rng(5)
    for trial in range(300):
        n = int(rng.integers(70, 300))
        digits = int(rng.integers(2, 7))
        scale = 10.0 ** rng.integers(-10, 10)
        before = (2 + rng.random(n) * 7) * scale
        step = 10.0 ** (np.floor(np.log10(before)) + 1 - digits)     # the last digit shown
        before = np.round(before / step) * step                       # on a shown decimal
        after = before + step * rng.choice([-1, 1], n)                # the next one: differ
        hidden = rng.integers(64, n, size=int(rng.integers(1, 3)))
        after[hidden] = before[hidden] + rng.uniform(0.05, 0.3, hidden.size) * step[hidden]
        assert all(f"{before[i]:.{digits}g}" == f"{after[i]:.{digits}g}" for i in hidden)
        got = digits_to_tell_apart(before, after, digits)
        assert got > digits and got == literal(before, after, digits), (before.tolist(), after.tolist(), digits)
