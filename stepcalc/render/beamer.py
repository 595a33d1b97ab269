"""Trace → a Beamer deck (`stepcalc export NAME -f latex`): a title frame, then one frame per
step — formula, derivation, numbers put in, result, explanation, flags.

The maths is the LaTeX every renderer shares (render/latex.py, render/printing.py); prose
goes through render/latex_text.py so pdflatex accepts any title. A formula wider than
the frame is scaled down to fit (\\fitmath), never cut, and a frame is never split, so
the PDF has exactly one page per frame.
"""

from __future__ import annotations

import numpy as np

from stepcalc.records.notation import Name, display_prose, scenario_names
from stepcalc.records.steps import PHASE_LABELS, Trace
from stepcalc.render.flags import flag_message
from stepcalc.render.latex import chain_latex, derivation_latex, matrix_latex, number_latex
from stepcalc.render.latex_text import latex_text
from stepcalc.render.marks import LATEX_MARKER
from stepcalc.render.printing import to_latex
from stepcalc.render.worksheet import LATEX_BLANK, Worksheet, blank_chain_latex, blank_matrix_latex

PREAMBLE = r"""\documentclass[aspectratio=169,11pt]{beamer}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\setbeamertemplate{navigation symbols}{}
\setbeamertemplate{footline}{\hfill\scriptsize\insertframenumber\hspace{1em}\vspace{.6em}}
\setbeamersize{text margin left=1.2em,text margin right=1.2em}
% A display that is wider than the frame is scaled down to the frame's width.
\newsavebox\stepcalcbox
\newcommand\fitbox[1]{\sbox\stepcalcbox{#1}\ifdim\wd\stepcalcbox>\linewidth
  \resizebox{\linewidth}{!}{\usebox\stepcalcbox}\else\usebox\stepcalcbox\fi}
\newcommand\fitmath[1]{\par\smallskip{\centering\fitbox{$\displaystyle #1$}\par}\smallskip}
\newcommand\parthead[1]{\par{\scriptsize\bfseries\color{gray}\MakeUppercase{#1}}\par}
"""


def render_beamer(trace: Trace, worksheet: Worksheet | None = None) -> str:
    sc = trace.scenario
    names = scenario_names(sc)
    out = [PREAMBLE]
    out.append(r"\title{%s}" % latex_text(sc.title))
    subtitle = "Worksheet" if worksheet else ""
    if sc.source:
        subtitle = (subtitle + " · " if subtitle else "") + sc.source
    if subtitle:
        out.append(r"\subtitle{%s}" % latex_text(subtitle))
    out.append(r"\date{}")
    out.append(r"\begin{document}")
    title = [r"\titlepage"]
    if sc.notes:
        title.append(r"{\footnotesize %s\par}" % latex_text(sc.notes))
    if worksheet:
        title.append(r"{\footnotesize Fill in the %d blank steps; the answer key follows the last "
                     r"step.\par}" % len(worksheet.blank_ids))
    out.append(frame("", title))
    for number, step in enumerate(trace.steps, 1):
        blank = worksheet is not None and worksheet.blanks(step)
        out.append(step_frame(step, number, sc.precision, names, blank=blank))
    for number, step in (worksheet.key_steps(trace) if worksheet else []):
        out.append(step_frame(step, number, sc.precision, names, key=True))
    out.append(r"\end{document}")
    out.append(LATEX_MARKER)
    return "\n".join(out) + "\n"


def frame(title: str, body: list[str], subtitle: str = "") -> str:
    head = r"\begin{frame}[t]" + ("{%s}" % title if title else "")
    if subtitle:
        head += "\n" + r"\framesubtitle{%s}" % subtitle
    return "\n".join([head, *body, r"\end{frame}", ""])


def step_frame(step, number: int, precision: int, names, *, blank: bool = False, key: bool = False) -> str:
    label = PHASE_LABELS.get(step.phase, step.phase)
    if step.phase != "check" and step.step_number > 1:
        label = f"Step {step.step_number} · {label}"
    title = latex_text(f"{number}. {display_prose(step.title, names)}")
    if key:
        title = r"Answer key: " + title
    shape = ", ".join(str(n) for n in step.shape) or "scalar"
    subtitle = r"%s \quad \texttt{%s} \quad shape (%s)" % (latex_text(label), latex_text(step.id), shape)
    body = [r"\small"]
    if step.formula is not None:
        body += [r"\parthead{Formula}", r"\fitmath{%s}" % to_latex(step.formula, precision)]
    derivation = derivation_latex(step, precision)
    if derivation:
        body += [r"\parthead{Derived with sympy}",
                 r"\fitmath{\begin{aligned} %s \end{aligned}}" % derivation]
        if step.derivation.comment:
            body.append(r"{\footnotesize %s\par}" % latex_text(display_prose(step.derivation.comment, names)))
    expansion = step.substitution
    if expansion is not None:
        chain = blank_chain_latex(expansion, precision) if blank else chain_latex(expansion, precision)
        body += [r"\parthead{Numbers put in}", r"\fitmath{%s}" % chain]
        if expansion.note and not blank:
            body.append(r"{\footnotesize %s\par}" % latex_text(expansion.note))
    body += result_lines(step, precision, blank)
    if step.explanation:
        body.append(r"{\footnotesize %s\par}" % latex_text(display_prose(step.explanation, names)))
    if step.flags and not blank:
        items = [r"\item[%s] \textbf{%s}: %s" % (latex_text(flag.kind.icon), latex_text(flag.kind.label),
                                                 latex_text(display_prose(flag_message(flag), names)))
                 for flag in step.flags]
        body += [r"{\footnotesize\begin{itemize}", *items, r"\end{itemize}}"]
    return frame(title, body, subtitle)


def result_lines(step, precision: int, blank: bool) -> list[str]:
    if step.table is not None:
        return [r"\parthead{Result}", r"\par{\centering\fitbox{%s}\par}" % table_latex(step.table, precision, blank)]
    if not step.value.ndim:
        if step.substitution is not None:       # the chain above ends with the value
            return []
        value = LATEX_BLANK if blank else number_latex(float(step.value), precision)
    else:
        value = blank_matrix_latex(step.shape) if blank else matrix_latex(step.value, precision)
    symbol = step.quantity_symbol()
    if symbol is None:
        symbol = Name(step.id)
    return [r"\parthead{Result}", r"\fitmath{%s = %s}" % (to_latex(symbol, precision), value)]


def table_latex(table, precision: int, blank: bool) -> str:
    columns = len(table.column_labels)
    lines = [r"\begin{tabular}{l%s}" % ("r" * columns),
             " & ".join(latex_text(c) for c in (table.corner, *table.column_labels)) + r" \\ \hline"]
    for label, row in zip(table.row_labels, np.asarray(table.values)):
        cells = [LATEX_BLANK if blank else "$%s$" % number_latex(float(v), precision) for v in row]
        lines.append(" & ".join([latex_text(label), *cells]) + r" \\")
    lines.append(r"\end{tabular}")
    return "\n".join(lines)

