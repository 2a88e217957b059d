"""Lower batch_norm: y = x * scale + shift per channel (nnet/batch_norm.h)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlsflow.backends.common.lowering import helpers
from hlsflow.backends.common.lowering.context import LowerContext
from hlsflow.backends.common.views import LayerView

from hlsflow.ir.ops.base import param_fixed

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node


def lower_batch_norm(node: Node, ctx: LowerContext) -> LayerView:
    s, s_t = param_fixed(node, "scale")
    b, b_t = param_fixed(node, "shift")
    name = node.name
    return helpers.unary(
        node,
        ctx,
        "batch_norm.h",
        "batch_norm",
        types=(ctx.typedef(node, "scale_t", s_t), ctx.typedef(node, "shift_t", b_t)),
        arrays=(ctx.raw_array(f"{name}_scale", s, s_t), ctx.raw_array(f"{name}_shift", b, b_t)),
    )
