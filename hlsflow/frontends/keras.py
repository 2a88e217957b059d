"""Keras 2 (tf_keras) frontend: a tf_keras or QKeras model becomes an hlsflow :class:`Graph`.

``from_keras(model_or_path, weights=None)`` accepts an in-memory ``tf_keras`` model, a
full-model ``.h5`` file, or a ``.json`` architecture plus an ``.h5`` weights file. The
model's configuration (``model.get_config()``) is walked in order -- Sequential or
Functional, with or without an ``InputLayer``, multi-input / multi-output, branches --
and every Keras layer becomes one or more IR nodes. Weights come from the live layers.

Conventions:

* Channels-last layout; IR shapes exclude the batch dimension (a fixed batch size in
  ``batch_input_shape`` is dropped). ``data_format="channels_first"`` is refused.
* The LAST node produced for a Keras layer carries exactly the layer's name; helper
  nodes before it are named ``<layer>_linear`` (the linear part of a layer with a fused
  ``activation=``), ``<layer>_pad``, ``<layer>_depthwise``, ``<layer>_relu`` etc. Every
  node's ``meta`` has ``{"keras_layer": <layer name>, "keras_class": <class name>}``.
* A fused ``activation=`` becomes a separate Activation (or Softmax) node.
* Values are :class:`FloatType` except what the source quantises: QKeras weights become
  fixed-point Constants and QKeras activation quantizers become Quantize nodes (see
  :mod:`hlsflow.frontends.qkeras`, the only place quantizers are turned into types).
* Unsupported layers and options are collected over the whole model and raised as one
  :class:`UnsupportedModelError` listing every ``name (ClassName): reason``.

Layer mapping (Keras class -> IR ops):

=================================================  ==========================================
InputLayer                                         graph input ``TensorType(shape, float32)``
Dense                                              Dense
Conv1D (padding valid/same/causal)                 [ZeroPadding for causal] Conv1D
Conv2D                                             Conv2D
DepthwiseConv2D                                    DepthwiseConv2D
SeparableConv2D                                    DepthwiseConv2D (no bias) + Conv2D 1x1
MaxPooling1D/2D, AveragePooling1D/2D               Pool("max"/"avg")
GlobalMax/AveragePooling1D/2D (keepdims=False)     GlobalPool
BatchNormalization (last axis)                     BatchNorm(scale, shift) computed in float64
Activation, ReLU, LeakyReLU, ELU                   Activation
Softmax (last axis), activation="softmax"          Softmax(axis=-1)
Flatten, Reshape                                   Flatten, Reshape (-1 resolved)
ZeroPadding1D/2D                                   ZeroPadding
Add/Subtract/Multiply/Average/Maximum/Minimum      Merge(mode)
Concatenate                                        Concatenate(axis without batch)
Dropout, SpatialDropout1D/2D, AlphaDropout,        Dropout(rate) (identity at inference)
GaussianDropout
GaussianNoise, ActivityRegularization              removed (identity)
=================================================  ==========================================
"""

from __future__ import annotations

import json
import math
import os
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hlsflow.frontends.errors import FrontendError, LayerUnsupported, UnsupportedModelError
from hlsflow.frontends.naming import emit_node, free_name
from hlsflow.ir.constant import Constant
from hlsflow.ir.graph import Graph, IRError, Value, sanitize_name
from hlsflow.ir.ops.base import Op, OpError
from hlsflow.ir.types import FloatType, TensorType

#: A tensor reference in a Keras config: (layer name, node index, tensor index).
TensorKey = tuple[str, int, int]


