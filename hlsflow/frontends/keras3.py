"""Keras 3 ``.keras`` file frontend: reads the zip with ``zipfile``, ``json`` and ``h5py``
only -- TensorFlow and Keras are never imported.

A ``.keras`` file holds ``config.json`` (the model's serialized configuration) and
``model.weights.h5`` (one group per layer, ``layers/<path>/vars/<i>``, whose ``vars``
group carries the layer name as attribute ``name``). The configuration is turned into
the layer calls of the Keras 2 frontend and converted by its converters
(:mod:`hlsflow.frontends.keras`): the same layer set (Dense, Conv1D/2D, DepthwiseConv2D,
SeparableConv2D, pooling, BatchNormalization, activations, Flatten/Reshape,
ZeroPadding, merges, Concatenate, dropouts), the same naming (``meta`` keys
``keras_layer``/``keras_class``) and the same error collection.

Sequential and Functional models are read (multi-input / multi-output, branches, shared
layers); nested models, custom layers, quantized (int8/float8) or LoRA layers are
listed as unsupported.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from hlsflow.frontends.errors import FrontendError
from hlsflow.frontends.keras import KerasConverter, LayerCall, TensorKey, _key_list
from hlsflow.ir.graph import Graph

#: Weight names (in the order Keras 3 creates them) that the shared converters read.
WEIGHT_NAMES: dict[str, tuple[str, ...]] = {
    "Dense": ("kernel", "bias"),
    "Conv1D": ("kernel", "bias"),
    "Conv2D": ("kernel", "bias"),
    "DepthwiseConv2D": ("depthwise_kernel", "bias"),
    "SeparableConv2D": ("depthwise_kernel", "pointwise_kernel", "bias"),
}


class Keras3Layer:
    """Stand-in for a live layer: its weights as numpy attributes (``kernel``, ``bias``,
    ``gamma``, ...), which is all the shared converters read from a layer."""

    def __init__(self, name: str, weights: dict[str, np.ndarray]) -> None:
        self.name = name
        for k, v in weights.items():
            setattr(self, k, v)


class Keras3Model:
    """Stand-in for a model: name, configuration and weight stand-ins."""

    def __init__(self, config: dict[str, Any], weights: dict[str, list[np.ndarray]]) -> None:
        self.config = config
        self.class_name = str(config.get("class_name"))
        self.name = str(config.get("config", {}).get("name") or "model")
        self.layer_configs: list[dict[str, Any]] = list(config.get("config", {}).get("layers") or [])
        self.layers = [Keras3Layer(_layer_name(lc), _named_weights(lc, weights)) for lc in self.layer_configs]
        self.by_name = {la.name: la for la in self.layers}


def _layer_name(lc: dict[str, Any]) -> str:
    return str(lc.get("name") or lc.get("config", {}).get("name"))


def _named_weights(lc: dict[str, Any], weights: dict[str, list[np.ndarray]]) -> dict[str, np.ndarray]:
    """The layer's h5 arrays under the attribute names the converters read."""
    name, cls, cfg = _layer_name(lc), lc.get("class_name", ""), lc.get("config", {})
    arrays = weights.get(name, [])
    if cls == "BatchNormalization":
        names: tuple[str, ...] = tuple(
            n for n, on in (("gamma", cfg.get("scale", True)), ("beta", cfg.get("center", True))) if on
        ) + ("moving_mean", "moving_variance")
    elif cls in WEIGHT_NAMES:
        names = WEIGHT_NAMES[cls] if cfg.get("use_bias", True) else WEIGHT_NAMES[cls][:-1]
    else:
        return {}
    if len(arrays) != len(names):
        raise FrontendError(
            f"layer {name!r} ({cls}): the weights file holds {len(arrays)} arrays, expected {len(names)} "
            f"({', '.join(names)})"
        )
    return dict(zip(names, arrays))


