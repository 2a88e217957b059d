"""conv-to-pointwise: 1x1 stride-1 convolutions become pointwise convolutions."""

from __future__ import annotations

import numpy as np

from hlsflow.config import Config
from hlsflow.emulate import reference
from hlsflow.ir import Constant, Graph, TensorType
from hlsflow.ir.ops.conv2d import Conv2D
from hlsflow.ir.types import FloatType
from hlsflow.passes.base import PassContext
from hlsflow.passes.conv_to_pointwise import ConvToPointwise


def _conv(k: int, s: int) -> Graph:
    rng = np.random.default_rng(0)
    g = Graph("m")
    x = g.add_input("x", TensorType((4, 4, 3), FloatType()))
    c = g.add_node(
        Conv2D(5, (k, k), (s, s)),
        [x],
        name="c",
        params={"kernel": Constant.from_array(rng.normal(size=(k, k, 3, 5))), "bias": Constant.from_array(rng.normal(size=5))},
    )
    g.set_outputs([c.output])
    return g


def test_1x1_becomes_pointwise_same_function() -> None:
    g = _conv(1, 1)
    x = np.random.default_rng(2).normal(size=(3, 4, 4, 3))
    before = reference(g, x)
    assert ConvToPointwise().apply(g, PassContext(Config()))
    g.verify()
    assert g.node("c").op.name == "pointwise_conv"
    np.testing.assert_allclose(reference(g, x), before, rtol=1e-12)


def test_strided_or_larger_kernels_untouched() -> None:
    for k, s in ((3, 1), (1, 2)):
        g = _conv(k, s)
        assert not ConvToPointwise().apply(g, PassContext(Config()))
        assert g.node("c").op.name == "conv2d"