# -- loading ----------------------------------------------------------------------------
def import_tf_keras() -> Any:
    """Import tf_keras (Keras 2), setting TF_USE_LEGACY_KERAS first so that QKeras,
    which uses ``tf.keras``, gets tf_keras too."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    # TensorFlow's C++ start-up chatter (CPU features, absl) is noise in hlsflow's output;
    # a user who wants it sets TF_CPP_MIN_LOG_LEVEL themselves.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import tf_keras  # type: ignore[import-untyped]
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise FrontendError(
            "the Keras frontend needs TensorFlow and tf_keras (Keras 2); install the 'keras' extra "
            "(see setup.cfg) or pass an ONNX model"
        ) from exc
    return tf_keras


def _qkeras_objects() -> dict[str, Any]:
    """QKeras layers and quantizers for deserialisation (empty when QKeras is absent)."""
    try:
        import tensorflow as tf  # type: ignore[import-untyped]
        import tf_keras  # type: ignore[import-untyped]

        if tf.keras.layers.Dense is not tf_keras.layers.Dense:
            return {}  # TF was imported without TF_USE_LEGACY_KERAS: QKeras cannot work
        from qkeras.utils import _add_supported_quantized_objects  # type: ignore[import-untyped]
    except ImportError:
        return {}
    objs: dict[str, Any] = {}
    _add_supported_quantized_objects(objs)
    return objs


def load_keras_model(
    model_or_path: Any, weights: str | os.PathLike[str] | None = None, custom_objects: dict[str, Any] | None = None
) -> Any:
    """The tf_keras model for ``model_or_path`` (a model, ``.h5`` file or ``.json`` file).

    A file that tf_keras cannot load gives one :class:`FrontendError` naming the file;
    a model using classes or functions tf_keras does not know (custom objects) gives an
    :class:`UnsupportedModelError` listing every such layer."""
    if isinstance(model_or_path, (str, os.PathLike)):
        return _load_keras_file(Path(model_or_path), weights, custom_objects)
    tf_keras = import_tf_keras()
    if weights is not None:
        raise FrontendError("weights= is only used with a .json architecture file")
    if not isinstance(model_or_path, tf_keras.Model):
        mod = type(model_or_path).__module__
        if mod.startswith("keras"):
            raise FrontendError(
                "this is a Keras 3 model object; save it (model.save('model.keras')) and convert the .keras file, "
                "or build it with tf_keras (TF_USE_LEGACY_KERAS=1 before importing TensorFlow)"
            )
        raise FrontendError(f"expected a tf_keras model, got {type(model_or_path).__name__}")
    return model_or_path


def _load_keras_file(
    path: Path, weights: str | os.PathLike[str] | None, custom_objects: dict[str, Any] | None
) -> Any:
    if not path.exists():
        raise FrontendError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".json":
        if weights is None:
            raise FrontendError(f"{path}: a JSON architecture needs its weights; pass weights='model_weights.h5'")
        saved: Any = None
    elif suffix in (".h5", ".hdf5"):
        if weights is not None:
            raise FrontendError(f"{path}: an .h5 model file already holds its weights; do not pass weights=")
        # Checked with h5py before TensorFlow loads: a bad file fails fast and clearly.
        saved = _h5_model_config(path)
    else:
        raise FrontendError(f"{path}: expected a full-model .h5 file or a .json architecture (+ weights)")
    tf_keras = import_tf_keras()
    objs = {**_qkeras_objects(), **(custom_objects or {})}
    try:
        if suffix == ".json":
            model = tf_keras.models.model_from_json(path.read_text(), custom_objects=objs)
            model.load_weights(str(weights))
        else:
            model = tf_keras.models.load_model(str(path), custom_objects=objs, compile=False)
    except (ValueError, TypeError, KeyError, OSError, AttributeError, NameError) as exc:
        if suffix == ".json":
            try:
                saved = json.loads(path.read_text())
            except (ValueError, OSError):
                saved = None
        problems = _custom_objects(saved, tf_keras, objs) if isinstance(saved, dict) else []
        if problems:
            name = saved.get("config", {}).get("name") if isinstance(saved.get("config"), dict) else None
            raise UnsupportedModelError(problems, str(name or path.stem)) from None
        raise FrontendError(f"{path}: tf_keras cannot load the model: {_first_line(exc)}") from exc
    return model


def _first_line(exc: BaseException, limit: int = 300) -> str:
    """The first line of ``exc``'s message, shortened (tf_keras errors can embed whole
    layer configurations)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _h5_model_config(path: Path) -> dict[str, Any]:
    """The ``model_config`` of a full-model Keras ``.h5`` file, read with h5py (before
    TensorFlow is imported): a file that is not HDF5 (truncated, corrupted, another
    format) or holds only weights gives one FrontendError saying what to do."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            raw = f.attrs.get("model_config")
            has_weights = "model_weights" in f or "layer_names" in f.attrs
    except Exception as exc:  # OSError from h5py (signature not found, truncated file, ...)
        raise FrontendError(
            f"{path}: not a readable HDF5 file (truncated, corrupted or not a Keras .h5): {_first_line(exc)}; "
            "re-save the model with model.save('model.h5')"
        ) from None
    if raw is None:
        what = "only weights" if has_weights else "no Keras model"
        raise FrontendError(
            f"{path}: the file holds {what} (no model_config attribute); save the whole model with "
            "model.save('model.h5'), or pass the architecture .json with weights= this file"
        )
    try:
        config = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else str(raw))
    except ValueError as exc:
        raise FrontendError(f"{path}: the model_config attribute is not valid JSON (corrupted file?): {exc}") from None
    if not isinstance(config, dict):
        raise FrontendError(f"{path}: the model_config attribute is not a model configuration (corrupted file?)")
    return config


def _custom_objects(config: dict[str, Any], tf_keras: Any, known: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(layer, class, reason)`` for every layer of a saved configuration whose class, or
    whose activation, is neither built into tf_keras nor a QKeras object (nor passed in
    ``custom_objects``): the custom objects tf_keras cannot rebuild without their code."""
    problems: list[tuple[str, str, str]] = []

    def known_name(name: str) -> bool:
        base = name.split("(")[0].split(">")[-1].strip()
        return base in known or hasattr(tf_keras.layers, base) or hasattr(tf_keras.activations, base)

    def walk(cfg: dict[str, Any]) -> None:
        layers = cfg.get("config", {}).get("layers") if isinstance(cfg.get("config"), dict) else None
        for lc in layers or []:
            if not isinstance(lc, dict):
                continue
            cls = str(lc.get("class_name", "?"))
            conf = lc.get("config") if isinstance(lc.get("config"), dict) else {}
            name = str(conf.get("name") or lc.get("name") or "?")
            if cls in ("Functional", "Sequential", "Model"):
                walk(lc)
                continue
            if not known_name(cls):
                problems.append(
                    (name, cls, "custom layer class: hlsflow converts built-in Keras and QKeras layers only; "
                     "rebuild the model from supported layers")
                )
                continue
            act = conf.get("activation")
            act_name = act.get("config") if isinstance(act, dict) and act.get("class_name") == "function" else act
            if isinstance(act_name, str) and not known_name(act_name):
                problems.append(
                    (name, cls, f"custom activation function {act_name!r}: use a built-in Keras activation")
                )

    walk(config)
    return problems


# -- the converter ------------------------------------------------------------------------
@dataclass
class LayerCall:
    """One call of a Keras layer in the model graph."""

    name: str  # Keras layer name
    class_name: str
    config: dict[str, Any]
    layer: Any  # the live tf_keras layer (None for an auto-generated input)
    inputs: list[TensorKey]
    index: int = 0  # which call of the layer (shared layers are called more than once)


#: A converter: (converter state, the call, its input values) -> its output values.
Converter = Callable[["KerasConverter", LayerCall, list[Value]], list[Value]]


