"""`stepcalc export --all [FOLDER] -f FORMAT -o DIR`: every bundled scenario (or every
scenario of a folder) exported into DIR with an index page; an exam set from
`stepcalc new train --random --variants 30` becomes 30 worksheets with their keys."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from conftest import run_cli, train_toml, write_scenario
from stepcalc.bundled import bundled


class Links(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])


def test_html_pack_of_every_bundled_scenario_with_an_index(tmp_path):
    out = tmp_path / "pack"
    code, _, err = run_cli("export", "--all", "-f", "html", "-o", out)
    assert code == 0, err
    names = sorted(bundled())
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{n}.html" for n in names] + ["index.html"])
    index = (out / "index.html").read_text(encoding="utf-8")
    assert Links(index).hrefs == [f"{n}.html" for n in names]
    assert "default-src 'none'" in index
    for name in names:
        deck = (out / f"{name}.html").read_text(encoding="utf-8")
        assert deck.rstrip().endswith("<!-- stepcalc export -->")
        assert "<math" in deck or 'class="labelled"' in deck, name   # maths, or an experiment's tables
    # Written by stepcalc, so a second run replaces the pack without --force.
    code, _, err = run_cli("export", "--all", "-f", "html", "-o", out)
    assert code == 0, err


def test_exam_set_of_thirty_variants_becomes_worksheets(tmp_path):
    exam = tmp_path / "exam"
    code, _, err = run_cli("new", "train", "--random", "--seed", "7", "--variants", "30", "-o", exam)
    assert code == 0, err
    files = sorted(exam.glob("*.toml"))
    assert len(files) == 30
    assert len({f.read_text() for f in files}) == 30          # thirty different exercises
    sheets = tmp_path / "sheets"
    code, _, err = run_cli("export", "--all", exam, "-f", "markdown", "--worksheet", "-o", sheets)
    assert code == 0, err
    index = (sheets / "index.md").read_text(encoding="utf-8")
    assert len(re.findall(r"\]\(exercise_7_\d\d\.md\)", index)) == 30
    for f in files:
        text = (sheets / f"{f.stem}.md").read_text(encoding="utf-8")
        sheet, key = text.split("## Answer key")
        assert r"\underline{\vphantom{0}\hspace{3em}}" in sheet and r"\underline{\vphantom{0}\hspace{3em}}" not in key
        assert "### " in key


@pytest.mark.parametrize("fmt, suffix, index", [("latex", ".tex", "index.md"), ("text", ".txt", "index.md"),
                                                ("markdown", ".md", "index.md")])
def test_folder_pack_in_other_formats(tmp_path, fmt, suffix, index):
    src = tmp_path / "src"
    src.mkdir()
    write_scenario(src, train_toml(title="first"), "a.toml")
    write_scenario(src, train_toml(title="second | <b>"), "b.toml")
    (src / "pyproject.toml").write_text("[project]\nname = 'x'\n")      # not a scenario: ignored
    out = tmp_path / "out"
    code, _, err = run_cli("export", "--all", src, "-f", fmt, "-o", out)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == sorted(["a" + suffix, "b" + suffix, index])
    page = (out / index).read_text(encoding="utf-8")
    assert f"](a{suffix})" in page and r"second \| \<b\>" in page


@pytest.mark.parametrize("args, message", [
    (("export", "--all", "-f", "html"), "-o DIR"),
    (("export", "--all", "NOFOLDER", "-f", "html", "-o", "{tmp}/o"), "takes a folder"),
    (("export", "--all", "{tmp}/empty", "-f", "html", "-o", "{tmp}/o"), "no scenario file"),
    (("export", "--all", "-f", "html", "-o", "{tmp}/file.txt"), "is not a folder"),
    (("export", "-f", "html"), "give a scenario FILE or NAME, or --all"),
])
def test_bad_pack_requests_are_one_line_errors(tmp_path, args, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "file.txt").write_text("x")
    code, _, err = run_cli(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert code == 2 and message in err and "Traceback" not in err, err


def test_a_file_stepcalc_did_not_write_stops_the_pack_before_any_work(tmp_path):
    out = tmp_path / "pack"
    out.mkdir()
    (out / "dying_relu.html").write_text("mine")
    code, _, err = run_cli("export", "--all", "-f", "html", "-o", out)
    assert code == 2 and "--force" in err
    assert [p.name for p in out.iterdir()] == ["dying_relu.html"]
    assert (out / "dying_relu.html").read_text() == "mine"
