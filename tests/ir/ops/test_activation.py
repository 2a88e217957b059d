"""Activation: type inference, bit-exact compute against slow references, float accuracy."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hlsflow.emulate as emu
from hlsflow.ir.graph import Graph, IRError, Node
from hlsflow.ir.ops.activation import FUNCTIONS, SELU_ALPHA, SELU_SCALE, Activation
from hlsflow.ir.ops.base import OpError
from hlsflow.ir.types import FixedType, FloatType, TensorType
from hlsflow.numerics.array import FixedArray

X16 = FixedType(16, 6)


def node_for(op: Activation, t: FixedType | FloatType, shape: tuple[int, ...] = (8,)) -> tuple[Graph, Node]:
    g = Graph()
    x = g.add_input("x", TensorType(shape, t))
    n = g.add_node(op, [x], name="act")
    g.set_outputs([n.output])
    g.verify()
    return g, n


def frac_values(a: FixedArray) -> list[Fraction]:
    return [Fraction(int(m)) / Fraction(2) ** a.type.frac for m in np.asarray(a.mant).ravel().tolist()]


def rnd16(v: float) -> Fraction:
    """A constant rounded to 16 fractional bits, ties up (the op's constant rule)."""
    return Fraction(math.floor(Fraction(v) * 65536 + Fraction(1, 2)), 65536)


def slow_exact(fn: str, x: Fraction, alpha: float | None = None, max_value: float | None = None) -> Fraction:
    if fn == "linear":
        return x
    if fn in ("relu", "relu6"):
        y = max(x, Fraction(0))
        cap = 6.0 if fn == "relu6" else max_value
        return y if cap is None else min(y, rnd16(cap))
    if fn == "leaky_relu":
        return x if x >= 0 else rnd16(alpha if alpha is not None else 0.3) * x
    if fn == "hard_sigmoid":
        return min(max(rnd16(0.2) * x + Fraction(1, 2), Fraction(0)), Fraction(1))
    raise AssertionError(fn)


def slow_table(x: Fraction, f, lo: float, hi: float, size: int, t: FixedType) -> Fraction:
    k = min(max(math.floor((x - Fraction(lo)) * size / Fraction(hi - lo)), 0), size - 1)
    centre = Fraction(lo) + (k + Fraction(1, 2)) * Fraction(hi - lo) / size
    m = math.floor(Fraction(float(f(float(centre)))) * Fraction(2) ** t.frac + Fraction(1, 2))
    return Fraction(min(max(m, t.min_mant), t.max_mant)) / Fraction(2) ** t.frac


def sigmoid(c: float) -> float:
    return 1.0 / (1.0 + math.exp(-c))


def slow_table_fn(fn: str, x: Fraction, op: Activation) -> Fraction:
    table = op.table()
    assert table is not None
    args = (table.lo, table.hi, table.size, table.type)
    if fn == "sigmoid":
        return slow_table(x, sigmoid, *args)
    if fn == "tanh":
        return slow_table(x, math.tanh, *args)
    if fn == "softsign":
        return slow_table(x, lambda c: c / (1 + abs(c)), *args)
    if fn == "elu":
        alpha = op.resolved_alpha()
        assert alpha is not None
        return x if x >= 0 else slow_table(x, lambda c: alpha * math.expm1(c), *args)
    assert fn == "selu"
    return rnd16(SELU_SCALE) * x if x >= 0 else slow_table(x, lambda c: SELU_SCALE * SELU_ALPHA * math.expm1(c), *args)


def all_mantissas(t: FixedType, step: int = 1) -> np.ndarray:
    return np.arange(t.min_mant, t.max_mant + 1, step, dtype=np.int64).reshape(-1, 1)


# -- type inference --------------------------------------------------------------------
@pytest.mark.parametrize(
    "op, expected",
    [
        (Activation("linear"), "fixed<16,6>"),
        (Activation("relu"), "ufixed<15,5>"),
        (Activation("relu6"), "ufixed<13,3>"),
        (Activation("relu", max_value=0.3), "ufixed<15,-1>"),  # 0.3 -> 19661 * 2**-16 < 0.5
        (Activation("leaky_relu", alpha=0.5), "fixed<17,6>"),  # 0.5 = 1 * 2**-1
        (Activation("leaky_relu"), "fixed<32,6>"),
        (Activation("hard_sigmoid"), "ufixed<27,1>"),
        (Activation("sigmoid"), "ufixed<16,0>"),
        (Activation("tanh"), "fixed<17,1>"),
        (Activation("softsign"), "fixed<17,1>"),
        (Activation("elu"), "fixed<22,6>"),
        (Activation("selu"), "fixed<33,7>"),
        (Activation("tanh", table_type=FixedType(8, 1)), "fixed<8,1>"),
    ],
)
def test_natural_types(op: Activation, expected: str) -> None:
    _, n = node_for(op, X16, (3, 4))
    assert str(n.output.type) == f"{expected}[3,4]"


def test_float_input_gives_float_output() -> None:
    g, n = node_for(Activation("tanh"), FloatType(), (5,))
    assert n.output.type.elem == FloatType()
    assert np.allclose(np.asarray(emu.reference(g, np.linspace(-3, 3, 5))), np.tanh(np.linspace(-3, 3, 5)))


def test_table_defaults() -> None:
    expect = {
        "sigmoid": (-8.0, 8.0, "ufixed<16,0>"),
        "tanh": (-4.0, 4.0, "fixed<17,1>"),
        "softsign": (-32.0, 32.0, "fixed<17,1>"),
        "elu": (-8.0, 0.0, "fixed<17,1>"),
        "selu": (-8.0, 0.0, "fixed<18,2>"),
    }
    for fn, (lo, hi, t) in expect.items():
        table = Activation(fn).table()
        assert table is not None and (table.lo, table.hi, table.size, str(table.type)) == (lo, hi, 1024, t)
    assert Activation("relu").table() is None and Activation("relu").table_function() is None
    custom = Activation("sigmoid", table_size=256, table_lo=-16.0, table_hi=16.0).table()
    assert custom is not None and (custom.size, custom.step, str(custom.type)) == (256, 0.125, "ufixed<17,1>")


# -- validation ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "op, msg",
    [
        (Activation("swish"), "unknown activation 'swish'; supported: linear, relu"),
        (Activation("relu", alpha=0.1), "alpha applies only to leaky_relu, elu"),
        (Activation("sigmoid", max_value=1.0), "max_value applies only to relu, relu6"),
        (Activation("relu", max_value=-1.0), "max_value must be a positive"),
        (Activation("relu6", max_value=5.0), "relu6 has max_value 6"),
        (Activation("relu", table_lo=-4.0), "table_lo applies only to table functions"),
        (Activation("tanh", table_lo=-3.0, table_hi=3.0), "table_lo/table_hi.*power of two"),
        (Activation("tanh", table_size=1000), "table_size.*power of two"),
        (Activation("leaky_relu", alpha=math.nan), "alpha must be finite"),
    ],
)
def test_bad_attributes_are_named(op: Activation, msg: str) -> None:
    with pytest.raises(OpError, match=msg):
        node_for(op, X16)


