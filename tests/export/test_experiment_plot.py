"""The experiment's curves as an inline SVG: coordinates from the numbers, gaps for
non-finite entries, the log scale, escaping; and the Markdown and HTML exports carry it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np

from conftest import run_cli, write_scenario
from stepcalc.render.curves_svg import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, curves_svg, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def points(line):
    return [tuple(map(float, p.split(","))) for p in line.get("points").split()]


def test_polyline_points_are_the_numbers_on_the_axes():
    values = np.array([[0.0, 0.5, 1.0], [0.2, 0.2, 0.9]])
    root = ET.fromstring(curves_svg(["a", "b"], values, "acc", "accuracy"))
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 2
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    # x: epoch 0 at the left edge, the last at the right; y: 0 at the bottom, 1 at the top
    expected = [(LEFT, TOP + plot_h), (LEFT + plot_w / 2, TOP + plot_h / 2), (LEFT + plot_w, TOP)]
    np.testing.assert_allclose(points(lines[0]), expected, atol=0.05)
    np.testing.assert_allclose([y for _, y in points(lines[1])],
                               [TOP + plot_h * 0.8, TOP + plot_h * 0.8, TOP + plot_h * 0.1], atol=0.05)
    assert [t.text for t in root.iter(f"{SVG}text")].count("a") == 1     # the legend


def test_non_finite_entries_break_the_line_and_wide_positive_ranges_go_log():
    values = np.array([[3.0, 1.0, np.nan, 0.01, 0.001, np.inf]])
    svg = curves_svg(["run"], values, "loss", "training loss")
    assert "(log scale)" in svg
    root = ET.fromstring(svg)
    lines = root.findall(f"{SVG}polyline")
    assert [len(points(line)) for line in lines] == [2, 2]
    # log scale: each decade is the same height
    (_, y3), (_, y1) = points(lines[0])
    (_, y01), (_, y001) = points(lines[1])
    assert abs((y1 - y3) / np.log10(3) - (y001 - y01)) < 0.2
    assert "(log scale)" not in curves_svg(["run"], [[2.3, 2.2, 2.1]], "loss", "training loss")


def test_labels_are_escaped_and_ticks_are_round():
    svg = curves_svg(["<b>&"], [[1, 2]], "t <x>", "y")
    ET.fromstring(svg)                     # still well-formed XML
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg
    assert nice_ticks(0.0, 0.97) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(2.13, 2.38) == [2.1, 2.15, 2.2, 2.25, 2.3, 2.35, 2.4]


EXPERIMENT = '''title = "plot"
kind = "experiment"
[data]
dataset = "iris"
normalize = "zscore"
[[runs]]
name = "a"
hidden = [4]
epochs = 3
[[runs]]
name = "b"
hidden = []
epochs = 2
'''


def test_markdown_and_html_exports_draw_loss_and_accuracy(tmp_path):
    file = write_scenario(tmp_path, EXPERIMENT, "plot.toml")
    code, md, err = run_cli("export", file, "-f", "markdown")
    assert code == 0, err
    svgs = re.findall(r"<svg.*?</svg>", md, re.S)
    assert len(svgs) == 2 and "training loss" in svgs[0] and "test accuracy" in svgs[1]
    for svg in svgs:
        root = ET.fromstring(svg)
        # run b has 2 epochs: its curve stops at epoch 2 instead of dropping to 0
        assert [len(points(p)) for p in root.findall(f"{SVG}polyline")] == [4, 3]
    code, html, err = run_cli("export", file, "-f", "html")
    assert code == 0, err
    assert html.count('aria-label="All runs: training loss per epoch"') == 1
    assert html.count('aria-label="All runs: test accuracy per epoch"') == 1
