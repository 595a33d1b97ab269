"""Scenario files: TOML → validated, immutable Scenario (see DESIGN.md for the fields)."""

from .loader import load, loads

__all__ = ["load", "loads"]
