"""Two-dimensional Unicode typesetting of slide formulas for the terminal.

sympy's own pretty printer does the layout (stacked fractions, raised exponents, √);
this subclass rounds Floats for display, writes entries as w₁₁ and names as W⁽¹⁾ / ŷ / θ,
draws a compact Σ with its limits, and writes products the slide way (· between symbols,
× between numbers, −x for −1·x, no 1·). ``chain`` lays out an ``a = b = c`` chain,
wrapping at a width with every ``=`` of a continuation line under the first one.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.pretty.pretty import PrettyPrinter
from sympy.printing.pretty.stringpict import prettyForm, stringPict

from stepcalc.records.notation import (
    Applied, Cdots, Name, SumExcept, subscript_text, superscript, text_name,
)
from stepcalc.render.printing import format_number

MINUS = "−"


def number_text(value: float, precision: int) -> str:
    """A rounded number with a typographic minus; 1.2e-05 → 1.2×10⁻⁵."""
    text = format_number(value, precision)
    if "e" in text and text not in ("inf", "-inf"):
        mantissa, exponent = text.split("e")
        text = "%s×10%s" % (mantissa, superscript(str(int(exponent))).replace("-", "⁻"))
    return text.replace("-", MINUS).replace("inf", "∞")


def _is_one(expr) -> bool:
    return expr.is_Number and float(expr) == 1.0


def _is_minus_one(expr) -> bool:
    return expr.is_Number and float(expr) == -1.0


def _is_zero(expr) -> bool:
    return expr.is_Number and float(expr) == 0.0


def _has_symbols(expr) -> bool:
    return any(isinstance(a, (sp.Symbol, sp.Indexed)) for a in sp.preorder_traversal(expr))


def _negative_term(term):
    """The term without its minus sign when it reads as "− rest", else None."""
    if term.is_Number and float(term) < 0:
        return -term
    if term.is_Mul and term.args and term.args[0].is_Number and float(term.args[0]) < 0:
        first, rest = term.args[0], term.args[1:]
        if _is_minus_one(first):
            return rest[0] if len(rest) == 1 else sp.Mul(*rest, evaluate=False)
        return sp.Mul(-first, *rest, evaluate=False)
    return None


class SlidePrettyPrinter(PrettyPrinter):
    """sympy's 2-D printer with slide notation and Floats rounded to ``precision``."""

    def __init__(self, precision: int = 3):
        super().__init__({"use_unicode": True, "order": "none", "wrap_line": False})
        self.precision = precision
        self.top = None                       # the expression being printed

    def doprint(self, expr):
        self.top = expr
        return super().doprint(expr)

    def _print(self, expr, **kwargs):
        # sympy dispatches a Function subclass by its own class name only: route ours here.
        if isinstance(expr, Applied):
            return self._print_Applied(expr)
        return super()._print(expr, **kwargs)

    # ------------------------------------------------------------ atoms ----------
    def _number(self, value: float):
        text = number_text(value, self.precision)
        return prettyForm(text, binding=prettyForm.NEG if text.startswith(MINUS) else prettyForm.ATOM)

    def _print_Float(self, e):
        return self._number(float(e))

    def _print_Integer(self, e):
        return self._number(int(e))

    def _print_Rational(self, e):
        if e.q == 1:
            return self._number(e.p)
        fraction = prettyForm(str(abs(e.p))) / prettyForm(str(e.q))
        if e.p < 0:
            return prettyForm(binding=prettyForm.NEG, *stringPict.next("- ", fraction))
        return fraction

    def _print_Name(self, e):
        return prettyForm(text_name(e.name))

    def _print_Symbol(self, e, bold_name=False):
        return prettyForm(text_name(e.name))

    def _print_Cdots(self, e):
        count = getattr(e, "count", 0)
        return prettyForm("⋯ (%d terms)" % count if count else "⋯")

    def _print_Indexed(self, e):
        base = self._print(e.base.label)
        parts = [self._index_text(i) for i in e.indices]
        joined = ("" if all(len(p) == 1 for p in parts) else ",").join(parts)
        sub = subscript_text(joined)
        if sub is not None and base.height() == 1:
            return prettyForm(base.s + sub)
        # No Unicode subscript for this index (ŷ with index y): write it half a line lower.
        sub = stringPict("\n".join([" " * len(joined), joined]), 0)
        return prettyForm(*stringPict.next(base, sub))

    def _index_text(self, index) -> str:
        if isinstance(index, sp.Indexed):          # ŷ_{n, yₙ}: a label indexed by the sample
            return str(self._print_Indexed(index))
        if index.is_Integer:
            return str(int(index))
        return str(self._print(index))

    # ------------------------------------------------------ decorations ----------
    def _print_Grad(self, e):
        return prettyForm(*stringPict.next("∂L/∂", self._print(e.of)))

    def _print_Updated(self, e):
        return prettyForm(*stringPict.next(self._print(e.of), "′"))

    def _print_Velocity(self, e):
        return prettyForm(*stringPict.next("v", stringPict(*self._print(e.of).parens())))

    def _print_Applied(self, e, exponent=None):
        head = type(e).label_text + (superscript(str(exponent)) if exponent is not None else "")
        args = prettyForm.__add__(*[self._print(a) for a in e.args]) if len(e.args) == 1 else \
            prettyForm(*stringPict.next(*sum(([self._print(a), ", "] for a in e.args), [])[:-1]))
        return prettyForm(*stringPict.next(head, stringPict(*args.parens())), binding=prettyForm.FUNC)

    def _print_ExpBase(self, e):
        return prettyForm("e") ** self._print(e.args[0])

    def _print_Max(self, e):
        return self._function("max", e.args)

    def _print_Min(self, e):
        return self._function("min", e.args)

    def _print_log(self, e):
        return self._function("log", e.args)

    def _function(self, name: str, args):
        pieces = []
        for a in args:
            pieces += [self._print(a), ", "]
        inside = stringPict.next(*pieces[:-1])
        return prettyForm(*stringPict.next(name, stringPict(*stringPict(*inside).parens())),
                          binding=prettyForm.FUNC)

    def _print_Pow(self, power):
        base, exp = power.args
        if isinstance(base, Applied) and exp.is_Integer and exp > 0:
            return self._print_Applied(base, exponent=int(exp))     # tanh²(u)
        if exp == -1:
            return prettyForm("1") / self._print(base)
        return super()._print_Pow(power)

    # ------------------------------------------------------------ Σ --------------
    def _sigma(self, body, below: str, above: str | None):
        sign = stringPict("Σ")
        column = [above or "", "Σ", below]
        width = max(len(c) for c in column)
        lines = [c.center(width) for c in column]
        sign = stringPict("\n".join(lines), 1)
        return prettyForm(*stringPict.next(sign, " ", body), binding=prettyForm.MUL)

    def _print_Sum(self, expr):
        body = self._print(expr.function)
        if expr.function.is_Add:
            body = prettyForm(*body.parens())
        if isinstance(expr, SumExcept):
            return self._sigma(body, "k≠" + text_name(expr.label_text), None)
        for var, low, high in reversed(expr.limits):
            below = "%s=%s" % (self._print(var), self._print(low))
            body = self._sigma(body, below, str(self._print(high)))
        return body

    # ----------------------------------------------------- products, sums --------
    def _print_Mul(self, product):
        factors = []
        for f in product.args:                 # unevaluated products of products: one row
            factors += list(f.args) if f.is_Mul else [f]
        negative = False
        if len(factors) > 1 and factors[0].is_Number and float(factors[0]) < 0:
            if _is_minus_one(factors[0]):
                negative, factors = True, factors[1:]
        # Constants before symbols before brackets: 2·ŷ·(1 − ŷ), not (1 − ŷ)·ŷ·2. Floats
        # count as symbols, so a numbers line keeps the order of its symbolic line.
        factors.sort(key=lambda f: 0 if (f.is_Rational and not negative) else 1)
        for index in range(1, len(factors)):           # σ(1 − σ): (1 − ŷ)·ŷ becomes ŷ(1 − ŷ)
            if factors[index - 1].is_Add and isinstance(factors[index], (sp.Indexed, Name)):
                factors[index - 1], factors[index] = factors[index], factors[index - 1]
        # 1·x is x: a coefficient of one made by the algebra is not written (a substituted
        # value 1.0 in a numbers line stays: it mirrors the formula).
        kept = [f for f in factors if not (f.is_Integer and f == 1)]
        factors = kept or [sp.Integer(1)]
        numerator, denominator = [], []
        for f in factors:
            if f.is_Pow and f.exp == -1:
                denominator.append(f.base)
            elif f.is_Rational and not f.is_Integer and f.p == 1 and \
                    not any(isinstance(g, sp.Sum) for g in factors):
                denominator.append(sp.Integer(f.q))
            else:
                numerator.append(f)
        sep = "·" if _has_symbols(product) else " × "
        top = self._product(numerator or [sp.Integer(1)], sep, lone_sum_bare=bool(denominator))
        if denominator:
            result = top / self._product(denominator, sep, lone_sum_bare=True)
        else:
            result = top
        if negative:
            if result.binding in (prettyForm.ADD, prettyForm.NEG):
                result = prettyForm(*result.parens())
            return prettyForm(*stringPict.next(MINUS, result), binding=prettyForm.NEG)
        return result

    def _product(self, factors, sep: str, lone_sum_bare: bool = False):
        forms = []
        for index, f in enumerate(factors):
            form = self._print(f)
            bare = lone_sum_bare and len(factors) == 1
            if not bare and (form.binding == prettyForm.ADD or
                             (form.binding == prettyForm.NEG and index > 0)):
                form = prettyForm(*form.parens())
            forms.append(form)
        if len(forms) == 1:
            return forms[0]
        pieces = []
        for index, form in enumerate(forms):
            # 2(ŷ − y): a number before a bracket is written against it, as on slides.
            nxt = factors[index + 1] if index + 1 < len(factors) else None
            juxtapose = sep == "·" and nxt is not None and (
                (index == 0 and factors[0].is_Number and (nxt.is_Add or isinstance(nxt, sp.Sum))) or
                (isinstance(factors[index], (sp.Indexed, Name)) and nxt.is_Add))
            pieces += [form, " " if isinstance(nxt, sp.Sum) else ""] if juxtapose else [form, sep]
        return prettyForm(*stringPict.next(*pieces[:-1]), binding=prettyForm.MUL)

    def _print_Add(self, expr, order=None):
        terms = list(expr.args)
        # The lecturer's order: a positive term (the prediction ŷ in ŷ − y) leads. Only in
        # symbols: a numbers line keeps the order of the formula it mirrors.
        if terms and _negative_term(terms[0]) is not None and not expr.has(sp.Float):
            lead = next((t for t in terms if _negative_term(t) is None and not isinstance(t, Cdots)), None)
            if lead is not None:
                terms.remove(lead)
                terms.insert(0, lead)
        pieces = []
        for index, term in enumerate(terms):
            rest = _negative_term(term)
            if _is_zero(rest if rest is not None else term) and len(terms) > 1 and \
                    (rest is not None or expr is not self.top):
                # ŷ − y with y = 0 inside a bracket is ŷ: the zero is the algebra's. A zero
                # term of the top-level sum (a substituted bias "+ 0") mirrors the formula.
                continue
            if rest is not None:
                form = self._print(rest)
                if form.binding in (prettyForm.ADD, prettyForm.NEG):
                    form = prettyForm(*form.parens())
                pieces += [" − " if pieces else MINUS, form]
            else:
                form = self._print(term)
                if form.binding == prettyForm.NEG and pieces:
                    form = prettyForm(*form.parens())
                pieces += [" + "] if pieces else []
                pieces.append(form)
        if not pieces:
            return self._number(0)
        if len(pieces) == 1:                  # (0.491 + 0)² is 0.491²
            return pieces[0]
        return prettyForm(*stringPict.next(*pieces), binding=prettyForm.ADD)

    def _print_Equality(self, e):
        return prettyForm(*stringPict.next(self._print(e.lhs), " = ", self._print(e.rhs)))


