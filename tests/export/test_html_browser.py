"""The HTML deck in a real browser: headless Chromium over the DevTools protocol.

Checks what a lecturer relies on: the page makes no request, MathML is laid out (every
math element of every slide has a size; a fraction's numerator sits above its
denominator), the keys move between slides, a click on a matrix entry shows that entry's
own calculation, the screenshot is not blank, and printing gives one page per slide.
Numbers are checked against numpy written here, from dying_relu's printed inputs.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from conftest import require_tool, run_cli

# dying_relu's data and initial weights (scenarios/dying_relu.toml, row convention).
X = np.array([[1.5, 0.2]])
M = np.array([[0.86, -1.04], [0.41, -0.65]])
W = np.array([[0.32, 0.25, 0.14], [-0.47, -1.06, 0.063]])
STEPS = 21            # 4 forward, loss, 7 backward, 4 updates, 5 of the forward pass again

SLIDE_STATE = """(() => {
  const slide = document.querySelector('main > .slide.current');
  const maths = [...slide.querySelectorAll('math')].filter(m => !m.closest('[hidden]')).map(m => {
      const r = m.getBoundingClientRect(); return [r.width, r.height]; });
  return {index: Number(document.body.dataset.slide), id: slide.id, maths: maths,
          shown: document.querySelectorAll('main > .slide').length -
                 [...document.querySelectorAll('main > .slide')].filter(s => s.offsetParent === null).length};
})()"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = require_tool("chromium")
    from browser import Browser   # tests/browser.py (the websockets test extra)
    folder = tmp_path_factory.mktemp("deck")
    deck = folder / "deck.html"
    code, _, err = run_cli("export", "dying_relu", "-f", "html", "-o", deck)
    assert code == 0, err
    chrome = Browser(chromium, folder / "profile")
    try:
        chrome.open(deck.as_uri())
        yield chrome, deck
    finally:
        chrome.close()


def minus(text: str) -> str:
    return text.replace("\u2212", "-")


def test_no_request_leaves_the_page(browser):
    chrome, deck = browser
    urls = [e["params"]["request"]["url"] for e in chrome.events
            if e.get("method") == "Network.requestWillBeSent"]
    assert urls == [deck.as_uri()], urls
    failed = [e for e in chrome.events if e.get("method") == "Network.loadingFailed"]
    assert not failed


def test_keys_move_between_slides_and_every_math_element_is_laid_out(browser):
    chrome, _ = browser
    chrome.press("Home")
    state = chrome.js(SLIDE_STATE)
    assert state["index"] == 0 and state["id"] == "slide-0" and state["shown"] == 1
    for number in range(1, STEPS + 1):
        chrome.press("ArrowRight")
        state = chrome.js(SLIDE_STATE)
        assert (state["index"], state["id"], state["shown"]) == (number, f"slide-{number}", 1)
        assert state["maths"], f"slide {number} shows no maths"
        flat = [size for size in state["maths"] if size[0] <= 0 or size[1] <= 0]
        assert not flat, f"slide {number}: math elements without a size {flat}"
    chrome.press("ArrowRight")                      # the last slide stays
    assert chrome.js(SLIDE_STATE)["index"] == STEPS
    chrome.press("ArrowLeft")
    assert chrome.js(SLIDE_STATE)["index"] == STEPS - 1
    chrome.press("PageUp")
    chrome.press("PageUp")
    assert chrome.js(SLIDE_STATE)["index"] == STEPS - 3
    chrome.press("PageDown")
    chrome.press(" ")
    assert chrome.js(SLIDE_STATE)["index"] == STEPS - 1
    chrome.press(" ", shift=True)
    assert chrome.js(SLIDE_STATE)["index"] == STEPS - 2


