"""eliminate-dead-code: nodes no output depends on are removed; inputs stay."""

from __future__ import annotations

from hlsflow.config import Config
from hlsflow.ir import FixedType, Graph, TensorType
from hlsflow.ir.ops.activation import Activation
from hlsflow.passes.base import PassContext
from hlsflow.passes.eliminate_dead_code import EliminateDeadCode


def test_removes_unused_branch() -> None:
    g = Graph("m")
    x = g.add_input("x", TensorType((4,), FixedType(8, 3)))
    live = g.add_node(Activation("relu"), [x], name="live")
    dead = g.add_node(Activation("tanh"), [x], name="dead")
    g.add_node(Activation("relu"), [dead.output], name="dead2")
    g.set_outputs([live.output])
    assert EliminateDeadCode().apply(g, PassContext(Config()))
    g.verify()
    assert [n.name for n in g.nodes] == ["x", "live"]
    assert not EliminateDeadCode().apply(g, PassContext(Config()))
