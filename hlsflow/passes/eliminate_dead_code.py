"""eliminate-dead-code: remove nodes no graph output depends on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from hlsflow.passes.base import Pass, PassContext

if TYPE_CHECKING:
    from hlsflow.ir.graph import Graph


@dataclass(frozen=True)
class EliminateDeadCode(Pass):
    name: ClassVar[str] = "eliminate-dead-code"

    def apply(self, graph: Graph, ctx: PassContext) -> bool:
        return graph.dead_code_elimination() > 0