class KerasConverter:
    """Builds one Graph from one tf_keras model; holds naming and the error list."""

    def __init__(self, model: Any, name: str | None = None) -> None:
        self.model = model
        self.graph = Graph(name or getattr(model, "name", None) or "model")
        self.values: dict[TensorKey, Value] = {}
        self.problems: list[tuple[str, str, str]] = []
        self.reserved: set[str] = set()
        self.converters: dict[str, Converter] = dict(CONVERTERS)
        if any(type(layer).__module__.startswith("qkeras") for layer in model.layers):
            from hlsflow.frontends import qkeras

            self.converters.update(qkeras.CONVERTERS)

    # -- naming and node creation ---------------------------------------------------
    def _free_name(self, base: str) -> str:
        return free_name(self.graph, self.reserved, base)

    def node(
        self,
        call: LayerCall,
        op: Op,
        inputs: list[Value],
        suffix: str | None = None,
        params: dict[str, Constant] | None = None,
    ) -> Value:
        """Add a node for ``call``; ``suffix`` None means it is the layer's last node and
        is named exactly after the layer, else it is named ``<layer>_<suffix>``."""
        meta = {"keras_layer": call.name, "keras_class": call.class_name}
        return emit_node(self.graph, self.reserved, call.name, op, inputs, suffix, params, meta)

    # -- weights --------------------------------------------------------------------------
    def weight(self, call: LayerCall, attr: str) -> np.ndarray:
        """A weight of the live layer as float64."""
        var = getattr(call.layer, attr, None)
        if var is None:
            raise FrontendError(f"layer {call.name!r} ({call.class_name}) has no weight {attr!r}; is the model built?")
        return np.asarray(var.numpy() if hasattr(var, "numpy") else var, dtype=np.float64)

    def quantizer(self, call: LayerCall, attr: str) -> Any:
        """The QKeras quantizer object set for ``attr`` (e.g. ``kernel_quantizer``), or None.

        QKeras applies a quantizer only when the configured attribute is truthy and uses
        the ``<attr>_internal`` object (which may have been adjusted, e.g. alpha='auto_po2')."""
        if call.layer is None or not getattr(call.layer, attr, None):
            return None
        return getattr(call.layer, f"{attr}_internal", None)

    def param(self, call: LayerCall, attr: str, quantizer: str | None = None) -> Constant:
        """The Constant for weight ``attr``; quantised (fixed, exact) when the layer has a
        QKeras quantizer for it, else float."""
        w = self.weight(call, attr)
        q = self.quantizer(call, quantizer) if quantizer else None
        if q is None:
            return Constant.from_array(w)
        from hlsflow.frontends.qkeras import weight_constant

        return weight_constant(q, w, f"{quantizer}={q}")

    def float_param(self, call: LayerCall, attr: str, quantizer: str | None = None) -> np.ndarray:
        """Weight ``attr`` as float64, after its QKeras quantizer when one is set."""
        w = self.weight(call, attr)
        q = self.quantizer(call, quantizer) if quantizer else None
        if q is None:
            return w
        from hlsflow.frontends.qkeras import quantize_values

        return quantize_values(q, w, f"{quantizer}={q}")

    # -- activations ------------------------------------------------------------------------
    def activation(self, call: LayerCall, x: Value, act: Any, suffix: str | None = None) -> Value:
        """Apply a Keras activation function (or a QKeras quantizer) to ``x``."""
        if act is None:
            return x
        if is_qkeras_quantizer(act):
            from hlsflow.frontends.qkeras import emit_activation_quantizer

            return emit_activation_quantizer(self, call, x, act, suffix)
        fname = activation_name(act)
        if fname == "linear":
            return x
        return self.node(call, keras_activation_op(fname), [x], suffix)

    # -- walking ------------------------------------------------------------------------------
    def layer_calls(self) -> tuple[list[LayerCall], list[TensorKey], list[TensorKey]]:
        """The layer calls in order, the input keys and the output keys (the Keras 3 file
        reader overrides this; the converters are shared)."""
        return model_calls(self.model)

    def convert(self) -> Graph:
        calls, input_keys, output_keys = self.layer_calls()
        self.reserved = {sanitize_name(c.name) for c in calls}
        for key in input_keys:
            call = next(c for c in calls if c.name == key[0])
            self._add_input(call, key)
        if self.problems:
            # Input shapes are unusable: every layer after them would report follow-on
            # shape errors, so the input problems alone are the clearest message.
            raise UnsupportedModelError(self.problems, self.model.name)
        pending = [c for c in calls if c.class_name != "InputLayer" and (c.name, c.index, 0) not in self.values]
        while pending:
            rest = []
            for call in pending:
                if all(k in self.values for k in call.inputs):
                    self._convert_call(call)
                else:
                    rest.append(call)
            if len(rest) == len(pending):
                missing = sorted({k[0] for c in rest for k in c.inputs if k not in self.values})
                raise FrontendError(f"model {self.model.name!r}: layers {missing} are used but never produced")
            pending = rest
        if self.problems:
            raise UnsupportedModelError(self.problems, self.model.name)
        self.graph.set_outputs([self.values[k] for k in output_keys])
        self.graph.verify()
        return self.graph

    def _add_input(self, call: LayerCall, key: TensorKey) -> None:
        cfg = call.config
        shape = cfg.get("batch_input_shape", cfg.get("batch_shape"))
        if shape is None:
            raise FrontendError(f"input {call.name!r} has no shape; build the model with an input shape")
        dims = tuple(shape)[1:]
        if cfg.get("sparse") or cfg.get("ragged"):
            self.problems.append((call.name, call.class_name, "sparse and ragged inputs are not supported"))
        if not dims or any(d is None for d in dims):
            self.problems.append(
                (
                    call.name,
                    call.class_name,
                    f"input shape {tuple(shape)} has unknown dimensions; give Input(shape=...) fixed sizes",
                )
            )
            dims = tuple(1 if d is None else int(d) for d in dims) or (1,)
        elif any(int(d) < 1 for d in dims):
            self.problems.append(
                (
                    call.name,
                    call.class_name,
                    f"input shape {tuple(shape)} has a zero-sized dimension; every dimension must be at least 1",
                )
            )
            dims = tuple(max(int(d), 1) for d in dims)
        v = self.graph.add_input(sanitize_name(call.name), TensorType(tuple(int(d) for d in dims), FloatType()))
        v.producer.meta.update({"keras_layer": call.name, "keras_class": "InputLayer"})
        self.values[key] = v

    def _convert_call(self, call: LayerCall) -> None:
        ins = [self.values[k] for k in call.inputs]
        fn = self.converters.get(call.class_name)
        try:
            if fn is None:
                raise LayerUnsupported(_unsupported_class_reason(call))
            _check_data_format(call)
            outs = fn(self, call, ins)
            self._check_shapes(call, outs)
        except LayerUnsupported as exc:
            self.problems.append((call.name, call.class_name, exc.reason))
            outs = self._placeholders(call)
        except (OpError, IRError) as exc:
            self.problems.append((call.name, call.class_name, f"cannot be represented: {exc}"))
            outs = self._placeholders(call)
        except FrontendError:
            raise
        except ValueError as exc:  # e.g. a zero-sized dimension (TensorType refuses it)
            self.problems.append((call.name, call.class_name, f"cannot be represented: {exc}"))
            outs = self._placeholders(call)
        for i, v in enumerate(outs):
            self.values[(call.name, call.index, i)] = v

    def _keras_output_shapes(self, call: LayerCall) -> list[tuple[int | None, ...]] | None:
        layer = call.layer
        if layer is None or len(getattr(layer, "_inbound_nodes", [])) != 1:
            return None
        try:
            shape = layer.output_shape
        except (AttributeError, RuntimeError):
            return None
        shapes = shape if isinstance(shape, list) else [shape]
        return [tuple(s)[1:] for s in shapes]

    def _check_shapes(self, call: LayerCall, outs: list[Value]) -> None:
        """Cross-check the IR shapes against Keras's (a frontend bug otherwise)."""
        ks = self._keras_output_shapes(call)
        if ks is None or len(ks) != len(outs):
            return
        for v, s in zip(outs, ks):
            if len(s) != len(v.type.shape) or any(a is not None and a != b for a, b in zip(s, v.type.shape)):
                raise FrontendError(
                    f"layer {call.name!r} ({call.class_name}): IR shape {v.type.shape} differs from Keras's {s}"
                )

    def _placeholders(self, call: LayerCall) -> list[Value]:
        """Stand-in inputs for an unsupported layer's outputs, so that the layers after it
        are still checked (the graph is discarded: an error is raised at the end)."""
        shapes = self._keras_output_shapes(call)
        if not shapes:
            try:
                shapes = [tuple(call.layer.output.shape)[1:]] if call.layer is not None else []
            except (AttributeError, RuntimeError, TypeError):
                shapes = []
        outs = []
        for s in shapes or [(1,)]:
            dims = tuple(int(d) if d else 1 for d in s) or (1,)
            outs.append(
                self.graph.add_input(self._free_name(f"__unsupported_{call.name}"), TensorType(dims, FloatType()))
            )
        return outs


