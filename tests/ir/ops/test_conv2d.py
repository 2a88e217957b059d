"""Conv2D: shape inference, bit-exact compute against a slow Fraction model, float
reference against the emulator and against TensorFlow; plus the shared window helpers."""

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
from hlsflow.ir.ops.conv2d import Conv2D
from hlsflow.ir.types import FixedType, TensorType
from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.window import Window, same_pads

fixed_types = st.builds(FixedType, width=st.integers(1, 12), integer=st.integers(-3, 14), signed=st.booleans())


def rand_mant(rng: np.random.Generator, shape: tuple[int, ...], t: FixedType, zeros: float = 0.3) -> np.ndarray:
    m = rng.integers(t.min_mant, t.max_mant + 1, size=shape)
    return np.where(rng.random(shape) < zeros, 0, m)


def const(rng: np.random.Generator, shape: tuple[int, ...], t: FixedType) -> Constant:
    """A constant whose values lie exactly on ``t``'s grid (quantisation is lossless)."""
    return Constant.from_array(np.ldexp(rand_mant(rng, shape, t).astype(np.float64), -t.frac)).quantize(t)


def val(m: object, frac: int) -> Fraction:
    return Fraction(int(m)) * Fraction(2) ** (-frac)


def slow_conv(x: FixedArray, node: Node, strides, dilation, padding) -> np.ndarray:
    """Rank-generic convolution on Python Fractions, with its own padding arithmetic."""
    k, kt = node.params["kernel"].mant, node.params["kernel"].type
    size = k.shape[:-2]
    spatial = x.shape[1:-1]
    befores, outs = [], []
    for n, kk, s, d in zip(spatial, size, strides, dilation):
        eff = (kk - 1) * d + 1
        if padding == "same":
            out = -(-n // s)
            befores.append(max((out - 1) * s + eff - n, 0) // 2)
        else:
            out = (n - eff) // s + 1
            befores.append(0)
        outs.append(out)
    res = np.empty((x.shape[0], *outs, k.shape[-1]), dtype=object)
    for b, o, f in itertools.product(range(x.shape[0]), itertools.product(*map(range, outs)), range(k.shape[-1])):
        acc = Fraction(0)
        for j in itertools.product(*map(range, size)):
            pos = tuple(oo * s + jj * d - bb for oo, jj, s, d, bb in zip(o, j, strides, dilation, befores))
            if all(0 <= p < n for p, n in zip(pos, spatial)):
                for c in range(x.shape[-1]):
                    acc += val(x.mant[(b, *pos, c)], x.type.frac) * val(k[(*j, c, f)], kt.frac)
        if "bias" in node.params:
            acc += val(node.params["bias"].mant[f], node.params["bias"].type.frac)
        res[(b, *o, f)] = acc
    return res


def check_exact(got: FixedArray, want: np.ndarray) -> None:
    """Every value equals the model's and every mantissa lies inside the natural type."""
    t = got.type
    assert got.shape == want.shape
    for m, w in zip(got.mant.reshape(-1).tolist(), want.reshape(-1).tolist()):
        assert t.min_mant <= int(m) <= t.max_mant
        assert val(m, t.frac) == w


def build(op: Conv2D, xt: FixedType, shape, kernel: Constant, bias: Constant | None):
    g = Graph()
    x = g.add_input("x", TensorType(shape, xt))
    params = {"kernel": kernel} if bias is None else {"kernel": kernel, "bias": bias}
    n = g.add_node(op, [x], name="conv", params=params)
    g.set_outputs([n.output])
    g.verify()
    return g, n


@pytest.mark.parametrize(
    "hw,k,s,d,pad,out",
    [
        ((7, 6), (3, 3), (1, 1), (1, 1), "valid", (5, 4)),
        ((7, 6), (3, 2), (2, 2), (1, 1), "valid", (3, 3)),
        ((7, 6), (3, 3), (2, 2), (1, 1), "same", (4, 3)),
        ((7, 6), (3, 3), (1, 1), (2, 2), "valid", (3, 2)),
        ((7, 6), (3, 3), (1, 1), (2, 3), "same", (7, 6)),
    ],
)
def test_shape_inference(hw, k, s, d, pad, out) -> None:
    rng = np.random.default_rng(0)
    t = FixedType(8, 3)
    _, n = build(Conv2D(5, k, s, pad, d), t, hw + (2,), const(rng, k + (2, 5), t), None)
    assert n.output.type.shape == out + (5,)


def test_same_padding_puts_extra_after() -> None:
    assert same_pads(6, 3, 2) == (0, 1)
    assert same_pads(7, 4, 1) == (1, 2)
    assert same_pads(5, 3, 1, 2) == (2, 2)
    assert Window((3,), (2,), (1,), "same").valid_counts((6,)).tolist() == [3, 3, 2]


@pytest.mark.parametrize(
    "op,msg",
    [
        (Conv2D(4, (3, 3), padding="causal"), "padding must be 'valid' or 'same', got 'causal'"),
        (Conv2D(4, (3,)), "kernel_size must be a tuple of 2"),
        (Conv2D(4, (3, 3), strides=(0, 1)), "strides must be"),
        (Conv2D(4, (3, 3), dilation=[1, 1]), "dilation must be"),  # type: ignore[arg-type]
        (Conv2D(5, (3, 3)), "kernel shape"),
        (Conv2D(4, (9, 3)), "smaller than the"),
    ],
)
def test_verify_rejects(op: Conv2D, msg: str) -> None:
    g = Graph()
    x = g.add_input("x", TensorType((6, 6, 2), FixedType(8, 3)))
    kernel = Constant.from_array(np.ones((3, 3, 2, 4)))
    with pytest.raises((IRError, ValueError), match=msg):
        n = g.add_node(op, [x], params={"kernel": kernel})
        g.set_outputs([n.output])
        g.verify()


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    xt=fixed_types,
    wt=fixed_types,
    bt=st.none() | fixed_types,
    k=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    s=st.tuples(st.integers(1, 3), st.integers(1, 2)),
    d=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    pad=st.sampled_from(["valid", "same"]),
)
def test_compute_bit_exact(seed, xt, wt, bt, k, s, d, pad) -> None:
    rng = np.random.default_rng(seed)
    cin, f = (int(v) for v in rng.integers(1, 3, size=2))
    hw = tuple((kk - 1) * dd + 1 + int(rng.integers(0, 3)) for kk, dd in zip(k, d))
    bias = None if bt is None else const(rng, (f,), bt)
    _, n = build(Conv2D(f, k, s, pad, d), xt, hw + (cin,), const(rng, k + (cin, f), wt), bias)
    x = FixedArray(rand_mant(rng, (2,) + hw + (cin,), xt), xt)
    (y,) = n.op.compute(n, [x])
    assert y.type == n.output.type.elem
    check_exact(y, slow_conv(x, n, s, d, pad))


def test_wide_types_use_exact_python_ints() -> None:
    rng = np.random.default_rng(1)
    xt, wt = FixedType(40, 12), FixedType(36, 4)
    _, n = build(Conv2D(2, (2, 2), padding="same"), xt, (3, 3, 2), const(rng, (2, 2, 2, 2), wt), const(rng, (2,), wt))
    assert n.output.type.elem.width > 62
    x = FixedArray(rand_mant(rng, (1, 3, 3, 2), xt, zeros=0.0).astype(object), xt)
    (y,) = n.op.compute(n, [x])
    check_exact(y, slow_conv(x, n, (1, 1), (1, 1), "same"))


@pytest.mark.parametrize("pad,s,d", [("valid", (1, 1), (1, 1)), ("same", (2, 1), (1, 1)), ("same", (1, 1), (2, 1))])
def test_reference_matches_emulation_with_generous_types(pad, s, d) -> None:
    rng = np.random.default_rng(2)
    xt = FixedType(20, 6)
    g, _ = build(
        Conv2D(3, (3, 2), s, pad, d),
        xt,
        (6, 5, 2),
        const(rng, (3, 2, 2, 3), FixedType(12, 4)),
        const(rng, (3,), FixedType(12, 4)),
    )
    data = np.ldexp(rand_mant(rng, (4, 6, 5, 2), xt).astype(np.float64), -xt.frac)
    np.testing.assert_allclose(emulate(g, data), reference(g, data), rtol=0, atol=1e-9)


@pytest.mark.keras
@pytest.mark.parametrize(
    "k,s,d,pad", [((3, 3), (1, 1), (1, 1), "valid"), ((3, 2), (2, 2), (1, 1), "same"), ((2, 3), (1, 1), (2, 2), "same")]
)
def test_reference_matches_tensorflow(k, s, d, pad) -> None:
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 7, 6, 3))
    layer = tf.keras.layers.Conv2D(4, k, strides=s, padding=pad, dilation_rate=d)
    layer.build((None, 7, 6, 3))
    kernel, bias = layer.get_weights()
    bias = rng.normal(size=bias.shape).astype(np.float32)
    layer.set_weights([kernel, bias])
    want = layer(x.astype(np.float32)).numpy()
    g = Graph()
    xi = g.add_input("x", TensorType((7, 6, 3), FixedType(16, 4)))
    n = g.add_node(
        Conv2D(4, k, s, pad, d), [xi], params={"kernel": Constant.from_array(kernel), "bias": Constant.from_array(bias)}
    )
    g.set_outputs([n.output])
    g.verify()
    np.testing.assert_allclose(reference(g, x), want, rtol=1e-4, atol=1e-4)
