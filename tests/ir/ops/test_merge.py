"""Merge: tight exact types (checked by vertex enumeration) and bit-exact values."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hlsflow.emulate as emu
from hlsflow.ir.graph import Graph, Node
from hlsflow.ir.ops.base import OpError
from hlsflow.ir.ops.merge import MODES, Merge
from hlsflow.ir.types import FixedType, FloatType, TensorType
from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.fixed import add_type, mul_type, sub_type, type_for_range, union_type


def merge_node(op: Merge, types: list, shape: tuple[int, ...] = (4,)) -> tuple[Graph, Node]:
    g = Graph()
    xs = [g.add_input(f"in{i}", TensorType(shape, t)) for i, t in enumerate(types)]
    n = g.add_node(op, xs, name="merge")
    g.set_outputs([n.output])
    g.verify()
    return g, n


def slow_merge(mode: str, xs: list[Fraction]) -> Fraction:
    n = len(xs)
    if mode == "add":
        return sum(xs, Fraction(0))
    if mode == "subtract":
        return xs[0] - xs[1]
    if mode == "multiply":
        return math.prod(xs, start=Fraction(1))
    if mode == "maximum":
        return max(xs)
    if mode == "minimum":
        return min(xs)
    assert mode == "average"
    if n & (n - 1) == 0:
        return sum(xs, Fraction(0)) / n
    bits = 16 + n.bit_length()
    r = Fraction(math.floor(Fraction(1, n) * 2**bits + Fraction(1, 2)), 2**bits)
    return sum(xs, Fraction(0)) * r


def value(m: int, t: FixedType) -> Fraction:
    return Fraction(m) / Fraction(2) ** t.frac


@st.composite
def fixed_types(draw, max_width: int = 24) -> FixedType:
    width = draw(st.integers(min_value=1, max_value=max_width))
    return FixedType(width, draw(st.integers(min_value=-4, max_value=16)), draw(st.booleans()))


@settings(max_examples=80, deadline=None)
@given(mode=st.sampled_from(MODES), n=st.integers(min_value=2, max_value=5), data=st.data())
def test_bit_exact_and_tight(mode: str, n: int, data) -> None:
    if mode == "subtract":
        n = 2
    types = [data.draw(fixed_types()) for _ in range(n)]
    op = Merge(mode)
    _, node = merge_node(op, types, (1,))
    nat = node.output.type.elem
    assert isinstance(nat, FixedType)
    # Tightness: every mode is monotone or multilinear per input, so the exact result
    # range is reached at the vertices of the input box.
    corners = [
        slow_merge(mode, [value(m, t) for m, t in zip(v, types)])
        for v in itertools.product(*[(t.min_mant, t.max_mant) for t in types])
    ]
    scale = Fraction(2) ** nat.frac
    assert all((c * scale).denominator == 1 for c in corners)
    assert nat == type_for_range(int(min(corners) * scale), int(max(corners) * scale), nat.frac)
    # Bit-exact on random values plus the extremes.
    rows = data.draw(st.lists(st.tuples(*[st.integers(t.min_mant, t.max_mant) for t in types]), min_size=1, max_size=8))
    rows += [tuple(t.min_mant for t in types), tuple(t.max_mant for t in types)]
    xs = [FixedArray(np.array([r[i] for r in rows], dtype=np.int64).reshape(-1, 1), t) for i, t in enumerate(types)]
    exact = op.compute(node, xs)[0]
    assert exact.type == nat
    assert np.array_equal(op.evaluate(node, xs)[0].mant, exact.mant)
    got = [value(int(m), nat) for m in exact.mant.ravel().tolist()]
    assert got == [slow_merge(mode, [value(m, t) for m, t in zip(r, types)]) for r in rows]


@pytest.mark.parametrize(
    "mode, chained",
    [
        ("add", lambda ts: add_type(add_type(ts[0], ts[1]), ts[2])),
        ("multiply", lambda ts: mul_type(mul_type(ts[0], ts[1]), ts[2])),
        ("maximum", union_type),
        ("minimum", union_type),
    ],
)
def test_never_wider_than_chained_types(mode: str, chained) -> None:
    types = [FixedType(8, 3), FixedType(6, 2, False), FixedType(10, 7)]
    _, n = merge_node(Merge(mode), types)
    assert n.output.type.elem.width <= chained(types).width


def test_examples() -> None:
    a, b = FixedType(8, 3), FixedType(6, 2, False)
    assert str(merge_node(Merge("add"), [a, a])[1].output.type) == "fixed<9,4>[4]"
    assert str(merge_node(Merge("subtract"), [a, b])[1].output.type.elem) == str(sub_type(a, b))
    assert str(merge_node(Merge("average"), [a, a])[1].output.type.elem) == "fixed<9,3>"
    third = Merge("average").average_scale(3)
    assert third is not None and (third.mant, third.frac) == (87381, 18)
    assert Merge("average").average_scale(4) is None


def test_wide_inputs_use_python_integers() -> None:
    t = FixedType(40, 10)
    op = Merge("multiply")
    _, n = merge_node(op, [t, t, t], (1,))
    m = np.array([[t.min_mant], [t.max_mant], [-12345]], dtype=np.int64)
    y = op.compute(n, [FixedArray(m, t)] * 3)[0]
    assert y.type.width > 62
    assert [value(int(v), y.type) for v in y.mant.ravel()] == [value(int(v), t) ** 3 for v in m.ravel()]


@pytest.mark.parametrize(
    "op, n, msg",
    [
        (Merge("concat"), 2, "unknown merge mode 'concat'; supported: add, subtract"),
        (Merge("subtract"), 3, "'subtract' needs exactly two inputs, got 3"),
        (Merge("add"), 1, "at least two inputs"),
    ],
)
def test_bad_modes_and_arity(op: Merge, n: int, msg: str) -> None:
    with pytest.raises(OpError, match=msg):
        g = Graph()
        xs = [g.add_input(f"in{i}", TensorType((4,), FixedType(8, 3))) for i in range(n)]
        node = g.add_node(op, xs)
        op.verify(node)


def test_shape_mismatch_is_rejected() -> None:
    g = Graph()
    a = g.add_input("a", TensorType((4,), FixedType(8, 3)))
    b = g.add_input("b", TensorType((5,), FixedType(8, 3)))
    node = g.add_node(Merge("add"), [a, b])
    with pytest.raises(OpError, match="same shape"):
        node.op.verify(node)


@pytest.mark.parametrize("mode", MODES)
def test_float_reference_and_emulation_agree(mode: str) -> None:
    n = 2 if mode == "subtract" else 3
    g, node = merge_node(Merge(mode), [FixedType(24, 8)] * n, (6,))
    rng = np.random.default_rng(5)
    xs = [np.round(rng.uniform(-20, 20, (30, 6)) * 2**16) / 2**16 for _ in range(n)]
    y, r = np.asarray(emu.emulate(g, xs)), np.asarray(emu.reference(g, xs))
    tol = 60 * 2**-17 if mode == "average" else 0.0  # only 1/3 is quantised
    assert np.max(np.abs(y - r)) <= tol
    gf, nf = merge_node(Merge(mode), [FloatType()] * n, (6,))
    assert nf.output.type.elem == FloatType()
    assert np.array_equal(np.asarray(emu.reference(gf, xs)), r)