#: Keras classes of a model used as a layer inside another model.
NESTED_MODEL_CLASSES = ("Functional", "Sequential", "Model")


def model_calls(model: Any) -> tuple[list[LayerCall], list[TensorKey], list[TensorKey]]:
    """The layer calls of ``model`` in config order, its input keys and its output keys;
    models nested in it are inlined (:func:`_inline_nested`)."""
    calls, inputs, outputs = _own_calls(model)
    return _inline_nested(calls, inputs, outputs)


def _inline_nested(
    calls: list[LayerCall], inputs: list[TensorKey], outputs: list[TensorKey]
) -> tuple[list[LayerCall], list[TensorKey], list[TensorKey]]:
    """Replace each call of a nested model (a Sequential or Functional model used as a
    layer) by the calls of its own layers, named ``<model>_<layer>`` (``<model>_<k>_<layer>``
    for its k-th call, k > 0), reading the outer call's inputs; references to the nested
    model's outputs then resolve to its last layers. Recursive, so any depth works.

    Keras refers to a nested model's outputs by the model's own node index, which also
    counts the node the model made for itself when it was built (so its first call here
    is referred to as node 1). The k-th call is matched with the k-th smallest node index
    referred to when every call is referred to; otherwise with its position and the next.
    """
    alias: dict[TensorKey, TensorKey] = {}
    flat: list[LayerCall] = []
    n_calls: dict[str, int] = {}
    for c in calls:
        n_calls[c.name] = n_calls.get(c.name, 0) + 1
    keys = [k for c in calls for k in c.inputs] + list(outputs)
    refs = {name: sorted({k[1] for k in keys if k[0] == name}) for name in n_calls}
    for c in calls:
        ins = [alias.get(k, k) for k in c.inputs]
        if c.class_name not in NESTED_MODEL_CLASSES or c.layer is None:
            flat.append(LayerCall(c.name, c.class_name, c.config, c.layer, ins, c.index))
            continue
        inner_calls, inner_in, inner_out = model_calls(c.layer)
        prefix = f"{c.name}_" if c.index == 0 else f"{c.name}_{c.index}_"
        if len(inner_in) != len(ins):
            raise FrontendError(
                f"nested model {c.name!r} takes {len(inner_in)} input(s) but is called with {len(ins)}"
            )
        local: dict[TensorKey, TensorKey] = dict(zip(inner_in, ins))

        def renamed(k: TensorKey, local: dict[TensorKey, TensorKey] = local, prefix: str = prefix) -> TensorKey:
            return local.get(k, (prefix + k[0], k[1], k[2]))

        for ic in inner_calls:
            if ic.class_name == "InputLayer":
                continue
            flat.append(
                LayerCall(prefix + ic.name, ic.class_name, ic.config, ic.layer, [renamed(k) for k in ic.inputs], ic.index)
            )
        ranked = refs[c.name]
        indices = [ranked[c.index]] if len(ranked) == n_calls[c.name] else [c.index, c.index + 1]
        for t, k in enumerate(inner_out):
            for j in indices:
                alias.setdefault((c.name, j, t), renamed(k))
    return flat, [alias.get(k, k) for k in inputs], [alias.get(k, k) for k in outputs]


