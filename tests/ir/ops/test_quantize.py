"""Quantize: a cast whose rounding/overflow modes match an independent rational model."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hlsflow.emulate as emu
from hlsflow.ir.graph import Graph, IRError, Node
from hlsflow.ir.ops.quantize import Quantize
from hlsflow.ir.types import FixedType, FloatType, Overflow, Rounding, TensorType
from hlsflow.numerics.array import FixedArray


def quant_node(to: FixedType, t: FixedType | FloatType, shape: tuple[int, ...] = (5,)) -> tuple[Graph, Node]:
    g = Graph()
    x = g.add_input("x", TensorType(shape, t))
    n = g.add_node(Quantize(to), [x], name="q")
    g.set_outputs([n.output])
    g.verify()
    return g, n


def slow_cast(v: Fraction, t: FixedType) -> int:
    """Round (per mode) then overflow (per mode), on exact rationals."""
    s = v * Fraction(2) ** t.frac
    fl = math.floor(s)
    r = s - fl
    half = Fraction(1, 2)
    up = {
        Rounding.TRN: False,
        Rounding.TRN_ZERO: r != 0 and s < 0,
        Rounding.RND: r >= half,
        Rounding.RND_ZERO: r > half or (r == half and s < 0),
        Rounding.RND_MIN_INF: r > half,
        Rounding.RND_INF: r > half or (r == half and s > 0),
        Rounding.RND_CONV: r > half or (r == half and fl % 2 == 1),
    }[t.rounding]
    m = fl + int(up)
    lo, hi = t.min_mant, t.max_mant
    if lo <= m <= hi:
        return m
    if t.overflow is Overflow.SAT:
        return min(max(m, lo), hi)
    if t.overflow is Overflow.SAT_ZERO:
        return 0
    if t.overflow is Overflow.SAT_SYM:  # ap_fixed: symmetric from 2 signed bits on
        return min(max(m, -hi if t.signed and t.width > 1 else lo), hi)
    w = m % (1 << t.width)
    return w - (1 << t.width) if t.signed and w > hi else w


@pytest.mark.parametrize("src", [FixedType(16, 6), FloatType()])
def test_output_type_is_to(src: FixedType | FloatType) -> None:
    to = FixedType(6, 2, True, Rounding.RND, Overflow.SAT)
    _, n = quant_node(to, src)
    assert n.output.type == TensorType((5,), to)


def test_declared_type_must_be_to() -> None:
    g = Graph()
    x = g.add_input("x", TensorType((5,), FixedType(16, 6)))
    n = g.add_node(Quantize(FixedType(6, 2)), [x], out_types=[TensorType((5,), FixedType(8, 2))])
    g.set_outputs([n.output])
    with pytest.raises(IRError, match=r"output type fixed<8,2> differs from to=fixed<6,2>"):
        g.verify()


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(1, 20),
    integer=st.integers(-3, 10),
    signed=st.booleans(),
    rounding=st.sampled_from(list(Rounding)),
    overflow=st.sampled_from(list(Overflow)),
    data=st.data(),
)
def test_cast_matches_rational_model(width: int, integer: int, signed: bool, rounding, overflow, data) -> None:
    src = FixedType(24, 10)
    to = FixedType(width, integer, signed, rounding, overflow)
    g, n = quant_node(to, src)
    mants = data.draw(st.lists(st.integers(src.min_mant, src.max_mant), min_size=5, max_size=5))
    x = FixedArray(np.array([mants], dtype=np.int64), src)
    y = n.op.evaluate(n, [x])[0]
    assert y.type == to
    expect = [slow_cast(Fraction(m, 2**src.frac), to) for m in mants]
    assert y.mant.ravel().tolist() == expect
    # The float reference applies the same quantisation.
    r = np.asarray(emu.reference(g, x.to_float()))
    assert np.array_equal(r, y.to_float())


def test_reference_quantises_float_input() -> None:
    to = FixedType(4, 2, True, Rounding.RND_CONV, Overflow.SAT)
    g, _ = quant_node(to, FloatType(), (6,))
    x = np.array([[0.125, 0.375, -0.125, 5.0, -5.0, 1.3]])
    assert np.asarray(emu.reference(g, x)).tolist() == [[0.0, 0.5, 0.0, 1.75, -2.0, 1.25]]
