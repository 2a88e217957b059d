"""GlobalPool: shapes, natural types, bit-exact compute against a slow Fraction model
using the documented reciprocal rule, float reference against the emulator and TF."""

from __future__ import annotations

import math
import os
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hlsflow.emulate import emulate, reference
from hlsflow.ir.graph import Graph, IRError, Node
from hlsflow.ir.ops.global_pool import GlobalPool
from hlsflow.ir.types import FixedType, TensorType
from hlsflow.numerics.array import FixedArray

fixed_types = st.builds(FixedType, width=st.integers(1, 40), integer=st.integers(-3, 40), signed=st.booleans())


def val(m: object, frac: int) -> Fraction:
    return Fraction(int(m)) * Fraction(2) ** (-frac)


def build(op: GlobalPool, t: FixedType, shape) -> tuple[Graph, Node]:
    g = Graph()
    x = g.add_input("x", TensorType(shape, t))
    n = g.add_node(op, [x], name="gp")
    g.set_outputs([n.output])
    g.verify()
    return g, n


@pytest.mark.parametrize("shape", [(5, 3), (4, 6, 2)])
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_shape_inference(kind: str, shape) -> None:
    assert build(GlobalPool(kind), FixedType(8, 3), shape)[1].output.type.shape == shape[-1:]


def test_natural_types() -> None:
    t = FixedType(8, 3)
    assert build(GlobalPool("max"), t, (4, 4, 2))[1].output.type.elem == t
    assert build(GlobalPool("avg"), t, (4, 4, 2))[1].output.type.elem == FixedType(12, 3)  # / 16: exact shift
    assert build(GlobalPool("avg"), t, (5, 2))[1].output.type.elem.frac == t.frac + 17 + 3  # / 5: 18-bit reciprocal


@pytest.mark.parametrize(
    "op,shape,msg",
    [
        (GlobalPool("sum"), (4, 2), "kind must be 'max' or 'avg'"),
        (GlobalPool("max"), (2, 2, 2, 2), "global pooling needs"),
    ],
)
def test_verify_rejects(op: GlobalPool, shape, msg: str) -> None:
    with pytest.raises((IRError, ValueError), match=msg):
        build(op, FixedType(8, 3), shape)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    t=fixed_types,
    kind=st.sampled_from(["max", "avg"]),
    spatial=st.lists(st.integers(1, 5), min_size=1, max_size=2),
)
def test_compute_bit_exact(seed, t, kind, spatial) -> None:
    rng = np.random.default_rng(seed)
    shape = tuple(spatial) + (3,)
    _, n = build(GlobalPool(kind), t, shape)
    mant = np.array([int(v) for v in rng.integers(-(2**62), 2**62, size=2 * math.prod(shape))], dtype=object)
    mant = mant % (t.max_mant - t.min_mant + 1) + t.min_mant  # wide types: Python ints
    x = FixedArray(mant.reshape((2,) + shape) if t.width > 62 else mant.reshape((2,) + shape).astype(np.int64), t)
    (y,) = n.op.compute(n, [x])
    nat = n.output.type.elem
    assert y.type == nat and y.shape == (2, 3)
    d = math.prod(spatial)
    pow2 = d & (d - 1) == 0
    f = d.bit_length() - 1 if pow2 else 17 + d.bit_length()
    recip = math.floor(Fraction(2**f, d) + Fraction(1, 2))
    for b in range(2):
        for c in range(3):
            vals = [val(m, t.frac) for m in x.mant[b, ..., c].reshape(-1).tolist()]
            want = max(vals) if kind == "max" else sum(vals) * recip / 2**f
            assert nat.min_mant <= int(y.mant[b, c]) <= nat.max_mant
            assert val(y.mant[b, c], nat.frac) == want


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_reference_matches_emulation_with_generous_types(kind: str) -> None:
    rng = np.random.default_rng(2)
    t = FixedType(20, 6)
    g, _ = build(GlobalPool(kind), t, (3, 5, 4))
    data = np.ldexp(rng.integers(t.min_mant, t.max_mant + 1, size=(4, 3, 5, 4)).astype(np.float64), -t.frac)
    np.testing.assert_allclose(emulate(g, data), reference(g, data), rtol=2.0**-17, atol=1e-12)


@pytest.mark.keras
@pytest.mark.parametrize("kind,shape", [("max", (5, 3)), ("avg", (5, 3)), ("max", (3, 5, 2)), ("avg", (3, 5, 2))])
def test_reference_matches_tensorflow(kind: str, shape) -> None:
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    tf = pytest.importorskip("tensorflow")
    x = np.random.default_rng(3).normal(size=(2,) + shape)
    name = f"Global{'Max' if kind == 'max' else 'Average'}Pooling{len(shape) - 1}D"
    g, _ = build(GlobalPool(kind), FixedType(16, 4), shape)
    np.testing.assert_allclose(
        reference(g, x), getattr(tf.keras.layers, name)()(x.astype(np.float32)).numpy(), rtol=1e-5, atol=1e-5
    )