def _own_calls(model: Any) -> tuple[list[LayerCall], list[TensorKey], list[TensorKey]]:
    """The layer calls of ``model`` in config order (nested models as single calls), its
    input keys and its output keys."""
    with warnings.catch_warnings():  # QKeras quantizers warn when serialised as constraints
        warnings.simplefilter("ignore", UserWarning)
        cfg = model.get_config()
    layer_cfgs = cfg.get("layers") if isinstance(cfg, dict) else cfg
    if not isinstance(layer_cfgs, list):
        raise FrontendError(f"model {model.name!r}: cannot read its configuration (no layer list)")

    def live(name: str) -> Any:
        try:
            return model.get_layer(name)
        except ValueError:
            return None

    is_functional = isinstance(cfg, dict) and "input_layers" in cfg
    calls: list[LayerCall] = []
    if not is_functional:  # Sequential
        prev: TensorKey | None = None
        inputs: list[TensorKey] = []
        for i, lc in enumerate(layer_cfgs):
            conf = lc.get("config", {})
            name = conf.get("name") or lc.get("name")
            cls = lc["class_name"]
            if i == 0 and cls != "InputLayer":
                shape = conf.get("batch_input_shape") or cfg.get("build_input_shape")
                if shape is None:
                    try:
                        shape = model.input_shape
                    except (AttributeError, RuntimeError):
                        shape = None
                if shape is None:
                    raise FrontendError(
                        f"model {model.name!r} is not built (unknown input shape); call model.build(input_shape)"
                    )
                in_name = f"{name}_input"
                calls.append(LayerCall(in_name, "InputLayer", {"batch_input_shape": list(shape)}, None, []))
                prev = (in_name, 0, 0)
                inputs.append(prev)
            if cls == "InputLayer":
                calls.append(LayerCall(name, cls, conf, None, []))
                prev = (name, 0, 0)
                inputs.append(prev)
                continue
            assert prev is not None
            calls.append(LayerCall(name, cls, conf, live(name), [prev]))
            prev = (name, 0, 0)
        if len(inputs) != 1 or prev is None:
            raise FrontendError(f"model {model.name!r}: a Sequential model needs exactly one input")
        return calls, inputs, [prev]

    for lc in layer_cfgs:
        name = lc.get("name") or lc["config"]["name"]
        cls = lc["class_name"]
        conf = lc.get("config", {})
        layer = live(name)
        if cls == "InputLayer":
            calls.append(LayerCall(name, cls, conf, layer, []))
            continue
        for idx, node_data in enumerate(lc.get("inbound_nodes", [])):
            calls.append(LayerCall(name, cls, conf, layer, _inbound_keys(name, node_data), idx))
    return calls, _key_list(cfg["input_layers"]), _key_list(cfg["output_layers"])


def _inbound_keys(name: str, node_data: Any) -> list[TensorKey]:
    if isinstance(node_data, dict):  # Keras 3 style {"args": ..., "kwargs": ...}
        raise FrontendError(f"layer {name!r}: cannot read the Keras 3 style inbound node format; use a tf_keras model")
    if node_data and isinstance(node_data[0], str):  # one flat entry (TFOpLambda style)
        node_data = [node_data]
    keys = []
    for entry in node_data:
        keys.append((str(entry[0]), int(entry[1]), int(entry[2])))
    return keys


def _key_list(spec: Any) -> list[TensorKey]:
    if spec and isinstance(spec[0], str):
        spec = [spec]
    return [(str(s[0]), int(s[1]), int(s[2])) for s in spec]


def from_keras(
    model_or_path: Any,
    weights: str | os.PathLike[str] | None = None,
    *,
    name: str | None = None,
    custom_objects: dict[str, Any] | None = None,
) -> Graph:
    """Convert a tf_keras / QKeras model (object, ``.h5`` path, or ``.json`` path plus
    ``weights``) to an IR Graph.

    Raises :class:`UnsupportedModelError` listing every unsupported layer, and
    :class:`FrontendError` when the model cannot be read.
    """
    if isinstance(model_or_path, (str, os.PathLike)) and not custom_objects:
        # A Keras 2 file is read with h5py alone when that gives exactly the tf_keras
        # result (hlsflow.frontends.keras2_h5): TensorFlow's start-up (seconds) is skipped.
        # Anything else (QKeras features it does not replay, custom or unknown layers,
        # unsupported-layer errors) returns None and takes the tf_keras path below.
        from hlsflow.frontends.keras2_h5 import convert_without_tf

        graph = convert_without_tf(model_or_path, weights, name=name)
        if graph is not None:
            return graph
    model = load_keras_model(model_or_path, weights, custom_objects)
    if not getattr(model, "built", True):
        raise FrontendError(f"model {model.name!r} is not built; call model.build(input_shape) or predict once")
    return KerasConverter(model, name).convert()


# -- helpers shared by converters ---------------------------------------------------------
def is_qkeras_quantizer(obj: Any) -> bool:
    """True for a QKeras quantizer object (quantized_bits(...), quantized_relu(...), ...)
    or its stand-in read from a saved configuration (``qkeras_config_stand_in``, see
    :mod:`hlsflow.frontends.keras2_quantizers`), False for functions (Keras activations, QKeras
    helper functions) and None."""
    return (
        obj is not None
        and not isinstance(obj, types.FunctionType)
        and (type(obj).__module__.startswith("qkeras") or getattr(obj, "qkeras_config_stand_in", False) is True)
        and hasattr(obj, "get_config")
    )


