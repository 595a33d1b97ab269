"""MathML for the HTML deck, converted from the LaTeX every other renderer prints.

One notation: the formulas, expansions and matrices are printed once by the LaTeX
printers (render/printing.py, render/latex.py) and converted here with latex2mathml, so
the deck cannot drift from the Markdown and Beamer exports. Browsers lay MathML out
natively: the page needs no script or font from anywhere.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def mathml(latex: str, block: bool = True) -> str:
    """``<math>`` for one LaTeX formula (display style when ``block``)."""
    from latex2mathml.converter import convert   # imported only by the HTML export

    return convert(latex, display="block" if block else "inline")
