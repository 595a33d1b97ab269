"""Tracers of the kinds other than `train`, one module per kind (imported on demand)."""

from __future__ import annotations

from importlib import import_module

from stepcalc.records.steps import Trace

MODULES = {
    "activations": "stepcalc.engine.kinds.activations",
    "losses": "stepcalc.engine.kinds.losses",
    "init_stats": "stepcalc.engine.kinds.init_stats",
    "batchnorm": "stepcalc.engine.kinds.batchnorm",
    "normalize": "stepcalc.engine.kinds.normalize",
    "experiment": "stepcalc.engine.kinds.experiment",
}


def trace_kind(scenario) -> Trace:
    """The Trace of a non-train scenario (its module's ``trace`` function)."""
    return import_module(MODULES[scenario.kind]).trace(scenario)