def _unsupported_class_reason(call: LayerCall) -> str:
    cls = call.class_name
    if cls in ("Functional", "Sequential", "Model"):
        return "nested models are not supported; build the model from layers directly"
    if cls in ("Lambda", "TFOpLambda", "SlicingOpLambda"):
        fn = call.config.get("function")
        what = f" ({fn})" if isinstance(fn, str) else ""
        return f"arbitrary TensorFlow code{what} cannot be converted; use built-in Keras layers"
    return "layer type not supported (README.md lists the supported layers); replace it with supported layers"


def _check_data_format(call: LayerCall) -> None:
    fmt = call.config.get("data_format")
    if fmt == "channels_first":
        raise LayerUnsupported("data_format='channels_first' is not supported; hlsflow is channels-last only")


def single(call: LayerCall, ins: list[Value]) -> Value:
    if len(ins) != 1:
        raise LayerUnsupported(f"expected one input, got {len(ins)}")
    return ins[0]


def _ints(v: Any, n: int = 1) -> tuple[int, ...]:
    """A Keras int-or-tuple option as a tuple of ``n`` ints."""
    t = tuple(int(x) for x in v) if isinstance(v, (list, tuple)) else (int(v),) * n
    if len(t) != n:
        raise LayerUnsupported(f"expected {n} value(s), got {v!r}")
    return t


def _pair(v: Any) -> tuple[int, int]:
    a, b = _ints(v, 2)
    return a, b


def activation_name(act: Any) -> str:
    """The Keras name of an activation function object or string."""
    if act is None:
        return "linear"
    if isinstance(act, str):
        return act
    if isinstance(act, dict):  # serialized {"class_name": ..., "config": ...}
        return str(act.get("config", {}).get("name", act.get("class_name", "?")))
    name = getattr(act, "__name__", None)
    mod = getattr(act, "__module__", "") or ""
    if name is None:
        return type(act).__name__
    if mod.startswith("qkeras"):
        return f"qkeras.{name}"
    return name


#: Keras activation name -> (IR function, keyword arguments).
_KERAS_ACTIVATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "relu": ("relu", {}),
    "relu6": ("relu6", {}),
    "leaky_relu": ("leaky_relu", {"alpha": 0.2}),  # tf.nn.leaky_relu's default slope
    "sigmoid": ("sigmoid", {}),
    "tanh": ("tanh", {}),
    "hard_sigmoid": ("hard_sigmoid", {}),
    "softsign": ("softsign", {}),
    "elu": ("elu", {"alpha": 1.0}),
    "selu": ("selu", {}),
}


def keras_activation_op(fname: str) -> Op:
    """The IR op of a Keras activation function given by name."""
    if fname == "softmax":
        from hlsflow.ir.ops.softmax import Softmax

        return Softmax(axis=-1)
    if fname == "linear":
        from hlsflow.ir.ops.activation import Activation

        return Activation("linear")
    if fname not in _KERAS_ACTIVATIONS:
        raise LayerUnsupported(
            f"activation {fname!r} is not supported (supported: linear, softmax, {', '.join(_KERAS_ACTIVATIONS)})"
        )
    from hlsflow.ir.ops.activation import Activation

    fn, kw = _KERAS_ACTIVATIONS[fname]
    return Activation(fn, **kw)


def _layer_activation(call: LayerCall) -> Any:
    """The fused activation of ``call``: the live object, else the config entry."""
    if call.layer is not None and hasattr(call.layer, "activation"):
        return call.layer.activation
    return call.config.get("activation")


def _has_activation(act: Any) -> bool:
    return act is not None and (is_qkeras_quantizer(act) or activation_name(act) != "linear")


def _linear_then_activation(
    cv: KerasConverter, call: LayerCall, op: Op, x: Value, params: dict[str, Constant]
) -> list[Value]:
    """A linear op followed by the layer's fused activation (if any)."""
    act = _layer_activation(call)
    fused = _has_activation(act)
    y = cv.node(call, op, [x], "linear" if fused else None, params)
    return [cv.activation(call, y, act)] if fused else [y]


def _bias(cv: KerasConverter, call: LayerCall, params: dict[str, Constant]) -> None:
    if call.config.get("use_bias", True):
        params["bias"] = cv.param(call, "bias", "bias_quantizer")


def _check_groups(call: LayerCall) -> None:
    if int(call.config.get("groups", 1) or 1) != 1:
        raise LayerUnsupported(f"grouped convolution (groups={call.config['groups']}) is not supported")


def _padding(call: LayerCall, allowed: tuple[str, ...] = ("valid", "same")) -> str:
    p = str(call.config.get("padding", "valid")).lower()
    if p not in allowed:
        raise LayerUnsupported(f"padding={p!r} is not supported (supported: {', '.join(allowed)})")
    return p


