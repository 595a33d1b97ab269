"""`stepcalc export NAME -f html`: the deck's file, read as text (the browser test reads it
laid out). Numbers are recomputed here with numpy from dying_relu's printed inputs."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pytest

import stepcalc

from conftest import run_cli, train_toml, write_scenario
from stepcalc.bundled import bundled


class Page(HTMLParser):
    """Tags with their attributes, in order, and the text of the page."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag: str, **where) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in where.items())]


def export_html(*args) -> str:
    code, out, err = run_cli("export", *args, "-f", "html")
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def deck() -> str:
    return export_html("dying_relu")


def test_nothing_is_fetched_from_anywhere(deck):
    page = Page(deck)
    policy = page.all("meta", **{"http-equiv": "Content-Security-Policy"})
    assert policy and policy[0]["content"].startswith("default-src 'none'")
    assert not page.all("link") and not page.all("img") and not page.all("iframe")
    assert all("src" not in attrs for _, attrs in page.tags)
    hrefs = [attrs["href"] for _, attrs in page.tags if "href" in attrs]
    assert hrefs and all(h.startswith("#") for h in hrefs), hrefs
    assert "url(" not in deck and "@import" not in deck and "fetch(" not in deck
    # The only absolute URLs are XML namespaces, which are names, never loaded.
    assert set(re.findall(r"https?://[^\s\"'<>]+", deck)) <= {
        "http://www.w3.org/1998/Math/MathML", "http://www.w3.org/2000/svg"}


def test_one_slide_per_step_in_order_with_maths(deck):
    code, out, _ = run_cli("export", "dying_relu", "-f", "json")
    import json

    ids = [s["id"] for s in json.loads(out)["steps"]]
    page = Page(deck)
    slides = [a for t, a in page.tags if t == "section"]
    assert slides[0]["id"] == "slide-0"
    assert [s["data-id"] for s in slides[1:]] == ids
    assert [s["id"] for s in slides[1:]] == [f"slide-{n}" for n in range(1, len(ids) + 1)]
    links = [a["data-slide"] for a in page.all("a") if "data-slide" in a]
    assert links == [str(n) for n in range(len(ids) + 1)]
    for number in range(1, len(ids) + 1):
        body = slide_html(deck, f"slide-{number}")
        assert "<math" in body and "</math>" in body


def slide_html(deck: str, slide_id: str) -> str:
    start = deck.index(f'id="{slide_id}"')
    return deck[start:deck.index("</section>", start)]


def test_every_entry_has_its_own_expansion_with_the_right_numbers(deck):
    """Slide 7 (∂L/∂w, 2 × 3): six entries, six expansions; ∂L/∂w_jk = relu_j (ŷ_k − y_k)."""
    x = np.array([1.5, 0.2])
    m = np.array([[0.86, -1.04], [0.41, -0.65]])
    w = np.array([[0.32, 0.25, 0.14], [-0.47, -1.06, 0.063]])
    relu = np.maximum(x @ m, 0)
    z = relu @ w
    delta = np.exp(z) / np.exp(z).sum() - np.array([1, 0, 0])
    grad_w = np.outer(relu, delta)
    body = slide_html(deck, "slide-7")
    assert 'data-id="grad.w"' in body
    buttons = re.findall(r'<button data-e="(\d,\d)"[^>]*>([^<]+)</button>', body)
    expansions = re.findall(r'<div class="expansion" data-e="(\d,\d)"( hidden)?>', body)
    assert [e for e, _ in buttons] == [f"{r},{c}" for r in range(2) for c in range(3)]
    assert sorted(e for e, _ in expansions) == sorted(e for e, _ in buttons)
    assert [e for e, h in expansions if not h] == ["0,0"]        # the representative entry
    for (element, text) in buttons:
        r, c = map(int, element.split(","))
        assert float(text.replace("\u2212", "-")) == pytest.approx(grad_w[r, c], abs=5e-4)
        assert "-" not in text                                     # a typographic minus, as in the maths
    # The network drawing too: h₂ = 1.5·(−1.04) + 0.2·(−0.65) = −1.69, its ReLU dead.
    forward = slide_html(deck, "slide-4")
    assert ">−1.69 ▸ 0 ☠<" in forward and "-1.69" not in forward


def test_user_text_is_text_never_markup(tmp_path):
    hostile = '<script>alert(1)</script> & "quotes"'
    path = write_scenario(tmp_path, train_toml(title=hostile))
    deck = export_html(str(path))
    assert "<script>alert(1)" not in deck
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in deck
    assert deck.count("<script>") == 1                           # the deck's own


def test_written_file_is_recognised_and_replaced_without_force(tmp_path):
    out = tmp_path / "deck.html"
    for _ in range(2):
        code, _, err = run_cli("export", "dying_relu", "-f", "html", "-o", out)
        assert code == 0, err
    assert out.read_text(encoding="utf-8").rstrip().endswith("<!-- stepcalc export -->")
    other = tmp_path / "page.html"
    other.write_text("<html>someone else's</html>")
    code, _, err = run_cli("export", "dying_relu", "-f", "html", "-o", other)
    assert code == 2 and "--force" in err and "Traceback" not in err
    assert other.read_text() == "<html>someone else's</html>"


@pytest.mark.parametrize("name", sorted(bundled()))
def test_every_bundled_scenario_makes_a_deck(name):
    deck = export_html(name)
    page = Page(deck)
    trace = stepcalc.trace(stepcalc.load(bundled()[name]))
    assert len([a for t, a in page.tags if t == "section"]) == 1 + len(trace.steps)
    # every formula is MathML (an experiment's steps are tables of numbers: they have none)
    assert deck.count("<math") >= sum(step.shown_formula is not None for step in trace.steps)
    assert deck.rstrip().endswith("<!-- stepcalc export -->")


def test_layer_types_export_as_decks(tmp_path):
    """Batchnorm (its ∂L/∂σ² expansion holds (σ² + ε)^(−3/2)), dropout and activation
    layers: every deck format is written (the LaTeX printer once looped on x**(−3/2))."""
    import sympy as sp

    from stepcalc.render.printing import to_latex

    power = sp.Pow(sp.Add(sp.Float(0.25), sp.Float(1e-5), evaluate=False), sp.Rational(-3, 2),
                   evaluate=False)
    assert to_latex(sp.Mul(sp.Float(0.5), power, evaluate=False)) == \
        r"0.5 \times \frac{1}{\left(0.25 + 1.00 \times 10^{-5}\right)^{\frac{3}{2}}}"
    layers = ({"units": 3, "activation": "identity"}, {"type": "batchnorm", "activation": "relu"},
              {"type": "dropout", "p": 0.5, "mask": [[1, 0, 1], [1, 1, 0], [0, 1, 1]]},
              {"units": 2, "activation": "identity"}, {"type": "activation", "activation": "softmax"})
    path = write_scenario(tmp_path, train_toml(x=[[1.0, 2.0], [0.5, -1.0], [0.2, 0.3]], y=[0, 1, 1],
                                               layers=layers))
    for fmt in ("html", "latex", "markdown"):
        for extra in ((), ("--worksheet",)):
            code, out, err = run_cli("export", str(path), "-f", fmt, *extra)
            assert code == 0 and out, err
