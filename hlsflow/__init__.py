"""hlsflow: compile quantised, pruned neural networks to bit-exact HLS C++.

``import hlsflow`` is cheap: it never imports TensorFlow (frontends import their
framework only when a model of that kind is converted) and loads its own submodules on
first use.

    import hlsflow
    cfg = hlsflow.config_from_model(model, granularity="name")
    prj = hlsflow.convert(model, config=cfg)
    y = prj.emulate(x)      # bit-exact
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "convert": ("hlsflow.project", "convert"),
    "config_from_model": ("hlsflow.project", "config_from_model"),
    "Project": ("hlsflow.project", "Project"),
    "Config": ("hlsflow.config", "Config"),
    "LayerConfig": ("hlsflow.config", "LayerConfig"),
    "ConfigError": ("hlsflow.config", "ConfigError"),
    "FixedType": ("hlsflow.ir.types", "FixedType"),
    "IntType": ("hlsflow.ir.types", "IntType"),
    "FloatType": ("hlsflow.ir.types", "FloatType"),
    "Rounding": ("hlsflow.ir.types", "Rounding"),
    "Overflow": ("hlsflow.ir.types", "Overflow"),
    "parse_type": ("hlsflow.ir.types", "parse_type"),
    "Graph": ("hlsflow.ir.graph", "Graph"),
    # errors and warnings (docs/errors.md); each loads only its own module
    "HlsflowError": ("hlsflow.errors", "HlsflowError"),
    "HlsflowWarning": ("hlsflow.errors", "HlsflowWarning"),
    "ClippedWeightsWarning": ("hlsflow.errors", "ClippedWeightsWarning"),
    "ModelLoadError": ("hlsflow.loader", "ModelLoadError"),
    "FrontendError": ("hlsflow.frontends.errors", "FrontendError"),
    "UnsupportedModelError": ("hlsflow.frontends.errors", "UnsupportedModelError"),
    "EmulationError": ("hlsflow.emulate", "EmulationError"),
    "CompileError": ("hlsflow.sim.csim", "CompileError"),
    "CompilerNotFoundError": ("hlsflow.sim.csim", "CompilerNotFoundError"),
    "SimulationError": ("hlsflow.sim.csim", "SimulationError"),
    "HlsflowPrecisionWarning": ("hlsflow.diagnostics", "HlsflowPrecisionWarning"),
}

__all__ = [
    "__version__",
    "convert",
    "config_from_model",
    "Project",
    "Config",
    "LayerConfig",
    "ConfigError",
    "FixedType",
    "IntType",
    "FloatType",
    "Rounding",
    "Overflow",
    "parse_type",
    "Graph",
    "HlsflowError",
    "HlsflowWarning",
    "ClippedWeightsWarning",
    "ModelLoadError",
    "FrontendError",
    "UnsupportedModelError",
    "EmulationError",
    "CompileError",
    "CompilerNotFoundError",
    "SimulationError",
    "HlsflowPrecisionWarning",
]

if TYPE_CHECKING:
    from hlsflow.config import Config, ConfigError, LayerConfig
    from hlsflow.diagnostics import HlsflowPrecisionWarning
    from hlsflow.emulate import EmulationError
    from hlsflow.errors import ClippedWeightsWarning, HlsflowError, HlsflowWarning
    from hlsflow.frontends.errors import FrontendError, UnsupportedModelError
    from hlsflow.ir.graph import Graph
    from hlsflow.ir.types import FixedType, FloatType, IntType, Overflow, Rounding, parse_type
    from hlsflow.loader import ModelLoadError
    from hlsflow.project import Project, config_from_model, convert
    from hlsflow.sim.csim import CompileError, CompilerNotFoundError, SimulationError


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        value = getattr(importlib.import_module(mod), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hlsflow' has no attribute {name!r}")
