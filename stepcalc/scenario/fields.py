"""Typed access to a TOML table: every wrong value becomes a ScenarioError with its key path.

The validators ask a ``Table`` for ``string``/``integer``/``number``/... and never touch the
raw dict themselves, so a KeyError or TypeError from user input cannot escape.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from typing import Any, Iterable

from stepcalc.errors import ScenarioError

# Marks a key without a default: leaving it out is an error.
REQUIRED: Any = object()

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
NAME_MAX = 32
KEY_SHOWN = 60   # longer keys are cut in key paths (error messages only)


def join(path: str, key: str) -> str:
    """``model`` + ``layers`` → ``model.layers``; keys that need it are quoted as in TOML
    (escaped, so a key with a newline cannot break the one-line error message)."""
    part = key if _BARE_KEY.fullmatch(key) and len(key) <= KEY_SHOWN else quote(key, KEY_SHOWN)
    return f"{path}.{part}" if path else part


def quote(text: str, limit: int = 40) -> str:
    """A user's string in double quotes for a message: escaped (no raw newlines or control
    characters) and cut to ``limit`` characters, so a 1 MB title stays a one-line error."""
    if len(text) > limit:
        text = text[:limit - 3] + "..."
    return json.dumps(text, ensure_ascii=False)


def index(path: str, i: int) -> str:
    return f"{path}[{i}]"


def describe(value: Any) -> str:
    """What the user wrote, in TOML words, with the value when it is short."""
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a float ({show_number(value)})"
    if isinstance(value, str):
        return f"a string ({quote(value)})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (datetime.date, datetime.time)):
        return "a date/time"
    return type(value).__name__   # not reachable from TOML


def show_number(value: float | int) -> str:
    return repr(float(value)) if isinstance(value, float) else str(value)


def one_of(choices: Iterable[str]) -> str:
    return ", ".join(choices)


# Names people type for a choice, read as the name stepcalc uses (and shows) wherever that
# name is one of the choices. "mse" is squared_error with the mean reduction, the default.
ALIASES = {"mse": "squared_error", "bce": "binary_cross_entropy", "ce": "cross_entropy",
           "linear": "identity", "logistic": "sigmoid"}


def canonical_choice(value: Any, choices: tuple[str, ...]) -> str | None:
    """``value`` as one of ``choices`` (directly or through an alias), or None."""
    if not isinstance(value, str):
        return None
    if value in choices:
        return value
    target = ALIASES.get(value.strip().lower()) or value.strip().lower()
    return target if target in choices else None


def choice_problem(value: Any, choices: tuple[str, ...]) -> str:
    """What the error says about a value that is none of ``choices``: a near miss is named."""
    hint = ""
    if isinstance(value, str):
        import difflib   # only on the error path: keeps start-up fast
        known = [*choices, *(a for a, target in ALIASES.items() if target in choices)]
        close = difflib.get_close_matches(value.strip().lower(), known, n=1, cutoff=0.6)
        if close:
            hint = f" (did you mean {ALIASES.get(close[0], close[0])}?)"
    return f"expected one of {one_of(choices)}, got {describe(value)}{hint}"


class Table:
    """A TOML table, where it sits (key path) and which file it came from."""

    def __init__(self, data: dict, path: str, file: str):
        self.data = data
        self.path = path
        self.file = file

    # -- errors ---------------------------------------------------------------------------

    def at(self, key: str) -> str:
        return join(self.path, key)

    def error(self, key: str | None, expected: str) -> ScenarioError:
        return ScenarioError(self.file, self.at(key) if key is not None else self.path,
                             expected)

    def check_keys(self, allowed: Iterable[str]) -> None:
        allowed = tuple(allowed)
        for key in self.data:
            if key not in allowed:
                import difflib   # only on the error path: keeps start-up fast
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise self.error(key, f"unknown key{hint}; expected one of {one_of(allowed)}")

    # -- raw access -----------------------------------------------------------------------

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: Any = REQUIRED, what: str = "a value") -> Any:
        if key in self.data:
            return self.data[key]
        if default is REQUIRED:
            raise self.error(key, f"missing; expected {what}")
        return default

    # -- scalars --------------------------------------------------------------------------

    def string(self, key: str, default: Any = REQUIRED, *, nonempty: bool = False) -> str:
        what = "a non-empty string" if nonempty else "a string"
        value = self.raw(key, default, what)
        if not isinstance(value, str):
            raise self.error(key, f"expected {what}, got {describe(value)}")
        if nonempty and not value.strip():
            raise self.error(key, f"expected {what}, got an empty string")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: Any = REQUIRED) -> str:
        value = self.raw(key, default, f"one of {one_of(choices)}")
        canonical = canonical_choice(value, choices)
        if canonical is None:
            raise self.error(key, choice_problem(value, choices))
        return canonical

    def name(self, key: str, default: Any = REQUIRED, reserved: tuple[str, ...] = ()) -> str:
        """An identifier for a parameter or quantity (it becomes part of quantity ids)."""
        value = self.string(key, default)
        check_name(value, self.at(key), self.file, reserved)
        return value

    def integer(self, key: str, default: Any = REQUIRED, *, low: int | None = None,
                high: int | None = None) -> int:
        value = self.raw(key, default, "an integer")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected an integer, got {describe(value)}")
        if low is not None and value < low:
            raise self.error(key, f"expected an integer {_range(low, high)}, got {value}")
        if high is not None and value > high:
            raise self.error(key, f"expected an integer {_range(low, high)}, got {value}")
        return value

    def number(self, key: str, default: Any = REQUIRED, *, gt: float | None = None,
               ge: float | None = None, lt: float | None = None) -> float:
        """A finite float (TOML ints accepted) with optional bounds."""
        value = self.raw(key, default, "a number")
        value = as_number(value, self.at(key), self.file)
        bounds = [f"> {gt:g}" if gt is not None else "", f">= {ge:g}" if ge is not None else "",
                  f"< {lt:g}" if lt is not None else ""]
        wanted = "expected a number " + " and ".join(b for b in bounds if b)
        if ((gt is not None and not value > gt) or (ge is not None and not value >= ge)
                or (lt is not None and not value < lt)):
            raise self.error(key, f"{wanted}, got {show_number(value)}")
        return float(value)

    # -- containers -----------------------------------------------------------------------

    def table(self, key: str, required: bool = False) -> Table | None:
        if key not in self.data:
            if required:
                raise self.error(key, f"missing; expected a [{self.at(key)}] table")
            return None
        value = self.data[key]
        if not isinstance(value, dict):
            raise self.error(key, f"expected a table, got {describe(value)}")
        return Table(value, self.at(key), self.file)

    def tables(self, key: str) -> list[Table]:
        """An array of tables (``[[model.layers]]``), at least one."""
        what = f"at least one [[{self.at(key)}]] table"
        value = self.raw(key, REQUIRED, what)
        if not isinstance(value, list) or not value:
            raise self.error(key, f"expected {what}, got {describe(value)}")
        out = []
        for i, item in enumerate(value):
            path = index(self.at(key), i)
            if not isinstance(item, dict):
                raise ScenarioError(self.file, path, f"expected a table, got {describe(item)}")
            out.append(Table(item, path, self.file))
        return out

    def strings(self, key: str, default: Any = REQUIRED) -> list[str]:
        value = self.raw(key, default, "a list of strings")
        if not isinstance(value, list):
            raise self.error(key, f"expected a list of strings, got {describe(value)}")
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise ScenarioError(self.file, index(self.at(key), i),
                                    f"expected a string, got {describe(item)}")
        return list(value)


def as_number(value: Any, path: str, file: str) -> float | int:
    """A finite int or float; TOML booleans are not numbers."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(file, path, f"expected a number, got {describe(value)}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ScenarioError(file, path, f"expected a finite number, got {value!r}")
    elif abs(value) > 1e308:
        raise ScenarioError(file, path, "expected a number that fits a float, got a huge integer")
    return value


def check_name(value: str, path: str, file: str, reserved: tuple[str, ...] = ()) -> None:
    if not NAME_RE.fullmatch(value) or len(value) > NAME_MAX:
        raise ScenarioError(
            file, path,
            f'expected a name made of letters, digits and _ (starting with a letter, at most '
            f'{NAME_MAX} characters), got {quote(value)}')
    if value in reserved:
        raise ScenarioError(file, path, f'{quote(value)} is reserved; choose another name')


def _range(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"in {low}..{high}"
    return f">= {low}" if low is not None else f"<= {high}"


def listed_choices(table: Table, key: str, choices: tuple[str, ...], default: tuple[str, ...]) -> tuple[str, ...]:
    typed = table.strings(key, default if default is REQUIRED else list(default))
    if not typed:
        raise table.error(key, f"expected at least one of {one_of(choices)}, got []")
    names = [canonical_choice(name, choices) for name in typed]
    for i, name in enumerate(names):
        if name is None:
            raise ScenarioError(table.file, index(table.at(key), i), choice_problem(typed[i], choices))
        if name in names[:i]:
            raise ScenarioError(table.file, index(table.at(key), i), f'"{name}" is listed twice')
    return tuple(names)
