"""Keras 2 (tf_keras) frontend: structure, naming, numerics against model(x), files, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keras_models
import numpy as np
import pytest

from hlsflow.frontends import FrontendError, UnsupportedModelError, from_keras
from hlsflow.ir.types import FloatType

keras = pytest.mark.keras


def _check(h, model, x, rtol=1e-4):
    return h.reference_matches(model, x, rtol)


@pytest.fixture(scope="module")
def conv2d_model(K, helpers):
    m = keras_models.conv2d_stack(K)
    return helpers.randomize(m, seed=1)


@keras
def test_sequential_without_input_layer(K, helpers):
    m = keras_models.mlp(K)
    helpers.randomize(m, seed=0)
    x = np.random.default_rng(0).normal(size=(4, 10)).astype(np.float32)
    g = _check(helpers, m, x)
    assert g.name == "mlp"
    (inp,) = g.inputs
    assert inp.type.shape == (10,) and isinstance(inp.type.elem, FloatType)  # batch size 4 dropped
    names = [n.name for n in g.nodes]
    assert names == ["fc1_input", "fc1_linear", "fc1", "drop", "fc2_linear", "fc2", "out_linear", "out"]
    kinds = [n.kind for n in g.nodes]
    assert kinds == ["input", "dense", "activation", "dropout", "dense", "activation", "dense", "softmax"]
    assert g.node("fc1_linear").meta == {"keras_layer": "fc1", "keras_class": "Dense"}
    assert g.node("fc1").meta == {"keras_layer": "fc1", "keras_class": "Dense"}
    assert [v.name for v in g.outputs] == ["out"]
    # Zero weights are kept as data: the mask marks them.
    k = g.node("fc1_linear").params["kernel"]
    w = m.get_layer("fc1").kernel.numpy()
    assert np.array_equal(k.mask, w != 0) and (w == 0).any()


@keras
def test_sequential_built_later_and_old_json_without_input_layer(K, helpers, tmp_path):
    m = keras_models.built_later(K)
    helpers.randomize(m, seed=3)
    x = np.random.default_rng(1).normal(size=(6, 7)).astype(np.float32)
    g = _check(helpers, m, x)
    assert g.inputs[0].type.shape == (7,)
    # An old-style JSON: the first layer carries batch_input_shape, no InputLayer.
    cfg = json.loads(m.to_json())
    layers = [lc for lc in cfg["config"]["layers"] if lc["class_name"] != "InputLayer"]
    layers[0]["config"]["batch_input_shape"] = [None, 7]
    cfg["config"]["layers"] = layers
    (tmp_path / "m.json").write_text(json.dumps(cfg))
    m.save_weights(tmp_path / "w.h5")
    g2 = from_keras(tmp_path / "m.json", weights=tmp_path / "w.h5")
    from hlsflow.emulate import reference

    helpers.assert_close(reference(g2, x), helpers.keras_outputs(m, x)[0])


@keras
def test_functional_branches_multi_input_output(K, helpers):
    m = keras_models.branches(K)
    helpers.randomize(m, seed=2)
    rng = np.random.default_rng(2)
    x = [rng.normal(size=(5, 6)).astype(np.float32) for _ in range(2)]
    g = _check(helpers, m, x)
    assert [v.name for v in g.inputs] == ["in_a", "in_b"]
    assert [v.name for v in g.outputs] == ["head", "cat1", "add"]
    assert g.node("cat").op.axis == 0 and g.node("cat1").op.axis == 0  # Keras -1 and 1
    assert g.node("shared").kind == "dense" and g.node("shared_1").meta["keras_layer"] == "shared"
    assert g.node("sub").op.mode == "subtract" and g.node("avg").op.mode == "average"


@keras
def test_conv2d_stack(conv2d_model, helpers):
    x = np.random.default_rng(3).normal(size=(3, 8, 8, 3)).astype(np.float32)
    g = _check(helpers, conv2d_model, x)
    assert g.node("sep_depthwise").kind == "depthwise_conv2d"
    assert "bias" not in g.node("sep_depthwise").params
    assert g.node("sep_linear").op.kernel_size == (1, 1) and g.node("sep").op.function == "elu"
    assert g.node("dil").op.dilation == (2, 2) and "bias" not in g.node("dil").params
    assert g.node("bn").kind == "batch_norm" and g.node("pad").op.pads == ((1, 0), (2, 1))
    assert g.node("reshape").op.shape == (2, 3)  # (1, 1, 6) flattened, -1 resolved


@keras
def test_conv1d_stack(K, helpers):
    m = keras_models.conv1d_stack(K)
    helpers.randomize(m, seed=4)
    x = np.random.default_rng(4).normal(size=(3, 16, 3)).astype(np.float32)
    g = _check(helpers, m, x)
    assert g.node("causal_pad").op.pads == ((4, 0),)
    assert g.node("causal_linear").op.padding == "valid"
    assert "noise" not in [n.name for n in g.nodes]  # removed (identity)


@keras
def test_every_activation(K, helpers):
    m = keras_models.every_activation(K)
    helpers.randomize(m, seed=5, scale=1.5)
    x = np.random.default_rng(5).normal(size=(8, 12)).astype(np.float32) * 2
    g = _check(helpers, m, x)
    assert g.node("relu_max").op.max_value == 1.5
    assert g.node("relu_neg").op.function == "leaky_relu" and g.node("relu_neg").op.alpha == 0.125
    assert g.node("elu_layer").op.alpha == 0.5
    assert g.node("act_leaky_relu").op.alpha == 0.2
    assert g.node("softmax_layer").kind == "softmax"


@keras
@pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file")
def test_h5_and_json_weights_round_trip(conv2d_model, helpers, tmp_path):
    from hlsflow.emulate import reference

    x = np.random.default_rng(6).normal(size=(2, 8, 8, 3)).astype(np.float32)
    want = helpers.keras_outputs(conv2d_model, x)
    h5 = tmp_path / "model.h5"
    conv2d_model.save(h5)
    (tmp_path / "model.json").write_text(conv2d_model.to_json())
    conv2d_model.save_weights(tmp_path / "weights.h5")
    for g in (from_keras(h5), from_keras(str(tmp_path / "model.json"), weights=tmp_path / "weights.h5")):
        for r, w in zip(reference(g, x), want):
            helpers.assert_close(r, w)
        assert [n.name for n in g.nodes] == [n.name for n in from_keras(conv2d_model).nodes]
    with pytest.raises(FrontendError, match="needs its weights"):
        from_keras(tmp_path / "model.json")


@keras
def test_unsupported_layers_are_listed_together(K):
    L = K.layers
    i = K.Input((5, 3), name="seq")
    y = L.LSTM(4, return_sequences=True, name="rnn")(i)
    y = L.Lambda(lambda t: t * 2.0, name="double")(y)
    y = L.Dense(4, activation="swish", name="swishy")(y)
    y = L.ReLU(threshold=0.5, name="thr")(y)
    y = L.Softmax(axis=1, name="sm_axis1")(y)
    y = L.GlobalAveragePooling1D(keepdims=True, name="gap_keep")(y)
    y = L.Conv1D(2, 1, name="fine")(y)
    m = K.Model(i, y)
    with pytest.raises(UnsupportedModelError) as ei:
        from_keras(m)
    err = ei.value
    assert isinstance(err, ValueError)
    names = [p[0] for p in err.problems]
    assert names == ["rnn", "double", "swishy", "thr", "sm_axis1", "gap_keep"]
    msg = str(err)
    for frag in (
        "rnn (LSTM): layer type not supported",
        "double (Lambda):",
        "swishy (Dense): activation 'swish'",
        "thr (ReLU): threshold",
        "sm_axis1 (Softmax): axis=1",
        "gap_keep (GlobalAveragePooling1D): keepdims",
    ):
        assert frag in msg, msg


@keras
def test_channels_first_is_refused(K):
    L = K.layers
    m = K.Sequential([L.Conv2D(2, 3, data_format="channels_first", input_shape=(3, 8, 8), name="cf"), L.Flatten()])
    with pytest.raises(UnsupportedModelError, match=r"cf \(Conv2D\): data_format='channels_first'"):
        from_keras(m)


@keras
def test_bad_inputs(K):
    m = K.Sequential([K.layers.Dense(3)])
    with pytest.raises(FrontendError, match="not built"):
        from_keras(m)
    with pytest.raises(FrontendError, match="expected a tf_keras model"):
        from_keras(42)
    with pytest.raises(FrontendError, match="no such file"):
        from_keras("/nonexistent/model.h5")
    i = K.Input((None, 4), name="varlen")
    m2 = K.Model(i, K.layers.Dense(2)(i))
    with pytest.raises(UnsupportedModelError, match="unknown dimensions"):
        from_keras(m2)


def test_import_does_not_import_tensorflow():
    code = "import sys, hlsflow.frontends, hlsflow.frontends.qkeras; print('tensorflow' in sys.modules)"
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONPATH=root)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False"
