"""fused_derivations.py is generated from losses.derive_fused_delta (fused_codegen.py): it
must be what the generator writes today, and each rebuilt derivation must be the one sympy
derives now, field by field."""

from __future__ import annotations

import pytest
import sympy as sp

from stepcalc.engine.maths import fused_derivations
from stepcalc.engine.maths.derivations import shown_fused_delta
from stepcalc.engine.maths.fused_codegen import SHOWN, TARGET, source
from stepcalc.engine.maths.losses import derive_fused_delta


def test_the_checked_in_file_is_what_the_generator_writes():
    assert TARGET.read_text(encoding="utf-8") == source(), \
        "run: python -m stepcalc.engine.maths.fused_codegen"


def test_it_holds_every_case_the_slides_show():
    assert set(fused_derivations.BUILDERS) == set(SHOWN)


@pytest.mark.parametrize("key", SHOWN, ids=lambda key: "-".join(map(str, key)))
def test_a_rebuilt_derivation_is_the_derived_one(key):
    rebuilt, derived = fused_derivations.BUILDERS[key](), derive_fused_delta(*key)
    for field in derived._fields:
        assert getattr(rebuilt, field) == getattr(derived, field), field
    # and it still ends where it must: ŷ − y
    for result, yhat, y in zip(rebuilt.result, rebuilt.yhat_symbols, rebuilt.targets):
        assert sp.expand(result - (yhat - y)) == 0


def test_a_case_the_file_lacks_is_derived():
    assert ("cross_entropy", 4, 1) not in fused_derivations.BUILDERS
    assert shown_fused_delta("cross_entropy", 4, 1) == derive_fused_delta("cross_entropy", 4, 1)
