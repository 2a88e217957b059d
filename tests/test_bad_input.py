"""The bad-input catalogue: every way a user can hand hlsflow something it cannot use
gives one clear error of a named hlsflow exception type (Python) or one ``error: ...``
line and exit status 2 (command line), never a traceback from deep inside.

docs/errors.md lists the same cases with their exception types and message shapes.
Most models here are built by hand (ONNX protos, Keras 3 ``.keras`` zips) so that the
catalogue runs without TensorFlow; the cases that need tf_keras carry ``keras``.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import stat
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import hlsflow
from hlsflow.cli import main
from hlsflow.config import Config, ConfigError
from hlsflow.emulate import EmulationError
from hlsflow.errors import ClippedWeightsWarning, HlsflowError
from hlsflow.frontends.errors import FrontendError, UnsupportedModelError
from hlsflow.loader import ModelLoadError
from hlsflow.sim.csim import CompileError, CompilerNotFoundError

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

ZOO = Path(__file__).resolve().parent.parent / "example-models"
H5 = ZOO / "digits_mlp" / "model.h5"


# -- model builders ----------------------------------------------------------------------------
def _weights(seed: int = 0) -> np.ndarray:
    w = np.random.default_rng(seed).normal(0.0, 0.5, (4, 3))
    w[w == 0] = 0.25  # every weight non-zero: 12 multipliers
    return w


def mlp_onnx(w: np.ndarray | None = None, dims: tuple[Any, ...] = ("N", 4), ops: tuple[str, ...] = ("Relu",)) -> Any:
    """x (N, 4) -> Gemm 'fc1' (4x3) -> one node per entry of ``ops`` ('act0', 'act1', ...)."""
    w = _weights() if w is None else w
    nodes = [helper.make_node("Gemm", ["x", "W", "b"], ["h0"], name="fc1")]
    for i, op in enumerate(ops):
        nodes.append(helper.make_node(op, [f"h{i}"], [f"h{i + 1}"], name=f"act{i}"))
    g = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(dims))],
        [helper.make_tensor_value_info(f"h{len(ops)}", TensorProto.FLOAT, [dims[0], 3])],
        [
            numpy_helper.from_array(w.astype(np.float32), "W"),
            numpy_helper.from_array(np.full(3, 0.125, np.float32), "b"),
        ],
    )
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def save_onnx(tmp_path: Path, model: Any, name: str = "model.onnx") -> Path:
    p = tmp_path / name
    p.write_bytes(model.SerializeToString())
    return p


def keras3_file(path: Path, layers: list[dict[str, Any]], weights: dict[str, list[np.ndarray]]) -> Path:
    """A Keras 3 ``.keras`` zip written by hand (config.json + model.weights.h5), in the
    layout Keras 3 saves: one ``layers/<group>/vars/<i>`` group per layer, named by the
    ``name`` attribute of ``vars``."""
    import h5py

    config = {"class_name": "Sequential", "config": {"name": "hand", "layers": layers}}
    buf = io.BytesIO()
    with h5py.File(buf, "w") as h5:
        for i, (name, arrays) in enumerate(weights.items()):
            grp = h5.create_group(f"layers/layer_{i}/vars")
            grp.attrs["name"] = name
            for j, a in enumerate(arrays):
                grp.create_dataset(str(j), data=a)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.0.0"}))
        zf.writestr("model.weights.h5", buf.getvalue())
    return path


def input_layer(dims: list[Any], name: str = "x") -> dict[str, Any]:
    return {"class_name": "InputLayer", "config": {"name": name, "batch_shape": [None, *dims]}}


def dense_layer(name: str = "fc1", units: int = 3) -> dict[str, Any]:
    return {"class_name": "Dense", "config": {"name": name, "units": units, "activation": "linear", "use_bias": True}}


def good_keras3(tmp_path: Path, w: np.ndarray | None = None) -> Path:
    w = _weights() if w is None else w
    return keras3_file(
        tmp_path / "model.keras",
        [input_layer([4]), dense_layer()],
        {"fc1": [w.astype(np.float32), np.zeros(3, np.float32)]},
    )


@pytest.fixture
def prj() -> hlsflow.Project:
    return hlsflow.convert(mlp_onnx())


# -- the command line -----------------------------------------------------------------------------
def cli(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main, list(args), env=env)


def assert_one_line_error(res: Any, *fragments: str, progress: bool = False) -> str:
    """Exit status 2, exactly one non-empty stderr line ``error: ...`` holding every
    fragment, and no traceback (CliRunner stores an escaped exception instead). Nothing
    else is printed unless ``progress`` (``run`` reports each step as it goes)."""
    assert res.exit_code == 2, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in res.output
    if not progress:
        assert res.stdout.strip() == "", res.stdout
    for frag in fragments:
        assert frag in lines[0], (frag, lines[0])
    return lines[0]


# -- corrupt, truncated and missing model files -----------------------------------------------------
def test_truncated_h5_is_one_frontend_error(tmp_path) -> None:
    p = tmp_path / "model.h5"
    p.write_bytes(H5.read_bytes()[: H5.stat().st_size // 2])
    with pytest.raises(FrontendError, match="not a readable HDF5 file") as ei:
        hlsflow.convert(p)
    assert str(p) in str(ei.value) and "\n" not in str(ei.value)
    assert_one_line_error(cli("convert", str(p)), str(p), "not a readable HDF5 file", "FrontendError")


def test_random_bytes_h5_is_one_frontend_error(tmp_path) -> None:
    p = tmp_path / "model.h5"
    p.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(FrontendError, match=r"not a readable HDF5 file.*re-save the model"):
        hlsflow.convert(p)
    assert_one_line_error(cli("report", str(p)), str(p))


def test_h5_holding_only_weights_says_what_to_save(tmp_path) -> None:
    p = tmp_path / "model.h5"
    p.write_bytes((ZOO / "digits_mlp" / "weights.h5").read_bytes())
    with pytest.raises(FrontendError, match=r"holds only weights .*model\.save\('model\.h5'\)"):
        hlsflow.convert(p)


def test_truncated_keras_zip_is_one_frontend_error(tmp_path) -> None:
    data = good_keras3(tmp_path).read_bytes()
    hlsflow.convert(tmp_path / "model.keras")  # the intact file converts
    for cut in (len(data) // 3, len(data) - 30):
        p = tmp_path / f"cut{cut}.keras"
        p.write_bytes(data[:cut])
        with pytest.raises(FrontendError, match="not a readable Keras 3 .keras file") as ei:
            hlsflow.convert(p)
        assert str(p) in str(ei.value)
    assert_one_line_error(cli("convert", str(p)), "not a readable Keras 3 .keras file")


def test_keras_zip_without_config_json(tmp_path) -> None:
    p = tmp_path / "model.keras"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("metadata.json", "{}")
    with pytest.raises(FrontendError, match="holds no config.json"):
        hlsflow.convert(p)


def test_truncated_onnx_at_every_cut_is_one_frontend_error(tmp_path) -> None:
    data = mlp_onnx().SerializeToString()
    # every cut point, including ones that leave a parseable prefix (ONNX writes the
    # opset list after the graph)
    for cut in sorted({*range(1, len(data), max(1, len(data) // 40)), len(data) - 1, len(data) - 5}):
        p = tmp_path / "cut.onnx"
        p.write_bytes(data[:cut])
        with pytest.raises(FrontendError) as ei:
            hlsflow.convert(p)
        assert str(p) in str(ei.value), (cut, str(ei.value))


def test_garbage_onnx_is_one_frontend_error(tmp_path) -> None:
    p = tmp_path / "model.onnx"
    p.write_bytes(b"\x08\x07garbage that is not protobuf \xff\xfe" * 8)
    with pytest.raises(FrontendError, match="not a readable ONNX model"):
        hlsflow.convert(p)
    assert_one_line_error(cli("convert", str(p)), "not a readable ONNX model")


def test_model_path_that_does_not_exist(tmp_path) -> None:
    p = tmp_path / "nope.onnx"
    with pytest.raises(ModelLoadError, match="no such file or folder"):
        hlsflow.convert(p)
    assert_one_line_error(cli("convert", str(p)), str(p), "ModelLoadError")


def test_folder_without_a_model(tmp_path) -> None:
    (tmp_path / "x_test.npy").write_bytes(b"")
    with pytest.raises(ModelLoadError, match="holds no model.h5, model.keras or model.onnx"):
        hlsflow.convert(tmp_path)
    assert_one_line_error(cli("report", str(tmp_path)), "holds no model.h5")


# -- unsupported content ----------------------------------------------------------------------------
def test_unsupported_onnx_ops_are_all_listed(tmp_path) -> None:
    p = save_onnx(tmp_path, mlp_onnx(ops=("Sin", "Relu", "Cos")))
    with pytest.raises(UnsupportedModelError) as ei:
        hlsflow.convert(p)
    assert [q[0] for q in ei.value.problems] == ["act0", "act2"]
    assert "act0 (Sin, ai.onnx): op type not supported" in str(ei.value)
    assert "act2 (Cos, ai.onnx): op type not supported" in str(ei.value)
    # the CLI keeps the whole list on its one line
    assert_one_line_error(cli("convert", str(p)), "2 unsupported layers", "act0 (Sin", "act2 (Cos")


@pytest.mark.keras
def test_unsupported_keras_layers_are_all_listed(tmp_path) -> None:
    pytest.importorskip("tensorflow")
    K = pytest.importorskip("tf_keras")
    L = K.layers
    m = K.Sequential([K.Input((5, 3)), L.LSTM(4, return_sequences=True, name="rnn"), L.GRU(4, name="gru"), L.Dense(2)])
    p = tmp_path / "model.h5"
    m.save(p)
    with pytest.raises(UnsupportedModelError) as ei:
        hlsflow.convert(p)
    assert [q[:2] for q in ei.value.problems] == [("rnn", "LSTM"), ("gru", "GRU")]
    assert "rnn (LSTM): layer type not supported" in str(ei.value)


def test_unsupported_keras3_layer_is_listed(tmp_path) -> None:
    lstm = {"class_name": "LSTM", "config": {"name": "rnn", "units": 3}}
    p = keras3_file(tmp_path / "m.keras", [input_layer([5, 4]), lstm], {})
    with pytest.raises(UnsupportedModelError, match=r"rnn \(LSTM\): layer type not supported"):
        hlsflow.convert(p)


@pytest.mark.keras
def test_custom_objects_in_h5_are_listed(tmp_path) -> None:
    pytest.importorskip("tensorflow")
    K = pytest.importorskip("tf_keras")

    class Doubler(K.layers.Layer):
        def call(self, x: Any) -> Any:
            return 2.0 * x

    def my_act(x: Any) -> Any:
        return x

    m = K.Sequential([K.Input((4,)), K.layers.Dense(3, activation=my_act, name="fc"), Doubler(name="twice")])
    p = tmp_path / "model.h5"
    m.save(p)
    with pytest.raises(UnsupportedModelError) as ei:
        hlsflow.convert(p)  # tf_keras cannot even load it without the code
    assert [q[:2] for q in ei.value.problems] == [("fc", "Dense"), ("twice", "Doubler")]
    msg = str(ei.value)
    assert "custom activation function 'my_act'" in msg and "custom layer class" in msg


def test_custom_class_in_keras3_file_is_listed(tmp_path) -> None:
    custom = {"class_name": "Doubler", "module": None, "registered_name": "mine>Doubler", "config": {"name": "twice"}}
    w = [_weights().astype(np.float32), np.zeros(3, np.float32)]
    p = keras3_file(tmp_path / "m.keras", [input_layer([4]), dense_layer(), custom], {"fc1": w})
    with pytest.raises(UnsupportedModelError, match=r"twice \(Doubler\): layer type not supported"):
        hlsflow.convert(p)


def test_dynamic_non_batch_dimension_in_onnx(tmp_path) -> None:
    p = save_onnx(tmp_path, mlp_onnx(dims=("N", "features")))
    with pytest.raises(UnsupportedModelError) as ei:
        hlsflow.convert(p)
    # only the input is reported: no follow-on shape errors from the layers after it
    assert [q[0] for q in ei.value.problems] == ["x"]
    assert "axis 1 is dynamic ('features')" in str(ei.value) and "fixed input shape" in str(ei.value)
    assert_one_line_error(cli("convert", str(p)), "axis 1 is dynamic")


def test_zero_sized_dimension(tmp_path) -> None:
    with pytest.raises(UnsupportedModelError, match="axis 1 is zero-sized"):
        hlsflow.convert(mlp_onnx(dims=("N", 0)))
    p = keras3_file(tmp_path / "m.keras", [input_layer([0]), dense_layer()], {"fc1": [np.zeros((0, 3)), np.zeros(3)]})
    with pytest.raises(UnsupportedModelError, match=r"x \(InputLayer\): input shape .* zero-sized dimension"):
        hlsflow.convert(p)
    p = keras3_file(
        tmp_path / "m0.keras", [input_layer([4]), dense_layer(units=0)], {"fc1": [np.zeros((4, 0)), np.zeros(0)]}
    )
    with pytest.raises(UnsupportedModelError, match=r"fc1 \(Dense\): cannot be represented: .*positive"):
        hlsflow.convert(p)


@pytest.mark.parametrize("source", ["onnx", "keras3"])
def test_nan_and_inf_weights_name_the_layer_and_count(tmp_path, source: str) -> None:
    w = _weights()
    w[0, 0] = w[2, 1] = np.nan
    w[1, 2] = -np.inf
    model: Any = mlp_onnx(w) if source == "onnx" else good_keras3(tmp_path, w)
    with pytest.raises(FrontendError) as ei:
        hlsflow.convert(model)
    msg = str(ei.value)
    assert "fc1 (" in msg and "kernel: 2 NaN and 1 infinite of 12 values" in msg, msg
    if source == "onnx":
        assert_one_line_error(cli("convert", str(save_onnx(tmp_path, model))), "2 NaN and 1 infinite")


# -- precision, reuse factor, configuration -----------------------------------------------------------
def test_precision_that_clips_weights_warns_and_lists_them(tmp_path) -> None:
    w = _weights()
    w[0, 0], w[3, 2] = 3.5, -2.75  # beyond fixed<8,2>'s range [-2, 1.984375]
    cfg = Config()
    cfg.layer("fc1").precision["weight"] = "fixed<8,2,RND,SAT>"
    with pytest.warns(ClippedWeightsWarning, match=r"fc1\.kernel fixed<8,2,RND,SAT>: 2 of 12 values"):
        prj = hlsflow.convert(mlp_onnx(w), config=cfg)
    (c,) = prj.clipped_weights
    assert (c.layer, c.param, c.count, c.total) == ("fc1", "kernel", 2, 12)
    assert c.largest == 3.5 and math.isclose(c.max_error, 3.5 - (2 - 2**-6))
    prj.emulate(np.zeros((1, 4)))  # a warning, not an error: the project works
    with warnings.catch_warnings():
        warnings.simplefilter("error", ClippedWeightsWarning)
        assert hlsflow.convert(mlp_onnx(w)).clipped_weights == ()  # auto precision never clips
    # the command line prints the warning as one line and succeeds
    cfg_path = tmp_path / "c.yml"
    cfg.to_yaml(cfg_path)
    res = cli("report", str(save_onnx(tmp_path, mlp_onnx(w))), "-c", str(cfg_path))
    assert res.exit_code == 0, res.output
    warns = [line for line in res.output.splitlines() if line.startswith("warning: ")]
    assert len(warns) == 1 and "fc1.kernel" in warns[0] and "Traceback" not in res.output


def test_reuse_factor_above_the_nonzero_weights_fails_on_write(tmp_path) -> None:
    from hlsflow.backends.common.lowering.context import LoweringError

    cfg = Config()
    cfg.layer("fc1").reuse_factor = 100
    prj = hlsflow.convert(mlp_onnx(), config=cfg)  # emulation does not depend on it
    assert any("ReuseFactor 100 for layer 'fc1' exceeds its 12 non-zero weights" in n for n in prj.log)
    with pytest.raises(LoweringError, match=r"ReuseFactor 100 for layer 'fc1' is invalid.*valid values are 1\.\.12"):
        prj.write(tmp_path / "prj")
    cfg_path = tmp_path / "c.yml"
    cfg.to_yaml(cfg_path)
    res = cli("convert", str(save_onnx(tmp_path, mlp_onnx())), "-c", str(cfg_path), "-o", str(tmp_path / "cli"))
    assert res.exit_code == 2 and "ReuseFactor 100 for layer 'fc1' is invalid" in res.output
    assert "Traceback" not in res.output and res.output.count("error: ") == 1


def test_reuse_factor_that_does_not_divide_is_valid_with_a_note(tmp_path) -> None:
    cfg = Config()
    cfg.layer("fc1").reuse_factor = 5
    prj = hlsflow.convert(mlp_onnx(), config=cfg)
    assert any("ReuseFactor 5 for layer 'fc1' does not divide its 12" in n and "3 idle" in n for n in prj.log)
    assert prj.report().multipliers == 3  # ceil(12 / 5)
    prj.write(tmp_path / "prj")


@pytest.mark.parametrize("bad", [0, -2, 2.5, True, "four"])
def test_reuse_factor_that_is_not_a_positive_integer(bad: Any) -> None:
    cfg = Config()
    cfg.layer("fc1").reuse_factor = bad
    with pytest.raises(ConfigError, match=r"LayerName\.fc1\.ReuseFactor must be a positive integer"):
        hlsflow.convert(mlp_onnx(), config=cfg)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Model:\n  WeightBits: many\n", "Model.WeightBits must be an integer, got 'many'"),
        ("ClockPeriod: fast\n", "ClockPeriod must be a number, got 'fast'"),
        ("LayerName: [fc1, fc2]\n", "LayerName: expected a mapping"),
        ("Model:\n  Precision: [8, 3]\n", "Model.Precision: expected a mapping"),
        ("Model:\n  Precision: {input: float32}\n", "Model.Precision.input: 'float32' is not a fixed-point"),
    ],
)
def test_malformed_config_values_are_config_errors(tmp_path, text: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as ei:
        Config.from_yaml(text)
    assert fragment in str(ei.value)
    cfg_path = tmp_path / "c.yml"
    cfg_path.write_text(text)
    assert_one_line_error(cli("convert", str(save_onnx(tmp_path, mlp_onnx())), "-c", str(cfg_path)), fragment)


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("../evil", "must be a C++ identifier"),  # would escape firmware/ as a file name
        ("my project", "must be a C++ identifier"),
        ("1st", "must be a C++ identifier"),
        ("class", "is reserved"),  # a C++ keyword cannot name the top function
        ("defines", "is reserved"),  # would overwrite firmware/defines.h
        ("nnet", "is reserved"),
    ],
)
def test_project_name_must_be_a_safe_identifier(tmp_path, name: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"ProjectName {name!r} {fragment}")):
        hlsflow.convert(mlp_onnx(), project_name=name)
    cfg_path = tmp_path / "c.yml"
    cfg_path.write_text(f"ProjectName: {name!r}\n")
    assert_one_line_error(cli("convert", str(save_onnx(tmp_path, mlp_onnx())), "-c", str(cfg_path), "-o", str(tmp_path / "o")), fragment)
    assert not (tmp_path / "o").exists() and not (tmp_path / "evil.cpp").exists()


# -- data given to emulate / trace / csim ----------------------------------------------------------------
@pytest.mark.parametrize("method", ["emulate", "trace", "csim"])
def test_wrong_input_shape(prj, method: str, monkeypatch) -> None:
    # a compiler that does not exist: the data must be refused before any build
    monkeypatch.setenv("CXX", "/nonexistent/g++")
    with pytest.raises(EmulationError, match=r"input 'x' expects shape \(batch, 4\), got \(5, 3\)"):
        getattr(prj, method)(np.zeros((5, 3)))
    with pytest.raises(EmulationError, match="got a scalar"):
        getattr(prj, method)(1.0)
    with pytest.raises(EmulationError, match=r"has 1 input \('x'\), got a list of 3 arrays"):
        getattr(prj, method)([np.zeros((2, 4)), np.zeros((2, 4)), np.zeros(3)])


@pytest.mark.parametrize("method", ["emulate", "trace", "csim"])
def test_wrong_input_dtype(prj, method: str, monkeypatch) -> None:
    monkeypatch.setenv("CXX", "/nonexistent/g++")
    fn = getattr(prj, method)
    for bad in (np.array([["a", "b", "c", "d"]]), np.zeros((2, 4), complex), np.array([[{}, 1, 2, 3]], dtype=object)):
        with pytest.raises(EmulationError, match=r"input 'x'.*(dtype|non-numeric)"):
            fn(bad)
    with pytest.raises(EmulationError, match=r"contains 1 NaN or infinite values \(first in sample 1\)"):
        fn(np.array([[0.0] * 4, [0.0, np.inf, 0.0, 0.0]]))
    with pytest.raises(EmulationError, match="not a rectangular array"):
        fn([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0]])


@pytest.mark.parametrize("method", ["emulate", "trace", "csim"])
def test_empty_batch(prj, method: str, monkeypatch) -> None:
    monkeypatch.setenv("CXX", "/nonexistent/g++")
    with pytest.raises(EmulationError, match=r"the batch is empty \(shape \(0, 4\)\)"):
        getattr(prj, method)(np.zeros((0, 4)))


def test_accepted_input_forms_still_work(prj) -> None:
    x = np.random.default_rng(3).normal(size=(3, 4))
    y = prj.emulate(x)
    np.testing.assert_array_equal(prj.emulate(x.tolist()), y)  # nested list of samples
    np.testing.assert_array_equal(prj.emulate([x]), y)  # list of one input
    np.testing.assert_array_equal(prj.emulate(x[0]), y[:1])  # one sample
    np.testing.assert_array_equal(prj.emulate(x.astype(np.float32)), prj.emulate(x.astype(np.float32).astype(float)))


def _conv_onnx(channels: int) -> Any:
    rng = np.random.default_rng(4)
    conv = helper.make_node("Conv", ["x", "W"], ["y"], name="conv", kernel_shape=[3, 3])
    g = helper.make_graph(
        [conv],
        "cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", channels, 6, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3, 4, 3])],
        [numpy_helper.from_array(rng.normal(size=(3, channels, 3, 3)).astype(np.float32), "W")],
    )
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def test_channels_first_data_for_a_channels_last_input_gets_a_hint() -> None:
    prj = hlsflow.convert(_conv_onnx(2))
    # same size as the IR input (6, 5, 2): a reshape would silently scramble the pixels
    with pytest.raises(
        EmulationError, match=r"got \(1, 2, 6, 5\) -- that is the ONNX layout.*x\.transpose\(0, 2, 3, 1\)"
    ):
        prj.emulate(np.zeros((1, 2, 6, 5)))
    # one channel: moving it last does not move any element, so the data is accepted
    x = np.random.default_rng(6).normal(size=(2, 1, 6, 5))
    one = hlsflow.convert(_conv_onnx(1))
    np.testing.assert_array_equal(one.emulate(x), one.emulate(x.transpose(0, 2, 3, 1)))
    # a same-size shape that is neither flattened samples nor the model's ONNX layout is
    # refused, not reshaped: e.g. (6, 2, 5) for the (6, 5, 2) input
    with pytest.raises(EmulationError, match=r"expects shape \(batch, 6, 5, 2\), got \(1, 6, 2, 5\)"):
        prj.emulate(np.zeros((1, 6, 2, 5)))
    np.testing.assert_array_equal(prj.emulate(np.ones((2, 60))), prj.emulate(np.ones((2, 6, 5, 2))))  # flattened: fine


def test_cli_emulate_with_wrong_input_file(tmp_path) -> None:
    model = save_onnx(tmp_path, mlp_onnx())
    for name, data in (("wrong.npy", np.zeros((5, 3))), ("empty.npy", np.zeros((0, 4)))):
        np.save(tmp_path / name, data)
        assert_one_line_error(cli("emulate", str(model), "-i", str(tmp_path / name)), "EmulationError", "input 'x'")


# -- the C++ compiler ---------------------------------------------------------------------------------------
def test_missing_compiler_named_by_cxx(prj, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CXX", "/nonexistent/g++")
    prj.write(tmp_path / "prj")
    with pytest.raises(CompilerNotFoundError, match=r"'/nonexistent/g\+\+' \(\$CXX\) does not exist.*install it"):
        prj.csim(np.zeros((1, 4)))


def test_no_compiler_on_path(prj, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("CXX", raising=False)
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(CompilerNotFoundError, match=r"'g\+\+' \(the default compiler\) is not on PATH"):
        prj.compile()


def _fake_compiler(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    gxx = folder / "g++"
    gxx.write_text("#!/bin/sh\necho 'fake-g++: error: licence server unreachable' >&2\nexit 1\n")
    gxx.chmod(gxx.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return gxx


def test_compiler_that_fails(prj, tmp_path, monkeypatch) -> None:
    gxx = _fake_compiler(tmp_path / "bin")
    monkeypatch.delenv("CXX", raising=False)
    monkeypatch.setenv("PATH", f"{gxx.parent}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(CompileError) as ei:
        prj.csim(np.zeros((1, 4)))
    msg = str(ei.value)
    assert f"({gxx} exit 1)" in msg and "fake-g++: error: licence server unreachable" in msg


def test_compiler_that_cannot_be_started(prj, tmp_path, monkeypatch) -> None:
    bad = tmp_path / "g++"
    bad.write_bytes(b"\x7fELF not really a program")
    bad.chmod(0o755)
    monkeypatch.setenv("CXX", str(bad))
    with pytest.raises(CompilerNotFoundError, match="cannot be run"):
        prj.compile()


def test_cli_run_with_missing_or_failing_compiler(tmp_path) -> None:
    folder = tmp_path / "zoo"
    folder.mkdir()
    save_onnx(folder, mlp_onnx())
    np.save(folder / "x_test.npy", np.random.default_rng(5).normal(size=(4, 4)))
    res = cli("run", str(folder), "-o", str(tmp_path / "a"), env={"CXX": "/nonexistent/g++"})
    assert_one_line_error(res, "CompilerNotFoundError", "/nonexistent/g++", progress=True)
    gxx = _fake_compiler(tmp_path / "bin")
    res = cli("run", str(folder), "-o", str(tmp_path / "b"), env={"CXX": str(gxx)})
    assert_one_line_error(res, "CompileError", "fake-g++: error: licence server unreachable", progress=True)


# -- the error types themselves -------------------------------------------------------------------------------
def test_every_error_type_is_an_exported_hlsflow_error() -> None:
    types = {
        "ModelLoadError": ValueError,
        "FrontendError": ValueError,
        "UnsupportedModelError": ValueError,
        "ConfigError": ValueError,
        "EmulationError": ValueError,
        "CompileError": RuntimeError,
        "CompilerNotFoundError": RuntimeError,
    }
    for name, builtin in types.items():
        cls = getattr(hlsflow, name)
        assert issubclass(cls, HlsflowError) and issubclass(cls, builtin), name
        assert name in hlsflow.__all__
    assert hlsflow.HlsflowError is HlsflowError and issubclass(hlsflow.ClippedWeightsWarning, hlsflow.HlsflowWarning)


def test_error_types_load_without_heavy_modules() -> None:
    code = (
        "import sys, hlsflow; hlsflow.HlsflowError; hlsflow.ClippedWeightsWarning; hlsflow.FrontendError; "
        "print(sorted(m for m in ('tensorflow', 'tf_keras', 'onnx', 'torch', 'h5py', 'click') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_debug_shows_the_traceback_instead(tmp_path) -> None:
    p = tmp_path / "model.onnx"
    p.write_bytes(b"not onnx")
    res = cli("--debug", "convert", str(p))
    assert isinstance(res.exception, FrontendError)  # propagated: click would print its traceback


def test_cli_as_a_process_prints_one_line(tmp_path) -> None:
    p = tmp_path / "model.keras"
    p.write_bytes(b"PK\x03\x04 not a zip")
    res = subprocess.run([sys.executable, "-m", "hlsflow.cli", "convert", str(p)], capture_output=True, text=True)
    assert res.returncode == 2 and res.stdout.strip() == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {p}: not a readable Keras 3 .keras file"), res.stderr


@pytest.mark.csim
def test_hostile_layer_names_stay_inside_the_project(tmp_path) -> None:
    """Layer and graph names that are paths, C++ keywords or namespaces we use are
    sanitised: every file lands inside the project and the C++ compiles and matches."""
    rng = np.random.default_rng(0)
    names = ["../../evil", "class", "int", "std", "nnet", "main", "x y", "/abs"]
    nodes, inits, prev = [], [], "in put"
    for i, n in enumerate(names):
        inits.append(numpy_helper.from_array(rng.normal(size=(4, 4)).astype(np.float32), f"W{i}"))
        out = "out" if i == len(names) - 1 else f"t{i}"
        nodes.append(helper.make_node("MatMul", [prev, f"W{i}"], [out], name=n))
        prev = out
    g = helper.make_graph(
        nodes,
        "../g raph",
        [helper.make_tensor_value_info("in put", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["N", 4])],
        inits,
    )
    prj = hlsflow.convert(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]))
    out = tmp_path / "a" / "prj"
    prj.write(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"] and sorted(p.name for p in (tmp_path / "a").iterdir()) == ["prj"]
    assert all(out in p.resolve().parents for p in out.rglob("*"))
    x = rng.normal(size=(50, 4))
    np.testing.assert_array_equal(prj.csim(x), prj.emulate(x))


def test_every_error_type_is_an_hlsflow_error() -> None:
    """`except hlsflow.HlsflowError` catches every error bad input can cause, and each
    keeps its built-in base for code written before the common base existed."""
    from hlsflow.backends.catapult.report import ReportError as CatapultReportError
    from hlsflow.backends.common.lowering.context import LoweringError
    from hlsflow.backends.common.tool import ToolFailedError, ToolNotFoundError, ToolTimeoutError
    from hlsflow.backends.common.writer import OutputDirError
    from hlsflow.backends.vivado.report import ReportError as VivadoReportError

    from hlsflow.errors import HlsflowError
    from hlsflow.passes.manager import PassError
    from hlsflow.sparsity.pai_alloc import PruningError
    from hlsflow.sparsity.spectral_graph import SpectralError

    for t, base in [
        (hlsflow.ModelLoadError, ValueError), (hlsflow.FrontendError, ValueError), (hlsflow.ConfigError, ValueError),
        (hlsflow.EmulationError, ValueError), (hlsflow.CompileError, RuntimeError),
        (hlsflow.CompilerNotFoundError, RuntimeError), (LoweringError, ValueError), (OutputDirError, ValueError),
        (ToolNotFoundError, RuntimeError), (ToolFailedError, RuntimeError), (ToolTimeoutError, RuntimeError),
        (CatapultReportError, ValueError), (VivadoReportError, ValueError), (PassError, RuntimeError),
        (PruningError, ValueError), (SpectralError, ValueError),
    ]:
        assert issubclass(t, HlsflowError) and issubclass(t, base), t
