"""Lower depthwise_conv2d as a convolution with a block-diagonal kernel: input channel
``c`` of tap ``t`` feeds only outputs ``c * M + m``. The structural zeros are never
stored, so the multipliers are exactly the non-zero depthwise weights, and the exact
accumulator is the op's own (each output sums its ``kh * kw`` taps)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from hlsflow.backends.common.lowering.conv import conv_layer

if TYPE_CHECKING:
    from hlsflow.backends.common.lowering.context import LowerContext
    from hlsflow.backends.common.views import LayerView

    from hlsflow.ir.graph import Node


def block_diagonal(k: np.ndarray) -> np.ndarray:
    """Kernel ``(kh, kw, C, M)`` as the ``(kh * kw * C, C * M)`` matrix of a convolution."""
    taps = k.shape[0] * k.shape[1]
    c, m = k.shape[2], k.shape[3]
    k3 = k.reshape(taps, c, m)
    w = np.zeros((taps, c, c, m), dtype=k.dtype)
    ch = np.arange(c)
    w[:, ch, ch, :] = k3
    return w.reshape(taps * c, c * m)


def lower_depthwise_conv2d(node: Node, ctx: LowerContext) -> LayerView:
    k = node.params["kernel"]
    assert k.mant is not None
    return conv_layer(node, ctx, block_diagonal(np.asarray(k.mant)))
