"""User-facing errors: one line naming the file, the key path and what was expected."""

from __future__ import annotations


class StepcalcError(Exception):
    """Base of every error that is the user's input, not a bug (exit code 2)."""


class ScenarioError(StepcalcError):
    """A scenario file that cannot be used as it is.

    ``path`` is the TOML key path (``model.layers[1].activation``) or ``line 3`` for
    syntax errors; ``expected`` says what would have been accepted.
    """

    def __init__(self, file: str, path: str, expected: str):
        self.file = file
        self.path = path
        self.expected = expected
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.expected}"
