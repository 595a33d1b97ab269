"""Scenario text shown as itself (issue 9, defects 3-6): class names, titles and sources
cannot inject Markdown/HTML, forge the terminal report of `check`, or crash the TUI."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from conftest import run_cli

import stepcalc
from stepcalc.render.escaping import markdown_text, terminal_text
from stepcalc.render.markdown import render_markdown

HOSTILE_CLASS_NAMES = ["<img src=x onerror=alert(1)>", "a | b",
                       "</td><script>alert(2)</script>", "x\n\n# INJECTED\n\n$$\\input{a}$$"]


def losses(class_names, title="t", source="") -> str:
    return (f"title = {json.dumps(title)}\nsource = {json.dumps(source)}\nkind = \"losses\"\n"
            "[data]\nscores = [[1.0, 2.0, 0.5, 0.1]]\nlabels = [1]\n"
            f"class_names = {json.dumps(class_names)}\n"
            '[loss]\nfunctions = ["cross_entropy", "hinge"]\n')


def markdown_of(text: str) -> str:
    return render_markdown(stepcalc.trace(stepcalc.loads(text)))


def test_class_names_are_escaped_in_markdown_tables():
    md = markdown_of(losses(HOSTILE_CLASS_NAMES))
    for raw in ("<img", "<script>", "</td>", "| b", "# INJECTED", "$$\\input"):
        unescaped = "(?<!\\\\)" + re.escape(raw)   # not preceded by a backslash
        assert not re.search(unescaped, md), raw
    assert "\\<img src=x onerror=alert(1)\\>" in md
    assert "a \\| b" in md
    # every table row has as many cells as its header: no | broke out of a cell
    for table in re.findall(r"(?:^\|.*\|$\n?)+", md, flags=re.M):
        rows = [re.split(r"(?<!\\)\|", line)[1:-1] for line in table.strip().splitlines()]
        assert len({len(r) for r in rows}) == 1, table
    assert not re.search(r"^#+ INJECTED", md, flags=re.M)


@pytest.mark.parametrize("title", ["T\n~~~\nswallowed", "T\r\n```\nx", "T\u2028# H", "T\tx"])
def test_newlines_in_title_and_source_stay_on_one_line(title):
    md = markdown_of(losses(["a", "b", "c", "d"], title=title, source=title))
    head, source_line = md.split("\n\n")[:2]
    assert head.startswith("# T") and "\n" not in head
    assert source_line.startswith("*Source: T") and source_line.endswith("*")
    assert not re.search(r"^(~~~|```)", md, flags=re.M)   # no fence opened anywhere


def test_markdown_text_escapes_every_markup_character():
    assert markdown_text("a*b_c`d[e](f)<g>$h$#i|j~k&amp;\\") == \
        "a\\*b\\_c\\`d\\[e\\](f)\\<g\\>\\$h\\$\\#i\\|j\\~k\\&amp;\\\\"
    assert markdown_text("one\ntwo\r\nthree") == "one two  three"


def test_check_prints_the_title_with_control_characters_escaped(tmp_path):
    path = tmp_path / "forged.toml"
    path.write_text(losses(["a", "b", "c", "d"],
                           title="Report\u001b[2J\u001b[31m OK\r\u0000 all good\u202e"))
    code, out, err = run_cli("check", path)
    assert code == 0, err
    first = out.splitlines()[0]
    assert first == f"{path}: Report\\u001b[2J\\u001b[31m OK\\r\\u0000 all good\\u202e"
    assert not any(c in out for c in "\u001b\r\u0000\u202e")


def test_terminal_text_leaves_ordinary_text_alone():
    text = "Dying ReLU — σ′(u) · ŷ 💥 [bold] é"
    assert terminal_text(text) is text


def test_rich_markup_in_a_title_does_not_crash_the_tui():
    from stepcalc.tui.app import StepcalcApp

    title = "Scores [/] and [/bold] [red]x"
    train = f"""title = {json.dumps(title)}
source = "[/]"
[data]
x = [[1.5, 0.2]]
y = [0]
[[model.layers]]
units = 2
activation = "relu"
[[model.layers]]
units = 3
activation = "softmax"
[init]
method = "normal"
[train]
loss = "cross_entropy"
steps = 2
"""

    async def walk(text: str, keys: list[str]) -> str:
        app = StepcalcApp(stepcalc.trace(stepcalc.loads(text)))
        async with app.run_test(size=(120, 36)) as pilot:
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
            return app.sub_title

    shown = asyncio.run(walk(train, ["n", "n", "l", "escape", "w", "question_mark", "escape", "G"]))
    assert shown == title
    asyncio.run(walk(losses(["[/]", "[bold]b", "c]", "[/x]"], title=title),
                     ["n", "n", "n", "G"]))


def test_the_cli_run_of_a_markup_title_reaches_the_tui_in_a_terminal(tmp_path):
    """The reproducer as a process: `stepcalc run` exited 1 with a MarkupError traceback."""
    import shutil
    import subprocess
    import sys
    import time
    import uuid

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    path = tmp_path / "markup.toml"
    path.write_text(losses(["a", "b", "c", "d"], title="Scores [/] and [/bold]"))
    session = f"stepcalc-markup-{uuid.uuid4().hex[:8]}"
    done = tmp_path / "exit-code"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "36",
                    f"{sys.executable} -m stepcalc run {path}; echo $? > {done}; sleep 30"], check=True)
    try:
        deadline = time.monotonic() + 30
        screen = ""
        while time.monotonic() < deadline and "Scores [/] and [/bold]" not in screen:
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session],
                                    capture_output=True, text=True).stdout
            time.sleep(0.2)
        assert "Scores [/] and [/bold]" in screen, screen
        subprocess.run(["tmux", "send-keys", "-t", session, "q"])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not done.exists():
            time.sleep(0.1)
        assert done.read_text().strip() == "0"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
