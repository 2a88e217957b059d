"""Acceptance on the shipped example models, every format (default config unless a test
says otherwise, nothing tuned per model):

* emulate vs the source framework's stored outputs: argmax agreement >= 99%, and the
  converted graph's float reference reproduces the source model;
* models whose every tensor is quantised (QDQ ONNX): emulate equals the source outputs
  exactly; QKeras: every layer whose output a quantiser defines is reproduced exactly
  (the number of differing values is printed and must be 0);
* C-simulation equals the emulator bit for bit (Vitis and Catapult, both io types);
* the main job ``hlsflow run <folder>`` (with the folder's config.yml) reports 0 csim
  mismatches and >= 99% agreement in report.json.

Tests of models saved as .h5 need TensorFlow (marker ``keras``); ``big_mlp`` (1M
parameters) is marked ``slow``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import hlsflow
from hlsflow.config import Config
from hlsflow.emulate import run

ZOO = Path(__file__).resolve().parent.parent / "example-models"
#: the file each source format is saved as (info.json "source_format" -> file name)
MODEL_FILES = {"h5": "model.h5", "keras": "model.keras", "onnx": "model.onnx"}
MODELS = sorted(p.name for p in ZOO.iterdir() if any((p / f).exists() for f in MODEL_FILES.values()))
SLOW = {"big_mlp"}  # 1M parameters: ~20 s g++ build per project
MIN_AGREEMENT = 0.99


def _info(name: str) -> dict[str, Any]:
    return json.loads((ZOO / name / "info.json").read_text())


def _source_outputs(d: Path) -> np.ndarray:
    """y_source.npy, or y_keras.npy in the folders made before the rename."""
    p = d / "y_source.npy"
    return np.load(p if p.exists() else d / "y_keras.npy")


def _params(names: list[str], *extra: Any) -> list[Any]:
    """One pytest.param per model with the markers its format needs."""
    out = []
    for name in names:
        marks = list(extra)
        if _info(name)["source_format"] == "h5":
            marks.append(pytest.mark.keras)
        if name in SLOW:
            marks.append(pytest.mark.slow)
        out.append(pytest.param(name, marks=marks, id=name))
    return out


def _need_framework(name: str) -> None:
    """Skip when the package that reads this model's file is missing."""
    fmt = _info(name)["source_format"]
    if fmt == "h5":
        pytest.importorskip("tensorflow")
    elif fmt == "onnx":
        pytest.importorskip("onnx")


QKERAS_MODELS = [n for n in MODELS if _info(n)["source_framework"] == "qkeras"]
EXACT_MODELS = [n for n in MODELS if _info(n).get("every_tensor_quantised")]


def test_the_zoo_has_every_format() -> None:
    """Guards the parametrisations below against a zoo that silently lost models."""
    formats = {_info(n)["source_format"] for n in MODELS}
    assert formats == set(MODEL_FILES), formats
    assert QKERAS_MODELS and EXACT_MODELS and len(MODELS) >= 9


@pytest.mark.parametrize("name", MODELS)
def test_folder_is_complete(name: str) -> None:
    """model file named by info.json, inputs/labels/outputs of matching length, and a
    config.yml that hlsflow accepts."""
    d = ZOO / name
    info = _info(name)
    assert (d / MODEL_FILES[info["source_format"]]).exists()
    x, y, y_src = np.load(d / "x_test.npy"), np.load(d / "y_test.npy"), _source_outputs(d)
    assert x.dtype == np.float32 and list(x.shape[1:]) == info["input_shape"]
    assert len(x) == len(y) == len(y_src) == info["n_test"]
    assert abs(float(np.mean(np.argmax(y_src, 1) == y)) - info["test_accuracy"]) < 1e-6
    Config.from_yaml(d / "config.yml")


@pytest.mark.parametrize("name", _params(MODELS))
def test_default_config_agrees_with_source(name: str) -> None:
    _need_framework(name)
    d = ZOO / name
    prj = hlsflow.convert(d)
    x, y_src = np.load(d / "x_test.npy"), _source_outputs(d)
    y = np.asarray(prj.emulate(x))
    agree = float(np.mean(np.argmax(y, 1) == np.argmax(y_src, 1)))
    print(f"{name}: argmax agreement {100 * agree:.2f}% on {len(x)} samples, max |err| {np.max(np.abs(y - y_src)):.4f}")
    assert agree >= MIN_AGREEMENT
    # The float reference of the converted graph is the source model (frontend check).
    # Quantised sources compute in float32: a pre-activation within one float32 ulp of a
    # quantiser's rounding midpoint can round the other way in the float64 reference
    # (jet_qmlp: 1 sample of 5000), so a few rows may differ by one quantisation step.
    ref = np.asarray(prj.reference(x))
    rows_close = np.all(np.isclose(ref, y_src, rtol=1e-4, atol=1e-5), axis=tuple(range(1, y.ndim)))
    print(f"{name}: float reference within 1e-4 of the source on {int(rows_close.sum())} of {len(x)} samples")
    if _info(name).get("quantizers"):
        assert rows_close.mean() >= 0.999
    else:
        assert rows_close.all()


