"""ONNX frontend: PyTorch and Keras exports against onnxruntime, layout, opsets, errors."""

from __future__ import annotations

import numpy as np
import onnx
import onnx_models
import pytest
from onnx_helpers import GraphBuilder, agreement, grid_inputs, nhwc, ort_run

import hlsflow
from hlsflow.frontends.errors import FrontendError, UnsupportedModelError
from hlsflow.frontends.onnx import SUPPORTED_OPSETS, from_onnx

torch_mark = pytest.mark.torch


def _check(prj, model, x, ir_x=None, rtol=1e-4, min_agree=0.99):
    """Float reference within ``rtol`` of onnxruntime; emulate's argmax agreement."""
    want = ort_run(model, x)
    ir_x = x if ir_x is None else ir_x
    ref = prj.reference(ir_x)
    np.testing.assert_allclose(ref, want, rtol=rtol, atol=rtol * max(1.0, float(np.abs(want).max())))
    agree = agreement(prj.emulate(ir_x), want)
    assert agree >= min_agree, agree
    return agree


# -- PyTorch ---------------------------------------------------------------------------------------
@pytest.fixture
def torch_nn():
    """torch.nn, with the global seed set (model initialisation must not depend on the
    tests run before)."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    return torch.nn


@torch_mark
def test_torch_mlp(torch_nn, tmp_path) -> None:
    case = onnx_models.torch_mlp()
    path = tmp_path / "mlp.onnx"
    onnx.save(case.model, path)
    prj = hlsflow.convert(path)
    assert prj.graph.name == "mlp"
    kinds = [n.kind for n in prj.graph.nodes]
    assert kinds.count("dense") == 4 and "dropout" not in kinds and kinds[-1] == "softmax"
    agree = _check(prj, case.model, case.x[:600])
    print(f"torch MLP: argmax agreement {agree:.4f}")
    for n in prj.graph.nodes:
        assert {"source_layer", "source_class", "onnx_domain"} <= set(n.meta)


@torch_mark
def test_torch_cnn_channels_last_and_flatten_order(torch_nn) -> None:
    case = onnx_models.torch_cnn()
    prj = hlsflow.convert(case.model, io_type="io_stream")
    g = prj.graph
    (inp,) = g.inputs
    assert inp.type.shape == (16, 16, 3)  # channels-last IR input
    assert inp.producer.meta["onnx_shape"] == (3, 16, 16) and inp.producer.meta["ir_order"] == (1, 2, 0)
    kinds = [n.kind for n in g.nodes]
    assert "depthwise_conv2d" in kinds and "zero_padding" in kinds and "flatten" in kinds
    agree = _check(prj, case.model, case.x[:500], case.x_ir[:500])
    print(f"torch CNN: argmax agreement {agree:.4f}")


@torch_mark
def test_torch_conv1d(torch_nn) -> None:
    case = onnx_models.torch_conv1d()
    prj = hlsflow.convert(case.model)
    assert prj.graph.inputs[0].type.shape == (32, 4)
    assert "global_pool" in [n.kind for n in prj.graph.nodes]
    agree = _check(prj, case.model, case.x[:500], case.x_ir[:500])
    print(f"torch Conv1D: argmax agreement {agree:.4f}")


# -- Keras through tf2onnx ---------------------------------------------------------------------------
def test_keras_model_exported_by_tf2onnx(helpers) -> None:
    """A tf_keras model converted by tf2onnx: NHWC input, Transposes around every
    convolution, Reshape of an NHWC map, MatMul + Add -- all layout bookkeeping."""
    pytest.importorskip("tensorflow")
    pytest.importorskip("tf_keras")
    pytest.importorskip("tf2onnx")
    case = onnx_models.keras_tf2onnx(helpers.randomize)
    m = case.model
    assert "Transpose" in [n.op_type for n in m.graph.node]
    prj = hlsflow.convert(m)
    assert prj.graph.inputs[0].type.shape == (12, 12, 3)
    assert all(n.kind != "reshape" for n in prj.graph.nodes)  # NHWC flatten needs no permutation
    agree = _check(prj, m, case.x, min_agree=0.97)
    print(f"tf2onnx Keras model: argmax agreement {agree:.4f}")


# -- hand-built graphs over the opset range -----------------------------------------------------------
def _conv_graph(opset: int) -> onnx.ModelProto:
    rng = np.random.default_rng(opset)
    b = GraphBuilder("convs")
    w = lambda *s: b.const(rng.normal(0, 0.3, s))  # noqa: E731
    if opset >= 11:
        p = b.op("Pad", ["x", b.const([0, 0, 1, 2, 0, 0, 0, 1], np.int64)], mode="constant")
    else:
        p = b.op("Pad", ["x"], pads=[0, 0, 1, 2, 0, 0, 0, 1], mode="constant", value=0.0)
    c = b.op("Conv", [p, w(6, 3, 3, 3), w(6)], auto_pad="SAME_UPPER", strides=[2, 1])
    c = b.op("HardSigmoid", [c])
    d = b.op("Conv", [c, w(4, 6, 2, 2)], dilations=[2, 2], pads=[1, 0, 0, 1])
    d = b.op("LeakyRelu", [d], alpha=0.2)
    a = b.op("AveragePool", [d], kernel_shape=[2, 2], strides=[1, 1], pads=[1, 1, 1, 1], count_include_pad=1)
    e = b.op("MaxPool", [d], kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1])  # == 'same'
    e = b.op("Selu", [e])
    m = b.op("Mul", [b.op("Elu", [a], alpha=0.5), b.const(rng.uniform(0.5, 1.5, (1, 4, 1, 1)))])
    m = b.op("Sub", [m, b.const(0.25)])
    gm = b.op("GlobalMaxPool", [m])
    ga = b.op("GlobalAveragePool", [e])
    s = b.op("Add", [gm, ga])
    t = b.op("Concat", [s, gm, b.op("Softsign", [ga])], axis=1)
    f = b.op("Flatten", [t])
    if opset >= 13:
        sm = b.op("Softmax", [f], axis=-1)
    else:
        sm = b.op("Softmax", [f])
    return b.model(("n", 3, 9, 8), sm, opset)


def _mlp_graph(opset: int) -> onnx.ModelProto:
    rng = np.random.default_rng(100 + opset)
    b = GraphBuilder("mlp")
    h = b.op(
        "Gemm",
        ["x", b.const(rng.normal(0, 0.4, (8, 10))), b.const(rng.normal(0, 0.1, (1, 8)))],
        transB=1,
        alpha=0.5,
        beta=2.0,
    )
    if opset >= 11:
        h = b.op("Clip", [h, b.const(0.0), b.const(6.0)])
    else:
        h = b.op("Clip", [h], min=0.0, max=6.0)
    u = b.op("Unsqueeze", [h, b.const([2], np.int64)] if opset >= 13 else [h], **({} if opset >= 13 else {"axes": [2]}))
    t = b.op("Transpose", [u], perm=[0, 2, 1])
    r = b.op("Reshape", [t, b.const([-1, 4, 2], np.int64)])
    r = b.op("Transpose", [r], perm=[0, 2, 1])  # a real permutation, absorbed by the MatMul below
    f = b.op("Flatten", [r])
    mm = b.op("MatMul", [f, b.const(rng.normal(0, 0.4, (8, 6)))])
    mm = b.op("Add", [mm, b.const(rng.normal(0, 0.1, 6))])
    sg = b.op("Sigmoid", [mm])
    d = b.op("Div", [b.op("Relu", [mm]), b.const(2.0)])
    mx = b.op("Max", [sg, d])
    mn = b.op("Mean", [sg, d, b.op("Identity", [mx])])
    out = b.op("Sum", [mx, mn])
    out = b.op(
        "Squeeze",
        [b.op("Unsqueeze", [out], axes=[1]) if opset < 13 else b.op("Unsqueeze", [out, b.const([1], np.int64)])],
        **({"axes": [1]} if opset < 13 else {}),
    )
    return b.model(("n", 10), out, opset)


@pytest.mark.parametrize("opset", [SUPPORTED_OPSETS[0], 11, 13, 17, SUPPORTED_OPSETS[1]])
def test_handbuilt_graphs_across_opsets(opset) -> None:
    rng = np.random.default_rng(opset)
    conv = _conv_graph(opset)
    x = rng.normal(size=(64, 3, 9, 8)).astype(np.float32)
    g = from_onnx(conv)
    from hlsflow.emulate import reference

    want = ort_run(conv, x)
    np.testing.assert_allclose(reference(g, nhwc(x)), want, rtol=1e-4, atol=1e-5)
    mlp = _mlp_graph(opset)
    x = rng.normal(size=(64, 10)).astype(np.float32)
    g = from_onnx(mlp)
    np.testing.assert_allclose(reference(g, x), ort_run(mlp, x), rtol=1e-4, atol=1e-5)
    assert [n.kind for n in g.nodes].count("dense") == 2
    assert all(n.kind not in ("reshape", "flatten") for n in g.nodes)  # layout ops are free


def test_gemm_after_flatten_permutes_kernel_rows() -> None:
    """Flatten of a channels-first map keeps PyTorch's (C, H, W) order: the Dense kernel
    rows are permuted, no data is moved."""
    rng = np.random.default_rng(5)
    b = GraphBuilder()
    c = b.op("Conv", ["x", b.const(rng.normal(size=(3, 2, 1, 1)))], name="conv")
    f = b.op("Flatten", [c], name="flat")
    wt = rng.normal(size=(3 * 2 * 2, 4))
    y = b.op("MatMul", [f, b.const(wt)], name="fc")
    m = b.model(("n", 2, 2, 2), y)
    g = from_onnx(m)
    assert [n.name for n in g.nodes] == ["x", "conv", "flat", "fc"]
    assert [n.kind for n in g.nodes] == ["input", "conv2d", "flatten", "dense"]
    k = g.node("fc").params["kernel"].values
    # IR row of (h, w, c) holds ONNX row c*4 + h*2 + w
    assert np.array_equal(k[(1 * 2 + 0) * 3 + 2], wt[2 * 4 + 1 * 2 + 0].astype(np.float32))
    x = rng.normal(size=(5, 2, 2, 2)).astype(np.float32)
    from hlsflow.emulate import reference

    np.testing.assert_allclose(reference(g, nhwc(x)), ort_run(m, x), rtol=1e-5, atol=1e-6)
    assert g.node("conv").meta == {"source_layer": "conv", "source_class": "Conv", "onnx_domain": "ai.onnx"}


def test_nhwc_input_with_transposes_needs_no_ir_transpose() -> None:
    rng = np.random.default_rng(6)
    b = GraphBuilder()
    t = b.op("Transpose", ["x"], perm=[0, 3, 1, 2])
    c = b.op("Conv", [t, b.const(rng.normal(size=(4, 3, 3, 3)))], pads=[1, 1, 1, 1])
    c = b.op("Transpose", [c], perm=[0, 2, 3, 1])
    c = b.op("Relu", [c])
    m = b.model(("n", 5, 5, 3), c)
    g = from_onnx(m)
    assert g.inputs[0].type.shape == (5, 5, 3) and g.inputs[0].producer.meta["ir_order"] == (0, 1, 2)
    assert [n.kind for n in g.nodes] == ["input", "conv2d", "activation"]
    x = rng.normal(size=(3, 5, 5, 3)).astype(np.float32)
    from hlsflow.emulate import reference

    np.testing.assert_allclose(reference(g, x), ort_run(m, x), rtol=1e-5, atol=1e-6)


# -- errors ---------------------------------------------------------------------------------------------
def test_unsupported_ops_are_listed_all_at_once() -> None:
    rng = np.random.default_rng(7)
    b = GraphBuilder()
    c = b.op("Conv", ["x", b.const(rng.normal(size=(4, 2, 3, 3)))], group=2, name="grouped")
    c = b.op("HardSigmoid", [c], alpha=1 / 6, name="hsig")
    c = b.op("Erf", [c], name="erf")
    c = b.op("Clip", [c, b.const(-1.0), b.const(1.0)], name="hardtanh")
    c = b.op("Relu", [c], name="fine")
    c = b.op("Custom", [c], domain="my.domain", name="custom")
    m = b.model((1, 4, 6, 6), c)
    with pytest.raises(UnsupportedModelError) as ei:
        from_onnx(m)
    names = [p[0] for p in ei.value.problems]
    assert names == ["grouped", "hsig", "erf", "hardtanh", "custom"]
    msg = str(ei.value)
    assert "grouped (Conv, ai.onnx): grouped (group=2) convolution is not supported" in msg
    assert "hsig (HardSigmoid, ai.onnx)" in msg and "alpha=1/6" in msg
    assert "erf (Erf, ai.onnx): op type not supported" in msg
    assert "custom (Custom, my.domain): custom domain 'my.domain' is not supported" in msg


def test_layout_that_needs_a_transpose_is_refused() -> None:
    b = GraphBuilder()
    t = b.op("Transpose", ["x"], perm=[0, 1, 3, 2], name="swap_hw")
    c = b.op("Softmax", [t], axis=1, name="sm")
    with pytest.raises(UnsupportedModelError, match="sm \\(Softmax, ai.onnx\\).*transposed"):
        from_onnx(b.model((1, 3, 4, 5), c))


@pytest.mark.parametrize("opset", [8, SUPPORTED_OPSETS[1] + 1])
def test_opset_outside_tested_range_is_named(opset) -> None:
    b = GraphBuilder()
    m = b.model((1, 4), b.op("Relu", ["x"]), opset=min(opset, 21))
    m.opset_import[0].version = opset
    with pytest.raises(FrontendError, match=f"opset {opset} is outside the tested range"):
        from_onnx(m)


def test_truncated_and_garbage_files_give_one_clear_error(tmp_path) -> None:
    rng = np.random.default_rng(8)
    b = GraphBuilder()
    m = b.model((1, 16), b.op("Gemm", ["x", b.const(rng.normal(size=(16, 64))), b.const(np.ones(64))]))
    data = m.SerializeToString()
    for i, blob in enumerate([data[: len(data) // 2], data[: len(data) - 7], b"\x00\xffnot onnx at all" * 3, b""]):
        p = tmp_path / f"bad{i}.onnx"
        p.write_bytes(blob)
        with pytest.raises(FrontendError) as ei:
            hlsflow.convert(p)
        msg = str(ei.value)
        assert str(p) in msg and "\n" not in msg, msg
        assert "Traceback" not in msg


def test_model_proto_path_and_bytes_are_accepted(tmp_path) -> None:
    b = GraphBuilder("tiny")
    m = b.model(("n", 3), b.op("Relu", ["x"]))
    p = tmp_path / "tiny.onnx"
    onnx.save(m, p)
    x = grid_inputs(np.random.default_rng(9), (4, 3))
    for src in (m, p, str(p), m.SerializeToString()):
        g = from_onnx(src)
        from hlsflow.emulate import reference

        np.testing.assert_array_equal(reference(g, x), np.maximum(x, 0))
    assert hlsflow.convert(p).graph.name == "tiny"


def test_padded_max_pool_and_channel_softmax() -> None:
    """A ResNet-style MaxPool(3, stride 2, pads 1) is exact after a ReLU (zero padding);
    Softmax over the channel axis of an NCHW map runs on the channels-last IR axis."""
    rng = np.random.default_rng(10)
    b = GraphBuilder()
    c = b.op("Conv", ["x", b.const(rng.normal(size=(4, 3, 3, 3)))], pads=[1, 1, 1, 1])
    r = b.op("Relu", [c])
    p = b.op("MaxPool", [r], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], name="stem_pool")
    s = b.op("Softmax", [p], axis=1, name="sm")
    m = b.model(("n", 3, 8, 8), s)
    g = from_onnx(m)
    assert [n.kind for n in g.nodes] == ["input", "conv2d", "activation", "zero_padding", "pool", "softmax"]
    x = rng.normal(size=(6, 3, 8, 8)).astype(np.float32)
    from hlsflow.emulate import reference

    np.testing.assert_allclose(reference(g, nhwc(x)), nhwc(ort_run(m, x)), rtol=1e-5, atol=1e-6)
    b = GraphBuilder()
    p = b.op("MaxPool", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], name="raw_pool")
    with pytest.raises(UnsupportedModelError, match="raw_pool .*may be negative"):
        from_onnx(b.model(("n", 3, 8, 8), p))


@pytest.mark.csim
@pytest.mark.slow
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("backend", ["vitis", "vivado"])
def test_csim_equals_emulate(backend, io_type, tmp_path) -> None:
    """Generated C++ reproduces the emulator bit for bit on converted ONNX graphs."""
    rng = np.random.default_rng(11)
    for name, model, x in [
        ("convs", _conv_graph(13), nhwc(rng.normal(size=(20, 3, 9, 8)))),
        ("mlp", _mlp_graph(17), rng.normal(size=(20, 10))),
    ]:
        prj = hlsflow.convert(model, backend=backend, io_type=io_type, output_dir=tmp_path / name)
        prj.write()
        np.testing.assert_array_equal(prj.csim(x), prj.emulate(x))
