"""fold-batchnorm: folds into the producing linear op only where legal."""

from __future__ import annotations

import numpy as np

from hlsflow.config import Config
from hlsflow.emulate import reference
from hlsflow.ir import Constant, Graph, TensorType
from hlsflow.ir.ops.batch_norm import BatchNorm
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.types import FixedType, FloatType
from hlsflow.passes.base import PassContext
from hlsflow.passes.fold_batchnorm import FoldBatchNorm


def _dense_bn(two_users: bool = False, fixed: bool = False) -> Graph:
    rng = np.random.default_rng(0)
    g = Graph("m")
    x = g.add_input("x", TensorType((5,), FloatType()))
    k = Constant.from_array(rng.normal(size=(5, 4)) * (rng.random((5, 4)) > 0.5))
    if fixed:
        k = k.quantize(FixedType(8, 2))
    d = g.add_node(Dense(4), [x], name="fc", params={"kernel": k, "bias": Constant.from_array(rng.normal(size=4))})
    bn = g.add_node(
        BatchNorm(),
        [d.output],
        name="bn",
        params={"scale": Constant.from_array(rng.normal(size=4) + 2), "shift": Constant.from_array(rng.normal(size=4))},
    )
    outs = [bn.output, d.output] if two_users else [bn.output]
    g.set_outputs(outs)
    return g


def test_folds_and_preserves_function_and_mask() -> None:
    g = _dense_bn()
    x = np.random.default_rng(1).normal(size=(7, 5))
    before = reference(g, x)
    mask_before = g.node("fc").params["kernel"].mask.copy()
    assert FoldBatchNorm().apply(g, PassContext(Config()))
    g.verify()
    assert [n.op.name for n in g.nodes] == ["input", "dense"]
    np.testing.assert_allclose(reference(g, x), before, rtol=1e-12, atol=1e-12)
    assert (g.node("fc").params["kernel"].mask == mask_before).all()


def test_not_folded_when_linear_output_has_other_users() -> None:
    g = _dense_bn(two_users=True)
    assert not FoldBatchNorm().apply(g, PassContext(Config()))
    assert any(n.op.name == "batch_norm" for n in g.nodes)


def test_not_folded_into_quantised_weights() -> None:
    g = _dense_bn(fixed=True)
    assert not FoldBatchNorm().apply(g, PassContext(Config()))
