"""Acceptance on the shipped example models (default config, nothing tuned per model).

* emulate vs the source framework's stored outputs: argmax agreement >= 99%;
* QKeras: every layer whose output a quantiser defines is reproduced exactly by the
  emulator (the number of differing values is printed and must be 0).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import hlsflow
from hlsflow.emulate import run

ZOO = Path(__file__).resolve().parent.parent / "example-models"
MODELS = sorted(p.name for p in ZOO.iterdir() if (p / "model.h5").exists())

pytestmark = pytest.mark.keras


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow")


@pytest.mark.parametrize("name", MODELS)
def test_default_config_agrees_with_source(name: str, tf) -> None:
    d = ZOO / name
    prj = hlsflow.convert(d / "model.h5")
    x, y_src = np.load(d / "x_test.npy"), np.load(d / "y_keras.npy")
    y = np.asarray(prj.emulate(x))
    agree = float(np.mean(np.argmax(y, 1) == np.argmax(y_src, 1)))
    print(f"{name}: argmax agreement {100 * agree:.2f}% on {len(x)} samples, max |err| {np.max(np.abs(y - y_src)):.4f}")
    assert agree >= 0.99
    # the float reference of the converted graph is the source model (frontend check)
    np.testing.assert_allclose(np.asarray(prj.reference(x)), y_src, rtol=1e-4, atol=1e-5)


def test_json_plus_weights_path_converts(tf) -> None:
    d = ZOO / "digits_mlp"
    a = hlsflow.convert(d / "model.json", weights=d / "weights.h5")
    b = hlsflow.convert(d / "model.h5")
    x = np.load(d / "x_test.npy")
    assert np.array_equal(a.emulate(x), b.emulate(x))


def test_qkeras_quantised_layers_are_exact(tf) -> None:
    from qkeras.utils import _add_supported_quantized_objects

    d = ZOO / "digits_qmlp"
    co: dict = {}
    _add_supported_quantized_objects(co)
    model = tf.keras.models.load_model(d / "model.h5", custom_objects=co, compile=False)
    info = json.loads((d / "info.json").read_text())
    quantised = sorted({k.split(".")[0] for k in info["quantizers"] if k.endswith(".activation")})
    assert quantised, "the QKeras example must have quantised activations"
    x = np.load(d / "x_test.npy")
    prj = hlsflow.convert(model)
    tr = prj.trace(x)
    total_diff = 0
    for layer in quantised:
        sub = tf.keras.Model(model.inputs, model.get_layer(layer).output)
        q = sub.predict(x, verbose=0).astype(np.float64)
        ours = tr[layer].values
        diff = int(np.count_nonzero(ours != q))
        print(f"{layer}: {diff} of {q.size} values differ from QKeras")
        total_diff += diff
    assert total_diff == 0


@pytest.mark.csim
@pytest.mark.parametrize("backend", ["vitis", "catapult"])
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("name", MODELS)
def test_example_csim_equals_emulate(name: str, backend: str, io_type: str, tf, tmp_path, monkeypatch) -> None:
    """Every example model, both io types, Vitis and Catapult: C-simulation of the
    shipped inputs equals the emulator bit for bit (own headers)."""
    monkeypatch.setenv("HLSFLOW_CACHE", str(tmp_path / "cache"))
    d = ZOO / name
    prj = hlsflow.convert(d / "model.h5", backend=backend, io_type=io_type)
    prj.write(tmp_path / "prj")
    x = np.load(d / "x_test.npy")
    x = np.concatenate([x, x])[: max(1000, len(x))]  # at least 1000 inputs
    got = prj.csim_raw(x)[0].mant
    want = run(prj.graph, x)[0][0].mant
    diff = int(np.count_nonzero(got != want))
    print(f"{name} {backend} {io_type}: {diff} of {want.size} values differ on {len(x)} inputs")
    assert diff == 0
