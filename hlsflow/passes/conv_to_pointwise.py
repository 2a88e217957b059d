"""conv-to-pointwise: a 1x1 (or length-1), stride-1, undilated convolution is a
pointwise convolution -- a Dense over the channel axis -- which backends implement
without window buffers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from hlsflow.ir.constant import Constant
from hlsflow.passes.base import Pass, PassContext

if TYPE_CHECKING:
    from hlsflow.ir.graph import Graph, Node


def _as_tuple(v: object) -> tuple[int, ...]:
    return tuple(v) if isinstance(v, (tuple, list)) else (int(v),)  # type: ignore[arg-type]


def _is_pointwise(node: Node) -> bool:
    if node.op.name not in ("conv1d", "conv2d"):
        return False
    op = node.op
    ks, st = _as_tuple(op.kernel_size), _as_tuple(op.strides)
    dl = _as_tuple(op.dilation)
    return all(k == 1 for k in ks) and all(s == 1 for s in st) and all(d == 1 for d in dl)


@dataclass(frozen=True)
class ConvToPointwise(Pass):
    name: ClassVar[str] = "conv-to-pointwise"

    def apply(self, graph: Graph, ctx: PassContext) -> bool:
        from hlsflow.ir.ops.pointwise_conv import PointwiseConv

        changed = False
        for node in graph:
            if not _is_pointwise(node):
                continue
            k = node.params["kernel"]
            cin, cout = k.shape[-2], k.shape[-1]
            kernel = Constant(k.values.reshape(cin, cout), k.mask.reshape(cin, cout), k.type,
                              None if k.mant is None else k.mant.reshape(cin, cout))
            node.params["kernel"] = kernel
            graph.replace_op(node, PointwiseConv(units=cout))
            changed = True
        return changed
