"""fuse-quantize: a Quantize whose producer has no other user and whose producer keeps
its exact (natural) result type is folded into that producer's output type.

This is exact: the producer computes its natural-type result and assigns it to the
output type; assigning the natural value to the Quantize target directly is the same
single rounding step. (If the producer already rounded, fusing would remove a rounding
step and change the numbers, so that case is left alone.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from hlsflow.ir.types import FixedType, TensorType
from hlsflow.passes.base import Pass, PassContext

if TYPE_CHECKING:
    from hlsflow.ir.graph import Graph, Node


def source_layer(node: Node) -> str | None:
    """The source-model layer a node came from (Keras or ONNX frontend)."""
    return node.meta.get("keras_layer") or node.meta.get("source_layer")


@dataclass(frozen=True)
class FuseQuantize(Pass):
    name: ClassVar[str] = "fuse-quantize"

    def apply(self, graph: Graph, ctx: PassContext) -> bool:
        changed = False
        for q in graph:
            if q.op.name != "quantize":
                continue
            src_v = q.inputs[0]
            src = src_v.producer
            if src.op.name in ("input", "quantize") or len(src_v.users) != 1 or len(src.outputs) != 1:
                continue  # two casts in a row round twice: they stay two nodes
            if any(src_v is o for o in graph.outputs):
                continue
            natural = src.op.infer_types(src)[0]
            if src_v.type != natural or not isinstance(q.output.type.elem, FixedType):
                continue
            graph.set_type(src_v, TensorType(src_v.type.shape, q.output.type.elem))
            name = q.name
            graph.bypass(q)
            # Helper nodes of one source layer collapse into one: it takes the layer's
            # name so traces and LayerName config entries keep matching.
            layer = source_layer(src)
            if layer is not None and layer == source_layer(q):
                graph.rename(src, name)
            src.meta["pinned_result"] = True  # the type came from a quantiser: keep it
            changed = True
        return changed
