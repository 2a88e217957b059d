"""Reshape: shape checks and row-major element order in compute and reference."""

from __future__ import annotations

import numpy as np
import pytest

from hlsflow.emulate import emulate, reference
from hlsflow.ir.graph import Graph, IRError, Node
from hlsflow.ir.ops.reshape import Reshape
from hlsflow.ir.types import FixedType, TensorType
from hlsflow.numerics.array import FixedArray

T = FixedType(10, 4)


def build(op: Reshape, shape) -> tuple[Graph, Node]:
    g = Graph()
    n = g.add_node(op, [g.add_input("x", TensorType(shape, T))], name="r")
    g.set_outputs([n.output])
    g.verify()
    return g, n


@pytest.mark.parametrize("shape,target", [((4, 6), (24,)), ((2, 3, 4), (6, 4)), ((12,), (2, 2, 3))])
def test_row_major(shape, target) -> None:
    g, n = build(Reshape(target), shape)
    assert n.output.type == TensorType(target, FixedType(10, 4))
    mant = np.arange(2 * int(np.prod(shape))).reshape((2,) + shape) - 20
    (y,) = n.op.compute(n, [FixedArray(mant, FixedType(10, 4))])
    assert y.mant.tolist() == mant.reshape((2,) + target).tolist()  # C order, batch kept
    data = np.ldexp(mant.astype(np.float64), -6)
    np.testing.assert_array_equal(emulate(g, data), reference(g, data))


@pytest.mark.parametrize(
    "target,msg", [((5, 5), "cannot reshape"), ((-1, 4), "no -1"), ((), "non-empty"), ([6, 4], "tuple")]
)
def test_verify_rejects(target, msg: str) -> None:
    with pytest.raises((IRError, ValueError), match=msg):
        build(Reshape(target), (4, 6))
