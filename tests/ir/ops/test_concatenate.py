"""Concatenate: shapes, union type, exact values."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hlsflow.emulate as emu
from hlsflow.ir.graph import Graph, Node
from hlsflow.ir.ops.base import OpError
from hlsflow.ir.ops.concatenate import Concatenate
from hlsflow.ir.types import FixedType, FloatType, TensorType
from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.fixed import union_type


def concat_node(axis: int, types: list, shapes: list[tuple[int, ...]]) -> tuple[Graph, Node]:
    g = Graph()
    xs = [g.add_input(f"in{i}", TensorType(s, t)) for i, (t, s) in enumerate(zip(types, shapes))]
    n = g.add_node(Concatenate(axis), xs, name="concat")
    g.set_outputs([n.output])
    g.verify()
    return g, n


@pytest.mark.parametrize(
    "axis, shapes, out",
    [
        (1, [(2, 3), (2, 5)], (2, 8)),
        (0, [(2, 3), (4, 3), (1, 3)], (7, 3)),
        (2, [(4, 4, 2), (4, 4, 6)], (4, 4, 8)),
        (0, [(3,), (5,)], (8,)),
    ],
)
def test_output_shape(axis: int, shapes: list[tuple[int, ...]], out: tuple[int, ...]) -> None:
    _, n = concat_node(axis, [FixedType(8, 3)] * len(shapes), shapes)
    assert n.output.type.shape == out


@pytest.mark.parametrize(
    "axis, shapes, msg",
    [
        (1, [(2, 3), (3, 5)], "must match except on axis 1"),
        (0, [(2, 3), (2,)], "must match except on axis 0"),
        (2, [(2, 3), (2, 3)], r"axis=2 must be in \[0, 2\)"),
        (-1, [(2, 3), (2, 3)], r"axis=-1 must be in \[0, 2\)"),
    ],
)
def test_bad_shapes_and_axis(axis: int, shapes: list[tuple[int, ...]], msg: str) -> None:
    with pytest.raises(OpError, match=msg):
        concat_node(axis, [FixedType(8, 3)] * len(shapes), shapes)


def test_float_inputs() -> None:
    g, n = concat_node(0, [FloatType(), FixedType(8, 3)], [(2,), (3,)])
    assert n.output.type.elem == FloatType()
    r = np.asarray(emu.reference(g, [np.array([[1.0, 2.0]]), np.array([[3.0, 4.0, 5.0]])]))
    assert r.tolist() == [[1.0, 2.0, 3.0, 4.0, 5.0]]


@st.composite
def fixed_types(draw) -> FixedType:
    width = draw(st.integers(min_value=1, max_value=40))
    return FixedType(width, draw(st.integers(min_value=-8, max_value=30)), draw(st.booleans()))


@settings(max_examples=60, deadline=None)
@given(types=st.lists(fixed_types(), min_size=2, max_size=4), axis=st.integers(0, 1), data=st.data())
def test_values_exact_in_union_type(types: list[FixedType], axis: int, data) -> None:
    sizes = [data.draw(st.integers(1, 3)) for _ in types]
    shapes: list[tuple[int, ...]] = [(k, 2) if axis == 0 else (2, k) for k in sizes]
    g, n = concat_node(axis, types, shapes)
    u = n.output.type.elem
    assert isinstance(u, FixedType)
    assert u == union_type(types)
    xs = []
    for t, s in zip(types, shapes):
        mants = data.draw(
            st.lists(st.integers(t.min_mant, t.max_mant), min_size=2 * s[0] * s[1], max_size=2 * s[0] * s[1])
        )
        xs.append(FixedArray(np.array(mants, dtype=np.int64).reshape((2,) + s), t))
    y = n.op.evaluate(n, xs)[0]
    assert np.array_equal(y.mant, n.op.compute(n, xs)[0].mant)  # the union never overflows
    as_fracs = [
        np.vectorize(lambda m, f=x.type.frac: Fraction(int(m)) / Fraction(2) ** f, otypes=[object])(x.mant) for x in xs
    ]
    expect = np.concatenate(as_fracs, axis=axis + 1)
    got = np.vectorize(lambda m: Fraction(int(m)) / Fraction(2) ** u.frac, otypes=[object])(y.mant)
    assert got.tolist() == expect.tolist()


def test_emulation_equals_reference_on_grid_values() -> None:
    g, _ = concat_node(1, [FixedType(12, 4), FixedType(8, 6, False)], [(3, 2), (3, 4)])
    rng = np.random.default_rng(2)
    a = np.round(rng.uniform(-8, 8, (5, 3, 2)) * 256) / 256
    b = np.round(rng.uniform(0, 60, (5, 3, 4)) * 4) / 4
    assert np.array_equal(np.asarray(emu.emulate(g, [a, b])), np.asarray(emu.reference(g, [a, b])))