def test_verify_reports_bad_op_as_ir_error() -> None:
    _, n = node_for(Activation("relu"), X16)
    g = Graph()
    x = g.add_input("x", TensorType((8,), X16))
    bad = g.add_node(Activation("relu"), [x], out_types=[n.output.type])
    g.set_outputs([bad.output])
    g.replace_op(bad, Activation("gelu"))
    with pytest.raises(IRError, match="unknown activation 'gelu'"):
        g.verify()


# -- bit-exact compute -----------------------------------------------------------------
EXACT_CASES = [
    ("linear", {}),
    ("relu", {}),
    ("relu6", {}),
    ("relu", {"max_value": 0.3}),
    ("relu", {"max_value": 2.5}),
    ("leaky_relu", {}),
    ("leaky_relu", {"alpha": 0.1}),
    ("leaky_relu", {"alpha": -1.7}),
    ("hard_sigmoid", {}),
]


@pytest.mark.parametrize("fn, kw", EXACT_CASES)
def test_exact_functions_match_rational_reference(fn: str, kw: dict) -> None:
    t = FixedType(10, 4)
    op = Activation(fn, **kw)
    _, n = node_for(op, t, (1,))
    x = FixedArray(all_mantissas(t), t)
    y = op.evaluate(n, [x])[0]
    assert y.type == n.output.type.elem
    expect = [slow_exact(fn, v, **kw) for v in frac_values(x)]
    assert frac_values(y) == expect


