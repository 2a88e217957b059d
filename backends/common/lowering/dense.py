"""Lower dense / pointwise_conv: non-zero weights only, as (in, out, value) triplets."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from hlsflow.backends.common.lowering.context import LowerContext, LoweringError
from hlsflow.backends.common.views import ConstView, LayerView

from hlsflow.ir.types import FixedType, as_fixed

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node

STRATEGY_CODE = {"Latency": 0, "Resource": 1}


def check_reuse_factor(node: Node, rf: int, nonzero: int) -> None:
    """Valid reuse factors: 1..max(nonzero, 1). Explain the rule when violated."""
    limit = max(nonzero, 1)
    if rf < 1 or rf > limit:
        divisors = [d for d in range(1, limit + 1) if limit % d == 0]
        raise LoweringError(
            f"ReuseFactor {rf} for layer {node.name!r} is invalid: the layer has {nonzero} non-zero weights, and "
            f"each of the ReuseFactor cycles must perform at least one multiplication, so valid values are "
            f"1..{limit} (multipliers = ceil({nonzero}/ReuseFactor)); values dividing {limit} leave no idle "
            f"multiplier slot: {', '.join(map(str, divisors[:12]))}{' ...' if len(divisors) > 12 else ''}"
        )


def lower_dense(node: Node, ctx: LowerContext) -> LayerView:
    x, y = ctx.var(node.inputs[0]), ctx.var(node.output)
    k = node.params["kernel"]
    assert k.mant is not None and isinstance(k.type, FixedType)
    w = np.asarray(k.mant).reshape(-1, k.shape[-1])
    n_in, n_out = w.shape
    wi, wo = np.nonzero(w)
    order = np.lexsort((wi, wo))  # group by output: readable, and the same for every strategy
    wi, wo = wi[order], wo[order]
    vals = w[wi, wo]
    nnz = len(vals)
    if "bias" in node.params:
        b = node.params["bias"]
        b_mant, b_type = b.mant, as_fixed(b.type)
    else:
        b_mant, b_type = np.zeros(n_out, dtype=np.int64), FixedType(1, 1, False)
    s = ctx.settings(node)
    check_reuse_factor(node, s.reuse_factor, nnz)
    acc = as_fixed(node.op.infer_types(node)[0].elem)
    n_pos = node.output.type.size // n_out
    name = node.name
    return LayerView(
        name=name,
        op=node.op.name,
        header="dense.h",
        func="dense",
        inputs=(x,),
        output=y,
        consts=(
            ConstView("n_pos", n_pos),
            ConstView("n_in", n_in),
            ConstView("n_out", n_out),
            ConstView("n_nonzero", nnz),
            ConstView("reuse_factor", s.reuse_factor),
            ConstView("strategy", STRATEGY_CODE[s.strategy]),
        ),
        types=(
            ctx.typedef(node, "accum_t", acc),
            ctx.typedef(node, "weight_t", k.type),
            ctx.typedef(node, "bias_t", b_type),
        ),
        arrays=(
            ctx.raw_array(f"{name}_w", vals, k.type, f"{nnz} non-zero of {w.size} weights"),
            ctx.index_array(f"{name}_wi", wi, n_in),
            ctx.index_array(f"{name}_wo", wo, n_out),
            ctx.raw_array(f"{name}_b", b_mant, b_type),
        ),
        multipliers=math.ceil(nnz / s.reuse_factor),
        comment=f"{nnz} multiplications per position ({w.size - nnz} pruned weights cost nothing)",
    )
