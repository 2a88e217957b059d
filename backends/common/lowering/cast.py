"""Lower quantize, dropout and linear activations: an element-wise assignment
(nnet::cast in nnet/cast.h); quantize's rounding and overflow act in it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlsflow.backends.common.lowering import helpers
from hlsflow.backends.common.lowering.context import LowerContext
from hlsflow.backends.common.views import LayerView

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node


def lower_cast(node: Node, ctx: LowerContext) -> LayerView:
    return helpers.unary(node, ctx, "cast.h", "cast")
