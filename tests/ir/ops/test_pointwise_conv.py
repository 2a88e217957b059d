"""PointwiseConv: Dense over channels at every position; rank >= 2 required."""

from __future__ import annotations

import numpy as np
import pytest

from hlsflow.emulate import emulate, reference
from hlsflow.ir.constant import Constant
from hlsflow.ir.graph import Graph, IRError, Node
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.ops.pointwise_conv import PointwiseConv
from hlsflow.ir.types import FixedType, TensorType
from hlsflow.numerics.array import FixedArray


def build(op, shape, kernel: Constant, bias: Constant) -> tuple[Graph, Node]:
    g = Graph()
    n = g.add_node(op, [g.add_input("x", TensorType(shape, FixedType(10, 4)))], params={"kernel": kernel, "bias": bias})
    g.set_outputs([n.output])
    g.verify()
    return g, n


def test_matches_dense_and_a_slow_model() -> None:
    rng = np.random.default_rng(0)
    wt = FixedType(8, 2)
    kernel = Constant.from_array(
        np.ldexp(rng.integers(-128, 128, size=(3, 4)) * (rng.random((3, 4)) > 0.3), -6)
    ).quantize(wt)
    bias = Constant.from_array(np.ldexp(rng.integers(-128, 128, size=(4,)), -6)).quantize(wt)
    g, n = build(PointwiseConv(4), (5, 6, 3), kernel, bias)
    _, d = build(Dense(4), (5, 6, 3), kernel, bias)
    assert n.op.name == "pointwise_conv" and n.output.type == d.output.type
    assert n.output.type.shape == (5, 6, 4)
    xt = FixedType(10, 4)
    mant = rng.integers(xt.min_mant, xt.max_mant + 1, size=(2, 5, 6, 3))
    (y,) = n.op.compute(n, [FixedArray(mant, xt)])
    acc = n.output.type.elem
    # Slow model with integers: x (frac 6) * w (frac 6) + bias aligned to frac 12.
    want = np.einsum("bhwc,cf->bhwf", mant, kernel.mant) * 2 ** (acc.frac - 12) + bias.mant * 2 ** (acc.frac - 6)
    assert y.mant.tolist() == want.tolist()
    data = np.ldexp(mant.astype(np.float64), -xt.frac)
    np.testing.assert_allclose(emulate(g, data), reference(g, data), rtol=0, atol=1e-12)


def test_rejects_rank1_input() -> None:
    k = Constant.from_array(np.ones((3, 4)))
    with pytest.raises((IRError, ValueError), match="rank >= 2"):
        build(PointwiseConv(4), (3,), k, Constant.from_array(np.ones(4)))
