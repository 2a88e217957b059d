"""Lower flatten and reshape. io_parallel: an element copy (wires in hardware). io_stream:
a word-by-word copy when the last dimension is kept, else nnet::repack_stream, which moves
the row-major elements from input words into output words of the new width."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlsflow.backends.common.lowering.cast import lower_cast
from hlsflow.backends.common.lowering.context import LowerContext
from hlsflow.backends.common.lowering.helpers import layer
from hlsflow.backends.common.views import ConstView, LayerView

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node


def lower_reshape(node: Node, ctx: LowerContext) -> LayerView:
    x, y = ctx.input_var(node, 0), ctx.var(node.output)
    if ctx.io_type != "io_stream" or x.channels == y.channels:
        return lower_cast(node, ctx)
    consts = (ConstView("n_elem", x.size), ConstView("n_chan_in", x.channels), ConstView("n_chan", y.channels))
    return layer(node, node.name, "cast.h", "repack", (x,), y, consts, comment=f"words of {x.channels} -> {y.channels}")
