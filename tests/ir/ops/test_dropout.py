"""Dropout: the identity at inference."""

from __future__ import annotations

import numpy as np
import pytest

import hlsflow.emulate as emu
from hlsflow.ir.constant import Constant
from hlsflow.ir.graph import Graph, IRError, Node
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.ops.dropout import Dropout
from hlsflow.ir.types import FixedType, FloatType, TensorType
from hlsflow.numerics.array import FixedArray


def dropout_node(rate: float, t: FixedType | FloatType) -> tuple[Graph, Node]:
    g = Graph()
    x = g.add_input("x", TensorType((2, 3), t))
    n = g.add_node(Dropout(rate), [x], name="drop")
    g.set_outputs([n.output])
    return g, n


@pytest.mark.parametrize("t", [FixedType(10, 3), FixedType(5, 5, False), FloatType()])
def test_type_is_input_type(t: FixedType | FloatType) -> None:
    g, n = dropout_node(0.5, t)
    g.verify()
    assert n.output.type == TensorType((2, 3), t)


def test_identity_values() -> None:
    t = FixedType(10, 3)
    g, n = dropout_node(0.25, t)
    x = FixedArray(np.arange(-6, 6, dtype=np.int64).reshape(2, 2, 3), t)
    y = n.op.evaluate(n, [x])[0]
    assert y.type == t and np.array_equal(y.mant, x.mant)
    data = x.to_float()
    assert np.array_equal(np.asarray(emu.emulate(g, data)), data)
    assert np.array_equal(np.asarray(emu.reference(g, data)), data)


@pytest.mark.parametrize("rate", [-0.1, 1.0, float("nan")])
def test_bad_rate(rate: float) -> None:
    g, _ = dropout_node(rate, FixedType(10, 3))
    with pytest.raises(IRError, match="dropout rate must be in"):
        g.verify()


def test_bypass_removes_it() -> None:
    g = Graph()
    x = g.add_input("x", TensorType((4,), FixedType(10, 3)))
    d = g.add_node(Dropout(0.5), [x])
    kernel = Constant.from_array(np.ones((4, 2))).quantize(FixedType(4, 2))
    dense = g.add_node(Dense(2), [d.output], params={"kernel": kernel})
    g.set_outputs([dense.output])
    g.bypass(d)
    g.verify()
    assert [n.op.name for n in g.nodes] == ["input", "dense"]
