"""QONNX (Quant, BipolarQuant, Trunc) and QDQ (QuantizeLinear/DequantizeLinear) models:
exact equality of emulate with a float64 reference where every tensor is quantised on a
power-of-two grid; explicit scaling ops (and a log line) where it is not."""

from __future__ import annotations

import numpy as np
import onnx_models
import pytest
from onnx_helpers import (
    QONNX,
    GraphBuilder,
    agreement,
    grid_inputs,
    nhwc,
    ort_run,
    po2_scales,
    qonnx_quant,
    reference_run,
)
from onnx_models import po2_grid

import hlsflow
from hlsflow.frontends.errors import UnsupportedModelError
from hlsflow.frontends.onnx import from_onnx
from hlsflow.ir.types import FixedType, Overflow, Rounding


def _exact(model, x, ir_x=None, **convert):
    """emulate == the float64 reference evaluation of the QONNX model, bit for bit."""
    prj = hlsflow.convert(model, **convert)
    want = reference_run(model, x)
    got = prj.emulate(x if ir_x is None else ir_x)
    np.testing.assert_array_equal(got, want)
    return prj


def _qmlp(rng) -> tuple:
    case, b = onnx_models.qonnx_mlp(rng)
    return case.model, b


def test_qonnx_mlp_is_exact() -> None:
    rng = np.random.default_rng(0)
    m, _ = _qmlp(rng)
    x = grid_inputs(rng, (500, 16), 2.0)
    prj = _exact(m, x)
    assert prj.graph.is_quantized()
    g = from_onnx(m)  # the frontend's graph, before fuse-quantize folds quantisers into producers
    assert g.node("q_in").op.to == FixedType(8, 4, True, Rounding.RND_CONV, Overflow.SAT)
    assert g.node("q1").op.to == FixedType(6, 3, False, Rounding.RND_CONV, Overflow.SAT)
    assert g.node("q_out").op.to == FixedType(8, 6, True, Rounding.TRN, Overflow.SAT_SYM)  # narrow, FLOOR
    k = g.node("fc1").params["kernel"]
    assert k.is_fixed and k.type.width <= 6 + 4  # per-channel power-of-two scales on one grid
    assert g.node("fc2").params["bias"].is_fixed  # the Add became the Dense's quantised bias
    assert [n.name for n in g.nodes] == ["x", "q_in", "fc1", "relu1", "q1", "fc2", "q_out"]


def test_qonnx_cnn_channels_first_is_exact() -> None:
    rng = np.random.default_rng(1)
    b = GraphBuilder("qcnn")
    x = b.quant("x", 2.0**-5, bits=8, name="q_in")
    w = b.quant(b.const(rng.normal(0, 0.4, (6, 2, 3, 3))), po2_grid(rng, (6, 1, 1, 1)), bits=5)
    c = b.op(
        "Conv", [x, w, b.quant(b.const(rng.normal(0, 0.1, 6)), 2.0**-10, bits=16)], pads=[1, 1, 1, 1], name="conv1"
    )
    c = b.quant(c, 2.0**-6, bits=12, name="q_acc")
    c = b.op("Relu", [c])
    c = b.quant(c, 2.0**-3, bits=4, signed=0, narrow=1, name="q1")  # [0, 14]: a ReLU clamp
    c = b.op("MaxPool", [c], kernel_shape=[2, 2], strides=[2, 2])
    dw = b.quant(b.const(rng.normal(0, 0.4, (6, 1, 3, 3))), 2.0**-4, bits=6)
    c = b.op("Conv", [c, dw], group=6, name="dw")
    c = b.quant(c, po2_grid(rng, (1, 6, 1, 1), -5, -2), bits=8, name="q2")  # per-channel activation scales
    f = b.op("Flatten", [c])
    w2 = b.quant(b.const(rng.normal(0, 0.3, (6 * 2 * 2, 4))), 2.0**-5, bits=6)
    y = b.op("MatMul", [f, w2], name="fc")
    y = b.quant(y, 2.0**-4, bits=10, name="q_out")
    m = b.model(("n", 2, 8, 8), y, qonnx=True)
    x = grid_inputs(rng, (300, 2, 8, 8), 2.0)
    prj = _exact(m, x, nhwc(x))
    assert prj.graph.is_quantized()
    assert [n.kind for n in prj.graph.nodes].count("quantize") >= 1


