"""Keras 2 ``.h5`` files read without TensorFlow (:mod:`hlsflow.frontends.keras2_h5`).

Acceptance is exact equivalence with the tf_keras path: for every example ``.h5`` model
and for the models of test_keras.py / test_qkeras.py saved to ``.h5``, the same IR text,
node names, ops, metadata, parameter constants (values, masks, types, mantissas) and the
same emulator outputs after conversion. Files the reader does not handle must reach the
same result through the tf_keras path; a subprocess with TensorFlow, Keras, tf_keras and
QKeras unimportable converts the example models.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras_models as km
import numpy as np
import pytest

import hlsflow
from hlsflow.frontends import FrontendError, UnsupportedModelError, from_keras, keras2_h5
from hlsflow.frontends.keras2_h5 import NotHandled, from_keras2_h5, parse_quantizer, quantized_bits_values
from hlsflow.ir.graph import Graph

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
EXAMPLES = ROOT / "example-models"

keras = pytest.mark.keras
pytestmark = [
    pytest.mark.filterwarnings("ignore:You are saving your model as an HDF5 file"),
    pytest.mark.filterwarnings("ignore:The `keras.constraints.serialize"),
]


@pytest.fixture(scope="module")
def Q(K: Any) -> Any:
    return pytest.importorskip("qkeras")


# -- comparison helpers ---------------------------------------------------------------------
def tf_graph(path: Path, weights: Path | None = None) -> Graph:
    """The graph of the tf_keras path (the model loaded by tf_keras, then converted)."""
    from hlsflow.frontends.keras import KerasConverter, load_keras_model

    return KerasConverter(load_keras_model(path, weights)).convert()


def assert_same_graph(got: Graph, want: Graph) -> None:
    """Same IR text, names, ops, metadata, edges and parameter constants, exactly."""
    assert str(got) == str(want)
    assert got.name == want.name
    assert [v.name for v in got.inputs] == [v.name for v in want.inputs]
    assert [v.name for v in got.outputs] == [v.name for v in want.outputs]
    assert len(got.nodes) == len(want.nodes)
    for a, b in zip(got.nodes, want.nodes):
        assert (a.name, a.op, a.meta) == (b.name, b.op, b.meta)
        assert [v.name for v in a.inputs] == [v.name for v in b.inputs]
        assert [v.type for v in a.outputs] == [v.type for v in b.outputs]
        assert list(a.params) == list(b.params), a.name
        for k, cb in b.params.items():
            ca = a.params[k]
            where = f"{a.name}.{k}"
            assert ca.type == cb.type, where
            assert ca.values.dtype == cb.values.dtype and np.array_equal(ca.values, cb.values), where
            assert np.array_equal(ca.mask, cb.mask), where
            assert (ca.mant is None) == (cb.mant is None), where
            if ca.mant is not None:
                assert ca.mant.dtype == cb.mant.dtype and np.array_equal(ca.mant, cb.mant), where


def _outputs(y: Any) -> list[np.ndarray]:
    return [np.asarray(o) for o in (y if isinstance(y, list) else [y])]


def assert_same_emulation(got: Graph, want: Graph, x: Any, config: Any = None) -> None:
    """Both graphs converted with ``config``: same final IR and bit-identical outputs.
    (Conversion runs the passes in place: compare the frontend graphs first.)"""
    pa, pb = hlsflow.convert(got, config=config), hlsflow.convert(want, config=config)
    assert str(pa.graph) == str(pb.graph)
    for ya, yb in zip(_outputs(pa.emulate(x)), _outputs(pb.emulate(x)), strict=True):
        assert ya.dtype == yb.dtype and np.array_equal(ya, yb)


# -- the example models ----------------------------------------------------------------------
EXAMPLE_FILES = [
    ("digits_mlp", "model.h5", None),
    ("digits_mlp", "model.json", "weights.h5"),
    ("digits_cnn", "model.h5", None),
    ("digits_qmlp", "model.h5", None),
    ("jet_mlp", "model.h5", None),
    ("jet_qmlp", "model.h5", None),
    ("big_mlp", "model.h5", None),
]


@keras
@pytest.mark.parametrize(("folder", "model", "weights"), EXAMPLE_FILES, ids=[f"{f}/{m}" for f, m, _ in EXAMPLE_FILES])
def test_example_models_equal_the_tf_keras_path(K, folder: str, model: str, weights: str | None) -> None:
    d = EXAMPLES / folder
    w = d / weights if weights else None
    want = tf_graph(d / model, w)
    got = from_keras2_h5(d / model, w)  # strict: raises NotHandled instead of falling back
    assert_same_graph(got, want)
    assert_same_graph(from_keras(d / model, weights=w), want)  # the public entry takes this path
    x = np.load(d / "x_test.npy")
    assert_same_emulation(got, want, x, d / "config.yml")


#: name -> (builder, uses QKeras, read without tf_keras, input shape)
MODELS: dict[str, tuple[Callable[..., Any], bool, bool, tuple[int, ...] | list[tuple[int, ...]]]] = {
    "mlp_without_input_layer": (km.mlp, False, True, (10,)),
    "sequential_built_later": (km.built_later, False, True, (7,)),
    "functional_branches": (km.branches, False, True, [(6,), (6,)]),
    "conv2d_stack": (km.conv2d_stack, False, True, (8, 8, 3)),
    "conv1d_stack": (km.conv1d_stack, False, True, (16, 3)),
    "every_activation": (km.every_activation, False, True, (12,)),
    "qkeras_activations": (km.qactivations(km.Q_ACTIVATIONS), True, True, (64,)),
    "qkeras_hard_tanh_sigmoid": (km.qactivations(km.Q_HARD), True, False, (64,)),
    "qkeras_qmodel": (km.qmodel, True, False, (8, 8, 2)),
    "qkeras_dyadic_po2": (km.qdyadic(True), True, False, (6, 6, 2)),
    "qkeras_dyadic_bits": (km.qdyadic(False), True, True, (6, 6, 2)),
    "qkeras_keras_function": (km.qkeras_function, True, True, (5,)),
}


def _inputs(shape: Any, seed: int) -> Any:
    rng = np.random.default_rng(seed)
    if isinstance(shape, list):
        return [(rng.normal(size=(16, *s)) * 2).astype(np.float32) for s in shape]
    return (rng.normal(size=(16, *shape)) * 2).astype(np.float32)


@keras
@pytest.mark.parametrize("case", list(MODELS))
def test_test_models_equal_the_tf_keras_path(K, helpers, tmp_path, caplog, case: str) -> None:
    build, uses_qkeras, handled, shape = MODELS[case]
    if uses_qkeras:
        Q = pytest.importorskip("qkeras")
        model = build(K, Q)
    else:
        model = build(K)
    helpers.randomize(model, seed=len(case), zero_frac=0.2, scale=0.7)
    h5 = tmp_path / "model.h5"
    model.save(h5)
    (tmp_path / "model.json").write_text(model.to_json())
    model.save_weights(tmp_path / "weights.h5")
    want = tf_graph(h5)
    for path, weights in ((tmp_path / "model.json", tmp_path / "weights.h5"), (h5, None)):
        if handled:
            got = from_keras2_h5(path, weights)
            assert_same_graph(got, want)
        else:
            with pytest.raises(NotHandled):
                from_keras2_h5(path, weights)
        with caplog.at_level(logging.DEBUG, logger="hlsflow"):
            assert_same_graph(from_keras(path, weights=weights), want)  # the fallback when not handled
    # silent: nothing above debug level (the reason for a fallback is logged at debug)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("hlsflow") and r.levelno > logging.DEBUG] == []
    assert any("read with tf_keras" in r.getMessage() for r in caplog.records) is not handled
    if handled:
        assert_same_emulation(got, want, _inputs(shape, seed=len(case)))


@keras
def test_old_json_without_input_layer(K, helpers, tmp_path) -> None:
    """An old-style JSON (no InputLayer; batch_input_shape on the first layer): tf_keras
    adds ``<first>_input``, and so does the reader."""
    m = helpers.randomize(km.built_later(K), seed=3)
    cfg = json.loads(m.to_json())
    layers = [lc for lc in cfg["config"]["layers"] if lc["class_name"] != "InputLayer"]
    layers[0]["config"]["batch_input_shape"] = [None, 7]
    cfg["config"]["layers"] = layers
    cfg["config"].pop("build_input_shape", None)
    (tmp_path / "m.json").write_text(json.dumps(cfg))
    m.save_weights(tmp_path / "w.h5")
    got = from_keras2_h5(tmp_path / "m.json", tmp_path / "w.h5")
    assert_same_graph(got, tf_graph(tmp_path / "m.json", tmp_path / "w.h5"))
    assert got.inputs[0].name == "a_input"


def _unsupported_models(K: Any, Q: Any) -> dict[str, Any]:
    L = K.layers
    i = K.Input((5, 3), name="seq")
    y = L.LSTM(4, return_sequences=True, name="rnn")(i)
    y = L.Dense(4, activation="swish", name="swishy")(y)
    y = L.ReLU(threshold=0.5, name="thr")(y)
    y = L.Softmax(axis=1, name="sm_axis1")(y)
    y = L.GlobalAveragePooling1D(keepdims=True, name="gap_keep")(y)
    y = L.Conv1D(2, 1, name="fine")(y)
    listed = K.Model(i, y, name="listed")
    i = K.Input((6,), name="x")
    y = L.Dense(4, activation="swish", name="swishy")(i)  # a layer the reader knows, an option it rejects
    y = L.ReLU(threshold=0.5, name="thr")(y)
    options = K.Model(i, y, name="options")
    cf = K.Sequential([L.Conv2D(2, 3, data_format="channels_first", input_shape=(3, 8, 8), name="cf"), L.Flatten()])
    i = K.Input((None, 4), name="varlen")
    varlen = K.Model(i, L.Dense(2)(i))
    i = K.Input((8,), name="x")
    quant = K.Model(
        i,
        [
            Q.QActivation("binary", name="bin_act")(i),
            Q.QDense(4, kernel_quantizer=Q.quantized_bits(4, 0, alpha="auto"), name="auto_alpha")(i),
            Q.QActivation("quantized_relu(4,0,use_sigmoid=1)", name="sigrelu")(i),
            Q.QActivation("quantized_bits(1,0)", name="sign")(i),
            Q.QDense(4, kernel_quantizer="quantized_bits(6,0,alpha=1)", activation="quantized_relu(4,0)", name="fine")(
                i
            ),
        ],
    )
    return {"listed": listed, "options": options, "channels_first": cf, "varlen": varlen, "quantizers": quant}


@keras
def test_unsupported_models_give_the_same_error(K, Q, tmp_path) -> None:
    """An UnsupportedModelError lists every unsupported layer, exactly as before."""
    for name, model in _unsupported_models(K, Q).items():
        h5 = tmp_path / f"{name}.h5"
        model.save(h5)
        with pytest.raises(UnsupportedModelError) as want:
            tf_graph(h5)
        with pytest.raises(UnsupportedModelError) as got:
            from_keras(h5)
        assert str(got.value) == str(want.value), name
        assert got.value.problems == want.value.problems, name
    # The reader itself finds the same layers when it knows every class.
    with pytest.raises(UnsupportedModelError) as own:
        from_keras2_h5(tmp_path / "options.h5")
    assert [p[0] for p in own.value.problems] == ["swishy", "thr"]


# -- QKeras quantizers from their configuration ------------------------------------------------
#: quantized_bits weight quantizers the reader replays (none may be a kernel's alpha=None).
REPLAYED = [
    "quantized_bits(4,0,alpha=1)",
    "quantized_bits(6,2,alpha=1)",
    "quantized_bits(6,2)",
    "quantized_bits(8,3,1,alpha=1)",
    "quantized_bits(5,1,keep_negative=False,alpha=1)",
    "quantized_bits(3,0,alpha=0.5)",
    "quantized_bits(8,4,alpha=4)",
    "quantized_bits(2,0,alpha=1)",
    "quantized_bits(16,30,alpha=1)",
    "quantized_bits(24,0,alpha=1)",
]


def _edge_values() -> np.ndarray:
    rng = np.random.default_rng(11)
    ties = np.arange(-600, 600, dtype=np.float64) / 64.0  # exact halves and quarters: rounding ties
    special = np.array(
        [0.0, -0.0, 1e-45, -1e-45, 1e-39, 1.2e-38, 3e-8, 0.49999997, 0.5, 1.0 - 2**-24, 1.0, 3e7, -3e7, 1.7e38, -1.7e38]
    )
    return np.concatenate([ties, special, rng.normal(size=2000) * 3, rng.normal(size=500) * 1e6]).astype(np.float32)


@keras
@pytest.mark.parametrize("spec", REPLAYED)
def test_quantized_bits_replay_is_bit_identical_to_qkeras(Q, spec: str) -> None:
    import tensorflow as tf

    x = _edge_values()
    want = Q.quantizers.get_quantizer(spec)(tf.constant(x)).numpy()
    got = quantized_bits_values(parse_quantizer(spec), x)
    assert got.dtype == want.dtype == np.float32
    assert np.array_equal(got, want, equal_nan=True)  # NaN: inf - inf after an overflow, in both
    # bit for bit, except possibly the sign of a zero (TensorFlow flushes denormal inputs)
    differ = (got.view(np.uint32) != want.view(np.uint32)) & ~np.isnan(got)
    assert np.all(got[differ] == 0)


QUANTIZER_SPECS = [
    "quantized_bits",
    "quantized_bits(6,2)",
    "quantized_bits(6, 2, 1)",
    "quantized_bits(4,0,alpha='auto_po2')",
    "quantized_bits(5,1,keep_negative=False,alpha=1)",
    "quantized_bits(8,3,alpha=0.5,use_stochastic_rounding=True)",
    "quantized_relu(6,2)",
    "quantized_relu(4,2,negative_slope=0.25)",
    "quantized_relu(4,0,use_sigmoid=1)",
    "quantized_relu(6,2,relu_upper_bound=3.0,is_quantized_clip=False)",
    "quantized_tanh(5,symmetric=True)",
    "quantized_tanh(6,use_real_tanh=True)",
    "quantized_sigmoid(5,use_real_sigmoid=True)",
]


@keras
@pytest.mark.parametrize("spec", QUANTIZER_SPECS)
def test_quantizer_specs_read_as_qkeras_reads_them(Q, spec: str) -> None:
    """Every attribute of the stand-in equals QKeras's, from a string and from the dict
    QKeras serialises it to."""
    get = Q.quantizers.get_quantizer
    live = get(spec)
    # the dict form is what a saved model holds (QKeras's get_config may drop options)
    serialized = {"class_name": type(live).__name__, "config": live.get_config()}
    for form in (spec, serialized):
        q, ref = parse_quantizer(form), get(form)
        assert type(q).__name__ == type(ref).__name__
        for name, _ in type(q).PARAMS:
            assert getattr(q, name) == getattr(ref, name), (form, name)


def test_quantizer_strings_qkeras_would_misread_are_not_handled() -> None:
    for spec in ("quantized_bits(4,0,alpha=auto_po2)", "quantized_bits(4, 0, alpha=1 )", "quantized_bits(4,,0)"):
        with pytest.raises(NotHandled):
            parse_quantizer(spec)
    assert parse_quantizer("relu") is None and parse_quantizer({"class_name": "ternary", "config": {}}) is None
    assert parse_quantizer("quantized_bits(4,0,alpha='auto_po2')").symmetric is True  # QKeras: "auto*" -> symmetric


# -- without TensorFlow -------------------------------------------------------------------
BLOCKED_CASES = [
    ("digits_mlp", "model.h5"),
    ("digits_mlp", "model.json"),
    ("digits_cnn", "model.h5"),
    ("jet_mlp", "model.h5"),
    ("big_mlp", "model.h5"),
    ("digits_qmlp", "model.h5"),
    ("jet_qmlp", "model.h5"),
]


@pytest.mark.parametrize(("folder", "model"), BLOCKED_CASES, ids=[f"{f}/{m}" for f, m in BLOCKED_CASES])
def test_example_models_convert_with_tensorflow_blocked(tmp_path, folder: str, model: str) -> None:
    """TensorFlow, Keras, tf_keras and QKeras cannot be imported: the example models still
    convert, their float reference matches the stored source outputs (float models) and
    the node names are those of the in-process conversion."""
    d = EXAMPLES / folder
    x = np.load(d / "x_test.npy")[:300]
    np.save(tmp_path / "x.npy", x)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(ROOT)
    res = subprocess.run(
        [
            sys.executable,
            str(HERE / "keras3_blocked.py"),
            str(d / model),
            str(tmp_path / "x.npy"),
            str(tmp_path / "o.npz"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    out = np.load(tmp_path / "o.npz")
    assert list(out["loaded"]) == []  # nothing blocked was imported
    assert list(out["names"]) == [n.name for n in hlsflow.convert(d / model).graph.nodes]
    if "q" not in folder:
        y = np.load(next(p for p in (d / "y_source.npy", d / "y_keras.npy") if p.exists()))[:300]
        np.testing.assert_allclose(out["reference"], y, rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(y).max())))


def _copy_with_config(src: Path, dst: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    import shutil

    import h5py

    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        cfg = json.loads(f.attrs["model_config"])
        edit(cfg)
        f.attrs["model_config"] = json.dumps(cfg)
    return dst


def test_not_handled_without_tensorflow_names_the_reason(tmp_path, monkeypatch) -> None:
    """With tf_keras missing there is nothing to fall back to: one FrontendError naming
    the file, the layer and the packages needed."""

    def add_lambda(cfg: dict[str, Any]) -> None:
        cfg["config"]["layers"].append({"class_name": "Lambda", "config": {"name": "custom_fn", "function": "x"}})

    path = _copy_with_config(EXAMPLES / "jet_mlp" / "model.h5", tmp_path / "lambda.h5", add_lambda)
    monkeypatch.setattr(keras2_h5, "tf_keras_available", lambda: False)
    with pytest.raises(FrontendError, match=r"lambda\.h5: layer 'custom_fn' \(Lambda\).*needs TensorFlow and tf_keras"):
        from_keras(path)
    with pytest.raises(NotHandled, match="custom_fn"):
        from_keras2_h5(path)

    # An unsupported option in a layer the reader knows: the reader's own list.
    def swish(cfg: dict[str, Any]) -> None:
        cfg["config"]["layers"][1]["config"]["activation"] = "swish"

    bad = _copy_with_config(EXAMPLES / "jet_mlp" / "model.h5", tmp_path / "swish.h5", swish)
    with pytest.raises(UnsupportedModelError, match=r"fc1 \(Dense\): activation 'swish'"):
        from_keras(bad)


def test_weight_groups_that_do_not_match_are_not_handled(tmp_path) -> None:
    def rename(cfg: dict[str, Any]) -> None:
        cfg["config"]["layers"][1]["config"]["name"] = "renamed"

    with pytest.raises(NotHandled, match="do not match the layers"):
        from_keras2_h5(_copy_with_config(EXAMPLES / "jet_mlp" / "model.h5", tmp_path / "r.h5", rename))

    def no_bias(cfg: dict[str, Any]) -> None:
        cfg["config"]["layers"][1]["config"]["use_bias"] = False

    with pytest.raises(NotHandled, match=r"layer 'fc1': saved weights \('kernel', 'bias'\), expected \('kernel',\)"):
        from_keras2_h5(_copy_with_config(EXAMPLES / "jet_mlp" / "model.h5", tmp_path / "b.h5", no_bias))


def test_bad_files_keep_their_errors(tmp_path) -> None:
    (tmp_path / "junk.h5").write_bytes(b"not hdf5")
    with pytest.raises(FrontendError, match="not a readable HDF5 file"):
        from_keras(tmp_path / "junk.h5")
    with pytest.raises(FrontendError, match="no such file"):
        from_keras(tmp_path / "missing.h5")
    with pytest.raises(FrontendError, match="holds only weights"):
        from_keras(EXAMPLES / "digits_mlp" / "weights.h5")


def test_reader_does_not_import_tensorflow() -> None:
    code = (
        "import sys, hlsflow; from hlsflow.frontends import from_keras; "
        f"from_keras({str(EXAMPLES / 'digits_qmlp' / 'model.h5')!r}); "
        "print(sorted(m for m in ('tensorflow', 'tf_keras', 'keras', 'qkeras') if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
