"""BatchNorm: shapes, bit-exact ``x * scale + shift`` against Fractions, exact natural
type (no overflow for any input), float reference against the emulator."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hlsflow.emulate import emulate, reference
from hlsflow.ir.constant import Constant
from hlsflow.ir.graph import Graph, IRError, Node
from hlsflow.ir.ops.batch_norm import BatchNorm
from hlsflow.ir.types import FixedType, TensorType
from hlsflow.numerics.array import FixedArray

fixed_types = st.builds(FixedType, width=st.integers(1, 40), integer=st.integers(-3, 40), signed=st.booleans())


def rand_mant(rng: np.random.Generator, shape: tuple[int, ...], t: FixedType) -> np.ndarray:
    """Random mantissas over the whole range (Python ints, so wide types work), 30% zeros."""
    span = t.max_mant - t.min_mant + 1
    m = [t.min_mant + int(rng.integers(0, 2**62)) * span // 2**62 for _ in range(int(np.prod(shape)))]
    m = [0 if rng.random() < 0.3 else v for v in m]
    return np.array(m, dtype=object).reshape(shape)


def const(rng: np.random.Generator, shape: tuple[int, ...], t: FixedType) -> Constant:
    # Floats hold the grid values exactly only up to 53 bits; draw within that.
    t53 = FixedType(min(t.width, 50), min(t.width, 50) - t.frac, t.signed)
    return Constant.from_array([float(val(m, t53.frac)) for m in rand_mant(rng, shape, t53).tolist()]).quantize(t)


def val(m: object, frac: int) -> Fraction:
    return Fraction(int(m)) * Fraction(2) ** (-frac)


def build(xt, shape, scale: Constant, shift: Constant) -> tuple[Graph, Node]:
    g = Graph()
    x = g.add_input("x", TensorType(shape, xt))
    n = g.add_node(BatchNorm(), [x], name="bn", params={"scale": scale, "shift": shift})
    g.set_outputs([n.output])
    g.verify()
    return g, n


def test_shape_and_param_checks() -> None:
    rng = np.random.default_rng(0)
    t = FixedType(8, 3)
    assert build(t, (4, 3), const(rng, (3,), t), const(rng, (3,), t))[1].output.type.shape == (4, 3)
    with pytest.raises((IRError, ValueError), match="shift shape"):
        build(t, (4, 3), const(rng, (3,), t), const(rng, (2,), t))
    with pytest.raises((IRError, ValueError), match="needs parameter 'shift'"):
        g = Graph()
        n = g.add_node(BatchNorm(), [g.add_input("x", TensorType((3,), t))], params={"scale": const(rng, (3,), t)})
        g.set_outputs([n.output])
        g.verify()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), xt=fixed_types, st_=fixed_types, bt=fixed_types, rank=st.integers(1, 3))
def test_compute_bit_exact(seed, xt, st_, bt, rank) -> None:
    rng = np.random.default_rng(seed)
    shape = tuple(int(v) for v in rng.integers(1, 4, size=rank))
    c = shape[-1]
    _, n = build(xt, shape, const(rng, (c,), st_), const(rng, (c,), bt))
    mant = rand_mant(rng, (2,) + shape, xt)
    # Include the input type's extremes: the natural type must hold them too.
    mant.reshape(-1)[0], mant.reshape(-1)[-1] = xt.min_mant, xt.max_mant
    x = FixedArray(mant if xt.width > 62 else mant.astype(np.int64), xt)
    (y,) = n.op.compute(n, [x])
    nat = n.output.type.elem
    assert y.type == nat and y.shape == (2,) + shape
    s, sh = n.params["scale"], n.params["shift"]
    for idx in np.ndindex(*y.shape):
        want = val(x.mant[idx], xt.frac) * val(s.mant[idx[-1]], s.type.frac) + val(sh.mant[idx[-1]], sh.type.frac)
        assert nat.min_mant <= int(y.mant[idx]) <= nat.max_mant
        assert val(y.mant[idx], nat.frac) == want


def test_reference_matches_emulation_with_generous_types() -> None:
    rng = np.random.default_rng(2)
    xt, pt = FixedType(20, 6), FixedType(12, 4)
    g, _ = build(xt, (5, 4), const(rng, (4,), pt), const(rng, (4,), pt))
    data = np.ldexp(rng.integers(xt.min_mant, xt.max_mant + 1, size=(3, 5, 4)).astype(np.float64), -xt.frac)
    np.testing.assert_allclose(emulate(g, data), reference(g, data), rtol=0, atol=1e-9)
