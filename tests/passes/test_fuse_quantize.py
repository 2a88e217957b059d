"""fuse-quantize: a quantiser folds into an exact producer (same bits), never into one
that already rounded."""

from __future__ import annotations

import numpy as np

from hlsflow.config import Config
from hlsflow.emulate import emulate
from hlsflow.ir import FixedType, Graph, TensorType
from hlsflow.ir.ops.activation import Activation
from hlsflow.ir.ops.quantize import Quantize
from hlsflow.ir.types import Overflow, Rounding
from hlsflow.passes.base import PassContext
from hlsflow.passes.fuse_quantize import FuseQuantize

Q = FixedType(6, 2, False, Rounding.RND_CONV, Overflow.SAT)


def _relu_quant(relu_out: FixedType | None) -> Graph:
    g = Graph("m")
    x = g.add_input("x", TensorType((8,), FixedType(16, 6)))
    r = g.add_node(Activation("relu"), [x], name="act_relu", meta={"keras_layer": "act"})
    if relu_out is not None:
        g.set_type(r.output, TensorType((8,), relu_out))
    q = g.add_node(Quantize(Q), [r.output], name="act", meta={"keras_layer": "act"})
    g.set_outputs([q.output])
    return g


def test_fuses_exact_producer_bit_identically() -> None:
    g = _relu_quant(None)
    xs = np.random.default_rng(0).uniform(-40, 40, size=(500, 8))
    before = emulate(g, xs)
    assert FuseQuantize().apply(g, PassContext(Config()))
    g.verify()
    assert [n.name for n in g.nodes] == ["x", "act"]  # the layer keeps its name
    assert g.node("act").output.type.elem == Q
    np.testing.assert_array_equal(emulate(g, xs), before)


def test_does_not_fuse_after_a_rounding_producer() -> None:
    g = _relu_quant(FixedType(8, 5, False))  # relu already truncated: two roundings
    assert not FuseQuantize().apply(g, PassContext(Config()))
    assert [n.op.name for n in g.nodes] == ["input", "activation", "quantize"]
