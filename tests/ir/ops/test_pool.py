"""Pool (max / avg, 1D / 2D): shape inference, padding and divisor semantics, bit-exact
compute against a slow Fraction model, float reference against the emulator and TF."""

from __future__ import annotations

import itertools
import math
import os
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hlsflow.emulate import emulate, reference
from hlsflow.ir.graph import Graph, IRError, Node
from hlsflow.ir.ops.pool import Pool
from hlsflow.ir.types import FixedType, IntType, TensorType
from hlsflow.numerics.array import FixedArray

fixed_types = st.builds(FixedType, width=st.integers(1, 14), integer=st.integers(-3, 16), signed=st.booleans())


def rand_mant(rng: np.random.Generator, shape: tuple[int, ...], t: FixedType) -> np.ndarray:
    return rng.integers(t.min_mant, t.max_mant + 1, size=shape)


def val(m: object, frac: int) -> Fraction:
    return Fraction(int(m)) * Fraction(2) ** (-frac)


def recip_rule(divisors: set[int]) -> tuple[int, dict[int, int]]:
    """The documented reciprocal rule, restated: F bits, R(d) = round-half-up(2**F / d)."""
    dmax = max(divisors)
    pow2 = all(d & (d - 1) == 0 for d in divisors)
    f = dmax.bit_length() - 1 if pow2 else 17 + dmax.bit_length()
    return f, {d: math.floor(Fraction(2**f, d) + Fraction(1, 2)) for d in divisors}