def _snake(name: str) -> str:
    """Keras's ``to_snake_case`` (the h5 group names of older Keras 3 files)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _read_weights(h5: Any, config: dict[str, Any]) -> dict[str, list[np.ndarray]]:
    """Layer name -> its arrays in creation order."""
    out: dict[str, list[np.ndarray]] = {}
    groups = h5.get("layers")
    if groups is None:
        return out
    unnamed = {}
    for key in groups:
        vars_ = groups[key].get("vars")
        if vars_ is None:
            continue
        arrays = [np.asarray(vars_[k][()]) for k in sorted(vars_, key=int)]
        name = vars_.attrs.get("name")
        if isinstance(name, bytes):
            name = name.decode()
        if name:
            out[str(name)] = arrays
        else:
            unnamed[key] = arrays
    if unnamed:  # older files: groups are named after the snake-cased class, deduplicated in layer order
        counts: dict[str, int] = {}
        for lc in config.get("config", {}).get("layers") or []:
            base = _snake(str(lc.get("class_name", "")))
            n = counts.get(base, 0)
            counts[base] = n + 1
            key = base if n == 0 else f"{base}_{n}"
            if key in unnamed:
                out.setdefault(_layer_name(lc), unnamed[key])
    return out


def read_keras3(path: str | os.PathLike[str]) -> Keras3Model:
    """Read a ``.keras`` file (zip of config.json + model.weights.h5) without Keras."""
    import h5py

    p = Path(path)
    if not p.exists():
        raise FrontendError(f"{p}: no such file")
    bad = f"{p}: not a readable Keras 3 .keras file (truncated, corrupted, or not a .keras zip)"
    try:
        with zipfile.ZipFile(p) as zf:
            names = set(zf.namelist())
            if "config.json" not in names:
                raise FrontendError(f"{bad}: it holds no config.json")
            config = json.loads(zf.read("config.json").decode("utf-8"))
            weights: dict[str, list[np.ndarray]] = {}
            if "model.weights.h5" in names:
                with h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r") as h5:
                    weights = _read_weights(h5, config)
    except FrontendError:
        raise
    except Exception as exc:  # BadZipFile, zlib.error, EOFError, JSONDecodeError, OSError from h5py
        raise FrontendError(f"{bad}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
    if not isinstance(config, dict) or config.get("class_name") not in ("Sequential", "Functional", "Model"):
        kind = config.get("class_name") if isinstance(config, dict) else type(config).__name__
        raise FrontendError(f"{p}: the top-level object is a {kind}, not a Sequential or Functional model")
    return Keras3Model(config, weights)


def _activation_config(cfg: dict[str, Any]) -> dict[str, Any]:
    """Keras 3 serializes built-in activations as strings, others as dicts
    ``{"class_name": "function", "config": "name"}``; give the converters a name."""
    act = cfg.get("activation")
    if isinstance(act, dict) and isinstance(act.get("config"), str):
        cfg = {**cfg, "activation": act["config"]}
    return cfg


def _tensor_keys(obj: Any) -> list[TensorKey]:
    """The ``keras_history`` references in a serialized call argument, in order."""
    if isinstance(obj, dict):
        if obj.get("class_name") == "__keras_tensor__":
            h = obj["config"]["keras_history"]
            return [(str(h[0]), int(h[1]), int(h[2]))]
        return [k for v in obj.values() for k in _tensor_keys(v)]
    if isinstance(obj, (list, tuple)):
        return [k for v in obj for k in _tensor_keys(v)]
    return []


class Keras3Converter(KerasConverter):
    """The Keras converter fed from a ``.keras`` file's configuration."""

    model: Keras3Model

    def layer_calls(self) -> tuple[list[LayerCall], list[TensorKey], list[TensorKey]]:
        m = self.model
        calls: list[LayerCall] = []
        if m.class_name == "Sequential":
            prev: TensorKey | None = None
            for i, lc in enumerate(m.layer_configs):
                name, cls, cfg = _layer_name(lc), str(lc["class_name"]), _activation_config(lc.get("config", {}))
                if i == 0 and cls != "InputLayer":
                    shape = m.config["config"].get("build_input_shape") or (lc.get("build_config") or {}).get(
                        "input_shape"
                    )
                    if shape is None:
                        raise FrontendError(f"model {m.name!r} has no input shape; save it after building it")
                    prev = (f"{name}_input", 0, 0)
                    calls.append(LayerCall(prev[0], "InputLayer", {"batch_shape": list(shape)}, None, []))
                if cls == "InputLayer":
                    calls.append(LayerCall(name, cls, cfg, None, []))
                else:
                    assert prev is not None
                    calls.append(LayerCall(name, cls, cfg, m.by_name.get(name), [prev]))
                prev = (name, 0, 0)
            if prev is None:
                raise FrontendError(f"model {m.name!r} has no layers")
            return calls, [(calls[0].name, 0, 0)], [prev]
        for lc in m.layer_configs:
            name, cls, cfg = _layer_name(lc), str(lc["class_name"]), _activation_config(lc.get("config", {}))
            if cls == "InputLayer":
                calls.append(LayerCall(name, cls, cfg, None, []))
                continue
            for idx, node in enumerate(lc.get("inbound_nodes") or []):
                keys = _tensor_keys(node.get("args", []) if isinstance(node, dict) else node)
                if isinstance(node, dict) and _tensor_keys(node.get("kwargs", {})):
                    cfg = {**cfg, "_tensor_kwargs": True}
                calls.append(LayerCall(name, cls, cfg, m.by_name.get(name), keys, idx))
        conf = m.config["config"]
        return calls, _key_list(conf["input_layers"]), _key_list(conf["output_layers"])

    def _convert_call(self, call: LayerCall) -> None:
        reason = _unsupported_options(call)
        if reason is not None:
            self.problems.append((call.name, call.class_name, reason))
            for i, v in enumerate(self._placeholders(call)):
                self.values[(call.name, call.index, i)] = v
            return
        super()._convert_call(call)


def _unsupported_options(call: LayerCall) -> str | None:
    cfg = call.config
    if cfg.get("_tensor_kwargs"):
        return "tensors passed as keyword arguments (e.g. masks) are not supported"
    if cfg.get("lora_rank"):
        return "LoRA layers are not supported; merge the LoRA weights first"
    dtype = cfg.get("dtype")
    policy = dtype.get("config", {}).get("name") if isinstance(dtype, dict) else dtype
    if isinstance(policy, str) and policy.startswith(("int8", "int4", "float8")):
        return f"Keras-quantized layers (dtype policy {policy!r}) are not supported"
    if cfg.get("quantization_config"):
        return "Keras-quantized layers (quantization_config) are not supported"
    return None


def from_keras3(path: str | os.PathLike[str], *, name: str | None = None) -> Graph:
    """Convert a Keras 3 ``.keras`` file to an IR Graph without importing TensorFlow or
    Keras. Raises :class:`FrontendError` for an unreadable file and
    :class:`~hlsflow.frontends.errors.UnsupportedModelError` listing every unsupported
    layer."""
    model = read_keras3(path)
    return Keras3Converter(model, name).convert()  # type: ignore[arg-type]


__all__ = ["Keras3Converter", "Keras3Model", "from_keras3", "read_keras3"]
