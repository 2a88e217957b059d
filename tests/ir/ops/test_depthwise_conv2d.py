"""DepthwiseConv2D: shape inference, Keras channel order, bit-exact compute against a slow
Fraction model, float reference against the emulator and against TensorFlow."""

from __future__ import annotations

import itertools
import os
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hlsflow.emulate import emulate, reference
from hlsflow.ir.constant import Constant
from hlsflow.ir.graph import Graph, IRError, Node
from hlsflow.ir.ops.depthwise_conv2d import DepthwiseConv2D
from hlsflow.ir.types import FixedType, TensorType
from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.fixed import accum_type

fixed_types = st.builds(FixedType, width=st.integers(1, 12), integer=st.integers(-3, 14), signed=st.booleans())


def rand_mant(rng: np.random.Generator, shape: tuple[int, ...], t: FixedType, zeros: float = 0.3) -> np.ndarray:
    m = rng.integers(t.min_mant, t.max_mant + 1, size=shape)
    return np.where(rng.random(shape) < zeros, 0, m)


def const(rng: np.random.Generator, shape: tuple[int, ...], t: FixedType) -> Constant:
    return Constant.from_array(np.ldexp(rand_mant(rng, shape, t).astype(np.float64), -t.frac)).quantize(t)


def val(m: object, frac: int) -> Fraction:
    return Fraction(int(m)) * Fraction(2) ** (-frac)


