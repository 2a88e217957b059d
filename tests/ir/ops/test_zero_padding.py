"""ZeroPadding: shapes, exact zero insertion (int64 and Python-int data), reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hlsflow.emulate import emulate, reference
from hlsflow.ir.graph import Graph, IRError, Node
from hlsflow.ir.ops.zero_padding import ZeroPadding
from hlsflow.ir.types import FixedType, FloatType, TensorType
from hlsflow.numerics.array import FixedArray

pairs = st.tuples(st.integers(0, 3), st.integers(0, 3))


def build(op: ZeroPadding, t, shape) -> tuple[Graph, Node]:
    g = Graph()
    n = g.add_node(op, [g.add_input("x", TensorType(shape, t))], name="pad")
    g.set_outputs([n.output])
    g.verify()
    return g, n


@pytest.mark.parametrize(
    "pads,shape,out",
    [(((1, 2),), (4, 3), (7, 3)), (((0, 1), (2, 0)), (3, 4, 2), (4, 6, 2)), (((0, 0), (0, 0)), (2, 2, 1), (2, 2, 1))],
)
def test_shape_and_type(pads, shape, out) -> None:
    for t in (FixedType(8, 3, signed=False), FixedType(5, -2), FloatType()):
        n = build(ZeroPadding(pads), t, shape)[1]
        assert n.output.type == TensorType(out, t)


@pytest.mark.parametrize(
    "pads,shape,msg",
    [
        (((1, -1),), (4, 3), "pads must be"),
        (((1, 1), (1, 1), (1, 1)), (4, 4, 4, 3), "pads must be"),
        ([(1, 1)], (4, 3), "pads must be"),
        (((1, 1),), (4, 4, 3), "rank-2 input"),
    ],
)
def test_verify_rejects(pads, shape, msg: str) -> None:
    with pytest.raises((IRError, ValueError), match=msg):
        build(ZeroPadding(pads), FixedType(8, 3), shape)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), pads=st.lists(pairs, min_size=1, max_size=2), wide=st.booleans())
def test_compute_inserts_exact_zeros(seed, pads, wide) -> None:
    rng = np.random.default_rng(seed)
    t = FixedType(80, 20) if wide else FixedType(10, 4)
    shape = tuple(int(v) for v in rng.integers(1, 4, size=len(pads))) + (2,)
    _, n = build(ZeroPadding(tuple(pads)), t, shape)
    mant = rng.integers(-500, 500, size=(2,) + shape)
    x = FixedArray(np.array(mant.tolist(), dtype=object) * 2**40 if wide else mant, t)
    (y,) = n.op.compute(n, [x])
    assert y.type == t and y.shape == (2,) + n.output.type.shape
    inner = (slice(None),) + tuple(slice(b, b + s) for (b, _), s in zip(pads, shape)) + (slice(None),)
    assert y.mant[inner].tolist() == x.mant.tolist()
    mask = np.ones(y.shape, dtype=bool)
    mask[inner] = False
    assert all(v == 0 and type(v) is int for v in y.mant[mask].tolist())


def test_reference_matches_emulation() -> None:
    g, _ = build(ZeroPadding(((1, 0), (2, 1))), FixedType(12, 4), (3, 2, 2))
    data = np.ldexp(np.random.default_rng(0).integers(-2048, 2048, size=(3, 3, 2, 2)).astype(np.float64), -8)
    np.testing.assert_array_equal(emulate(g, data), reference(g, data))
