"""Model frontends: framework models -> hlsflow IR graphs.

Importing this package never imports TensorFlow, Keras or onnx. :func:`from_keras` reads
Keras 2 ``.h5`` / ``.json`` files with h5py alone when that gives exactly the tf_keras
result (:mod:`hlsflow.frontends.keras2_h5`) and imports tf_keras (and QKeras) only for
in-memory models and for files using features that reader does not replay; the ONNX and
Keras 3 frontends load on first use.
"""

from __future__ import annotations

from typing import Any

from hlsflow.frontends.errors import FrontendError, UnsupportedModelError
from hlsflow.frontends.keras import from_keras

_LAZY = {"from_onnx": "hlsflow.frontends.onnx", "from_keras3": "hlsflow.frontends.keras3"}

__all__ = ["FrontendError", "UnsupportedModelError", "from_keras", "from_keras3", "from_onnx"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'hlsflow.frontends' has no attribute {name!r}")
