"""Conv1D: shape inference, bit-exact compute against a slow Fraction model, float
reference against the emulator and against TensorFlow."""

from __future__ import annotations

import os
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hlsflow.emulate import emulate, reference
from hlsflow.ir.constant import Constant
from hlsflow.ir.graph import Graph, IRError, Node
from hlsflow.ir.ops.conv1d import Conv1D
from hlsflow.ir.types import FixedType, TensorType
from hlsflow.numerics.array import FixedArray

fixed_types = st.builds(FixedType, width=st.integers(1, 12), integer=st.integers(-3, 14), signed=st.booleans())


def rand_mant(rng: np.random.Generator, shape: tuple[int, ...], t: FixedType, zeros: float = 0.3) -> np.ndarray:
    m = rng.integers(t.min_mant, t.max_mant + 1, size=shape)
    return np.where(rng.random(shape) < zeros, 0, m)


def const(rng: np.random.Generator, shape: tuple[int, ...], t: FixedType) -> Constant:
    return Constant.from_array(np.ldexp(rand_mant(rng, shape, t).astype(np.float64), -t.frac)).quantize(t)


def val(m: object, frac: int) -> Fraction:
    return Fraction(int(m)) * Fraction(2) ** (-frac)


def slow_conv1d(x: FixedArray, node: Node) -> list[list[list[Fraction]]]:
    op = node.op
    k, kt = node.params["kernel"].mant, node.params["kernel"].type
    n, eff = x.shape[1], (op.kernel_size - 1) * op.dilation + 1
    if op.padding == "same":
        out = -(-n // op.strides)
        before = max((out - 1) * op.strides + eff - n, 0) // 2
    else:
        out, before = (n - eff) // op.strides + 1, 0
    res = []
    for b in range(x.shape[0]):
        rows = []
        for o in range(out):
            row = []
            for f in range(op.filters):
                acc = (
                    val(node.params["bias"].mant[f], node.params["bias"].type.frac)
                    if "bias" in node.params
                    else Fraction(0)
                )
                for j in range(op.kernel_size):
                    p = o * op.strides + j * op.dilation - before
                    if 0 <= p < n:
                        acc += sum(
                            val(x.mant[b, p, c], x.type.frac) * val(k[j, c, f], kt.frac) for c in range(x.shape[2])
                        )
                row.append(acc)
            rows.append(row)
        res.append(rows)
    return res


def build(op: Conv1D, xt: FixedType, shape, kernel: Constant, bias: Constant | None = None):
    g = Graph()
    x = g.add_input("x", TensorType(shape, xt))
    params = {"kernel": kernel} if bias is None else {"kernel": kernel, "bias": bias}
    n = g.add_node(op, [x], name="conv", params=params)
    g.set_outputs([n.output])
    g.verify()
    return g, n


@pytest.mark.parametrize(
    "op,steps",
    [
        (Conv1D(3, 3), 8),
        (Conv1D(3, 3, 2), 4),
        (Conv1D(3, 3, 2, "same"), 5),
        (Conv1D(3, 3, 1, "valid", 3), 4),
        (Conv1D(3, 4, 3, "same", 2), 4),
    ],
)
def test_shape_inference(op: Conv1D, steps: int) -> None:
    t = FixedType(8, 3)
    _, n = build(op, t, (10, 2), const(np.random.default_rng(0), (op.kernel_size, 2, 3), t))
    assert n.output.type.shape == (steps, 3)


@pytest.mark.parametrize(
    "op,msg",
    [
        (Conv1D(3, 3, padding="causal"), "padding must be 'valid' or 'same', got 'causal'"),
        (Conv1D(3, (3,)), "kernel_size must be a positive integer"),  # type: ignore[arg-type]
        (Conv1D(3, 3, strides=0), "strides must be a positive integer"),
        (Conv1D(0, 3), "filters must be a positive integer"),
        (Conv1D(3, 2), "kernel shape"),
    ],
)
def test_verify_rejects(op: Conv1D, msg: str) -> None:
    g = Graph()
    x = g.add_input("x", TensorType((6, 2), FixedType(8, 3)))
    with pytest.raises((IRError, ValueError), match=msg):
        n = g.add_node(op, [x], params={"kernel": Constant.from_array(np.ones((3, 2, 3)))})
        g.set_outputs([n.output])
        g.verify()


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    xt=fixed_types,
    wt=fixed_types,
    bt=st.none() | fixed_types,
    k=st.integers(1, 4),
    s=st.integers(1, 3),
    d=st.integers(1, 3),
    pad=st.sampled_from(["valid", "same"]),
)
def test_compute_bit_exact(seed, xt, wt, bt, k, s, d, pad) -> None:
    rng = np.random.default_rng(seed)
    cin, f = (int(v) for v in rng.integers(1, 4, size=2))
    steps = (k - 1) * d + 1 + int(rng.integers(0, 4))
    bias = None if bt is None else const(rng, (f,), bt)
    _, n = build(Conv1D(f, k, s, pad, d), xt, (steps, cin), const(rng, (k, cin, f), wt), bias)
    x = FixedArray(rand_mant(rng, (2, steps, cin), xt), xt)
    (y,) = n.op.compute(n, [x])
    t = n.output.type.elem
    assert y.type == t and y.shape == (2,) + n.output.type.shape
    for got_row, want_row in zip(y.mant.tolist(), slow_conv1d(x, n)):
        for got, want in zip(got_row, want_row):
            assert all(t.min_mant <= m <= t.max_mant for m in got)
            assert [val(m, t.frac) for m in got] == want


def test_reference_matches_emulation_with_generous_types() -> None:
    rng = np.random.default_rng(2)
    xt = FixedType(20, 6)
    g, _ = build(
        Conv1D(3, 3, 2, "same", 1),
        xt,
        (9, 2),
        const(rng, (3, 2, 3), FixedType(12, 4)),
        const(rng, (3,), FixedType(12, 4)),
    )
    data = np.ldexp(rand_mant(rng, (4, 9, 2), xt).astype(np.float64), -xt.frac)
    np.testing.assert_allclose(emulate(g, data), reference(g, data), rtol=0, atol=1e-9)


@pytest.mark.keras
@pytest.mark.parametrize("k,s,d,pad", [(3, 1, 1, "valid"), (4, 2, 1, "same"), (3, 1, 2, "same")])
def test_reference_matches_tensorflow(k, s, d, pad) -> None:
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 9, 3))
    layer = tf.keras.layers.Conv1D(4, k, strides=s, padding=pad, dilation_rate=d)
    layer.build((None, 9, 3))
    kernel = layer.get_weights()[0]
    bias = rng.normal(size=(4,)).astype(np.float32)
    layer.set_weights([kernel, bias])
    g = Graph()
    xi = g.add_input("x", TensorType((9, 3), FixedType(16, 4)))
    n = g.add_node(
        Conv1D(4, k, s, pad, d), [xi], params={"kernel": Constant.from_array(kernel), "bias": Constant.from_array(bias)}
    )
    g.set_outputs([n.output])
    g.verify()
    np.testing.assert_allclose(reference(g, x), layer(x.astype(np.float32)).numpy(), rtol=1e-4, atol=1e-4)
