"""Flatten: channels-last row-major order (channel fastest), batch kept, type kept."""

from __future__ import annotations

import numpy as np
import pytest

from hlsflow.emulate import emulate, reference
from hlsflow.ir.graph import Graph
from hlsflow.ir.ops.flatten import Flatten
from hlsflow.ir.types import FixedType, IntType, TensorType
from hlsflow.numerics.array import FixedArray


@pytest.mark.parametrize("shape", [(5,), (4, 3), (2, 3, 4)])
def test_flatten(shape) -> None:
    g = Graph()
    n = g.add_node(Flatten(), [g.add_input("x", TensorType(shape, IntType(9)))], name="f")
    g.set_outputs([n.output])
    g.verify()
    size = int(np.prod(shape))
    assert n.output.type == TensorType((size,), IntType(9))
    mant = np.arange(2 * size).reshape((2,) + shape) - size
    (y,) = n.op.compute(n, [FixedArray(mant, FixedType(9, 9))])
    # Element (i, j, c) lands at (i * W + j) * C + c: channel fastest, like Keras.
    for idx in np.ndindex(*shape):
        assert y.mant[1, np.ravel_multi_index(idx, shape)] == mant[(1, *idx)]
    np.testing.assert_array_equal(emulate(g, mant.astype(np.float64)), reference(g, mant.astype(np.float64)))
