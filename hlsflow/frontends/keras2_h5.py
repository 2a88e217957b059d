"""Keras 2 (tf_keras) files read with ``h5py``, ``json`` and ``numpy`` only -- no TensorFlow.

Two layouts are read:

* a full-model ``.h5`` (``model.save("m.h5")``): the root attribute ``model_config``
  (JSON: ``class_name`` Sequential / Functional / Model and its ``config``), the weights in
  group ``model_weights`` (attribute ``layer_names``; one group per layer whose attribute
  ``weight_names`` lists its arrays, e.g. ``fc1/kernel:0``, in the layer's order);
* a ``.json`` architecture (``model.to_json()``) plus a weights-only ``.h5``
  (``model.save_weights("w.h5")``: the same ``layer_names`` / ``weight_names`` layout at
  the file's root).

The configuration is walked by the Keras 2 frontend itself (:func:`~hlsflow.frontends.keras.model_calls`,
:class:`~hlsflow.frontends.keras.KerasConverter` and its layer converters) through
stand-ins for the model and its layers, so node names, ops, constants and errors come
from the same code as on the tf_keras path. Weights are assigned the way tf_keras's
HDF5 loader assigns them: by position (the k-th saved layer that has weights goes to the
k-th model layer that has weights), each layer's arrays in ``weight_names`` order.

**Exactness is the contract.** This reader converts a file only when its graph is, by
construction, the one the tf_keras path builds; for anything else it raises
:class:`NotHandled` and :func:`convert_without_tf` returns None, and ``from_keras`` loads
the model with tf_keras as before (silently). Not handled: nested models, layer classes
outside the converters' set (custom layers, Lambda, LSTM, ...), registered (custom)
classes shadowing built-in names, the Keras 3 configuration format or a Keras 1 / Keras 3
HDF5 file, weight groups that do not match the layers name for name and weight for
weight, non-float arrays, non-HDF5 weight files, and the QKeras features listed below.
Files that tf_keras reads but that hlsflow rejects (an UnsupportedModelError) are also
handed to the tf_keras path when it is installed, so the error lists every unsupported
layer exactly as before.

QKeras layers (``QDense``, ``QConv*``, ``QDepthwiseConv2D``, ``QSeparableConv2D``,
``QBatchNormalization``, ``QActivation``) are read when every quantizer's effect follows
from its configuration alone; which ones, and how their weights are replayed bit for bit,
is in :mod:`hlsflow.frontends.keras2_quantizers`.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from hlsflow.frontends.errors import FrontendError
from hlsflow.frontends.keras import KerasConverter, LayerCall, _h5_model_config
from hlsflow.frontends.keras2_quantizers import (
    ConfigQuantizer,
    NotHandled,
    activation_spec,
    checked_values,
    parse_quantizer,
    quantized_bits_values,
    weight_constant,
    weight_quantizer,
)
from hlsflow.ir.constant import Constant
from hlsflow.ir.graph import Graph

log = logging.getLogger(__name__)


# -- layer classes and their weights ------------------------------------------------------
#: Keras class -> the weights tf_keras creates for it, in order (``use_bias`` drops "bias").
_LINEAR_WEIGHTS: dict[str, tuple[str, ...]] = {
    "Dense": ("kernel", "bias"),
    "Conv1D": ("kernel", "bias"),
    "Conv2D": ("kernel", "bias"),
    "DepthwiseConv2D": ("depthwise_kernel", "bias"),
    "SeparableConv2D": ("depthwise_kernel", "pointwise_kernel", "bias"),
}

#: QKeras layers read here -> the Keras layer they extend (same weights, same options).
Q_LAYERS: dict[str, str] = {
    "QDense": "Dense",
    "QConv1D": "Conv1D",
    "QConv2D": "Conv2D",
    "QDepthwiseConv2D": "DepthwiseConv2D",
    "QSeparableConv2D": "SeparableConv2D",
    "QBatchNormalization": "BatchNormalization",
    "QActivation": "Activation",
}

#: Q-layer -> its weight-quantizer attributes and whether QKeras's layer calls the
#: quantizer's ``_set_trainable_parameter`` (alpha None -> "auto_po2") on it.
_Q_WEIGHT_QUANTIZERS: dict[str, tuple[tuple[str, bool], ...]] = {
    "QDense": (("kernel_quantizer", True), ("bias_quantizer", False)),
    "QConv1D": (("kernel_quantizer", True), ("bias_quantizer", False)),
    "QConv2D": (("kernel_quantizer", True), ("bias_quantizer", False)),
    "QDepthwiseConv2D": (("depthwise_quantizer", True), ("bias_quantizer", False)),
    "QSeparableConv2D": (("depthwise_quantizer", True), ("pointwise_quantizer", True), ("bias_quantizer", False)),
    "QBatchNormalization": (
        ("gamma_quantizer", True),
        ("beta_quantizer", False),
        ("mean_quantizer", False),
        ("variance_quantizer", False),
    ),
}


def expected_weights(class_name: str, config: dict[str, Any]) -> tuple[str, ...]:
    """The weights tf_keras creates for a layer of ``class_name`` with ``config``, in
    order (empty for layers without weights)."""
    base = Q_LAYERS.get(class_name, class_name)
    if base == "BatchNormalization":
        return tuple(
            n for n, on in (("gamma", config.get("scale", True)), ("beta", config.get("center", True))) if on
        ) + (
            "moving_mean",
            "moving_variance",
        )
    names = _LINEAR_WEIGHTS.get(base, ())
    return names if config.get("use_bias", True) or not names else names[:-1]


# -- stand-ins for the model and its layers ---------------------------------------------------
class Keras2Layer:
    """Stand-in for a live tf_keras layer: its weights as numpy attributes (``kernel``,
    ``bias``, ``gamma``, ...) and, for QKeras layers, the attributes QKeras sets from the
    configuration (``kernel_quantizer`` and ``kernel_quantizer_internal``, ``activation``,
    ``quantizer``) -- all the converters read from a layer."""

    def __init__(self, name: str, attrs: dict[str, Any]) -> None:
        self.name = name
        for k, v in attrs.items():
            setattr(self, k, v)


class Keras2Model:
    """Stand-in for a loaded tf_keras model: its saved configuration and layer stand-ins.

    ``get_config()`` returns the saved configuration (what ``model.get_config()`` of the
    reloaded model returns) and ``get_layer`` raises ValueError for unknown names, as
    tf_keras does."""

    built = True

    def __init__(self, config: dict[str, Any], layers: list[Keras2Layer], uses_qkeras: bool) -> None:
        self._config = config["config"]
        self.class_name = str(config["class_name"])
        self.name = str(self._config.get("name") or "model")
        self.layers = layers
        self.uses_qkeras = uses_qkeras
        self._by_name = {la.name: la for la in layers}

    def get_config(self) -> dict[str, Any]:
        return self._config

    def get_layer(self, name: str) -> Keras2Layer:
        try:
            return self._by_name[name]
        except KeyError:
            raise ValueError(f"no layer named {name!r}") from None


def _layer_name(lc: dict[str, Any]) -> str:
    raw = lc.get("config")
    conf: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return str(conf.get("name") or lc.get("name"))


def _screen(config: Any) -> list[dict[str, Any]]:
    """The layer configurations of a model this reader handles; NotHandled otherwise."""
    from hlsflow.frontends.keras import CONVERTERS

    if not isinstance(config, dict) or config.get("class_name") not in ("Sequential", "Functional", "Model"):
        raise NotHandled("the top-level object is not a Sequential or Functional model")
    conf = config.get("config")
    if not isinstance(conf, dict):
        raise NotHandled("the model has no configuration")
    layers = conf.get("layers")
    if not isinstance(layers, list) or not layers or not all(isinstance(lc, dict) for lc in layers):
        raise NotHandled("the configuration has no layer list")
    functional = "input_layers" in conf
    known = {"InputLayer", *CONVERTERS, *Q_LAYERS}
    names = set()
    for i, lc in enumerate(layers):
        cls, name = str(lc.get("class_name")), _layer_name(lc)
        if not isinstance(lc.get("config"), dict):
            raise NotHandled(f"layer #{i} has no configuration")
        if cls not in known:
            raise NotHandled(f"layer {name!r} ({cls}) is not read without tf_keras")
        if lc.get("name") not in (None, name):
            raise NotHandled(f"layer {name!r} is also called {lc.get('name')!r}")
        if lc.get("registered_name") not in (None, cls):
            raise NotHandled(f"layer {name!r} is the registered custom class {lc.get('registered_name')!r}")
        if name in names:
            raise NotHandled(f"layer name {name!r} is used twice")
        names.add(name)
        act = lc["config"].get("activation")
        if cls not in Q_LAYERS and act is not None and not isinstance(act, str):
            raise NotHandled(f"layer {name!r}: activation {act!r} is not a built-in name")
        if functional and cls != "InputLayer":
            for node in lc.get("inbound_nodes") or []:
                if not isinstance(node, list):
                    raise NotHandled(f"layer {name!r}: inbound nodes are not in the Keras 2 format")
    if not functional:
        first = layers[0]
        if first.get("class_name") != "InputLayer" and not (
            first["config"].get("batch_input_shape") or conf.get("build_input_shape")
        ):
            raise NotHandled("the Sequential model's input shape is not in its configuration")
    return layers


def _q_attrs(cls: str, cfg: dict[str, Any], name: str) -> dict[str, Any]:
    """The attributes a QKeras layer sets from its configuration (see Keras2Layer)."""
    attrs: dict[str, Any] = {}
    for attr, trainable in _Q_WEIGHT_QUANTIZERS.get(cls, ()):
        if attr not in cfg:
            raise NotHandled(f"layer {name!r} ({cls}): {attr} is not in the configuration (QKeras's default applies)")
        spec = cfg[attr]
        attrs[attr] = spec
        attrs[f"{attr}_internal"] = None if spec is None else weight_quantizer(spec, trainable, f"{name}.{attr}")
    if cls == "QActivation":
        attrs["quantizer"] = activation_spec(cfg.get("activation"), name)
    elif cls != "QBatchNormalization":
        attrs["activation"] = activation_spec(cfg.get("activation"), name)
    return attrs


def _attr_list(group: Any, name: str) -> list[str]:
    """A string-list attribute, also when tf_keras split it into ``name0``, ``name1``, ...
    (HDF5 limits an attribute's size)."""
    if name in group.attrs:
        raw = list(group.attrs[name])
    else:
        raw, i = [], 0
        while f"{name}{i}" in group.attrs:
            raw.extend(group.attrs[f"{name}{i}"])
            i += 1
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in raw]


