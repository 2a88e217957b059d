"""remove-identity: drop nodes that compute nothing (dropout, linear activation,
same-shape reshape, cast to the type a value already has)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from hlsflow.ir.types import FloatType
from hlsflow.passes.base import Pass, PassContext

if TYPE_CHECKING:
    from hlsflow.ir.graph import Graph, Node


def _is_identity(node: Node) -> bool:
    op = node.op
    if len(node.inputs) != 1 or len(node.outputs) != 1:
        return False
    src, dst = node.inputs[0].type, node.output.type
    # A node that casts (declared output type differs from its input) is not an identity
    # once types are fixed: removing it would change the numbers.
    same_type = src == dst or isinstance(dst.elem, FloatType)
    if op.name == "dropout":
        return same_type
    if op.name == "activation" and getattr(op, "function", None) == "linear":
        return same_type
    if op.name == "reshape":
        return src.shape == dst.shape and same_type
    if op.name == "quantize":
        return src == dst
    return False


@dataclass(frozen=True)
class RemoveIdentity(Pass):
    name: ClassVar[str] = "remove-identity"

    def apply(self, graph: Graph, ctx: PassContext) -> bool:
        changed = False
        for node in graph:
            if _is_identity(node):
                if any(node.output is o for o in graph.outputs) and node.inputs[0].producer.op.name == "input":
                    continue  # keep a graph output distinct from a graph input
                graph.bypass(node)
                changed = True
        return changed
