"""Lower conv1d / conv2d: ``nnet::conv`` runs dense_kernel on each gathered window with
the kernel flattened to ``(prod(kernel_size) * Cin, filters)`` -- the emulator's im2col
order -- keeping only the non-zero weights."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from hlsflow.backends.common.lowering.dense import sparse_linear
from hlsflow.backends.common.lowering.window import Geometry, window_layer

if TYPE_CHECKING:
    from hlsflow.backends.common.lowering.context import LowerContext
    from hlsflow.backends.common.views import LayerView

    from hlsflow.ir.graph import Node


def conv_layer(node: Node, ctx: LowerContext, w: np.ndarray) -> LayerView:
    """A convolution whose kernel, as an ``(n_taps * n_chan, n_out)`` mantissa matrix, is ``w``."""
    lin = sparse_linear(node, ctx, w)
    geom = Geometry.of_window(node.op.window, node.inputs[0].type.shape)
    return window_layer(
        node, ctx, geom, "conv.h", "conv", lin.consts, lin.types, lin.arrays, lin.multipliers, lin.comment
    )


def lower_conv(node: Node, ctx: LowerContext) -> LayerView:
    k = node.params["kernel"]
    assert k.mant is not None
    return conv_layer(node, ctx, np.asarray(k.mant).reshape(-1, k.shape[-1]))