def _text_attr(group: Any, name: str) -> str | None:
    v = group.attrs.get(name)
    return v.decode("utf8") if isinstance(v, bytes) else (None if v is None else str(v))


def _saved_weights(group: Any) -> Iterator[tuple[str, list[tuple[str, np.ndarray]]]]:
    """(layer name, [(weight name, array), ...]) for every saved layer that has weights,
    in file order -- the list tf_keras's loader assigns by position."""
    version = _text_attr(group, "keras_version")
    if version is None or not version.startswith("2."):
        raise NotHandled(f"the weights were saved by Keras {version or '1'} (tf_keras 2 files are read)")
    if _text_attr(group, "backend") not in (None, "tensorflow"):
        raise NotHandled(f"the weights were saved by the {_text_attr(group, 'backend')} backend")
    top = group.get("top_level_model_weights")
    if top is not None and _attr_list(top, "weight_names"):
        raise NotHandled("the model has top-level weights")
    for lname in _attr_list(group, "layer_names"):
        g = group[lname]
        wnames = _attr_list(g, "weight_names")
        if wnames:
            yield lname, [(w, np.asarray(g[w])) for w in wnames]


def _base_name(weight_name: str) -> str:
    """``"fc1/kernel:0"`` -> ``"kernel"``."""
    return weight_name.rsplit("/", 1)[-1].split(":", 1)[0]


