"""Lower zero_padding (1D / 2D): a 1x1 window whose padding reads zero
(``nnet::zero_padding``; io_stream writes zero words around the input pixels)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlsflow.backends.common.lowering.window import Geometry, hw_pair, per_channel_consts, window_layer

if TYPE_CHECKING:
    from hlsflow.backends.common.lowering.context import LowerContext
    from hlsflow.backends.common.views import LayerView

    from hlsflow.ir.graph import Node


def lower_zero_padding(node: Node, ctx: LowerContext) -> LayerView:
    shape = node.inputs[0].type.shape
    before = hw_pair([p[0] for p in node.op.pads], 0)
    geom = Geometry(hw_pair(shape[:-1], 1), hw_pair(node.output.type.shape[:-1], 1), pad_tl=before)
    return window_layer(node, ctx, geom, "padding.h", "zero_padding", per_channel_consts(shape[-1]), ())
