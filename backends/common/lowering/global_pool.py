"""Lower global_pool (max / avg): one window covering the whole image. io_parallel and
io_stream both accumulate pixel by pixel (``nnet::global_pool_max`` / ``_avg``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from hlsflow.backends.common.lowering.pool import reduce_layer
from hlsflow.backends.common.lowering.window import Geometry, hw_pair

if TYPE_CHECKING:
    from hlsflow.backends.common.lowering.context import LowerContext
    from hlsflow.backends.common.views import LayerView

    from hlsflow.ir.graph import Node


def lower_global_pool(node: Node, ctx: LowerContext) -> LayerView:
    spatial = node.inputs[0].type.shape[:-1]
    hw = hw_pair(spatial, 1)
    geom = Geometry(hw, (1, 1), kernel=hw)
    return reduce_layer(node, ctx, geom, np.array([geom.taps]), "global_pool")