# -- converters ------------------------------------------------------------------------------
def _dense(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
    from hlsflow.ir.ops.dense import Dense

    x = single(call, ins)
    params = {"kernel": cv.param(call, "kernel", "kernel_quantizer")}
    _bias(cv, call, params)
    return _linear_then_activation(cv, call, Dense(int(call.config["units"])), x, params)


def _conv1d(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
    from hlsflow.ir.ops.conv1d import Conv1D

    x = single(call, ins)
    cfg = call.config
    _check_groups(call)
    padding = _padding(call, ("valid", "same", "causal"))
    k = _ints(cfg["kernel_size"])[0]
    d = _ints(cfg.get("dilation_rate", 1))[0]
    params = {"kernel": cv.param(call, "kernel", "kernel_quantizer")}
    _bias(cv, call, params)
    if padding == "causal":
        from hlsflow.ir.ops.zero_padding import ZeroPadding

        x = cv.node(call, ZeroPadding((((k - 1) * d, 0),)), [x], "pad")
        padding = "valid"
    op = Conv1D(int(cfg["filters"]), k, _ints(cfg.get("strides", 1))[0], padding, d)
    return _linear_then_activation(cv, call, op, x, params)


def _conv2d(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
    from hlsflow.ir.ops.conv2d import Conv2D

    x = single(call, ins)
    cfg = call.config
    _check_groups(call)
    op = Conv2D(
        int(cfg["filters"]),
        _pair(cfg["kernel_size"]),
        _pair(cfg.get("strides", 1)),
        _padding(call),
        _pair(cfg.get("dilation_rate", 1)),
    )
    params = {"kernel": cv.param(call, "kernel", "kernel_quantizer")}
    _bias(cv, call, params)
    return _linear_then_activation(cv, call, op, x, params)


def _depthwise_op(call: LayerCall) -> Any:
    from hlsflow.ir.ops.depthwise_conv2d import DepthwiseConv2D

    cfg = call.config
    return DepthwiseConv2D(
        _pair(cfg["kernel_size"]),
        _pair(cfg.get("strides", 1)),
        _padding(call),
        int(cfg.get("depth_multiplier", 1)),
        _pair(cfg.get("dilation_rate", 1)),
    )


def _depthwise_conv2d(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
    x = single(call, ins)
    op = _depthwise_op(call)
    params = {"kernel": cv.param(call, "depthwise_kernel", "depthwise_quantizer")}
    _bias(cv, call, params)
    return _linear_then_activation(cv, call, op, x, params)


def _separable_conv2d(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
    from hlsflow.ir.ops.conv2d import Conv2D

    x = single(call, ins)
    dw = _depthwise_op(call)
    dw_kernel = cv.param(call, "depthwise_kernel", "depthwise_quantizer")
    pw_kernel = cv.param(call, "pointwise_kernel", "pointwise_quantizer")
    params = {"kernel": pw_kernel}
    _bias(cv, call, params)
    y = cv.node(call, dw, [x], "depthwise", {"kernel": dw_kernel})
    return _linear_then_activation(cv, call, Conv2D(int(call.config["filters"]), (1, 1)), y, params)


def _pool(kind: str, rank: int) -> Converter:
    def convert(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
        from hlsflow.ir.ops.pool import Pool

        cfg = call.config
        size = _ints(cfg["pool_size"], rank)
        strides = _ints(cfg.get("strides") or size, rank)
        return [cv.node(call, Pool(kind, size, strides, _padding(call)), [single(call, ins)])]

    return convert


def _global_pool(kind: str) -> Converter:
    def convert(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
        from hlsflow.ir.ops.global_pool import GlobalPool

        if call.config.get("keepdims"):
            raise LayerUnsupported("keepdims=True is not supported; use keepdims=False (then Reshape if needed)")
        return [cv.node(call, GlobalPool(kind), [single(call, ins)])]

    return convert


def _last_axis(call: LayerCall, axis: Any, rank: int, what: str = "axis") -> None:
    """Require ``axis`` (batch-inclusive Keras axis, int or list) to be the last axis."""
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    if len(axes) != 1 or int(axes[0]) not in (-1, rank):
        raise LayerUnsupported(f"{what}={axis!r} is not supported; only the last (channel) axis is")


def _batch_norm(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
    from hlsflow.ir.ops.batch_norm import BatchNorm

    x = single(call, ins)
    cfg = call.config
    _last_axis(call, cfg.get("axis", -1), len(x.type.shape))
    for opt in ("renorm", "virtual_batch_size", "adjustment"):
        if cfg.get(opt):
            raise LayerUnsupported(f"{opt} is not supported")
    c = x.type.shape[-1]
    gamma = cv.float_param(call, "gamma", "gamma_quantizer") if cfg.get("scale", True) else np.ones(c)
    beta = cv.float_param(call, "beta", "beta_quantizer") if cfg.get("center", True) else np.zeros(c)
    mean = cv.float_param(call, "moving_mean", "mean_quantizer")
    var = cv.float_param(call, "moving_variance", "variance_quantizer")
    eps = float(cfg.get("epsilon", 1e-3))
    scale = gamma / np.sqrt(var + eps)
    shift = beta - mean * scale
    y = cv.node(
        call, BatchNorm(), [x], params={"scale": Constant.from_array(scale), "shift": Constant.from_array(shift)}
    )
    return [y]


def _activation_layer(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
    x = single(call, ins)
    act = _layer_activation(call)
    if is_qkeras_quantizer(act):
        return [cv.activation(call, x, act)]
    return [cv.node(call, keras_activation_op(activation_name(act)), [x])]


def _relu_layer(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
    from hlsflow.ir.ops.activation import Activation

    cfg = call.config
    thr = float(np.asarray(cfg.get("threshold", 0.0) or 0.0))
    ns = float(np.asarray(cfg.get("negative_slope", 0.0) or 0.0))
    mv = cfg.get("max_value")
    mv = None if mv is None else float(np.asarray(mv))
    if thr != 0.0:
        raise LayerUnsupported(f"threshold={thr} is not supported (only threshold=0)")
    if ns != 0.0 and mv is not None:
        raise LayerUnsupported("negative_slope together with max_value is not supported")
    if ns != 0.0:
        op = Activation("leaky_relu", alpha=ns)
    else:
        op = Activation("relu", max_value=mv)
    return [cv.node(call, op, [single(call, ins)])]


def _leaky_relu_layer(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
    from hlsflow.ir.ops.activation import Activation

    alpha = call.config.get("alpha", call.config.get("negative_slope", 0.3))
    return [cv.node(call, Activation("leaky_relu", alpha=float(np.asarray(alpha))), [single(call, ins)])]


def _elu_layer(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
    from hlsflow.ir.ops.activation import Activation

    alpha = float(np.asarray(call.config.get("alpha", 1.0)))
    return [cv.node(call, Activation("elu", alpha=alpha), [single(call, ins)])]


def _softmax_layer(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
    from hlsflow.ir.ops.softmax import Softmax

    x = single(call, ins)
    _last_axis(call, call.config.get("axis", -1), len(x.type.shape))
    return [cv.node(call, Softmax(axis=-1), [x])]


def _flatten(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
    from hlsflow.ir.ops.flatten import Flatten

    return [cv.node(call, Flatten(), [single(call, ins)])]


def _reshape(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
    from hlsflow.ir.ops.reshape import Reshape

    x = single(call, ins)
    target = [int(d) for d in call.config["target_shape"]]
    total = x.type.size
    if target.count(-1) > 1:
        raise LayerUnsupported(f"target_shape {tuple(target)} has more than one -1")
    if -1 in target:
        known = math.prod(d for d in target if d != -1)
        if known <= 0 or total % known:
            raise LayerUnsupported(f"cannot reshape {x.type.shape} to {tuple(target)}")
        target[target.index(-1)] = total // known
    return [cv.node(call, Reshape(tuple(target)), [x])]


def _pad_pair(a: Any) -> tuple[int, int]:
    """(before, after) from an int or a pair."""
    if isinstance(a, (list, tuple)) and len(a) == 2:
        return int(a[0]), int(a[1])
    if isinstance(a, (int, np.integer)):
        return int(a), int(a)
    raise LayerUnsupported(f"cannot read padding {a!r}")


def _zero_padding(rank: int) -> Converter:
    def convert(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
        from hlsflow.ir.ops.zero_padding import ZeroPadding

        p = call.config["padding"]
        if rank == 1 or isinstance(p, int):
            pads = (_pad_pair(p),) * rank
        else:
            pads = tuple(_pad_pair(a) for a in p)
        if len(pads) != rank:
            raise LayerUnsupported(f"cannot read padding={p!r}")
        return [cv.node(call, ZeroPadding(pads), [single(call, ins)])]

    return convert


def _merge(mode: str) -> Converter:
    def convert(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
        from hlsflow.ir.ops.merge import Merge

        if len(ins) < 2:
            raise LayerUnsupported(f"a merge needs at least two inputs, got {len(ins)}")
        shapes = {v.type.shape for v in ins}
        if len(shapes) != 1:
            raise LayerUnsupported(f"inputs of different shapes {sorted(shapes)} (broadcasting) are not supported")
        if mode == "subtract" and len(ins) != 2:
            raise LayerUnsupported("Subtract needs exactly two inputs")
        return [cv.node(call, Merge(mode), ins)]

    return convert


def _concatenate(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
    from hlsflow.ir.ops.concatenate import Concatenate

    if len(ins) < 2:
        raise LayerUnsupported(f"Concatenate needs at least two inputs, got {len(ins)}")
    rank = len(ins[0].type.shape)
    axis = int(call.config.get("axis", -1))
    if axis < 0:
        axis += rank + 1
    if not 1 <= axis <= rank:
        raise LayerUnsupported(
            f"axis={call.config.get('axis')} is not supported (the batch axis cannot be concatenated)"
        )
    return [cv.node(call, Concatenate(axis - 1), ins)]


def _dropout(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
    from hlsflow.ir.ops.dropout import Dropout

    return [cv.node(call, Dropout(float(call.config.get("rate", 0.0))), [single(call, ins)])]


def _identity(cv: KerasConverter, call: LayerCall, ins: list[Value]) -> list[Value]:
    """Layers that do nothing at inference: no node, the output is the input."""
    return [single(call, ins)]


CONVERTERS: dict[str, Converter] = {
    "Dense": _dense,
    "Conv1D": _conv1d,
    "Conv2D": _conv2d,
    "DepthwiseConv2D": _depthwise_conv2d,
    "SeparableConv2D": _separable_conv2d,
    "MaxPooling1D": _pool("max", 1),
    "MaxPooling2D": _pool("max", 2),
    "AveragePooling1D": _pool("avg", 1),
    "AveragePooling2D": _pool("avg", 2),
    "MaxPool1D": _pool("max", 1),
    "MaxPool2D": _pool("max", 2),
    "AvgPool1D": _pool("avg", 1),
    "AvgPool2D": _pool("avg", 2),
    "GlobalAveragePooling1D": _global_pool("avg"),
    "GlobalAveragePooling2D": _global_pool("avg"),
    "GlobalMaxPooling1D": _global_pool("max"),
    "GlobalMaxPooling2D": _global_pool("max"),
    "GlobalAvgPool1D": _global_pool("avg"),
    "GlobalAvgPool2D": _global_pool("avg"),
    "GlobalMaxPool1D": _global_pool("max"),
    "GlobalMaxPool2D": _global_pool("max"),
    "BatchNormalization": _batch_norm,
    "Activation": _activation_layer,
    "ReLU": _relu_layer,
    "LeakyReLU": _leaky_relu_layer,
    "ELU": _elu_layer,
    "Softmax": _softmax_layer,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "ZeroPadding1D": _zero_padding(1),
    "ZeroPadding2D": _zero_padding(2),
    "Add": _merge("add"),
    "Subtract": _merge("subtract"),
    "Multiply": _merge("multiply"),
    "Average": _merge("average"),
    "Maximum": _merge("maximum"),
    "Minimum": _merge("minimum"),
    "Concatenate": _concatenate,
    "Dropout": _dropout,
    "SpatialDropout1D": _dropout,
    "SpatialDropout2D": _dropout,
    "AlphaDropout": _dropout,
    "GaussianDropout": _dropout,
    "GaussianNoise": _identity,
    "ActivityRegularization": _identity,
}

__all__ = [
    "CONVERTERS",
    "KerasConverter",
    "LayerCall",
    "activation_name",
    "from_keras",
    "import_tf_keras",
    "is_qkeras_quantizer",
    "keras_activation_op",
    "load_keras_model",
    "model_calls",
]
