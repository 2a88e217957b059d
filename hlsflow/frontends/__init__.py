"""Model frontends: framework models -> hlsflow IR graphs.

Importing this package never imports TensorFlow; :func:`from_keras` imports tf_keras
(and QKeras, when the model uses it) on first call.
"""

from __future__ import annotations

from hlsflow.frontends.errors import FrontendError, UnsupportedModelError
from hlsflow.frontends.keras import from_keras

__all__ = ["FrontendError", "UnsupportedModelError", "from_keras"]
