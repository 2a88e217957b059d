"""Failures the fuzzer found, kept as explicit regression tests."""

from __future__ import annotations

import numpy as np
import pytest

import hlsflow
from hlsflow.config import Config, LayerConfig
from hlsflow.emulate import trace
from hlsflow.ir import Constant, Graph, TensorType
from hlsflow.ir.ops.activation import Activation
from hlsflow.ir.ops.dense import Dense
from hlsflow.ir.types import FloatType


def test_auto_result_of_values_below_the_kept_fraction() -> None:
    """A layer whose values are all below 2**-ResultFracBits once produced a negative
    width (fixed<-1,...>); truncation now keeps exactly the reachable range."""
    g = Graph("m")
    x = g.add_input("x", TensorType((4,), FloatType()))
    d = g.add_node(Dense(3), [x], name="tiny", params={"kernel": Constant.from_array(np.full((4, 3), 1e-6))})
    g.set_outputs([d.output])
    cfg = Config()
    cfg.result_frac_bits = 4
    prj = hlsflow.convert(g, config=cfg)
    t = prj.graph.node("tiny").output.type.elem
    assert t.width >= 1 and t.frac == 4
    xs = np.random.default_rng(0).uniform(-30, 30, size=(200, 4))
    assert all(layer.overflows == 0 for layer in trace(prj.graph, xs).layers.values())


def test_config_entry_for_a_layer_removed_by_a_pass_is_a_note() -> None:
    """LayerName entries of layers that passes remove (linear activations, folded
    batch-norms) are reported in the log instead of failing the conversion."""
    g = Graph("m")
    x = g.add_input("x", TensorType((4,), FloatType()))
    d = g.add_node(Dense(3), [x], name="fc", params={"kernel": Constant.from_array(np.ones((4, 3)))})
    lin = g.add_node(Activation("linear"), [d.output], name="lin")
    g.set_outputs([lin.output])
    cfg = Config()
    cfg.layer_name["lin"] = LayerConfig({"result": "fixed<8,4>"})
    prj = hlsflow.convert(g, config=cfg)
    assert any("LayerName.lin applies to no layer" in line for line in prj.log)


def test_config_entry_naming_no_layer_at_all_is_an_error() -> None:
    g = Graph("m")
    x = g.add_input("x", TensorType((4,), FloatType()))
    d = g.add_node(Dense(3), [x], name="fc", params={"kernel": Constant.from_array(np.ones((4, 3)))})
    g.set_outputs([d.output])
    cfg = Config()
    cfg.layer_name["fc_typo"] = LayerConfig(reuse_factor=2)
    with pytest.raises(hlsflow.ConfigError, match="fc_typo"):
        hlsflow.convert(g, config=cfg)


def test_error_bound_of_a_result_whose_natural_type_is_wider_than_a_float64() -> None:
    """The emulate ~ reference property once reported "no bound" (inf) for an auto
    result of a 55-bit accumulator fed by a saturated value: the accumulator's extreme
    mantissa 2**54 - 1 is not a float64, and rounding it up made the exact, never
    overflowing auto type look as if it could overflow. The helper now rounds the
    natural type's extremes on integers."""
    from error_bounds import propagate, violations

    g = Graph("m")
    x = g.add_input("x", TensorType((1,), FloatType()))
    a = g.add_node(Dense(1), [x], name="a", params={"kernel": Constant.from_array([[0.7]])})
    b = g.add_node(Dense(1), [a.output], name="b", params={"kernel": Constant.from_array([[0.4]])})
    g.set_outputs([b.output])
    cfg = Config()
    cfg.precision["input"] = "fixed<32,12,RND_CONV,SAT>"
    cfg.weight_bits = 24
    cfg.result_frac_bits = 8
    cfg.layer_name["a"] = LayerConfig({"result": "fixed<31,11,TRN,SAT>"})  # 2047 * 0.7 saturates
    prj = hlsflow.convert(g, config=cfg)
    assert prj.graph.node("b").op.infer_types(prj.graph.node("b"))[0].elem.width > 53
    xs = np.array([[2047.0], [-2048.0], [3.0], [0.0]])
    bounds = propagate(prj.graph, xs)
    assert np.isfinite(bounds.bound[0]).all()
    assert not violations(prj.emulate(xs), bounds.reference[0], bounds.bound[0]).any()