def slow_depthwise(x: FixedArray, node: Node) -> dict[tuple[int, ...], Fraction]:
    """{(b, i, j, c * M + m): value}, with its own same-padding arithmetic."""
    op: DepthwiseConv2D = node.op
    k, kt = node.params["kernel"].mant, node.params["kernel"].type
    _, h, w, cin = x.shape
    outs, befores = [], []
    for n, kk, s, d in zip((h, w), op.kernel_size, op.strides, op.dilation):
        eff = (kk - 1) * d + 1
        out = -(-n // s) if op.padding == "same" else (n - eff) // s + 1
        outs.append(out)
        befores.append(max((out - 1) * s + eff - n, 0) // 2 if op.padding == "same" else 0)
    res = {}
    mult = op.depth_multiplier
    for b, i, j, c, m in itertools.product(range(x.shape[0]), range(outs[0]), range(outs[1]), range(cin), range(mult)):
        acc = (
            val(node.params["bias"].mant[c * mult + m], node.params["bias"].type.frac)
            if "bias" in node.params
            else Fraction(0)
        )
        for p, q in itertools.product(range(op.kernel_size[0]), range(op.kernel_size[1])):
            r = i * op.strides[0] + p * op.dilation[0] - befores[0]
            s_ = j * op.strides[1] + q * op.dilation[1] - befores[1]
            if 0 <= r < h and 0 <= s_ < w:
                acc += val(x.mant[b, r, s_, c], x.type.frac) * val(k[p, q, c, m], kt.frac)
        res[(b, i, j, c * mult + m)] = acc
    return res


def build(op: DepthwiseConv2D, xt: FixedType, shape, kernel: Constant, bias: Constant | None = None):
    g = Graph()
    x = g.add_input("x", TensorType(shape, xt))
    params = {"kernel": kernel} if bias is None else {"kernel": kernel, "bias": bias}
    n = g.add_node(op, [x], name="dw", params=params)
    g.set_outputs([n.output])
    g.verify()
    return g, n


@pytest.mark.parametrize(
    "op,out",
    [
        (DepthwiseConv2D((3, 3)), (5, 4, 3)),
        (DepthwiseConv2D((3, 3), (2, 2), "same", 2), (4, 3, 6)),
        (DepthwiseConv2D((2, 3), (1, 1), "valid", 1, (2, 2)), (5, 2, 3)),
    ],
)
def test_shape_inference(op: DepthwiseConv2D, out) -> None:
    t = FixedType(8, 3)
    _, n = build(op, t, (7, 6, 3), const(np.random.default_rng(0), op.kernel_size + (3, op.depth_multiplier), t))
    assert n.output.type.shape == out


@pytest.mark.parametrize(
    "op,msg",
    [
        (DepthwiseConv2D((3, 3), padding="full"), "padding must be 'valid' or 'same', got 'full'"),
        (DepthwiseConv2D((3, 3), depth_multiplier=0), "depth_multiplier must be a positive integer"),
        (DepthwiseConv2D((3, 3), depth_multiplier=2), "kernel shape"),
        (DepthwiseConv2D(3), "kernel_size must be a tuple of 2"),  # type: ignore[arg-type]
    ],
)
def test_verify_rejects(op: DepthwiseConv2D, msg: str) -> None:
    g = Graph()
    x = g.add_input("x", TensorType((6, 6, 2), FixedType(8, 3)))
    with pytest.raises((IRError, ValueError), match=msg):
        n = g.add_node(op, [x], params={"kernel": Constant.from_array(np.ones((3, 3, 2, 1)))})
        g.set_outputs([n.output])
        g.verify()


def test_channel_order_and_per_channel_accumulator() -> None:
    # Channel c * M + m uses only input channel c: a kernel that is 1 on (c=1, m=0)
    # copies input channel 1 to output channel 2.
    t = FixedType(8, 4)
    kern = np.zeros((1, 1, 2, 2))
    kern[0, 0, 1, 0] = 1.0
    _, n = build(
        DepthwiseConv2D((1, 1), depth_multiplier=2), t, (2, 2, 2), Constant.from_array(kern).quantize(FixedType(4, 2))
    )
    x = FixedArray(np.arange(8).reshape(1, 2, 2, 2) - 4, t)
    (y,) = n.op.compute(n, [x])
    assert y.mant[..., 2].tolist() == (x.mant[..., 1] * (1 << 2)).tolist()
    assert not np.any(y.mant[..., [0, 1, 3]])
    # The accumulator is sized by the single tap of weight 1, not by C * taps terms.
    assert n.output.type.elem == accum_type(t, np.array([[0], [0], [4], [0]]), 2)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    xt=fixed_types,
    wt=fixed_types,
    bt=st.none() | fixed_types,
    k=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    s=st.tuples(st.integers(1, 2), st.integers(1, 3)),
    d=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    mult=st.integers(1, 3),
    pad=st.sampled_from(["valid", "same"]),
)
def test_compute_bit_exact(seed, xt, wt, bt, k, s, d, mult, pad) -> None:
    rng = np.random.default_rng(seed)
    cin = int(rng.integers(1, 4))
    hw = tuple((kk - 1) * dd + 1 + int(rng.integers(0, 3)) for kk, dd in zip(k, d))
    bias = None if bt is None else const(rng, (cin * mult,), bt)
    _, n = build(DepthwiseConv2D(k, s, pad, mult, d), xt, hw + (cin,), const(rng, k + (cin, mult), wt), bias)
    x = FixedArray(rand_mant(rng, (2,) + hw + (cin,), xt), xt)
    (y,) = n.op.compute(n, [x])
    t = n.output.type.elem
    assert y.type == t and y.shape == (2,) + n.output.type.shape
    want = slow_depthwise(x, n)
    assert len(want) == y.mant.size
    for idx, w in want.items():
        assert t.min_mant <= int(y.mant[idx]) <= t.max_mant
        assert val(y.mant[idx], t.frac) == w


def test_wide_types_use_exact_python_ints() -> None:
    rng = np.random.default_rng(1)
    xt, wt = FixedType(44, 12), FixedType(40, 4)
    _, n = build(
        DepthwiseConv2D((2, 2), padding="same", depth_multiplier=2),
        xt,
        (3, 3, 2),
        const(rng, (2, 2, 2, 2), wt),
        const(rng, (4,), wt),
    )
    assert n.output.type.elem.width > 62
    x = FixedArray(rand_mant(rng, (1, 3, 3, 2), xt, zeros=0.0).astype(object), xt)
    (y,) = n.op.compute(n, [x])
    for idx, w in slow_depthwise(x, n).items():
        assert val(y.mant[idx], y.type.frac) == w


def test_reference_matches_emulation_with_generous_types() -> None:
    rng = np.random.default_rng(2)
    xt = FixedType(20, 6)
    g, _ = build(
        DepthwiseConv2D((3, 2), (2, 1), "same", 2),
        xt,
        (6, 5, 3),
        const(rng, (3, 2, 3, 2), FixedType(12, 4)),
        const(rng, (6,), FixedType(12, 4)),
    )
    data = np.ldexp(rand_mant(rng, (4, 6, 5, 3), xt).astype(np.float64), -xt.frac)
    np.testing.assert_allclose(emulate(g, data), reference(g, data), rtol=0, atol=1e-9)


@pytest.mark.keras
@pytest.mark.parametrize(
    "k,s,d,pad,mult",
    [((3, 3), (1, 1), (1, 1), "valid", 1), ((3, 2), (2, 2), (1, 1), "same", 2), ((2, 3), (1, 1), (2, 2), "same", 3)],
)
def test_reference_matches_tensorflow(k, s, d, pad, mult) -> None:
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 7, 6, 3))
    layer = tf.keras.layers.DepthwiseConv2D(k, strides=s, padding=pad, depth_multiplier=mult, dilation_rate=d)
    layer.build((None, 7, 6, 3))
    kernel = layer.get_weights()[0]
    bias = rng.normal(size=(3 * mult,)).astype(np.float32)
    layer.set_weights([kernel, bias])
    g = Graph()
    xi = g.add_input("x", TensorType((7, 6, 3), FixedType(16, 4)))
    op = DepthwiseConv2D(k, s, pad, mult, d)
    n = g.add_node(op, [xi], params={"kernel": Constant.from_array(kernel), "bias": Constant.from_array(bias)})
    g.set_outputs([n.output])
    g.verify()
    np.testing.assert_allclose(reference(g, x), layer(x.astype(np.float32)).numpy(), rtol=1e-4, atol=1e-4)
