"""Prose (titles, explanations, flags, the scenario's own text) as LaTeX text for pdflatex.

pdflatex reads UTF-8 only for the characters its font encodings know: the slide notation
(ŷ, ∂L/∂w₁₁, W⁽¹⁾, ·, ≤, the flag icons) and Greek letters become maths, TeX's special
characters are escaped, and any other character outside Latin-1 is written as its code
point, so a deck always compiles and user text is never read as commands.
"""

from __future__ import annotations

import unicodedata

from stepcalc.records.notation import GREEK

_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
            "#": r"\#", "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}",
            "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}
# Characters written as maths (without the $ … $ around them).
_MATH = {
    "·": r"\cdot", "×": r"\times", "−": "-", "∂": r"\partial", "≤": r"\le", "≥": r"\ge",
    "≠": r"\ne", "≈": r"\approx", "→": r"\to", "←": r"\leftarrow", "▸": r"\triangleright",
    "◂": r"\triangleleft", "∑": r"\sum", "√": r"\surd", "∞": r"\infty", "′": r"{}'",
    "⋯": r"\cdots", "⋮": r"\vdots", "∈": r"\in", "∇": r"\nabla", "±": r"\pm", "⇌": r"\rightleftharpoons",
    "↗": r"\nearrow", "✗": r"\times", "☠": r"\dagger", "〰": r"\sim", "ℹ": r"\imath",
    "∏": r"\prod", "⊙": r"\odot", "∘": r"\circ", "ᵀ": r"^{\mathsf{T}}",
    **{char: "\\" + name for name, char in GREEK.items()},
}
_TEXT = {"…": r"\ldots{}", "–": "--", "—": "---", "“": "``", "”": "''", "‘": "`", "’": "'",
         "\u00a0": "~", "\t": " "}
_SUPER = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁺⁻", "0123456789()+-"))
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₍₎₊₋₌ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", "0123456789()+-=aehijklmnoprstuvx"))
_ACCENTS = {"\u0302": r"\hat", "\u0304": r"\bar", "\u0303": r"\tilde", "\u0307": r"\dot"}


def _math_of(char: str) -> str | None:
    """A character as maths (without $): ŷ → \\hat{y}, ₁ → _{1}, ⁽¹⁾ → ^{(1)}, · → \\cdot."""
    if char in _MATH:
        return _MATH[char]
    if char in _SUB:
        return "_{%s}" % _SUB[char]
    if char in _SUPER:
        return "^{%s}" % _SUPER[char]
    parts = unicodedata.normalize("NFD", char)
    if len(parts) == 2 and parts[0].isascii() and parts[1] in _ACCENTS and ord(char) > 0xFF:
        return "%s{%s}" % (_ACCENTS[parts[1]], parts[0])
    return None


def latex_text(text: str) -> str:
    """``text`` as LaTeX text: one paragraph, specials escaped, the notation as maths.

    Runs of maths characters (with the letters directly before a script) share one $ … $:
    ∂L/∂w₁₁ → ∂L/∂$w_{1}_{1}$ would not compile, so scripts are grouped (w$_{11}$).
    """
    out: list[str] = []
    math: list[str] = []       # maths of the current run

    def close():
        if math:
            out.append("$" + _join_scripts(math) + "$")
            math.clear()

    for char in unicodedata.normalize("NFC", " ".join(text.split())):
        as_math = _math_of(char)
        if as_math is not None:
            math.append(as_math)
            continue
        close()
        if char in _SPECIAL:
            out.append(_SPECIAL[char])
        elif char in _TEXT:
            out.append(_TEXT[char])
        elif ord(char) < 0x20 or unicodedata.category(char) in ("Cc", "Cf"):
            continue
        elif ord(char) <= 0xFF:
            out.append(char)
        else:
            out.append(r"\texttt{[U+%04X]}" % ord(char))
    close()
    return "".join(out)


def _join_scripts(pieces: list[str]) -> str:
    """Adjacent subscripts (or superscripts) merged: _{1}_{1} → _{11} (a double script
    is an error in TeX); a script with nothing before it gets an empty base {}."""
    merged: list[str] = []
    for piece in pieces:
        kind = piece[:2] if piece[:2] in ("_{", "^{") else None
        if kind and merged and merged[-1].startswith(kind):
            merged[-1] = merged[-1][:-1] + piece[2:]
        else:
            merged.append(piece)
    if merged and merged[0][:2] in ("_{", "^{"):
        merged[0] = "{}" + merged[0]
    return " ".join(merged)
