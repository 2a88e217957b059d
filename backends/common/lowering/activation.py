"""Lower activation: exact functions to nnet::activation, table functions to
nnet::activation_table (nnet/activation.h), linear to nnet::cast."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlsflow.backends.common.lowering import helpers
from hlsflow.backends.common.lowering.cast import lower_cast
from hlsflow.backends.common.lowering.context import LowerContext
from hlsflow.backends.common.views import ConstView, LayerView

from hlsflow.ir.ops.activation import Activation
from hlsflow.numerics.scalar import quantize_scalar

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node

#: nnet::activation kinds (CFG::kind).
EXACT_KINDS = {"relu": 0, "relu_clip": 1, "leaky_relu": 2, "hard_sigmoid": 3}
#: nnet::activation_table kinds: plain table, elu (x for x >= 0), selu (k * x for x >= 0).
TABLE_KINDS = {"sigmoid": 0, "tanh": 0, "softsign": 0, "elu": 1, "selu": 2}
#: hard_sigmoid's offset 1/2.
HALF = quantize_scalar(0.5)


def lower_activation(node: Node, ctx: LowerContext) -> LayerView:
    op = node.op
    assert isinstance(op, Activation)
    fn = op.function
    if fn == "linear":
        return lower_cast(node, ctx)
    k_t, k_raw = helpers.scalar(ctx, node, "k", op.scalar())
    t = op.table()
    if t is None:
        kind = EXACT_KINDS["relu_clip" if fn == "relu6" or op.scalar() is not None and fn == "relu" else fn]
        b_t, b_raw = helpers.scalar(ctx, node, "b", HALF if fn == "hard_sigmoid" else None)
        return helpers.unary(
            node, ctx, "activation.h", "activation", (ConstView("kind", kind), k_raw, b_raw), (k_t, b_t), comment=fn
        )
    f = op.table_function()
    assert f is not None
    consts, types, entries = helpers.table(ctx, node, "", t, f, f"{node.name}_table")
    return helpers.unary(
        node,
        ctx,
        "activation.h",
        "activation_table",
        (ConstView("kind", TABLE_KINDS[fn]), *consts, k_raw),
        (*types, k_t),
        (entries,),
        comment=f"{fn}, table of {t.size} entries",
    )
