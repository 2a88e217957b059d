"""fold-batchnorm: fold ``y = x*scale + shift`` into the Dense/Conv that produces ``x``.

Legal when the linear node's output feeds only the batch-norm, both are still float
(folding already-quantised weights would change the numbers a quantiser fixed), and the
batch-norm acts on the linear node's output channels (the last axis). The folded kernel
keeps the zero mask: a pruned weight stays pruned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hlsflow.ir.constant import Constant
from hlsflow.passes.base import Pass, PassContext

if TYPE_CHECKING:
    from hlsflow.ir.graph import Graph, Node

LINEAR_OPS = ("dense", "pointwise_conv", "conv1d", "conv2d", "depthwise_conv2d")


def _foldable(graph: Graph, bn: Node) -> Node | None:
    v = bn.inputs[0]
    src = v.producer
    if src.op.name not in LINEAR_OPS or len(v.users) != 1 or any(v is o for o in graph.outputs):
        return None
    if any(c.is_fixed for c in list(src.params.values()) + list(bn.params.values())):
        return None
    return src


@dataclass(frozen=True)
class FoldBatchNorm(Pass):
    name: ClassVar[str] = "fold-batchnorm"

    def apply(self, graph: Graph, ctx: PassContext) -> bool:
        changed = False
        for bn in graph:
            if bn.op.name != "batch_norm":
                continue
            lin = _foldable(graph, bn)
            if lin is None:
                continue
            scale = bn.params["scale"].values
            shift = bn.params["shift"].values
            kernel = lin.params["kernel"]
            # Output channels are the kernel's last axis; depthwise kernels are
            # (kh, kw, cin, mult) with output channel c*mult + m, i.e. the flattened
            # last two axes.
            if lin.op.name == "depthwise_conv2d":
                kh, kw, cin, mult = kernel.shape
                s = scale.reshape(cin, mult)
            else:
                s = scale
            new_k = Constant.from_array(kernel.values * s, kernel.mask)
            bias = lin.params["bias"].values if "bias" in lin.params else np.zeros_like(scale)
            new_b = Constant.from_array(bias * scale + shift, np.ones(scale.shape, dtype=bool))
            lin.params["kernel"] = new_k
            lin.params["bias"] = new_b
            graph.bypass(bn)
            ctx.note(f"fold-batchnorm: folded {bn.name!r} into {lin.name!r}")
            changed = True
        return changed