def pretty(expr, precision: int = 3) -> prettyForm:
    printer = SlidePrettyPrinter(precision)
    printer.top = expr
    return printer._print(expr)


def picture(expr, precision: int = 3) -> str:
    """An expression as a block of text lines."""
    return _render(pretty(expr, precision))


def _render(form) -> str:
    return "\n".join(line.rstrip() for line in form.picture)


def chain(parts: list, precision: int = 3, width: int = 80, dedupe: bool = False,
          approximate: bool = False) -> list[str]:
    """``p0 = p1 = p2 …`` as text lines; a part that does not fit starts a new row whose
    ``=`` sits under the first one. Parts are sympy expressions or plain strings;
    ``dedupe`` drops a part drawn exactly like the one before it; ``approximate`` puts ≈
    before the last part (a result its rounded numbers do not give exactly)."""
    forms = []
    for index, part in enumerate(parts):
        form = prettyForm(part) if isinstance(part, str) else pretty(part, precision)
        last = index == len(parts) - 1
        if dedupe and forms and form.picture == forms[-1].picture and not (last and approximate):
            continue
        forms.append(form)
    if not forms:
        return []
    indent = forms[0].width()
    rows, current = [], [forms[0]]
    for index, form in enumerate(forms[1:], 1):
        relation = " ≈ " if approximate and index == len(forms) - 1 else " = "
        candidate = current + [relation, form]
        if len(current) > 1 and prettyForm(*stringPict.next(*candidate)).width() > width:
            rows.append(current)
            current = [" " * indent, relation, form]
        else:
            current = candidate
    rows.append(current)
    lines = []
    for row in rows:
        lines += _render(prettyForm(*stringPict.next(*row))).split("\n")
    return lines
