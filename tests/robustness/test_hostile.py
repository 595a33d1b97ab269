"""Hostile strings in every string field: nothing is executed, formatted or put inside math.

Text from a scenario file is data. No eval/exec/sympify/parse_expr/lambdify ever sees it:
sympy symbols are made from validated identifiers only. The tests below make every such
call fail loudly if a hostile marker reaches it, then load, trace, export and check.
"""

from __future__ import annotations

import builtins
import json
import re

import pytest

from stepcalc.render.markdown import escape
import sympy
import sympy.parsing.sympy_parser

from conftest import run_cli

ATTACKS = [
    "__import__('os').system('touch PWNED')",
    "{0.__class__.__mro__}",
    "%s%n%x",
    r"\input{/etc/passwd}",
    r"$$ \input{/etc/passwd} $$",
    "exec('open(\"PWNED\", \"w\")')",
    "line one\nline two",
    "</script><script>alert(1)</script>",
]
MARKERS = ("PWNED", "/etc/passwd", "__mro__", "alert(1)")
LONG = "A" * 1_000_000


def scenario(title="t", source="", notes="", weights="W1", pre="u1", post="a1", bias="b1",
             activation="relu", loss="cross_entropy", expect_key="loss") -> str:
    q = lambda s: json.dumps(s, ensure_ascii=False)   # a TOML basic string
    return f"""title = {q(title)}
source = {q(source)}
notes = {q(notes)}
[data]
x = [[1.5, 0.2]]
y = [0]
[[model.layers]]
units = 2
activation = {q(activation)}
weights = {q(weights)}
bias_name = {q(bias)}
pre = {q(pre)}
post = {q(post)}
[[model.layers]]
units = 3
activation = "softmax"
[train]
loss = {q(loss)}
[expect]
{q(expect_key)} = 1.0
"""


@pytest.fixture
def guarded(monkeypatch, tmp_path):
    """Work in tmp_path; make sympify/parse_expr of text, and eval/exec/lambdify of
    anything carrying a hostile marker, raise."""
    monkeypatch.chdir(tmp_path)

    def refuse(*args, **kwargs):
        raise AssertionError(f"parse_expr called on {args[:1]!r}")

    real_sympify = sympy.sympify

    def sympify(a, *args, **kwargs):
        if isinstance(a, str):
            raise AssertionError(f"sympify called on text {a[:80]!r}")
        return real_sympify(a, *args, **kwargs)

    def guard(real, what):
        def checked(source, *args, **kwargs):
            text = source if isinstance(source, str) else repr(source)
            assert not any(m in text for m in MARKERS), f"{what} saw scenario text"
            return real(source, *args, **kwargs)
        return checked

    real_lambdify = sympy.lambdify

    def lambdify(args, expr, *rest, **kwargs):
        text = f"{args!r} {expr!r}"
        assert not any(m in text for m in MARKERS), "lambdify saw scenario text"
        return real_lambdify(args, expr, *rest, **kwargs)

    monkeypatch.setattr(sympy, "sympify", sympify)
    monkeypatch.setattr(sympy, "parse_expr", refuse, raising=False)
    monkeypatch.setattr(sympy.parsing.sympy_parser, "parse_expr", refuse)
    monkeypatch.setattr(sympy, "lambdify", lambdify)
    monkeypatch.setattr(builtins, "eval", guard(builtins.eval, "eval"))
    monkeypatch.setattr(builtins, "exec", guard(builtins.exec, "exec"))
    return tmp_path



def math_blocks(markdown: str) -> list[str]:
    return re.findall(r"\$\$\n(.*?)\n\$\$", markdown, flags=re.S)


@pytest.mark.parametrize("attack", ATTACKS + [LONG], ids=lambda a: a[:20])
@pytest.mark.parametrize("field", ["title", "source", "notes"])
def test_free_text_is_shown_as_text_and_never_run(guarded, field, attack):
    path = guarded / "s.toml"
    path.write_text(scenario(**{field: attack}), encoding="utf-8")
    code, md, err = run_cli("export", str(path))
    assert code == 0, err
    # Notes are Markdown by contract; a title or source is shown as text (markup escaped).
    assert (attack.strip() if field == "notes" else escape(attack)) in md
    # Free text is never placed inside $$…$$ (where \input would be TeX).
    assert all(attack not in block for block in math_blocks(md))
    code, js, err = run_cli("export", str(path), "-f", "json")
    assert code == 0 and "Traceback" not in err
    if field == "title":
        assert json.loads(js)["title"] == attack
    code, _, err = run_cli("check", str(path))
    assert code in (0, 1) and "Traceback" not in err
    assert not (guarded / "PWNED").exists()


@pytest.mark.parametrize("attack", ATTACKS + [LONG], ids=lambda a: a[:20])
@pytest.mark.parametrize("field,where", [
    ("weights", "model.layers[0].weights"), ("pre", "model.layers[0].pre"),
    ("post", "model.layers[0].post"), ("bias", "model.layers[0].bias_name"),
    ("activation", "model.layers[0].activation"), ("loss", "train.loss"),
    ("expect_key", "expect."),
])
def test_names_and_choices_refuse_hostile_text(guarded, field, where, attack):
    path = guarded / "s.toml"
    path.write_text(scenario(**{field: attack}), encoding="utf-8")
    for command in ("export", "check"):
        code, out, err = run_cli(command, str(path))
        assert code == 2 and out == "", err[:300]
        assert err.startswith(f"stepcalc: {path}: {where}"), err[:300]
        # One line, however long or multi-line the hostile value: it is quoted and cut.
        assert err.count("\n") == 1 and len(err) < 1000, err[:300]
        assert "Traceback" not in err
    assert not (guarded / "PWNED").exists()


def test_hostile_strings_in_other_kinds_are_not_run(guarded):
    """The non-train kinds get the same free-text treatment (title, notes)."""
    path = guarded / "k.toml"
    attack = ATTACKS[0]
    path.write_text(f'title = {json.dumps(attack)}\nnotes = {json.dumps(ATTACKS[3])}\n'
                    'kind = "activations"\n[data]\nvalues = [1.0, -2.0]\n'
                    '[[activations]]\nname = "sigmoid"\n', encoding="utf-8")
    code, md, err = run_cli("export", str(path))
    assert code == 0, err
    assert math_blocks(md) and all(attack not in block for block in math_blocks(md))
    assert not (guarded / "PWNED").exists()


def test_unknown_keys_with_hostile_names_stay_one_line(guarded):
    path = guarded / "s.toml"
    text = scenario().replace("[train]", '[train]\n"a\\nb\\u0000c" = 1')
    path.write_text(text, encoding="utf-8")
    code, _, err = run_cli("export", str(path))
    assert code == 2 and err.count("\n") == 1, err
    assert r'train."a\nb\u0000c": unknown key' in err