@pytest.mark.parametrize("fn", ["sigmoid", "tanh", "softsign", "elu", "selu"])
def test_table_functions_match_independent_table(fn: str) -> None:
    t = FixedType(14, 7)  # [-64, 64): covers both clamped ends of every default table
    op = Activation(fn)
    _, n = node_for(op, t, (1,))
    x = FixedArray(all_mantissas(t, 7), t)
    y = op.evaluate(n, [x])[0]
    assert frac_values(y) == [slow_table_fn(fn, v, op) for v in frac_values(x)]


def test_elu_with_custom_alpha_and_table() -> None:
    t = FixedType(12, 5)
    op = Activation("elu", alpha=0.5, table_lo=-4.0, table_hi=0.0, table_size=256)
    _, n = node_for(op, t, (1,))
    x = FixedArray(all_mantissas(t), t)
    y = op.evaluate(n, [x])[0]
    assert frac_values(y) == [slow_table_fn("elu", v, op) for v in frac_values(x)]


WIDE = FixedType(60, 20)  # products exceed int64: the Python-integer path


@pytest.mark.parametrize("fn, kw", EXACT_CASES + [("selu", {}), ("elu", {})])
def test_wide_inputs_are_exact(fn: str, kw: dict) -> None:
    op = Activation(fn, **kw)
    _, n = node_for(op, WIDE, (1,))
    mants = [WIDE.min_mant, -(3 << 45) - 1, -1, 0, 1, (5 << 50) + 3, WIDE.max_mant]
    x = FixedArray(np.array(mants, dtype=np.int64).reshape(-1, 1), WIDE)
    y = op.compute(n, [x])[0]
    assert y.type == n.output.type.elem
    ref = slow_table_fn if fn in ("elu", "selu") else None
    expect = [ref(fn, v, op) if ref else slow_exact(fn, v, **kw) for v in frac_values(x)]
    assert frac_values(y) == expect


# -- float accuracy --------------------------------------------------------------------
# Worst case inside the table range: max|f'| * step / 2 + lsb / 2 (+ input lsb for exact).
ACCURACY = {
    "linear": 1e-9,
    "relu": 1e-9,
    "relu6": 1e-9,
    "leaky_relu": 0.3 * 2**-17 * 40,
    "hard_sigmoid": 40 * 2**-17,
    "sigmoid": 0.25 * 2**-7 + 2**-17,
    "tanh": 2**-8 + 2**-17,
    "softsign": 2**-5 + 2**-17,
    "elu": 2**-8 + 2**-17 + 3.4e-4,
    "selu": SELU_SCALE * SELU_ALPHA * 2**-8 + 2**-17 + 40 * 2**-17,
}


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_evaluate_close_to_reference(fn: str) -> None:
    op = Activation(fn)
    g, _ = node_for(op, FixedType(32, 8), (50,))
    table = op.table()
    lo, hi = (table.lo, table.hi) if table is not None and fn not in ("elu", "selu") else (-20.0, 20.0)
    xs = np.random.default_rng(1).uniform(lo, hi, (40, 50))
    xs = np.round(xs * 2**24) / 2**24  # on the input grid, so only the op's error shows
    err = np.asarray(emu.emulate(g, xs)) - np.asarray(emu.reference(g, xs))
    assert np.max(np.abs(err)) <= ACCURACY[fn]


# -- properties ------------------------------------------------------------------------
@st.composite
def fixed_types(draw) -> FixedType:
    width = draw(st.integers(min_value=1, max_value=40))
    return FixedType(width, draw(st.integers(min_value=-6, max_value=24)), draw(st.booleans()))


@settings(max_examples=40, deadline=None)
@given(t=fixed_types(), fn=st.sampled_from(FUNCTIONS), data=st.data())
def test_natural_type_never_overflows(t: FixedType, fn: str, data) -> None:
    op = Activation(fn)
    _, n = node_for(op, t, (1,))
    mants = data.draw(st.lists(st.integers(t.min_mant, t.max_mant), min_size=1, max_size=16)) + [t.min_mant, t.max_mant]
    x = FixedArray(np.array(mants, dtype=np.int64).reshape(-1, 1), t)
    exact = op.compute(n, [x])[0]
    nat = n.output.type.elem
    assert exact.type == nat
    assert all(nat.min_mant <= int(m) <= nat.max_mant for m in exact.mant.ravel().tolist())
    assert np.array_equal(op.evaluate(n, [x])[0].mant, exact.mant)
    if fn in ("linear", "relu", "relu6", "leaky_relu", "hard_sigmoid"):
        assert frac_values(exact) == [slow_exact(fn, v) for v in frac_values(x)]