def _build_layers(
    layer_cfgs: list[dict[str, Any]], saved: list[tuple[str, list[tuple[str, np.ndarray]]]]
) -> list[Keras2Layer]:
    wanted = [(lc, expected_weights(str(lc["class_name"]), lc["config"])) for lc in layer_cfgs]
    wanted = [(lc, w) for lc, w in wanted if w]
    if [_layer_name(lc) for lc, _ in wanted] != [n for n, _ in saved]:
        raise NotHandled(
            f"the saved weight groups {[n for n, _ in saved]} do not match the layers with weights "
            f"{[_layer_name(lc) for lc, _ in wanted]}"
        )
    arrays: dict[str, dict[str, np.ndarray]] = {}
    for (_, names), (lname, entries) in zip(wanted, saved):
        got = tuple(_base_name(w) for w, _ in entries)
        if got != names:
            raise NotHandled(f"layer {lname!r}: saved weights {got}, expected {names}")
        for w, a in entries:
            if a.dtype.kind != "f":
                raise NotHandled(f"layer {lname!r}: weight {w!r} has dtype {a.dtype}, not float")
        arrays[lname] = {n: a for n, (_, a) in zip(names, entries)}
    out = []
    for lc in layer_cfgs:
        name, cls = _layer_name(lc), str(lc["class_name"])
        attrs: dict[str, Any] = dict(arrays.get(name, {}))
        if cls in Q_LAYERS:
            attrs.update(_q_attrs(cls, lc["config"], name))
        out.append(Keras2Layer(name, attrs))
    return out


