"""Lower dense / pointwise_conv: non-zero weights only, as (in, out, value) triplets.

:func:`sparse_linear` builds the part shared with the convolutions (which run the same
``dense_kernel`` on each gathered window): the triplet arrays, the accumulator / weight /
bias typedefs, the reuse settings and the multiplier count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from hlsflow.backends.common.lowering.context import LowerContext, LoweringError
from hlsflow.backends.common.views import ArrayView, ConstView, LayerView, TypeView

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


def accum_for(acc: FixedType, out: FixedType, extra_frac: int = 0) -> FixedType:
    """``acc`` with integer bits added (same values) so that assigning it -- or its
    product with a constant of ``extra_frac`` more fractional bits than bits -- to
    ``out`` never drops more fractional bits than the source is wide: the official
    ap_fixed headers assert (reading a bit above the MSB) on such rounding conversions,
    e.g. from the ``ufixed<1,-11>`` accumulator of an all-zero kernel."""
    grow = acc.frac + extra_frac - out.frac - acc.width
    return acc if grow <= 0 else FixedType(acc.width + grow, acc.integer + grow, acc.signed)


@dataclass(frozen=True)
class SparseLinear:
    """The ``dense_kernel`` part of a linear layer's LayerView."""

    consts: tuple[ConstView, ...]
    types: tuple[TypeView, ...]
    arrays: tuple[ArrayView, ...]
    multipliers: int
    comment: str


def sparse_linear(node: Node, ctx: LowerContext, w: np.ndarray) -> SparseLinear:
    """Triplets of the non-zero mantissas of ``w`` (the kernel as an ``(n_in, n_out)``
    matrix, already in the node's weight type) plus the node's bias and exact accumulator."""
    k = node.params["kernel"]
    assert isinstance(k.type, FixedType)
    n_in, n_out = w.shape
    s = ctx.settings(node)
    wi, wo = np.nonzero(w)  # row-major: grouped by input
    if s.strategy != "Latency":
        # Resource runs product k in cycle k % reuse_factor: grouped by output, each
        # cycle's products spread over the outputs.
        order = np.lexsort((wi, wo))
        wi, wo = wi[order], wo[order]
    # Latency computes every product in the same cycle, so the order is free there; grouped
    # by input, consecutive products of the C++ loop update different accumulators, which
    # makes the g++ C-simulation about twice as fast as one accumulator at a time (each
    # update would wait for the previous store to the same element).
    vals = w[wi, wo]
    nnz = len(vals)
    if "bias" in node.params:
        b = node.params["bias"]
        b_mant, b_type = b.mant, as_fixed(b.type)
    else:
        b_mant, b_type = np.zeros(n_out, dtype=np.int64), FixedType(1, 1, False)
    check_reuse_factor(node, s.reuse_factor, nnz)
    acc = accum_for(as_fixed(node.op.infer_types(node)[0].elem), as_fixed(node.output.type.elem))
    name = node.name
    return SparseLinear(
        consts=(
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
            ctx.raw_array(f"{name}_w", vals, k.type, f"{nnz} non-zero of {k.values.size} weights"),
            ctx.index_array(f"{name}_wi", wi, n_in),
            ctx.index_array(f"{name}_wo", wo, n_out),
            ctx.raw_array(f"{name}_b", b_mant, b_type),
        ),
        multipliers=math.ceil(nnz / s.reuse_factor),
        comment=f"{nnz} multiplications per position ({k.values.size - nnz} pruned weights cost nothing)",
    )


def lower_dense(node: Node, ctx: LowerContext) -> LayerView:
    k = node.params["kernel"]
    assert k.mant is not None
    w = np.asarray(k.mant).reshape(-1, k.shape[-1])
    lin = sparse_linear(node, ctx, w)
    y = ctx.var(node.output)
    return LayerView(
        name=node.name,
        op=node.op.name,
        header="dense.h",
        func="dense",
        inputs=(ctx.input_var(node, 0),),
        output=y,
        consts=(ConstView("n_pos", y.size // w.shape[1]), *lin.consts),
        types=lin.types,
        arrays=lin.arrays,
        multipliers=lin.multipliers,
        comment=lin.comment,
    )