def test_bipolar_zero_points_and_floor_are_exact() -> None:
    rng = np.random.default_rng(2)
    b = GraphBuilder("bnn")
    x = b.quant("x", 2.0**-3, zeropt=3.0, bits=8, signed=0, name="q_zp")  # zero point before rounding
    w = b.op("BipolarQuant", [b.const(rng.normal(size=(10, 8))), b.const(2.0**-2)], QONNX)
    h = b.op("MatMul", [x, w], name="fc1")
    h = b.op("BipolarQuant", [h, b.const(1.0)], QONNX, name="sign")
    w2 = b.quant(b.const(rng.normal(size=(8, 6))), 1.0, bits=1)  # 1-bit signed Quant is bipolar
    h = b.op("MatMul", [h, w2], name="fc2")
    h = b.quant(h, 2.0**-1, zeropt=-2.0, bits=5, rounding_mode="FLOOR", name="q_floor_zp")
    y = b.quant(h, 1.0, bits=4, name="q_out")
    m = b.model(("n", 10), y, qonnx=True)
    x = grid_inputs(rng, (400, 10), 8.0)
    prj = _exact(m, x)
    assert prj.graph.is_quantized()


def test_trunc_v1_and_v2_are_exact() -> None:
    rng = np.random.default_rng(3)
    b = GraphBuilder("trunc")
    x = b.quant("x", 2.0**-4, bits=10)
    p = b.op("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
    t2 = b.op(
        "Trunc",
        [p, b.const(2.0**-6), b.const(0.0), b.const(12.0), b.const(2.0**-3), b.const(0.0), b.const(7.0)],
        QONNX,
        rounding_mode="FLOOR",
        name="trunc_v2",
    )
    t1 = b.op(
        "Trunc",
        [t2, b.const(2.0**-3), b.const(0.0), b.const(7.0), b.const(5.0)],
        QONNX,
        rounding_mode="ROUND",
        name="trunc_v1",
    )
    f = b.op("Flatten", [t1])
    y = b.op("MatMul", [f, b.quant(b.const(rng.normal(size=(2 * 3 * 3, 3))), 2.0**-3, bits=6)])
    m = b.model(("n", 2, 6, 6), y, qonnx=True)
    x = grid_inputs(rng, (300, 2, 6, 6), 4.0)
    # Without fuse-quantize: it would fold the second of two adjacent Quantize nodes into
    # the first one's output type (reported to the lead; the frontend graph is exact).
    _exact(m, x, nhwc(x), pipeline="remove-identity,eliminate-dead-code,infer-precision")


def test_scale_that_is_not_a_power_of_two_adds_scaling_ops_and_a_log_line() -> None:
    rng = np.random.default_rng(4)
    b = GraphBuilder("nonpo2")
    x = b.quant("x", 0.1, bits=8, name="q_in")
    w = b.quant(b.const(rng.normal(0, 0.5, (8, 6))), np.array([0.03, 0.05, 0.07, 0.02, 0.04, 0.06]), bits=6)
    y = b.op("MatMul", [x, w], name="fc")
    y = b.quant(y, 0.3, bits=8, name="q_out")
    m = b.model(("n", 8), y, qonnx=True)
    x = grid_inputs(rng, (400, 8), 3.0)
    prj = hlsflow.convert(m)
    log = prj.graph.meta_log
    assert any("q_in" in line and "not a power of two" in line for line in log)
    assert any("fc" in line and "scaling BatchNorm" in line for line in log)
    kinds = [n.kind for n in from_onnx(m).nodes]
    assert kinds.count("batch_norm") == 5 and kinds.count("quantize") == 2
    want = reference_run(m, x)
    np.testing.assert_allclose(prj.reference(x), want, rtol=1e-9, atol=1e-9)  # the float model is exact
    got = prj.emulate(x)
    same_level = np.mean(np.round(got / 0.3) == np.round(want / 0.3))
    err = np.abs(got - want).max()
    print(f"non-power-of-two scales: same output level {same_level:.4f}, max |error| {err:.4g}")
    assert same_level > 0.97 and err <= 0.3 * 1.01  # at most one output step


def test_unsupported_quantisers_are_listed() -> None:
    rng = np.random.default_rng(5)
    b = GraphBuilder("bad")
    x = b.quant("x", 2.0**-4, bits=8, rounding_mode="CEIL", name="ceil")
    x = b.op("Quant", [x, b.const(2.0**-4), b.const(0.0), b.op("Relu", [b.const(8.0)])], QONNX, name="var_bits")
    x = b.op("MultiThreshold", [x, b.const(rng.normal(size=(4, 3)))], QONNX, name="mt")
    m = b.model(("n", 4), x, qonnx=True)
    with pytest.raises(UnsupportedModelError) as ei:
        from_onnx(m)
    probs = {p[0]: p for p in ei.value.problems}
    assert set(probs) == {"ceil", "mt"}
    assert "rounding_mode='CEIL'" in probs["ceil"][2] and probs["ceil"][1] == f"Quant, {QONNX}"
    assert "QONNX op not supported" in probs["mt"][2]


def test_qonnx_reference_helper_matches_qonnx_formula() -> None:
    """The numpy reference used above is the qonnx one: clip before rounding, zero point
    added before rounding."""
    x = np.array([-3.3, -0.26, 0.24, 0.25, 7.9])
    np.testing.assert_array_equal(qonnx_quant(x, 0.5, 0.0, 3), [-2.0, -0.5, 0.0, 0.0, 1.5])
    np.testing.assert_array_equal(qonnx_quant(x, 1.0, 1.0, 3, signed=0), [-1.0, 0.0, 0.0, 0.0, 6.0])


# -- QDQ from onnxruntime.quantization -----------------------------------------------------------------
@pytest.fixture(scope="module")
def float_cnn():
    """A small trained PyTorch CNN exported to ONNX, with calibration and test data."""
    pytest.importorskip("torch")
    return onnx_models.float_cnn()


def _qdq(model, x, **kw):
    pytest.importorskip("onnxruntime.quantization")
    return onnx_models.qdq(model, x, **kw)


@pytest.mark.torch
@pytest.mark.parametrize(
    "kw",
    [
        {"per_channel": True, "activation_type": "QInt8", "extra_options": {"ActivationSymmetric": True}},
        {"per_channel": False, "activation_type": "QUInt8"},  # asymmetric: zero points shift the ranges
    ],
    ids=["int8-symmetric-per-channel", "uint8-asymmetric-per-tensor"],
)
def test_qdq_power_of_two_scales_are_exact(float_cnn, kw) -> None:
    quant = pytest.importorskip("onnxruntime.quantization")
    kw = {
        **kw,
        "activation_type": getattr(quant.QuantType, kw["activation_type"]),
        "weight_type": quant.QuantType.QInt8,
    }
    model, x = float_cnn
    m = po2_scales(_qdq(model, x, **kw))
    prj = hlsflow.convert(m)
    xt = x[:400]
    want = ort_run(m, xt, optimize=False)  # Q, DQ and float ops as written: exact on power-of-two grids
    np.testing.assert_array_equal(prj.emulate(nhwc(xt)), want)
    assert prj.graph.is_quantized() and not prj.graph.meta_log


@pytest.mark.torch
def test_qdq_arbitrary_scales(float_cnn) -> None:
    quant = pytest.importorskip("onnxruntime.quantization")
    model, x = float_cnn
    m = _qdq(model, x, per_channel=True, activation_type=quant.QuantType.QUInt8, weight_type=quant.QuantType.QInt8)
    prj = hlsflow.convert(m)
    assert any("not a power of two" in line for line in prj.graph.meta_log)
    xt = x[:500]
    # The model as written (Q, DQ, float ops); onnxruntime's default fused integer
    # kernels requantise differently and disagree with it on about 1% of argmaxes.
    want = ort_run(m, xt, optimize=False)
    # float64 reference vs float32 onnxruntime: x / scale may round differently at a
    # rounding tie of a non-power-of-two scale, moving a value by one quantisation step
    ref = prj.reference(nhwc(xt))
    assert np.mean(np.isclose(ref, want, rtol=1e-4, atol=1e-4)) > 0.995
    got = prj.emulate(nhwc(xt))
    agree = agreement(got, want)
    print(f"QDQ arbitrary scales: argmax agreement {agree:.4f}, max |error| {np.abs(got - want).max():.4g}")
    assert agree >= 0.99
