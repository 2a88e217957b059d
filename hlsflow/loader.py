"""Pick the frontend for a model object or file, importing heavy frameworks lazily.

Whatever the frontend, the graph returned has only finite parameters: NaN or infinite
weights give one :class:`~hlsflow.frontends.errors.FrontendError` naming every layer
and parameter that holds them, with counts (no fixed-point type can hold them, and
left alone they fail deep inside precision inference).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from hlsflow.errors import HlsflowError
from hlsflow.ir.graph import Graph


class ModelLoadError(HlsflowError, ValueError):
    """The model cannot be read; the message names the file and what to do."""


def _is_keras_object(model: Any) -> bool:
    mod = type(model).__module__
    return (
        hasattr(model, "get_config")
        and hasattr(model, "layers")
        and (mod.startswith(("tf_keras", "keras", "tensorflow", "qkeras")))
    )


def load_graph(model: Any, weights: str | Path | None = None) -> Graph:
    """Build the IR graph of ``model``: a tf_keras/QKeras model, an ``onnx.ModelProto``, a
    ``.h5`` file, a ``.json`` architecture (with ``weights``), a Keras 3 ``.keras`` file,
    an ``.onnx`` file, or an example-model folder."""
    graph = _load(model, weights)
    check_finite_params(graph)
    return graph


def check_finite_params(graph: Graph) -> None:
    """Raise one FrontendError listing every parameter that holds NaN or infinite values
    (layer, source class, parameter, counts)."""
    bad = []
    for node in graph.nodes:
        for pname, c in node.params.items():
            v = np.asarray(c.values)
            if v.dtype.kind != "f":
                continue
            n_nan, n_inf = int(np.count_nonzero(np.isnan(v))), int(np.count_nonzero(np.isinf(v)))
            if n_nan or n_inf:
                cls = node.meta.get("keras_class") or node.meta.get("source_class") or node.op.name
                what = " and ".join(f"{n} {kind}" for n, kind in ((n_nan, "NaN"), (n_inf, "infinite")) if n)
                bad.append(f"{node.name} ({cls}) {pname}: {what} of {v.size} values")
    if bad:
        from hlsflow.frontends.errors import FrontendError

        raise FrontendError(
            f"model {graph.name!r} has non-finite weights, which no fixed-point type can hold: "
            + "; ".join(bad)
            + ". Fix them in the source model (retrain, or replace them, e.g. with numpy.nan_to_num) and export again"
        )


def _load(model: Any, weights: str | Path | None) -> Graph:
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
                    return _load(path / cand, weights)
            raise ModelLoadError(
                f"{path}: the folder holds no model.h5, model.keras or model.onnx; pass the model file itself"
            )
        if not path.exists():
            raise ModelLoadError(
                f"{path}: no such file or folder; pass a .h5, .json (+ weights), .keras or .onnx file or a model folder"
            )
        suffix = path.suffix.lower()
        if suffix in (".h5", ".hdf5"):
            # from_keras reads the file with h5py alone when that gives exactly the tf_keras
            # result (hlsflow/frontends/keras2_h5.py), else loads it with tf_keras.
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