def read_keras2(path: str | os.PathLike[str], weights: str | os.PathLike[str] | None = None) -> Keras2Model:
    """Read a full-model ``.h5`` (``weights`` None) or a ``.json`` architecture with its
    weights ``.h5`` into model and layer stand-ins.

    Raises FrontendError for a file that is not a readable Keras ``.h5`` (the same
    message as the tf_keras path) and NotHandled for anything this reader does not
    reproduce exactly (see the module docstring)."""
    import h5py

    p = Path(path)
    if p.suffix.lower() == ".json":
        if weights is None:
            raise NotHandled("a JSON architecture needs its weights file")
        try:
            config = json.loads(p.read_text())
        except (OSError, ValueError) as exc:
            raise NotHandled(f"cannot read the architecture: {exc}") from None
        wpath = Path(weights)
        if wpath.suffix.lower() not in (".h5", ".hdf5"):
            raise NotHandled(f"weights file {wpath.name!r} is not an HDF5 (.h5) file")
    else:
        if weights is not None:
            raise NotHandled("weights= is only used with a JSON architecture")
        config = _h5_model_config(p)
        wpath = p
    layer_cfgs = _screen(config)
    try:
        with h5py.File(wpath, "r") as f:
            if p.suffix.lower() != ".json":
                group = f.get("model_weights")
            else:  # tf_keras's load_weights: the root of a weights file, else its model_weights
                group = f if "layer_names" in f.attrs or "model_weights" not in f else f["model_weights"]
            if group is None:
                raise NotHandled("the file holds no model_weights group")
            saved = list(_saved_weights(group))
    except (OSError, KeyError) as exc:  # unreadable / truncated file, missing group or dataset
        raise NotHandled(f"cannot read the weights from {wpath}: {exc}") from None
    layers = _build_layers(layer_cfgs, saved)
    uses_qkeras = any(str(lc["class_name"]) in Q_LAYERS for lc in layer_cfgs)
    return Keras2Model(config, layers, uses_qkeras)


