"""The ONNX acceptance models (issue 5), built once here and shared by the frontend tests
(against onnxruntime) and the csim tests (Vitis and Catapult against the emulator).

Every builder returns a :class:`Case`: the ONNX model, inputs in the source layout (what
onnxruntime takes) and the same inputs in the IR's channels-last layout."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx_helpers import GraphBuilder, export, grid_inputs, nhwc, po2_scales, teacher_labels, train


@dataclass(frozen=True)
class Case:
    """One model and its inputs. Invariant: ``x`` and ``x_ir`` hold the same samples."""

    name: str
    model: onnx.ModelProto
    x: np.ndarray  # source layout (channels first for PyTorch convolutions)
    x_ir: np.ndarray  # channels-last, as hlsflow's IR takes it
    #: every tensor is quantised on a power-of-two grid: emulate must equal the source exactly
    exact: bool = False


def _torch() -> Any:
    import torch

    torch.manual_seed(0)  # initialisation must not depend on the tests run before
    return torch


def torch_mlp() -> Case:
    nn = _torch().nn
    x = np.random.default_rng(0).normal(size=(2000, 20)).astype(np.float32)
    model = nn.Sequential(
        nn.Linear(20, 32),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.Linear(32, 16),
        nn.LeakyReLU(0.1),
        nn.BatchNorm1d(16),
        nn.Linear(16, 16),
        nn.Tanh(),
        nn.Linear(16, 5),
        nn.Softmax(dim=-1),
    )
    train(model, x, teacher_labels(x, 5))
    return Case("torch_mlp", export(model, (1, 20)), x, x)


def torch_cnn() -> Case:
    """Conv + BN + relu6, max pool, depthwise (multiplier 2) + elu, strided conv without
    bias, padded average pool (count_include_pad), flatten of an NCHW map, linear."""
    nn = _torch().nn

    class CNN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c1 = nn.Conv2d(3, 8, 3, padding=1)
            self.bn1 = nn.BatchNorm2d(8)
            self.dw = nn.Conv2d(8, 16, 3, padding=1, groups=8)
            self.c2 = nn.Conv2d(16, 8, 3, stride=2, padding=1, bias=False)
            self.pool = nn.AvgPool2d(3, stride=1, padding=1)
            self.fc = nn.Linear(8 * 4 * 4, 6)

        def forward(self, x: Any) -> Any:
            x = nn.functional.relu6(self.bn1(self.c1(x)))
            x = nn.functional.max_pool2d(x, 2)
            x = nn.functional.elu(self.dw(x))
            x = self.pool(self.c2(x))
            return self.fc(x.view(x.size(0), -1))

    x = np.random.default_rng(1).normal(size=(1000, 3, 16, 16)).astype(np.float32)
    model = train(CNN(), x, teacher_labels(x, 6, seed=1), steps=100, lr=0.02)
    return Case("torch_cnn", export(model, (1, 3, 16, 16), opset=11), x, nhwc(x))


def torch_conv1d() -> Case:
    nn = _torch().nn
    x = np.random.default_rng(2).normal(size=(1500, 4, 32)).astype(np.float32)
    model = nn.Sequential(
        nn.Conv1d(4, 8, 5, padding=2),
        nn.BatchNorm1d(8),
        nn.Sigmoid(),
        nn.MaxPool1d(2),
        nn.Conv1d(8, 8, 3, dilation=2),
        nn.ReLU(),
        nn.AdaptiveAvgPool1d(1),
        nn.Flatten(),
        nn.Linear(8, 4),
    )
    train(model, x, teacher_labels(x, 4, seed=2), steps=150)
    return Case("torch_conv1d", export(model, (1, 4, 32)), x, nhwc(x))


def keras_tf2onnx(randomize: Callable[..., Any]) -> Case:
    """A tf_keras model converted by tf2onnx: NHWC input, Transposes around every
    convolution, Reshape of an NHWC map, MatMul + Add. ``randomize`` sets the weights."""
    import tensorflow as tf
    import tf2onnx
    import tf_keras as K

    L = K.layers
    i = K.Input((12, 12, 3), name="img")
    y = L.Conv2D(6, 3, padding="same", activation="relu", name="c1")(i)
    y = L.BatchNormalization(name="bn")(y)
    y = L.MaxPooling2D(name="mp")(y)
    y = L.DepthwiseConv2D(3, name="dw")(y)
    y = L.Flatten(name="flat")(y)
    y = L.Dense(16, activation="tanh", name="fc")(y)
    y = L.Dense(4, activation="softmax", name="out")(y)
    km = K.Model(i, y, name="kmodel")
    randomize(km, seed=3, zero_frac=0.1)
    spec = (tf.TensorSpec((None, 12, 12, 3), tf.float32, name="img"),)
    m, _ = tf2onnx.convert.from_keras(km, input_signature=spec, opset=13)
    x = np.random.default_rng(3).normal(size=(400, 12, 12, 3)).astype(np.float32)
    return Case("keras_tf2onnx", m, x, x)


def po2_grid(rng: np.random.Generator, shape: tuple[int, ...], lo: int = -6, hi: int = -2) -> np.ndarray:
    return 2.0 ** rng.integers(lo, hi, shape)


def qonnx_mlp(rng: np.random.Generator | None = None) -> tuple[Case, GraphBuilder]:
    """QONNX Quant on every tensor (per-channel weight scales, unsigned/narrow/floor
    variants); power-of-two scales, so the model is exactly representable."""
    rng = np.random.default_rng(0) if rng is None else rng
    b = GraphBuilder("qmlp")
    x = b.quant("x", 2.0**-4, bits=8, name="q_in")
    w1 = b.quant(b.const(rng.normal(0, 0.5, (12, 16))), po2_grid(rng, (12, 1)), bits=6)  # per output channel
    b1 = b.quant(b.const(rng.normal(0, 0.2, 12)), 2.0**-8, bits=16)
    h = b.op("Gemm", [x, w1, b1], transB=1, name="fc1")
    h = b.op("Relu", [h], name="relu1")
    h = b.quant(h, 2.0**-3, bits=6, signed=0, name="q1")  # ufixed<6,3>
    w2 = b.quant(b.const(rng.normal(0, 0.5, (12, 5))), 2.0**-3, bits=4, narrow=1)
    h = b.op("MatMul", [h, w2], name="fc2")
    h = b.op("Add", [h, b.quant(b.const(rng.normal(0, 0.3, 5)), 2.0**-6, bits=10)], name="bias2")
    out = b.quant(h, 2.0**-2, bits=8, narrow=1, rounding_mode="FLOOR", name="q_out")
    xs = grid_inputs(rng, (1000, 16), 2.0)
    return Case("qonnx_mlp", b.model(("n", 16), out, qonnx=True), xs, xs, exact=True), b


def float_cnn() -> tuple[onnx.ModelProto, np.ndarray]:
    """A small trained PyTorch CNN exported to ONNX, and its inputs on a 2**-10 grid."""
    nn = _torch().nn
    rng = np.random.default_rng(10)
    x = rng.normal(size=(1200, 3, 12, 12)).astype(np.float32)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(8 * 4 * 4, 5),
    )
    train(model, x, teacher_labels(x, 5, seed=10), steps=150)
    xg = (np.round(x * 1024) / 1024).astype(np.float32)
    return export(model, (1, 3, 12, 12)), xg


def qdq(model: onnx.ModelProto, x: np.ndarray, **kw: Any) -> onnx.ModelProto:
    """onnxruntime's static QDQ quantisation of ``model``, calibrated on 64 samples of ``x``."""
    from onnxruntime import quantization as quant

    class Reader(quant.CalibrationDataReader):
        def __init__(self) -> None:
            self.it = iter([{"x": x[i : i + 1]} for i in range(0, 64)])

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self.it, None)

    with tempfile.TemporaryDirectory() as d:
        src, dst = Path(d) / "f.onnx", Path(d) / "q.onnx"
        onnx.save(model, src)
        quant.quantize_static(str(src), str(dst), Reader(), quant_format=quant.QuantFormat.QDQ, **kw)
        return onnx.load(dst)


def qdq_cnn() -> Case:
    """The float CNN through onnxruntime's QDQ quantiser (int8 per-channel weights, uint8
    activations) with every scale rounded to a power of two: exact."""
    from onnxruntime import quantization as quant

    model, x = float_cnn()
    m = po2_scales(
        qdq(model, x, per_channel=True, activation_type=quant.QuantType.QUInt8, weight_type=quant.QuantType.QInt8)
    )
    return Case("qdq_cnn", m, x, nhwc(x), exact=True)