@pytest.mark.parametrize("name", _params(EXACT_MODELS))
def test_fully_quantised_model_is_exact(name: str) -> None:
    """Every tensor on a power-of-two grid: the emulator equals the source outputs."""
    _need_framework(name)
    d = ZOO / name
    prj = hlsflow.convert(d)
    x, y_src = np.load(d / "x_test.npy"), _source_outputs(d)
    y = np.asarray(prj.emulate(x))
    diff = int(np.count_nonzero(y != y_src.astype(np.float64)))
    print(f"{name}: {diff} of {y.size} output values differ from the source")
    assert diff == 0
    # every scale a power of two: no explicit scaling op (they are logged when added)
    assert not any("power of two" in line for line in prj.log), prj.log


@pytest.mark.keras
def test_json_plus_weights_path_converts() -> None:
    pytest.importorskip("tensorflow")
    d = ZOO / "digits_mlp"
    a = hlsflow.convert(d / "model.json", weights=d / "weights.h5")
    b = hlsflow.convert(d / "model.h5")
    x = np.load(d / "x_test.npy")
    assert np.array_equal(a.emulate(x), b.emulate(x))


@pytest.mark.parametrize("name", _params(QKERAS_MODELS))
def test_qkeras_quantised_layers_are_exact(name: str) -> None:
    tf = pytest.importorskip("tensorflow")
    from qkeras.utils import _add_supported_quantized_objects

    d = ZOO / name
    co: dict = {}
    _add_supported_quantized_objects(co)
    model = tf.keras.models.load_model(d / "model.h5", custom_objects=co, compile=False)
    info = _info(name)
    quantised = sorted({k.split(".")[0] for k in info["quantizers"] if k.endswith(".activation")})
    assert quantised, "a QKeras example must have quantised activations"
    # Both sides get the same inputs: x on the grid of the default input type
    # fixed<16,6> (a no-op for digits, k/16). Then every QKeras pre-activation is exact in
    # float32 (6-bit weights, few terms), so the quantised layers must agree exactly.
    x = np.load(d / "x_test.npy").astype(np.float64)
    x = np.clip(np.round(x * 2**10), -(2**15), 2**15 - 1) / 2**10
    prj = hlsflow.convert(model)
    tr = prj.trace(x)
    total_diff = 0
    for layer in quantised:
        sub = tf.keras.Model(model.inputs, model.get_layer(layer).output)
        q = sub.predict(x.astype(np.float32), verbose=0).astype(np.float64)
        ours = tr[layer].values
        diff = int(np.count_nonzero(ours != q))
        print(f"{name}.{layer}: {diff} of {q.size} values differ from QKeras")
        total_diff += diff
    assert total_diff == 0


@pytest.mark.csim
@pytest.mark.parametrize("backend", ["vitis", "catapult"])
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("name", _params(MODELS))
def test_example_csim_equals_emulate(name: str, backend: str, io_type: str, tmp_path, monkeypatch) -> None:
    """Every example model, both io types, Vitis and Catapult: C-simulation of the
    shipped inputs equals the emulator bit for bit (own headers)."""
    _need_framework(name)
    monkeypatch.setenv("HLSFLOW_CACHE", str(tmp_path / "cache"))
    d = ZOO / name
    prj = hlsflow.convert(d, backend=backend, io_type=io_type)
    prj.write(tmp_path / "prj")
    x = np.load(d / "x_test.npy")
    x = np.concatenate([x, x])[: max(1000, len(x))]  # at least 1000 inputs (500 for big_mlp: all it has, twice)
    got = prj.csim_raw(x)[0].mant
    want = run(prj.graph, x)[0][0].mant
    diff = int(np.count_nonzero(got != want))
    print(f"{name} {backend} {io_type}: {diff} of {want.size} values differ on {len(x)} inputs")
    assert diff == 0


@pytest.mark.csim
@pytest.mark.parametrize("name", _params(MODELS))
def test_main_job_on_example(name: str, tmp_path) -> None:
    """``hlsflow run <folder> -o <dir>``: the folder's config.yml, every shipped input
    through csim, 0 mismatches against the emulator, agreement with the source outputs
    (exact for fully quantised models), all recorded in report.json."""
    _need_framework(name)
    from hlsflow.cli import main

    out = tmp_path / "prj"
    res = CliRunner().invoke(main, ["run", str(ZOO / name), "-o", str(out)], catch_exceptions=False)
    print(res.output[-600:])
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "report.json").read_text())["run"]
    n = _info(name)["n_test"]
    assert summary["samples"] == n
    assert summary["csim_mismatches"] == 0
    assert summary["argmax_agreement"] >= MIN_AGREEMENT
    if name in EXACT_MODELS:
        assert summary["max_abs_error"] == 0.0
    assert np.load(out / "y_emulate.npy").shape[0] == n
    assert "bit-exact" in res.output and "agreement with the source model" in res.output
