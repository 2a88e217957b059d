"""Issue-5 acceptance in C-simulation: each ONNX acceptance model (PyTorch MLP, CNN and
Conv1D exported by torch.onnx, a tf_keras model exported by tf2onnx, a QONNX MLP, a QDQ
CNN from onnxruntime's quantiser) written for Vitis and for Catapult, io_parallel and
io_stream, C-simulates >= 1000 inputs exactly as the emulator does; where every tensor is
quantised in the source, also exactly as the source model."""

from __future__ import annotations

import numpy as np
import onnx_models
import pytest
from onnx_helpers import ort_run, reference_run

import hlsflow

pytestmark = [pytest.mark.csim, pytest.mark.slow]

BUILDERS = {
    "torch_mlp": ("torch",),
    "torch_cnn": ("torch",),
    "torch_conv1d": ("torch",),
    "keras_tf2onnx": ("tensorflow", "tf_keras", "tf2onnx"),
    "qonnx_mlp": (),
    "qdq_cnn": ("torch", "onnxruntime.quantization"),
}
_cache: dict[str, onnx_models.Case] = {}


def _case(name: str, helpers) -> onnx_models.Case:
    for mod in BUILDERS[name]:
        pytest.importorskip(mod)
    if name not in _cache:
        if name == "keras_tf2onnx":
            _cache[name] = onnx_models.keras_tf2onnx(helpers.randomize)
        elif name == "qonnx_mlp":
            _cache[name] = onnx_models.qonnx_mlp()[0]
        else:
            _cache[name] = getattr(onnx_models, name)()
    return _cache[name]


def _at_least_1000(a: np.ndarray) -> np.ndarray:
    return np.concatenate([a] * (1 + 1000 // len(a)))[: max(1000, len(a))]


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("backend", ["vitis", "catapult"])
@pytest.mark.parametrize("name", list(BUILDERS))
def test_onnx_model_csim_equals_emulate(name: str, backend: str, io_type: str, helpers, tmp_path) -> None:
    case = _case(name, helpers)
    prj = hlsflow.convert(case.model, backend=backend, io_type=io_type, output_dir=tmp_path / name)
    prj.write()
    x, x_ir = _at_least_1000(case.x), _at_least_1000(case.x_ir)
    got = prj.csim_raw(x_ir)[0]
    want = prj.emulate(x_ir)
    diff = int(np.count_nonzero(got.to_float() != want))
    print(f"{name} {backend} {io_type}: {diff} of {want.size} values differ on {len(x)} inputs")
    assert diff == 0
    if case.exact:  # the source itself, evaluated exactly (QONNX) or by onnxruntime (QDQ)
        src = reference_run(case.model, x) if name == "qonnx_mlp" else ort_run(case.model, x, optimize=False)
        np.testing.assert_array_equal(got.to_float(), src)
