"""The network panel (issue 12, item 4): the path of the selected entry, arrows backwards
in the backward pass, the slides' names."""

from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from stepcalc.tui import build_app
from stepcalc.tui.widgets.network import edge_of

SIZE = (120, 36)


def model(convention="row", bias="separate", position="first"):
    """A 2-3-2 net written out by hand: layer 0 (W1, b1), layer 1 (W2, b2)."""
    return NS(convention=convention, bias=bias, bias_position=position, n_inputs=2, layers=(
        NS(dense=True, weights="W1", bias_name="b1" if bias == "separate" else "", units=3,
           pre="u1", post="a1"),
        NS(dense=True, weights="W2", bias_name="b2" if bias == "separate" else "", units=2,
           pre="u2", post="a2")))


def test_the_edge_of_a_weight_bias_and_folded_bias_entry():
    # row convention: W2 is 3 × 2, W2[i, j] joins a1_i (column 1) to u2_j (column 2)
    assert edge_of(model(), "W2", (2, 0)) == (1, 2, 0)
    assert edge_of(model(), "b2", (1,)) == (1, "bias", 1)
    assert edge_of(model(), "W1", (0, 2)) == (0, 0, 2)
    # column convention: W2 is 2 × 3, W2[j, i]
    assert edge_of(model("column"), "W2", (0, 2)) == (1, 2, 0)
    # folded bias: the 1 is row 0 (first) or the last row (last) of W in row convention
    assert edge_of(model(bias="folded"), "W1", (0, 1)) == (0, "bias", 1)
    assert edge_of(model(bias="folded"), "W1", (2, 1)) == (0, 1, 1)
    assert edge_of(model(bias="folded", position="last"), "W1", (2, 1)) == (0, "bias", 1)
    assert edge_of(model(bias="folded", position="last"), "W1", (0, 1)) == (0, 0, 1)
    assert edge_of(model(), "u2", (0, 1)) is None          # not a parameter: no edge


def network_text(screen) -> str:
    return str(screen.query_one("#network").render())


@pytest.mark.asyncio
async def test_the_selected_gradient_entry_lights_its_path_and_the_arrows_point_back():
    app = build_app("dying_relu", step="grad.w")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("down")                               # ∂L/∂w₂₁
        assert screen.element == (1, 0)
        drawn = network_text(screen)
        assert "path: relu₂ ◀──w₂₁── z₁" in drawn
        assert "◀┼─" in drawn and "▶" not in drawn
        await pilot.press("up", "right", "right")               # ∂L/∂w₁₃
        assert "path: relu₁ ◀──w₁₃── z₃" in network_text(screen)


@pytest.mark.asyncio
async def test_forward_slides_point_forward_and_a_bias_starts_at_the_bias_node():
    app = build_app("dying_relu", step="z")
    async with app.run_test(size=SIZE) as pilot:
        drawn = network_text(app.screen)
        assert "─┼▶" in drawn and "◀" not in drawn and "path:" not in drawn
        screen = app.screen
        screen.go_to(screen.deck.index_of["new.bw"])           # an update slide
        await pilot.pause()
        await pilot.press("right")
        assert "path: 1 (bias) ──bw₂──▶ z₂" in network_text(screen)
