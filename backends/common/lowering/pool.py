"""Lower pool (max / avg, 1D / 2D): ``nnet::pool_max`` / ``nnet::pool_avg``.

Average pooling sums the window exactly (``accum_t`` holds any sum of ``n_taps``
inputs) and multiplies by the op's quantised reciprocal of the window's count of
non-padded elements, read from a table indexed by ``count - min_count``: the product is
the emulator's exact average, assigned once to the output type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from hlsflow.backends.common.lowering.dense import accum_for
from hlsflow.backends.common.lowering.window import Geometry, per_channel_consts, window_layer
from hlsflow.backends.common.views import ConstView

from hlsflow.ir.types import FixedType, as_fixed
from hlsflow.numerics.window import reciprocal_frac, reciprocal_mant, reciprocal_type

if TYPE_CHECKING:
    from hlsflow.backends.common.lowering.context import LowerContext
    from hlsflow.backends.common.views import LayerView

    from hlsflow.ir.graph import Node


def reduce_layer(node: Node, ctx: LowerContext, geom: Geometry, divisors: np.ndarray, prefix: str) -> LayerView:
    """A max / average reduction over windows of ``geom`` (``divisors``: the averaging
    count of each output position); ``prefix``: ``pool`` or ``global_pool``."""
    kind = node.op.kind
    xt, yt = as_fixed(node.inputs[0].type.elem), as_fixed(node.output.type.elem)
    consts = per_channel_consts(node.inputs[0].type.shape[-1])
    if kind == "max":
        types = (ctx.typedef(node, "accum_t", accum_for(xt, yt)),)
        return window_layer(node, ctx, geom, "pool.h", f"{prefix}_max", consts, types)
    ds = sorted({int(d) for d in np.asarray(divisors).ravel()})
    frac, rt = reciprocal_frac(ds), reciprocal_type(ds)
    table = [reciprocal_mant(d, frac) if d in ds else 0 for d in range(ds[0], ds[-1] + 1)]
    bits = geom.taps.bit_length()
    types = (
        ctx.typedef(
            node, "accum_t", accum_for(FixedType(xt.width + bits, xt.integer + bits, xt.signed), yt, -rt.integer)
        ),
        ctx.typedef(node, "recip_t", rt),
    )
    recip = ctx.raw_array(f"{node.name}_recip", table, rt, f"1/d for window counts d = {ds[0]}..{ds[-1]}")
    consts += (ConstView("min_count", ds[0]),)
    return window_layer(node, ctx, geom, "pool.h", f"{prefix}_avg", consts, types, (recip,))


def lower_pool(node: Node, ctx: LowerContext) -> LayerView:
    shape = node.inputs[0].type.shape
    geom = Geometry.of_window(node.op.window, shape)
    return reduce_layer(node, ctx, geom, node.op.divisors(tuple(shape[:-1])), "pool")
