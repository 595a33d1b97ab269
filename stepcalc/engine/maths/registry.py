"""Name → definition lookup shared by the activation and loss registries."""

from __future__ import annotations


def lookup(registry: dict, name: str, what: str):
    """registry[name], or a KeyError that lists the known names."""
    try:
        return registry[name]
    except KeyError:
        raise KeyError(f"unknown {what} {name!r}; expected one of: {', '.join(registry)}") from None
