"""remove-identity: dropout, linear activation, same-shape reshape and no-op casts go;
anything that changes numbers stays."""

from __future__ import annotations

import numpy as np

from hlsflow.config import Config
from hlsflow.emulate import reference
from hlsflow.ir import Constant, FixedType, Graph, TensorType
from hlsflow.ir.ops.activation import Activation
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.ops.dropout import Dropout
from hlsflow.ir.ops.quantize import Quantize
from hlsflow.ir.ops.reshape import Reshape
from hlsflow.ir.types import FloatType
from hlsflow.passes.base import PassContext
from hlsflow.passes.remove_identity import RemoveIdentity


def test_removes_identities_and_keeps_function() -> None:
    g = Graph("m")
    x = g.add_input("x", TensorType((4,), FloatType()))
    d = g.add_node(Dense(4), [x], name="fc", params={"kernel": Constant.from_array(np.eye(4) * 2)})
    a = g.add_node(Dropout(0.5), [d.output], name="drop")
    b = g.add_node(Activation("linear"), [a.output], name="lin")
    c = g.add_node(Reshape((4,)), [b.output], name="same_shape")
    r = g.add_node(Activation("relu"), [c.output], name="relu")
    g.set_outputs([r.output])
    xs = np.random.default_rng(0).normal(size=(5, 4))
    before = reference(g, xs)
    assert RemoveIdentity().apply(g, PassContext(Config()))
    g.verify()
    assert [n.name for n in g.nodes] == ["x", "fc", "relu"]
    np.testing.assert_array_equal(reference(g, xs), before)


def test_keeps_casts_that_change_values() -> None:
    g = Graph("m")
    x = g.add_input("x", TensorType((4,), FixedType(16, 6)))
    q = g.add_node(Quantize(FixedType(8, 3)), [x], name="q")
    g.set_outputs([q.output])
    assert not RemoveIdentity().apply(g, PassContext(Config()))
    assert [n.name for n in g.nodes] == ["x", "q"]
