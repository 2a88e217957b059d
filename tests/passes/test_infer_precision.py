"""infer-precision: auto rules, explicit overrides, never-overflowing results."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hlsflow.config import Config, LayerConfig
from hlsflow.emulate import emulate, reference, trace
from hlsflow.ir import Constant, Graph, TensorType
from hlsflow.ir.ops.activation import Activation
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.types import FixedType, FloatType, Overflow, Rounding
from hlsflow.passes.base import PassContext
from hlsflow.passes.infer_precision import InferPrecision, auto_param_type


def _mlp(seed: int = 0, n_in: int = 8) -> Graph:
    rng = np.random.default_rng(seed)
    g = Graph("m")
    x = g.add_input("x", TensorType((n_in,), FloatType()))
    d1 = g.add_node(Dense(6), [x], name="fc1", params={"kernel": Constant.from_array(rng.normal(size=(n_in, 6))), "bias": Constant.from_array(rng.normal(size=6))})
    r1 = g.add_node(Activation("relu"), [d1.output], name="relu1")
    d2 = g.add_node(Dense(3), [r1.output], name="fc2", params={"kernel": Constant.from_array(rng.normal(size=(6, 3)) * 3)})
    g.set_outputs([d2.output])
    return g


def test_auto_types() -> None:
    g = _mlp()
    ctx = PassContext(Config())
    InferPrecision().apply(g, ctx)
    g.verify()
    assert g.is_quantized()
    assert g.inputs[0].type.elem == FixedType(16, 6)
    k = g.node("fc1").params["kernel"]
    assert k.type.width == 16 and k.type.max_value >= np.abs(k.values).max() * (1 - 2.0**-14)
    fc1 = g.node("fc1")
    natural = fc1.op.infer_types(fc1)[0].elem
    out = fc1.output.type.elem
    # all integer bits kept, fractional bits cut to ResultFracBits by truncation
    assert out.integer == natural.integer and out.frac == 10 and out.rounding is Rounding.TRN
    # relu keeps its exact type
    r = g.node("relu1")
    assert r.output.type.elem == r.op.infer_types(r)[0].elem and not r.output.type.elem.signed


def test_explicit_types_win_and_clipping_is_logged() -> None:
    g = _mlp()
    cfg = Config()
    cfg.layer_name["fc2"] = LayerConfig({"weight": "fixed<4,1>", "result": "fixed<8,3,RND,SAT>"})
    ctx = PassContext(cfg)
    InferPrecision().apply(g, ctx)
    fc2 = g.node("fc2")
    assert fc2.params["kernel"].type == FixedType(4, 1)
    assert fc2.output.type.elem == FixedType(8, 3, True, Rounding.RND, Overflow.SAT)
    assert any("fc2.kernel" in line and "clipped" in line for line in ctx.log)


@given(st.integers(0, 10_000), st.integers(1, 12))
def test_auto_results_never_overflow(seed: int, n_in: int) -> None:
    """With auto types no layer can overflow, even for inputs at the type's extremes."""
    g = _mlp(seed, n_in)
    InferPrecision().apply(g, PassContext(Config()))
    rng = np.random.default_rng(seed)
    t = g.inputs[0].type.elem
    x = rng.choice([t.min_value, t.max_value, 0.0], size=(16, n_in))
    x[:8] = rng.uniform(t.min_value, t.max_value, size=(8, n_in))
    tr = trace(g, x)
    assert all(layer.overflows == 0 for layer in tr.layers.values())


def test_default_precision_is_accurate() -> None:
    g = _mlp(3)
    x = np.random.default_rng(4).uniform(-2, 2, size=(200, 8))
    ref = reference(g, x)
    InferPrecision().apply(g, PassContext(Config()))
    y = emulate(g, x)
    assert np.max(np.abs(y - ref)) < 0.05


@pytest.mark.parametrize(
    "values,expected",
    [
        (np.array([0.5, -0.25, 0.125]), FixedType(4, 1, True, Rounding.RND_CONV, Overflow.SAT)),  # exact grid
        (np.array([0.0, 0.0]), FixedType(1, 1, False, Rounding.RND_CONV, Overflow.SAT)),
        (np.array([3.3, 0.1]), FixedType(16, 2, False, Rounding.RND_CONV, Overflow.SAT)),
        (np.array([-3.3, 0.1]), FixedType(16, 3, True, Rounding.RND_CONV, Overflow.SAT)),
    ],
)
def test_auto_param_type(values: np.ndarray, expected: FixedType) -> None:
    assert auto_param_type(values, 16) == expected
