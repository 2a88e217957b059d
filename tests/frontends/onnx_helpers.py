"""Helpers for the ONNX / QONNX / QDQ frontend tests: reference runners, model builders."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

QONNX = "qonnx.custom_op.general"


# -- running references --------------------------------------------------------------------------
def ort_run(model: onnx.ModelProto, x: np.ndarray, optimize: bool = True) -> np.ndarray:
    """onnxruntime's output 0 for input ``x`` (graph optimisations off when ``optimize`` is
    False, so QDQ pairs run as written: quantise, dequantise, float op)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    if not optimize:
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return np.asarray(sess.run(None, {name: x.astype(np.float32)})[0], dtype=np.float64)


def nhwc(x: np.ndarray) -> np.ndarray:
    """Channels-first (N, C, ...) data as the channels-last IR input."""
    return np.moveaxis(x, 1, -1)


def grid_inputs(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 1.0, frac: int = 10) -> np.ndarray:
    """Normal inputs rounded to ``2**-frac`` (exactly representable in the default input
    type fixed<16,6>, so no rounding happens before the model's own quantiser)."""
    return np.round(rng.normal(0.0, scale, shape) * 2.0**frac) / 2.0**frac


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.argmax(a, -1) == np.argmax(b, -1)))


# -- QONNX reference (numpy, float64) --------------------------------------------------------------
def _round(mode: str) -> Any:
    return {"ROUND": np.round, "FLOOR": np.floor, "CEIL": np.ceil}[mode.upper()]


def qonnx_quant(x, scale, zeropt, bits, signed=1, narrow=0, rounding_mode="ROUND"):
    """qonnx.custom_op.general.quant.quant, in float64."""
    x, scale, zeropt = (np.asarray(a, dtype=np.float64) for a in (x, scale, zeropt))
    bits = int(np.asarray(bits).reshape(-1)[0])
    y = x / scale + zeropt
    if bits == 1 and signed:
        y = np.where(y >= 0, 1.0, -1.0)
    else:
        lo = -(2 ** (bits - 1)) + narrow if signed else 0
        hi = 2 ** (bits - 1) - 1 if signed else 2**bits - 1 - narrow
        y = _round(rounding_mode)(np.clip(y, lo, hi))
    return (y - zeropt) * scale


def make_reference_ops() -> list[type]:
    from onnx.reference.op_run import OpRun

    class Quant(OpRun):
        op_domain = QONNX

        def _run(self, x, scale, zeropt, bits, signed=1, narrow=0, rounding_mode="ROUND"):
            return (qonnx_quant(x, scale, zeropt, bits, signed, narrow, rounding_mode),)

    class BipolarQuant(OpRun):
        op_domain = QONNX

        def _run(self, x, scale):
            return (np.where(np.asarray(x, dtype=np.float64) >= 0, 1.0, -1.0) * np.asarray(scale, np.float64),)

    class Trunc(OpRun):
        op_domain = QONNX

        def _run(self, x, scale, zeropt, in_bits, *rest, rounding_mode="FLOOR", narrow=0, signed=1):
            x = np.asarray(x, np.float64)
            scale = np.asarray(scale, np.float64)
            y = np.round(x / scale + zeropt)
            fn = _round(rounding_mode)
            if len(rest) == 3:  # v2: out_scale, out_zeropt, out_bits
                out_scale, _, out_bits = rest
                t = 2.0 ** np.round(np.log2(out_scale / scale))
                y = y / t
                ob = int(np.asarray(out_bits).reshape(-1)[0])
                lo = -(2 ** (ob - 1)) + narrow if signed else 0
                hi = 2 ** (ob - 1) - 1 if signed else 2**ob - 1 - narrow
                return ((fn(np.clip(y, lo, hi)) - zeropt / t) * out_scale,)
            (out_bits,) = rest
            y = fn(y / 2.0 ** (int(np.asarray(in_bits).reshape(-1)[0]) - int(np.asarray(out_bits).reshape(-1)[0])))
            return ((y - zeropt) * scale,)

    return [Quant, BipolarQuant, Trunc]


def reference_run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    """The model evaluated by onnx.reference in float64, QONNX ops included."""
    from onnx.reference import ReferenceEvaluator

    ev = ReferenceEvaluator(model, new_ops=make_reference_ops())
    name = model.graph.input[0].name
    return np.asarray(ev.run(None, {name: np.asarray(x, dtype=np.float64)})[0], dtype=np.float64)