def test_step_list_jumps_to_a_slide(browser):
    chrome, _ = browser
    box = chrome.js("(() => { const r = document.querySelector('#steps a[data-slide=\"5\"]')"
                    ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
    chrome.click(*box)
    assert chrome.js(SLIDE_STATE)["id"] == "slide-5"
    assert chrome.js("document.querySelector('#steps a.current').dataset.slide") == "5"


def test_slide_4_softmax_is_typeset_and_not_blank(browser, tmp_path):
    from PIL import Image, ImageStat

    chrome, _ = browser
    chrome.press("Home")
    for _ in range(4):
        chrome.press("ArrowRight")
    state = chrome.js(SLIDE_STATE)
    assert state["id"] == "slide-4"
    # Native MathML layout: the numerator of ŷ's softmax fraction sits above its denominator.
    above = chrome.js("""(() => {
      const f = document.querySelector('#slide-4 .part mfrac');
      const [top, bottom] = [...f.children].map(c => c.getBoundingClientRect());
      return [top.bottom, bottom.top, top.height, bottom.height];
    })()""")
    assert above[0] <= above[1] + 1 and above[2] > 0 and above[3] > 0, above
    # The result row: softmax of z = relu · w computed here with numpy.
    h = X @ M
    z = np.maximum(h, 0) @ W
    y_hat = np.exp(z) / np.exp(z).sum()
    cells = chrome.js("[...document.querySelectorAll('#slide-4 table.matrix button')].map(b => b.textContent)")
    assert [float(minus(c)) for c in cells] == pytest.approx(y_hat[0], abs=5e-4)
    text = minus(chrome.js("document.querySelector('#slide-4').innerText"))
    assert "Softmax" in text and "4. Layer 2" in text
    png = chrome.screenshot()
    (tmp_path / "slide4.png").write_bytes(png)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (1400, 900)
    colours = image.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50, "the screenshot is (nearly) one colour"
    assert max(ImageStat.Stat(image.convert("L")).stddev) > 10


def test_click_on_a_matrix_entry_shows_its_own_expansion(browser):
    chrome, _ = browser
    chrome.press("Home")
    chrome.press("ArrowRight")                      # slide 1: h = x·m + bm
    visible = "[...document.querySelectorAll('#slide-1 .expansion')].filter(e => !e.hidden)"
    assert chrome.js(f"{visible}.map(e => e.dataset.e)") == ["0,0"]
    box = chrome.js("(() => { const r = document.querySelector('#slide-1 button[data-e=\"0,1\"]')"
                    ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
    chrome.click(*box)
    assert chrome.js(f"{visible}.map(e => e.dataset.e)") == ["0,1"]
    shown = minus(chrome.js(f"{visible}[0].textContent"))
    h2 = X[0, 0] * M[0, 1] + X[0, 1] * M[1, 1]      # -1.69
    assert re.search(r"=\s*-1\.69\s*$", shown), shown
    assert "-1.04" in shown and "-0.65" in shown, shown
    assert h2 == pytest.approx(-1.69)
    assert chrome.js("document.querySelector('#slide-1 .entry').textContent") == "entry [1][2]"
    size = chrome.js(f"(() => {{ const r = {visible}[0].querySelector('math').getBoundingClientRect();"
                     " return [r.width, r.height]; })()")
    assert size[0] > 0 and size[1] > 0


def test_print_gives_one_page_per_slide(browser):
    chrome, _ = browser
    pdf = chrome.pdf()
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages == STEPS + 1       # the title slide, then one page per step


def test_worksheet_deck_shows_boxes_and_ends_with_the_key(browser, tmp_path):
    chrome, _ = browser
    sheet = tmp_path / "sheet.html"
    code, _, err = run_cli("export", "dying_relu", "-f", "html", "--worksheet", "-o", sheet)
    assert code == 0, err
    chrome.open(sheet.as_uri())
    try:
        chrome.press("Home")
        for _ in range(7):                                # slide 7: ∂L/∂w, left blank
            chrome.press("ArrowRight")
        boxes = chrome.js("""[...document.querySelectorAll('#slide-7 .blank')].map(b => {
            const r = b.getBoundingClientRect(); return [r.width, r.height]; })""")
        assert len(boxes) == 2 + 6                        # numbers put in, result, 2 × 3 entries
        assert all(w > 10 and h > 10 for w, h in boxes), boxes
        text = minus(chrome.js("document.querySelector('#slide-7').innerText"))
        assert "0.8619" not in text and "mismatch" not in text
        chrome.press("End")                               # the last answer-key slide
        last = chrome.js(SLIDE_STATE)
        assert last["id"] == "key-21" and last["index"] == STEPS + 17
        assert all(w > 0 and h > 0 for w, h in last["maths"])
        chrome.press("Home")
        for _ in range(STEPS + 2):                        # the key's second slide
            chrome.press("ArrowRight")
        state = chrome.js(SLIDE_STATE)
        assert state["id"] == "key-6"                     # keys of slides 5 (the loss), 6 (∂L/∂z) …
        key_text = minus(chrome.js("document.querySelector('#key-6').innerText"))
        z = np.maximum(X @ M, 0) @ W
        delta = np.exp(z) / np.exp(z).sum() - np.array([[1, 0, 0]])
        assert f"{delta[0, 0]:.4f}" in key_text           # -0.6282
    finally:
        chrome.open(browser[1].as_uri())                  # back to the deck for other tests
