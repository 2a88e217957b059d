"""Softmax: table parameters, bit-exact pipeline against a slow reference, accuracy."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hlsflow.emulate as emu
from hlsflow.ir.graph import Graph, Node
from hlsflow.ir.ops.base import OpError
from hlsflow.ir.ops.softmax import Softmax
from hlsflow.ir.types import FixedType, FloatType, TensorType
from hlsflow.numerics.array import FixedArray

X = FixedType(18, 8)


def emulate(g: Graph, x: np.ndarray) -> np.ndarray:
    return np.asarray(emu.emulate(g, x))


def reference(g: Graph, x: np.ndarray) -> np.ndarray:
    return np.asarray(emu.reference(g, x))


def softmax_node(op: Softmax, t: FixedType | FloatType, shape: tuple[int, ...]) -> tuple[Graph, Node]:
    g = Graph()
    x = g.add_input("logits", TensorType(shape, t))
    n = g.add_node(op, [x], name="softmax")
    g.set_outputs([n.output])
    g.verify()
    return g, n


def slow_lookup(v: Fraction, f, lo: float, hi: float, size: int, t: FixedType) -> int:
    """Table rule on rationals: clamped floor index, f at the bin centre, RND + SAT."""
    k = min(max(math.floor((v - Fraction(lo)) * size / Fraction(hi - lo)), 0), size - 1)
    centre = Fraction(lo) + (k + Fraction(1, 2)) * Fraction(hi - lo) / size
    m = math.floor(Fraction(f(float(centre))) * 2**t.frac + Fraction(1, 2))
    return min(max(m, t.min_mant), t.max_mant)


def slow_softmax_row(row: list[int], frac: int, op: Softmax, n: int) -> list[Fraction]:
    exp_t, inv_t = op.exp_table(), op.inv_table(n)
    xs = [Fraction(m) / 2**frac for m in row]
    top = max(xs)
    es = [slow_lookup(x - top, math.exp, exp_t.lo, exp_t.hi, exp_t.size, exp_t.type) for x in xs]
    s = Fraction(sum(es)) / 2**exp_t.type.frac
    inv = slow_lookup(s, lambda c: 1.0 / c, inv_t.lo, inv_t.hi, inv_t.size, inv_t.type)
    return [Fraction(e * inv) / 2 ** (exp_t.type.frac + inv_t.type.frac) for e in es]


def as_fractions(a: FixedArray) -> list[list[Fraction]]:
    return [[Fraction(int(m)) / 2**a.type.frac for m in r] for r in a.mant.reshape(a.mant.shape[0], -1).tolist()]


def test_default_tables_and_type() -> None:
    op = Softmax()
    _, n = softmax_node(op, X, (10,))
    exp_t, inv_t = op.tables(n)
    assert (exp_t.lo, exp_t.hi, exp_t.size, exp_t.step, str(exp_t.type)) == (-16.0, 0.0, 4096, 1 / 256, "ufixed<16,0>")
    assert (inv_t.lo, inv_t.hi, inv_t.size, inv_t.step, str(inv_t.type)) == (1.0, 17.0, 2048, 1 / 128, "ufixed<20,0>")
    assert str(n.output.type) == "ufixed<36,0>[10]"


@pytest.mark.parametrize(
    "n, hi, size", [(1, 2.0, 1024), (2, 2.0, 1024), (3, 3.0, 1024), (17, 17.0, 2048), (100, 129.0, 16384)]
)
def test_inverse_range_covers_every_sum(n: int, hi: float, size: int) -> None:
    t = Softmax().inv_table(n)
    assert (t.lo, t.hi, t.size) == (1.0, hi, size)
    assert t.hi - 1 >= n - 1  # S <= n * max entry < n


def test_float_input_gives_float_output() -> None:
    g, n = softmax_node(Softmax(), FloatType(), (4,))
    assert n.output.type.elem == FloatType()
    r = reference(g, np.array([[0.0, 1.0, 2.0, 3.0]]))
    assert np.allclose(r, np.exp([0, 1, 2, 3]) / np.exp([0, 1, 2, 3]).sum())


@pytest.mark.parametrize(
    "op, shape, msg",
    [
        (Softmax(axis=2), (3, 4), "axis=2 is out of range"),
        (Softmax(exp_range=12.0), (4,), "exp_range.*power of two"),
        (Softmax(exp_table_size=1000), (4,), "exp_table_size.*power of two"),
        (Softmax(inv_table_size=16), (100,), "inv_table_size.*multiple of the bin width"),
    ],
)
def test_bad_attributes_are_named(op: Softmax, shape: tuple[int, ...], msg: str) -> None:
    with pytest.raises(OpError, match=msg):
        softmax_node(op, X, shape)


@pytest.mark.parametrize(
    "op, shape",
    [
        (Softmax(), (10,)),
        (Softmax(exp_table_size=256, exp_range=8.0, inv_table_size=256, exp_type=FixedType(10, 0, False)), (5,)),
        (Softmax(axis=0), (3, 2)),
    ],
)
def test_bit_exact_against_slow_reference(op: Softmax, shape: tuple[int, ...]) -> None:
    _, n = softmax_node(op, X, shape)
    rng = np.random.default_rng(7)
    mants = rng.integers(-3000, 3000, (12,) + shape)
    mants[0] = 0  # all equal
    mants[1, ...] = X.min_mant  # extreme spread below the maximum
    mants[1].flat[0] = X.max_mant
    y = op.evaluate(n, [FixedArray(mants, X)])[0]
    # Move the softmax axis last so that each row is one slice.
    ax = op.axis % len(shape) + 1
    got = np.moveaxis(y.mant, ax, -1).reshape(-1, shape[ax - 1])
    rows = np.moveaxis(mants, ax, -1).reshape(-1, shape[ax - 1])
    for r, g in zip(rows.tolist(), got.tolist()):
        assert [Fraction(int(m)) / 2**y.type.frac for m in g] == slow_softmax_row(r, X.frac, op, len(r))


def test_accuracy_on_random_logits() -> None:
    g, _ = softmax_node(Softmax(), FixedType(24, 8), (10,))
    rng = np.random.default_rng(3)
    logits = rng.normal(0.0, 3.0, (5000, 10))
    y, p = emulate(g, logits), reference(g, logits)
    assert np.mean(np.argmax(y, axis=1) == np.argmax(p, axis=1)) >= 0.995
    assert np.max(np.abs(y.sum(axis=1) - 1.0)) <= 0.01
    assert np.max(np.abs(y - p)) <= 0.01
    big = p >= 0.01  # relative error: 1% once entry rounding (2**-17 absolute) is negligible
    assert np.max(np.abs(y - p)[big] / p[big]) <= 0.01


def test_axis_zero_on_2d_input() -> None:
    g, _ = softmax_node(Softmax(axis=0), FixedType(24, 8), (6, 3))
    logits = np.random.default_rng(4).normal(0.0, 2.0, (50, 6, 3))
    y, p = emulate(g, logits), reference(g, logits)
    assert np.allclose(y.sum(axis=1), 1.0, atol=0.01)
    assert np.max(np.abs(y - p)) <= 0.01


def test_single_element_is_almost_one() -> None:
    g, _ = softmax_node(Softmax(), X, (1,))
    y = emulate(g, np.array([[-3.0], [0.0], [100.0]]))
    assert np.all(np.abs(y - 1.0) <= 0.01)


def test_maximum_takes_last_exp_entry() -> None:
    op = Softmax()
    _, n = softmax_node(op, X, (4,))
    exp_t, _ = op.tables(n)
    d_type = FixedType(X.width + 1, X.integer + 1)
    zero = FixedArray(np.zeros((1,), dtype=np.int64), d_type)
    assert exp_t.index(zero).tolist() == [exp_t.size - 1]
    entries = exp_t.entries(np.exp)
    assert entries[-1] == entries.max() and np.all(np.diff(entries) >= 0)


@settings(max_examples=30, deadline=None)
@given(
    width=st.integers(min_value=2, max_value=30),
    integer=st.integers(min_value=-2, max_value=12),
    n=st.integers(min_value=1, max_value=12),
    data=st.data(),
)
def test_properties_on_random_types(width: int, integer: int, n: int, data) -> None:
    t = FixedType(width, integer)
    op = Softmax()
    _, node = softmax_node(op, t, (n,))
    rows = data.draw(
        st.lists(st.lists(st.integers(t.min_mant, t.max_mant), min_size=n, max_size=n), min_size=1, max_size=6)
    )
    x = FixedArray(np.array(rows, dtype=np.int64), t)
    exact = op.compute(node, [x])[0]
    nat = node.output.type.elem
    assert exact.type == nat
    assert np.array_equal(op.evaluate(node, [x])[0].mant, exact.mant)  # never overflows
    yf = exact.to_float()
    assert np.all(np.abs(yf.sum(axis=1) - 1.0) <= 0.01)
    for r, y in zip(rows, yf):
        order = np.argsort(r, kind="stable")
        assert np.all(np.diff(y[order]) >= 0)  # order-preserving
        assert y[int(np.argmax(r))] == y.max()