# -- building graphs ---------------------------------------------------------------------------------
class GraphBuilder:
    """A small onnx.helper wrapper: initialisers by value, nodes by op type."""

    def __init__(self, name: str = "g") -> None:
        self.name = name
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self._n = 0

    def const(self, value: Any, dtype: Any = np.float32, name: str | None = None) -> str:
        self._n += 1
        name = name or f"c{self._n}"
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(
        self, op_type: str, inputs: list[str], domain: str = "", name: str | None = None, n_out: int = 1, **attrs: Any
    ) -> str:
        self._n += 1
        name = name or f"{op_type.lower()}{self._n}"
        outs = [f"{name}_out{i}" if i else f"{name}_out" for i in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=name, domain=domain, **attrs))
        return outs[0]

    def quant(self, x: str, scale: Any, zeropt: Any = 0.0, bits: int = 8, **attrs: Any) -> str:
        return self.op(
            "Quant",
            [x, self.const(scale), self.const(zeropt), self.const(float(bits))],
            QONNX,
            signed=attrs.pop("signed", 1),
            narrow=attrs.pop("narrow", 0),
            rounding_mode=attrs.pop("rounding_mode", "ROUND"),
            **attrs,
        )

    def model(
        self, x_shape: tuple[Any, ...], out: str, opset: int = 13, qonnx: bool = False, x_name: str = "x"
    ) -> onnx.ModelProto:
        g = helper.make_graph(
            self.nodes,
            self.name,
            [helper.make_tensor_value_info(x_name, TensorProto.FLOAT, list(x_shape))],
            [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)],
            self.inits,
        )
        opsets = [helper.make_opsetid("", opset)] + ([helper.make_opsetid(QONNX, 1)] if qonnx else [])
        m = helper.make_model(g, opset_imports=opsets, producer_name="hlsflow-tests")
        m.ir_version = min(m.ir_version, 8 if opset < 21 else 10)
        return m


# -- PyTorch models ---------------------------------------------------------------------------------
def train(model: Any, x: np.ndarray, y: np.ndarray, steps: int = 150, lr: float = 0.01) -> Any:
    """A few Adam steps of cross-entropy so that the outputs are decisive (argmax
    comparisons are then meaningful). Adam is written out: torch.optim's first step
    costs seconds of imports, and one thread avoids oversubscribing small machines."""
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    params = [p for p in model.parameters() if p.requires_grad]
    m1 = [torch.zeros_like(p) for p in params]
    m2 = [torch.zeros_like(p) for p in params]
    xt, yt = torch.tensor(x, dtype=torch.float32), torch.tensor(y)
    gen = torch.Generator().manual_seed(0)
    model.train()
    for step in range(1, steps + 1):
        idx = torch.randint(0, len(xt), (64,), generator=gen)
        model.zero_grad()
        torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx]).backward()
        with torch.no_grad():
            for p, a, b in zip(params, m1, m2):
                a.mul_(0.9).add_(p.grad, alpha=0.1)
                b.mul_(0.999).addcmul_(p.grad, p.grad, value=0.001)
                p -= lr * (a / (1 - 0.9**step)) / ((b / (1 - 0.999**step)).sqrt() + 1e-8)
    return model.eval()


def teacher_labels(x: np.ndarray, classes: int, seed: int = 0) -> np.ndarray:
    """Labels from a fixed random linear map of the flattened inputs (a learnable task)."""
    w = np.random.default_rng(seed).normal(size=(int(np.prod(x.shape[1:])), classes))
    return np.argmax(x.reshape(len(x), -1) @ w, axis=1)


def export(model: Any, shape: tuple[int, ...], opset: int = 13) -> onnx.ModelProto:
    """torch.onnx.export (TorchScript exporter) with a dynamic batch axis."""
    import torch

    f = io.BytesIO()
    torch.onnx.export(
        model,
        torch.zeros(shape),
        f,
        dynamo=False,
        opset_version=opset,
        input_names=["x"],
        output_names=["y"],
        dynamic_axes={"x": {0: "n"}, "y": {0: "n"}},
    )
    return onnx.load_from_string(f.getvalue())


def po2_scales(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy of a QDQ model with every Q/DQ scale rounded to the nearest power of two
    (the integer weights are kept: a different but equally valid quantised model)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    scales = {n.input[1] for n in m.graph.node if n.op_type in ("QuantizeLinear", "DequantizeLinear")}
    for init in m.graph.initializer:
        if init.name in scales:
            a = numpy_helper.to_array(init)
            init.CopyFrom(numpy_helper.from_array((2.0 ** np.round(np.log2(a))).astype(a.dtype), init.name))
    return m
