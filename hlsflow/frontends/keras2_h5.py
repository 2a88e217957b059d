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

QKeras (0.9 semantics): ``QDense``, ``QConv1D``, ``QConv2D``, ``QDepthwiseConv2D``,
``QSeparableConv2D``, ``QBatchNormalization`` and ``QActivation`` are read when every
quantizer is one whose effect follows from its configuration alone:

* activation quantizers (``QActivation``, or ``activation=`` of a Q-layer):
  ``quantized_bits``, ``quantized_relu``, and ``quantized_tanh`` / ``quantized_sigmoid``
  with ``use_real_tanh`` / ``use_real_sigmoid``. They become the same
  :class:`ConfigQuantizer` attributes (bits, integer, keep_negative, alpha, ...) that
  :mod:`hlsflow.frontends.qkeras` reads from a live quantizer. The hard / smooth
  ``quantized_tanh`` and ``quantized_sigmoid`` depend on QKeras's process-wide internal
  sigmoid (``set_internal_sigmoid``) and are left to the tf_keras path.
* weight quantizers: ``quantized_bits`` with ``alpha`` None (a bias, beta, mean or
  variance quantizer; QKeras turns a kernel's None into ``"auto_po2"``) or a power of two,
  ``integer`` in [0, 30], at least one bit besides the sign, no stochastic rounding,
  ``qnoise_factor`` 1 and the straight-through form (``use_ste``). QKeras computes these
  in float32 with a fixed sequence of operations (scale by ``2**(bits-keep_negative)``
  and ``2**-integer``, round half to even, clip, scale back, times alpha, then
  ``x + (-x + xq)``); :func:`quantized_bits_values` replays that sequence in numpy
  float32, which rounds every operation the same way (IEEE-754 round to nearest even),
  so the quantised values are bit-identical. ``auto_po2`` scales, binary, ternary,
  po2 and the other quantizers are left to the tf_keras path.

Quantizer strings (``"quantized_relu(6,2)"``) are parsed as QKeras's ``safe_eval`` does
(positional then keyword arguments; ``True``/``False``, ``int()``, ``float()``, quoted
strings); anything that parser would read differently from Python is not handled.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from hlsflow.frontends.errors import FrontendError
from hlsflow.frontends.keras import KerasConverter, LayerCall, _h5_model_config
from hlsflow.ir.constant import Constant
from hlsflow.ir.graph import Graph

log = logging.getLogger(__name__)


class NotHandled(Exception):
    """The file uses something this reader cannot reproduce exactly; the tf_keras path
    must convert it. ``reason`` names the layer / attribute / feature."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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

#: QKeras functions whose names are also Keras activation names: a Q-layer given one of
#: these strings gets QKeras's function (e.g. ``clip(0.5 x + 0.5, 0, 1)``), not Keras's.
_QKERAS_SHADOWED_ACTIVATIONS = frozenset({"hard_sigmoid"})


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


def _keras_activation_names() -> frozenset[str]:
    from hlsflow.frontends.keras import _KERAS_ACTIVATIONS

    return frozenset({"linear", "softmax", *_KERAS_ACTIVATIONS})


# -- QKeras quantizers from their configuration ------------------------------------------------
class ConfigQuantizer:
    """A QKeras quantizer given by its constructor arguments, without QKeras.

    Subclasses carry QKeras's class name (:mod:`hlsflow.frontends.qkeras` dispatches on
    it) and ``PARAMS``: the constructor's parameters with their defaults, in signature
    order (QKeras 0.9). Every parameter becomes an attribute, as in QKeras's
    constructors; nothing else is set. ``qkeras_config_stand_in`` makes
    :func:`~hlsflow.frontends.keras.is_qkeras_quantizer` accept the object.
    """

    qkeras_config_stand_in: ClassVar[bool] = True
    PARAMS: ClassVar[tuple[tuple[str, Any], ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = [n for n, _ in self.PARAMS]
        kind = type(self).__name__
        if len(args) > len(names):
            raise NotHandled(f"{kind} takes at most {len(names)} arguments, got {len(args)}")
        given = dict(zip(names, args))
        unknown = sorted(set(kwargs) - set(names))
        twice = sorted(set(kwargs) & set(given))
        if unknown or twice:
            raise NotHandled(f"{kind}: unexpected or repeated arguments {unknown + twice}")
        values = dict(self.PARAMS)
        values.update(given)
        values.update(kwargs)
        self._values = values
        for k, v in values.items():
            setattr(self, k, v)

    def get_config(self) -> dict[str, Any]:
        return {n: getattr(self, n) for n, _ in self.PARAMS}

    def set_trainable_parameter(self) -> None:
        """What QKeras's ``_set_trainable_parameter`` does (kernels, gamma): nothing here."""

    def __str__(self) -> str:
        defaults = dict(self.PARAMS)
        args = [f"{n}={getattr(self, n)!r}" for n, _ in self.PARAMS if getattr(self, n) != defaults[n]]
        return f"{type(self).__name__}({','.join(args)})"

    __repr__ = __str__


