"""Pick the frontend for a model object or file, importing heavy frameworks lazily."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hlsflow.ir.graph import Graph


class ModelLoadError(ValueError):
    """The model cannot be read; the message names the file and what to do."""


def _is_keras_object(model: Any) -> bool:
    mod = type(model).__module__
    return hasattr(model, "get_config") and hasattr(model, "layers") and (
        mod.startswith(("tf_keras", "keras", "tensorflow", "qkeras"))
    )


def load_graph(model: Any, weights: str | Path | None = None) -> Graph:
    """Build the IR graph of ``model``: a tf_keras/QKeras model, an ``onnx.ModelProto``, a
    ``.h5`` file, a ``.json`` architecture (with ``weights``), a Keras 3 ``.keras`` file,
    an ``.onnx`` file, or an example-model folder."""
    if isinstance(model, Graph):
        return model
    if _is_keras_object(model):
        from hlsflow.frontends.keras import from_keras

        return from_keras(model)
    if type(model).__name__ == "ModelProto" and type(model).__module__.startswith("onnx"):
        from hlsflow.frontends.onnx import from_onnx

        return from_onnx(model)
    if isinstance(model, (str, Path)):
        path = Path(model)
        if path.is_dir():
            for cand in ("model.h5", "model.keras", "model.onnx"):
                if (path / cand).exists():
                    return load_graph(path / cand, weights)
            raise ModelLoadError(f"{path}: folder holds no model.h5, model.keras or model.onnx")
        if not path.exists():
            raise ModelLoadError(f"{path}: no such file")
        suffix = path.suffix.lower()
        if suffix in (".h5", ".hdf5"):
            from hlsflow.frontends.keras import from_keras

            return from_keras(path)
        if suffix == ".json":
            w = Path(weights) if weights is not None else _sibling_weights(path)
            from hlsflow.frontends.keras import from_keras

            return from_keras(path, weights=w)
        if suffix == ".keras":
            from hlsflow.frontends.keras3 import from_keras3

            return from_keras3(path)
        if suffix == ".onnx":
            from hlsflow.frontends.onnx import from_onnx

            return from_onnx(path)
        raise ModelLoadError(
            f"{path}: unknown model format {suffix!r}; expected .h5, .json (+ weights), .keras, .onnx or a model folder"
        )
    raise ModelLoadError(
        f"cannot convert an object of type {type(model).__name__}; pass a Keras model, an onnx.ModelProto or a file path"
    )


def _sibling_weights(json_path: Path) -> Path:
    for cand in (json_path.with_suffix(".h5"), json_path.parent / "weights.h5"):
        if cand.exists():
            return cand
    raise ModelLoadError(f"{json_path}: a JSON architecture needs its weights; pass weights=... (or --weights)")
