"""Keras 3 ``.keras`` files: converted without TensorFlow/Keras (checked in a subprocess
that blocks their import), compared with Keras 3's own float output."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import hlsflow
from hlsflow.frontends.errors import FrontendError, UnsupportedModelError
from hlsflow.frontends.keras3 import from_keras3

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def keras3():
    """Keras 3 (only used to build files and reference outputs)."""
    pytest.importorskip("tensorflow")
    k = pytest.importorskip("keras")
    if not k.__version__.startswith("3"):
        pytest.skip("Keras 3 is not installed")
    return k


def _randomize(model, seed: int, last_scale: float = 6.0) -> None:
    """Random weights (some exact zeros); the last layer scaled so that the classes are
    well separated (argmax comparisons are then meaningful)."""
    rng = np.random.default_rng(seed)
    layers = [la for la in model.layers if la.weights]
    for la in layers:
        new = []
        for w in la.get_weights():
            if "variance" in la.name or (la.__class__.__name__ == "BatchNormalization" and len(new) == 3):
                v = rng.uniform(0.5, 2.0, w.shape)
            else:
                v = rng.normal(0, 0.5, w.shape)
                v[rng.random(w.shape) < 0.1] = 0.0
            new.append(v.astype(np.float32))
        la.set_weights(new)
    last = layers[-1]
    last.set_weights([w * last_scale for w in last.get_weights()])


def _cnn(k):
    L = k.layers
    i = k.Input((10, 10, 3), name="img")
    y = L.ZeroPadding2D(((1, 0), (0, 1)), name="pad")(i)
    y = L.Conv2D(6, 3, activation="relu", name="conv")(y)
    y = L.BatchNormalization(name="bn")(y)
    y = L.MaxPooling2D(name="pool")(y)
    a = L.DepthwiseConv2D(3, padding="same", depth_multiplier=2, name="dw")(y)
    a = L.LeakyReLU(0.1, name="lrelu")(a)
    b = L.SeparableConv2D(12, 3, padding="same", activation="elu", name="sep")(y)
    y = L.Add(name="add")([a, b])
    y = L.AveragePooling2D(2, padding="same", name="avg")(y)
    c = L.GlobalMaxPooling2D(name="gmax")(y)
    d = L.Flatten(name="flat")(y)
    d = L.Dense(8, activation="tanh", name="fc")(d)
    y = L.Concatenate(name="cat")([c, d])
    y = L.Dropout(0.3, name="drop")(y)
    y = L.Dense(5, activation="softmax", name="out")(y)
    return k.Model(i, y, name="cnn3")


def _seq(k):
    L = k.layers
    return k.Sequential(
        [
            k.Input((16, 4)),
            L.Conv1D(8, 3, padding="causal", activation="relu"),
            L.Conv1D(8, 3, strides=2, use_bias=False),
            L.ReLU(max_value=6.0),
            L.Reshape((-1, 4)),
            L.GlobalAveragePooling1D(),
            L.Dense(6),
            L.Softmax(),
        ],
        name="seq3",
    )


@pytest.mark.parametrize("build", [_cnn, _seq], ids=["functional-cnn", "sequential-conv1d"])
def test_keras3_file_converts_without_tensorflow(keras3, build, tmp_path) -> None:
    model = build(keras3)
    _randomize(model, seed=len(model.layers))
    path = tmp_path / f"{model.name}.keras"
    model.save(path)
    shape = (300, *model.input_shape[1:])
    x = np.round(np.random.default_rng(0).normal(size=shape) * 1024) / 1024
    want = np.asarray(model.predict(x.astype(np.float32), verbose=0), dtype=np.float64)
    np.save(tmp_path / "x.npy", x)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(HERE.parents[1])
    res = subprocess.run(
        [sys.executable, str(HERE / "keras3_blocked.py"), str(path), str(tmp_path / "x.npy"), str(tmp_path / "o.npz")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    out = np.load(tmp_path / "o.npz")
    assert list(out["loaded"]) == []  # neither TensorFlow nor Keras was imported
    np.testing.assert_allclose(out["reference"], want, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(want).max()))
    agree = float(np.mean(out["emulate"].argmax(-1) == want.argmax(-1)))
    print(
        f"Keras 3 {model.name}: argmax agreement {agree:.4f}, reference max |error| "
        f"{np.abs(out['reference'] - want).max():.3g}"
    )
    assert agree >= 0.99
    if model.name == "cnn3":
        names = list(out["names"])
        assert names[:3] == ["img", "pad", "conv_linear"] and "out" in names


def test_keras3_graph_structure(keras3, tmp_path) -> None:
    model = _cnn(keras3)
    _randomize(model, seed=1)
    path = tmp_path / "m.keras"
    model.save(path)
    g = from_keras3(path)
    assert g.name == "cnn3"
    assert g.node("conv").meta == {"keras_layer": "conv", "keras_class": "Conv2D"}
    k = g.node("conv_linear").params["kernel"]
    np.testing.assert_array_equal(k.values, model.get_layer("conv").kernel.numpy().astype(np.float64))
    bn = g.node("bn")
    gamma, beta, mean, var = (w.astype(np.float64) for w in model.get_layer("bn").get_weights())
    np.testing.assert_allclose(bn.params["scale"].values, gamma / np.sqrt(var + 1e-3), rtol=1e-12)
    assert [n.kind for n in g.nodes].count("depthwise_conv2d") == 2  # depthwise + the separable's
    assert hlsflow.convert(path).graph.name == "cnn3"  # the loader dispatches .keras files


def test_unsupported_keras3_layers_are_listed(keras3, tmp_path) -> None:
    L = keras3.layers
    i = keras3.Input((8,), name="x")
    y = L.Rescaling(0.5, name="rescale")(i)
    y = L.Dense(8, activation="gelu", name="gelu_dense")(y)
    y = L.LayerNormalization(name="ln")(y)
    y = L.Dense(3, name="out")(y)
    path = tmp_path / "bad.keras"
    keras3.Model(i, y).save(path)
    with pytest.raises(UnsupportedModelError) as ei:
        from_keras3(path)
    assert [p[0] for p in ei.value.problems] == ["rescale", "gelu_dense", "ln"]
    assert "activation 'gelu' is not supported" in str(ei.value)


def test_corrupted_keras3_files_give_one_clear_error(keras3, tmp_path) -> None:
    model = _seq(keras3)
    good = tmp_path / "good.keras"
    model.save(good)
    data = good.read_bytes()
    no_config = tmp_path / "noconfig.keras"
    with zipfile.ZipFile(no_config, "w") as zf:
        zf.writestr("metadata.json", "{}")
    cases = {
        "truncated.keras": data[: len(data) // 2],
        "tail_cut.keras": data[:-40],
        "garbage.keras": b"PK\x03\x04 this is not really a zip" * 4,
        "empty.keras": b"",
    }
    paths = [no_config]
    for name, blob in cases.items():
        p = tmp_path / name
        p.write_bytes(blob)
        paths.append(p)
    for p in paths:
        with pytest.raises(FrontendError) as ei:
            hlsflow.convert(p)
        msg = str(ei.value)
        assert str(p) in msg and "\n" not in msg and "not a readable Keras 3 .keras file" in msg, msg


@pytest.mark.csim
@pytest.mark.slow
@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
@pytest.mark.parametrize("backend", ["vitis", "catapult"])
def test_keras3_csim_equals_emulate(keras3, backend, io_type, tmp_path) -> None:
    model = _cnn(keras3)
    _randomize(model, seed=2)
    path = tmp_path / "m.keras"
    model.save(path)
    prj = hlsflow.convert(path, backend=backend, io_type=io_type, output_dir=tmp_path / "prj")
    prj.write()
    x = np.round(np.random.default_rng(1).normal(size=(1000, 10, 10, 3)) * 1024) / 1024
    np.testing.assert_array_equal(prj.csim(x), prj.emulate(x))