def slow_pool(x: FixedArray, op: Pool) -> dict[tuple[int, ...], Fraction]:
    """{(b, *o, c): value}: max over real elements, or sum * R(d) / 2**F."""
    spatial = x.shape[1:-1]
    outs, befores = [], []
    for n, k, s in zip(spatial, op.pool_size, op.strides):
        out = -(-n // s) if op.padding == "same" else (n - k) // s + 1
        outs.append(out)
        befores.append(max((out - 1) * s + k - n, 0) // 2 if op.padding == "same" else 0)
    windows = {}
    for o in itertools.product(*map(range, outs)):
        taps = [
            tuple(oo * s + j - bb for oo, j, s, bb in zip(o, jj, op.strides, befores))
            for jj in itertools.product(*map(range, op.pool_size))
        ]
        windows[o] = [p for p in taps if all(0 <= pp < n for pp, n in zip(p, spatial))]
    f, recip = recip_rule({len(w) for w in windows.values()})
    res = {}
    for b, (o, taps), c in itertools.product(range(x.shape[0]), windows.items(), range(x.shape[-1])):
        vals = [val(x.mant[(b, *p, c)], x.type.frac) for p in taps]
        res[(b, *o, c)] = max(vals) if op.kind == "max" else sum(vals) * recip[len(vals)] / 2**f
    return res


def build(op: Pool, t, shape) -> tuple[Graph, Node]:
    g = Graph()
    x = g.add_input("x", TensorType(shape, t))
    n = g.add_node(op, [x], name="pool")
    g.set_outputs([n.output])
    g.verify()
    return g, n


@pytest.mark.parametrize(
    "op,shape,out",
    [
        (Pool("max", (2,), (2,)), (9, 3), (4, 3)),
        (Pool("avg", (3,), (2,), "same"), (9, 3), (5, 3)),
        (Pool("max", (2, 2), (2, 2)), (7, 6, 2), (3, 3, 2)),
        (Pool("avg", (3, 2), (2, 1), "same"), (7, 6, 2), (4, 6, 2)),
        (Pool("avg", (3, 3), (1, 2), "valid"), (7, 6, 2), (5, 2, 2)),
    ],
)
def test_shape_inference(op: Pool, shape, out) -> None:
    _, n = build(op, FixedType(8, 3), shape)
    assert n.output.type.shape == out


def test_natural_types() -> None:
    t = FixedType(8, 3, signed=False)
    assert build(Pool("max", (3, 3), (1, 1), "same"), t, (4, 4, 1))[1].output.type.elem == t
    assert build(Pool("max", (2,), (2,)), IntType(6), (4, 1))[1].output.type.elem == IntType(6)
    # 2x2 average: a shift by 2 bits, exact, same integer bits as the input.
    assert build(Pool("avg", (2, 2), (2, 2)), t, (4, 4, 1))[1].output.type.elem == FixedType(10, 3, signed=False)
    # Same padding with 2x2 windows: divisors 4, 2 and 1 are all powers of two.
    assert build(Pool("avg", (2, 2), (1, 1), "same"), t, (3, 3, 1))[1].output.type.elem == FixedType(
        10, 3, signed=False
    )
    # 3-element windows: sum (10 bits) times an 18-bit reciprocal with F = 19.
    avg3 = build(Pool("avg", (3,), (3,)), t, (6, 1))[1].output.type.elem
    # 3 * R(3) = 2**19 + 1 exceeds one by an ulp, which the 8-bit max (255) absorbs.
    assert avg3.frac == t.frac + 19 and avg3.width == 8 + 19


@pytest.mark.parametrize(
    "op,msg",
    [
        (Pool("min", (2, 2), (2, 2)), "kind must be 'max' or 'avg', got 'min'"),
        (Pool("max", (2, 2), (2, 2), "causal"), "padding must be 'valid' or 'same', got 'causal'"),
        (Pool("max", (2, 2, 2), (2, 2, 2)), "pool_size must be a tuple of 1 or 2"),
        (Pool("max", (2, 2), (2,)), "strides must be a tuple of 2"),
        (Pool("max", (2,), (2,)), "rank-2 input"),
        (Pool("avg", (9, 2), (1, 1)), "smaller than the"),
    ],
)
def test_verify_rejects(op: Pool, msg: str) -> None:
    with pytest.raises((IRError, ValueError), match=msg):
        build(op, FixedType(8, 3), (6, 6, 2))


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    t=fixed_types,
    kind=st.sampled_from(["max", "avg"]),
    rank=st.integers(1, 2),
    k=st.tuples(st.integers(1, 4), st.integers(1, 3)),
    s=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    pad=st.sampled_from(["valid", "same"]),
)
def test_compute_bit_exact(seed, t, kind, rank, k, s, pad) -> None:
    rng = np.random.default_rng(seed)
    spatial = tuple(kk + int(rng.integers(0, 4)) for kk in k[:rank])
    op = Pool(kind, k[:rank], s[:rank], pad)
    _, n = build(op, t, spatial + (2,))
    x = FixedArray(rand_mant(rng, (2,) + spatial + (2,), t), t)
    (y,) = op.compute(n, [x])
    nat = n.output.type.elem
    assert y.type == nat and y.shape == (2,) + n.output.type.shape
    want = slow_pool(x, op)
    assert len(want) == y.mant.size
    for idx, w in want.items():
        assert nat.min_mant <= int(y.mant[idx]) <= nat.max_mant
        assert val(y.mant[idx], nat.frac) == w


def test_avg_same_divides_by_valid_count_and_reciprocal_error_is_bounded() -> None:
    t = FixedType(16, 8)
    op = Pool("avg", (3, 3), (1, 1), "same")
    _, n = build(op, t, (4, 5, 1))
    x = FixedArray(np.full((1, 4, 5, 1), 7 << t.frac), t)  # every element is 7
    (y,) = op.compute(n, [x])
    err = np.abs(y.to_float() - 7.0)
    assert np.all(err <= 7.0 * 2.0**-18)  # corner windows (4 elements) are exact shifts
    assert err[0, 0, 0, 0] == 0.0 and err[0, 1, 1, 0] > 0  # 9 elements: rounded reciprocal


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_reference_matches_emulation_with_generous_types(kind: str) -> None:
    rng = np.random.default_rng(2)
    t = FixedType(20, 6)
    g, _ = build(Pool(kind, (3, 2), (2, 1), "same"), t, (7, 5, 3))
    data = np.ldexp(rand_mant(rng, (4, 7, 5, 3), t).astype(np.float64), -t.frac)
    np.testing.assert_allclose(emulate(g, data), reference(g, data), rtol=2.0**-17, atol=1e-12)


@pytest.mark.keras
@pytest.mark.parametrize(
    "kind,k,s,pad",
    [
        ("max", (2, 2), (2, 2), "valid"),
        ("max", (3, 3), (2, 1), "same"),
        ("avg", (3, 3), (2, 2), "same"),
        ("avg", (2, 3), (1, 2), "valid"),
        ("avg", (3,), (2,), "same"),
        ("max", (3,), (2,), "same"),
    ],
)
def test_reference_matches_tensorflow(kind, k, s, pad) -> None:
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(3)
    shape = (7, 6, 3)[-len(k) - 1 :]
    x = rng.normal(size=(2,) + shape)
    cls = {
        ("max", 1): "MaxPooling1D",
        ("max", 2): "MaxPooling2D",
        ("avg", 1): "AveragePooling1D",
        ("avg", 2): "AveragePooling2D",
    }
    layer = getattr(tf.keras.layers, cls[(kind, len(k))])(k, strides=s, padding=pad)
    g, _ = build(Pool(kind, k, s, pad), FixedType(16, 4), shape)
    np.testing.assert_allclose(reference(g, x), layer(x.astype(np.float32)).numpy(), rtol=1e-5, atol=1e-5)