# -- conversion -------------------------------------------------------------------------------
class Keras2H5Converter(KerasConverter):
    """The Keras converter fed from a Keras 2 file's configuration and weights."""

    model: Keras2Model

    def __init__(self, model: Keras2Model, name: str | None = None) -> None:
        super().__init__(model, name)
        if model.uses_qkeras:
            from hlsflow.frontends import qkeras

            self.converters.update(qkeras.CONVERTERS)

    def param(self, call: LayerCall, attr: str, quantizer: str | None = None) -> Constant:
        q = self.quantizer(call, quantizer) if quantizer else None
        if q is None:
            return super().param(call, attr)
        return weight_constant(q, self.weight(call, attr), f"{quantizer}={q}")

    def float_param(self, call: LayerCall, attr: str, quantizer: str | None = None) -> np.ndarray:
        q = self.quantizer(call, quantizer) if quantizer else None
        if q is None:
            return super().float_param(call, attr)
        return checked_values(q, self.weight(call, attr), f"{quantizer}={q}")


def from_keras2_h5(
    path: str | os.PathLike[str], weights: str | os.PathLike[str] | None = None, *, name: str | None = None
) -> Graph:
    """Convert a Keras 2 ``.h5`` file (or ``.json`` + weights ``.h5``) without TensorFlow.

    Strict: raises NotHandled when the file needs the tf_keras path, FrontendError /
    UnsupportedModelError as the tf_keras path does. :func:`convert_without_tf` is the
    entry point with the fallback."""
    model = read_keras2(path, weights)
    return Keras2H5Converter(model, name).convert()


def tf_keras_available() -> bool:
    """True when TensorFlow and tf_keras are installed (checked without importing them)."""
    try:
        return all(importlib.util.find_spec(m) is not None for m in ("tensorflow", "tf_keras"))
    except (ImportError, ValueError):
        return False


def convert_without_tf(
    path: str | os.PathLike[str], weights: str | os.PathLike[str] | None = None, *, name: str | None = None
) -> Graph | None:
    """The graph of a Keras 2 file read without TensorFlow, or None when the tf_keras path
    must convert it (then ``from_keras`` loads it with tf_keras: same result, silently).

    When TensorFlow is not installed there is nothing to fall back to: an unsupported
    model raises its UnsupportedModelError, and a file this reader does not handle
    raises one FrontendError naming the file, the reason and the missing packages."""
    p = Path(path)
    suffix = p.suffix.lower()
    if not p.exists() or not ((suffix in (".h5", ".hdf5") and weights is None) or (suffix == ".json" and weights)):
        return None  # the tf_keras path reports these (before importing TensorFlow)
    try:
        return from_keras2_h5(p, weights, name=name)
    except FrontendError:
        # UnsupportedModelError included: tf_keras's live layers give the same list with
        # Keras's own output shapes for the layers after an unsupported one.
        if tf_keras_available():
            return None
        raise
    except NotHandled as exc:
        reason = exc.reason
    except Exception as exc:  # a configuration this reader misreads: tf_keras decides
        reason = f"cannot read the configuration ({type(exc).__name__}: {exc})"
    if tf_keras_available():
        log.debug("%s: read with tf_keras: %s", p, reason)
        return None
    raise FrontendError(
        f"{p}: {reason}; converting this file needs TensorFlow and tf_keras (install the 'keras' extra, see setup.cfg)"
    )


__all__ = [
    "ConfigQuantizer",
    "Keras2H5Converter",
    "Keras2Model",
    "NotHandled",
    "convert_without_tf",
    "expected_weights",
    "from_keras2_h5",
    "parse_quantizer",
    "quantized_bits_values",
    "read_keras2",
    "tf_keras_available",
]