class quantized_bits(ConfigQuantizer):  # noqa: N801 -- QKeras's class name, which the qkeras frontend reads
    # attributes as read from JSON (set from PARAMS by ConfigQuantizer.__init__)
    bits: Any
    integer: Any
    symmetric: Any
    keep_negative: Any
    alpha: Any
    use_stochastic_rounding: Any
    scale_axis: Any
    qnoise_factor: Any
    var_name: Any
    use_ste: Any
    use_variables: Any
    PARAMS = (
        ("bits", 8),
        ("integer", 0),
        ("symmetric", 0),
        ("keep_negative", True),
        ("alpha", None),
        ("use_stochastic_rounding", False),
        ("scale_axis", None),
        ("qnoise_factor", 1.0),
        ("var_name", None),
        ("use_ste", True),
        ("use_variables", False),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(self.alpha, str):  # QKeras: "auto*" alphas imply symmetric
            self.symmetric = True

    def set_trainable_parameter(self) -> None:
        if self.alpha is None:
            self.alpha = "auto_po2"
            self.symmetric = True


class quantized_relu(ConfigQuantizer):  # noqa: N801
    bits: Any
    integer: Any
    use_sigmoid: Any
    negative_slope: Any
    use_stochastic_rounding: Any
    relu_upper_bound: Any
    is_quantized_clip: Any
    qnoise_factor: Any
    var_name: Any
    use_ste: Any
    use_variables: Any
    PARAMS = (
        ("bits", 8),
        ("integer", 0),
        ("use_sigmoid", 0),
        ("negative_slope", 0.0),
        ("use_stochastic_rounding", False),
        ("relu_upper_bound", None),
        ("is_quantized_clip", True),
        ("qnoise_factor", 1.0),
        ("var_name", None),
        ("use_ste", True),
        ("use_variables", False),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ns = self.negative_slope
        # QKeras asserts a non-negative power-of-two slope when it builds the quantizer.
        if not _is_number(ns) or ns < 0 or (ns != 0 and float(np.log2(float(ns))) % 1 != 0):
            raise NotHandled(f"quantized_relu negative_slope={ns!r} is not 0 or a power of two")


class quantized_tanh(ConfigQuantizer):  # noqa: N801
    bits: Any
    use_stochastic_rounding: Any
    symmetric: Any
    use_real_tanh: Any
    PARAMS = (("bits", 8), ("use_stochastic_rounding", False), ("symmetric", False), ("use_real_tanh", False))


class quantized_sigmoid(ConfigQuantizer):  # noqa: N801
    bits: Any
    symmetric: Any
    use_real_sigmoid: Any
    use_stochastic_rounding: Any
    PARAMS = (("bits", 8), ("symmetric", False), ("use_real_sigmoid", False), ("use_stochastic_rounding", False))


QUANTIZER_CLASSES: dict[str, type[ConfigQuantizer]] = {
    c.__name__: c for c in (quantized_bits, quantized_relu, quantized_tanh, quantized_sigmoid)
}

_NAME_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\(([^()]*)\))?")
_KEY = re.compile(r"[^=,)\s]+")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _literal(text: str) -> Any:
    """One argument as QKeras's ``GetArg`` reads it (bool, then ``int()``, then
    ``float()``, then a quoted string); anything it would mangle is not handled."""
    if text in ("True", "False"):
        return text == "True"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        pass
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    raise NotHandled(f"cannot read quantizer argument {text!r} exactly as QKeras does")


def _parse_call(spec: str) -> tuple[str, list[Any], dict[str, Any]] | None:
    """``"name(args)"`` -> (name, positional, keyword) as QKeras's ``safe_eval`` splits it,
    or None when the string is not of that plain form."""
    m = _NAME_CALL.fullmatch(spec)
    if m is None:
        return None
    name, inner = m.group(1), m.group(2)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if inner is None or not inner.strip():
        return name, args, kwargs
    for item in inner.split(","):
        item = item.lstrip()
        if "=" in item:
            key, value = item.split("=", 1)
            key, value = key.rstrip(), value.lstrip()
            if not _KEY.fullmatch(key) or value != value.rstrip():
                raise NotHandled(f"cannot read quantizer {spec!r} exactly as QKeras does")
            kwargs[key] = _literal(value)
        else:
            item = item.rstrip()
            if kwargs or not _KEY.fullmatch(item):  # QKeras refuses positionals after keywords
                raise NotHandled(f"cannot read quantizer {spec!r} exactly as QKeras does")
            args.append(_literal(item))
    return name, args, kwargs


def parse_quantizer(spec: Any) -> ConfigQuantizer | None:
    """The quantizer of a saved QKeras spec (``"quantized_relu(6,2)"`` or
    ``{"class_name": ..., "config": {...}}``), or None when ``spec`` names no quantizer
    class this reader knows (a Keras / QKeras function name, or another quantizer)."""
    if isinstance(spec, dict):
        cls = QUANTIZER_CLASSES.get(str(spec.get("class_name")))
        if cls is None:
            return None
        if spec.get("registered_name") not in (None, cls.__name__):
            raise NotHandled(f"quantizer {spec.get('registered_name')!r} is a registered custom object")
        conf = spec.get("config")
        if not isinstance(conf, dict):
            raise NotHandled(f"quantizer {cls.__name__} has no configuration")
        return cls(**conf)
    if isinstance(spec, str):
        parsed = _parse_call(spec)
        if parsed is None:
            raise NotHandled(f"cannot read quantizer {spec!r} exactly as QKeras does")
        name, args, kwargs = parsed
        cls = QUANTIZER_CLASSES.get(name)
        if cls is None:
            return None
        return cls(*args, **kwargs)
    raise NotHandled(f"cannot read quantizer {spec!r}")


def _activation(spec: Any, where: str) -> Any:
    """A Q-layer's ``activation`` as QKeras resolves it: a quantizer, or a Keras
    activation name; NotHandled for anything else."""
    if spec is None:
        return "linear"
    q = parse_quantizer(spec)
    if q is None:
        if isinstance(spec, str) and spec in _keras_activation_names() and spec not in _QKERAS_SHADOWED_ACTIVATIONS:
            return spec
        raise NotHandled(f"{where}: activation {spec!r} is not read without QKeras")
    hard_tanh = isinstance(q, quantized_tanh) and not q.use_real_tanh
    if hard_tanh or (isinstance(q, quantized_sigmoid) and not q.use_real_sigmoid):
        raise NotHandled(f"{where}: {q} depends on QKeras's internal sigmoid setting")
    return q


def _weight_quantizer(spec: Any, trainable: bool, where: str) -> quantized_bits:
    q = parse_quantizer(spec)
    if not isinstance(q, quantized_bits):
        raise NotHandled(f"{where}: weight quantizer {spec!r} is not read without QKeras")
    if trainable:
        q.set_trainable_parameter()
    bits, integer, alpha = q.bits, q.integer, q.alpha
    ok = (
        isinstance(bits, int)
        and not isinstance(bits, bool)
        and isinstance(integer, int)
        and not isinstance(integer, bool)
        and 0 <= integer <= 30
        and q.keep_negative in (0, 1)  # True/False too
        and q.symmetric in (0, 1)
        and bits - int(q.keep_negative) >= 1
        and (alpha is None or (_is_number(alpha) and alpha > 0 and float(np.frexp(float(alpha))[0]) == 0.5))
        and q.use_stochastic_rounding in (0, False)
        and _is_number(q.qnoise_factor)
        and q.qnoise_factor == 1
        and q.use_ste is True
        and q.use_variables in (0, False)
    )
    if not ok:
        raise NotHandled(f"{where}: {q} is not replayed without QKeras")
    return q


def quantized_bits_values(q: quantized_bits, values: np.ndarray) -> np.ndarray:
    """What QKeras 0.9's ``quantized_bits.__call__`` returns for ``values`` (alpha None or
    a number; the options :func:`_weight_quantizer` accepts), as float32: the same
    float32 operations in the same order (see the module docstring)."""
    f32 = np.float32
    x = np.asarray(values, dtype=f32)
    m = f32(2 ** (q.bits - int(q.keep_negative)))
    m_i = f32(2**q.integer)
    # Overflow to inf and inf - inf = NaN happen exactly as in TensorFlow (and NaN then
    # fails the grid check); they are not worth numpy's warnings.
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        p = x * m / m_i
        r = p + (-p + np.rint(p))  # QKeras's straight-through round: tf.round is half to even, as rint
        lo = f32(int(q.keep_negative) * (-m + f32(int(q.symmetric))))
        c = np.clip(r, lo, m - f32(1))
        xq = m_i * c / m
        xq = f32(1.0 if q.alpha is None else q.alpha) * xq
        return x + f32(q.qnoise_factor) * (-x + xq)


def weight_constant(q: quantized_bits, values: np.ndarray, what: str) -> Constant:
    """The exact fixed-point Constant of ``values`` quantised by ``q``: the same checks
    and type as :func:`hlsflow.frontends.qkeras.weight_constant` applies to QKeras's own
    result (the equivalence tests compare the two paths constant by constant)."""
    from hlsflow.frontends.qkeras import _check_weight_quantizer, grid_constant

    _check_weight_quantizer(q, what)
    qv = quantized_bits_values(q, values).astype(np.float64).reshape(np.shape(values))
    return grid_constant(qv, max(int(q.bits), 1), what)


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
        attrs[f"{attr}_internal"] = None if spec is None else _weight_quantizer(spec, trainable, f"{name}.{attr}")
    if cls == "QActivation":
        attrs["quantizer"] = _activation(cfg.get("activation"), name)
    elif cls != "QBatchNormalization":
        attrs["activation"] = _activation(cfg.get("activation"), name)
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
        from hlsflow.frontends.qkeras import _check_weight_quantizer

        what = f"{quantizer}={q}"
        _check_weight_quantizer(q, what)
        w = self.weight(call, attr)
        return quantized_bits_values(q, w).astype(np.float64).reshape(np.shape(w))


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
