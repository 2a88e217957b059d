"""Registry of lowerings for convolution, pooling and padding ops.

Each op's lowering lives in its own module in this package; this module maps op names
to them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hlsflow.backends.common.lowering.conv import lower_conv
from hlsflow.backends.common.lowering.depthwise_conv2d import lower_depthwise_conv2d
from hlsflow.backends.common.lowering.global_pool import lower_global_pool
from hlsflow.backends.common.lowering.pool import lower_pool
from hlsflow.backends.common.lowering.zero_padding import lower_zero_padding

LOWERINGS_SPATIAL: dict[str, Callable[..., Any]] = {
    "conv1d": lower_conv,
    "conv2d": lower_conv,
    "depthwise_conv2d": lower_depthwise_conv2d,
    "pool": lower_pool,
    "global_pool": lower_global_pool,
    "zero_padding": lower_zero_padding,
}
