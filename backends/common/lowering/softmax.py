"""Lower softmax over the last axis: max, exp table, exact sum, inverse table, product
(nnet/softmax.h)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from hlsflow.backends.common.lowering import helpers
from hlsflow.backends.common.lowering.context import LowerContext, LoweringError
from hlsflow.backends.common.views import LayerView

from hlsflow.ir.ops.softmax import Softmax, _inverse
from hlsflow.numerics.fixed import type_for_range

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node


def lower_softmax(node: Node, ctx: LowerContext) -> LayerView:
    op = node.op
    assert isinstance(op, Softmax)
    shape = node.inputs[0].type.shape
    if op.axis % len(shape) != len(shape) - 1:
        raise LoweringError(
            f"layer {node.name!r}: softmax over axis {op.axis} of a {shape} tensor is not supported; generated "
            f"code computes softmax over the last axis only (transpose the tensor so that axis comes last)"
        )
    exp_t, inv_t = op.tables(node)
    # The sum of n entries, exact (as in Softmax.compute).
    sum_t = type_for_range(0, shape[-1] * exp_t.type.max_mant, exp_t.type.frac)
    e_consts, e_types, e_arr = helpers.table(ctx, node, "exp_", exp_t, np.exp, f"{node.name}_exp")
    i_consts, i_types, i_arr = helpers.table(ctx, node, "inv_", inv_t, _inverse, f"{node.name}_inv")
    types = (ctx.typedef(node, "sum_t", sum_t), *e_types, *i_types)
    comment = f"exp table {exp_t.size} entries, inverse table {inv_t.size} entries"
    return helpers.unary(node, ctx, "softmax.h", "softmax", (*e_consts, *i_consts), types, (e_arr, i_arr), comment)
