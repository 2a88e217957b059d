"""Registry of lowerings for convolution, pooling and padding ops.

Each op's lowering lives in its own module in this package; this module maps op names
to them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LOWERINGS_SPATIAL: dict[str, Callable[..., Any]] = {}
