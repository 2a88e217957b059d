"""Shared helpers for the Keras / QKeras frontend tests.

TF_USE_LEGACY_KERAS must be set before TensorFlow is first imported so that ``tf.keras``
is tf_keras (QKeras needs it); it is set here, before any test module imports TF.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def K() -> Any:
    """tf_keras (skips the test when TensorFlow is not installed)."""
    pytest.importorskip("tensorflow")
    return pytest.importorskip("tf_keras")


def randomize(model: Any, seed: int = 0, zero_frac: float = 0.25, scale: float = 0.5) -> Any:
    """Give every weight random values with about ``zero_frac`` exact zeros; moving
    variances are kept positive."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        ws = layer.get_weights()
        if not ws:
            continue
        new = []
        for w, var in zip(ws, layer.weights):
            if "moving_variance" in var.name:
                v = rng.uniform(0.5, 2.0, w.shape)
            else:
                v = rng.normal(0.0, scale, w.shape)
                v[rng.random(w.shape) < zero_frac] = 0.0
            new.append(v.astype(np.float32))
        layer.set_weights(new)
    return model


def keras_outputs(model: Any, x: Any) -> list[np.ndarray]:
    out = model(x, training=False)
    outs = out if isinstance(out, (list, tuple)) else [out]
    return [np.asarray(o.numpy(), dtype=np.float64) for o in outs]


def assert_close(got: np.ndarray, want: np.ndarray, rtol: float = 1e-4) -> None:
    """Float64 reference vs float32 Keras: relative 1e-4 (absolute near zero)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * max(1.0, float(np.max(np.abs(want)))))


def per_layer_reference(model: Any, graph: Any, x: Any) -> dict[str, tuple[np.ndarray, np.ndarray, Any]]:
    """For every Keras layer with a node of its name: (graph result, Keras result, node).

    Each layer's nodes are evaluated (float64 reference) on the *Keras* outputs of the
    layers feeding it, so a difference stays in the layer that causes it."""
    import tf_keras

    layers = [la for la in model.layers if type(la).__name__ != "InputLayer"]
    sub = tf_keras.Model(model.inputs, [la.output for la in layers])
    kvals = dict(zip([la.name for la in layers], keras_outputs(sub, x)))
    xs = x if isinstance(x, (list, tuple)) else [x]
    feeds = {v.name: np.asarray(a, dtype=np.float64) for v, a in zip(graph.inputs, xs)}
    names = {n.name for n in graph.nodes}
    result = {}
    for name, kv in kvals.items():
        if name not in names:
            continue
        env: dict[int, np.ndarray] = {}
        for n in [n for n in graph.nodes if n.meta.get("keras_layer") == name and n.op.name != "input"]:
            ins = []
            for v in n.inputs:
                if id(v) in env:
                    ins.append(env[id(v)])
                elif v.producer.op.name == "input":
                    ins.append(feeds[v.name])
                else:
                    ins.append(kvals[v.producer.meta["keras_layer"]])
            env[id(n.output)] = np.asarray(n.op.reference(n, ins)[0], dtype=np.float64)
        node = graph.node(name)
        result[name] = (env[id(node.output)], kv, node)
    return result


def reference_matches(model: Any, x: Any, rtol: float = 1e-4) -> Any:
    """Convert ``model`` with ``from_keras``; its float64 reference must equal model(x)
    (``assert_close``) on every output. Returns the graph."""
    from hlsflow.emulate import reference
    from hlsflow.frontends import from_keras

    g = from_keras(model)
    ref = reference(g, x)
    refs = ref if isinstance(ref, list) else [ref]
    want = keras_outputs(model, x)
    assert len(refs) == len(want)
    for r, w in zip(refs, want):
        assert_close(r, w, rtol)
    return g


@pytest.fixture(scope="session")
def helpers() -> Any:
    class H:
        pass

    h = H()
    h.randomize = randomize
    h.keras_outputs = keras_outputs
    h.assert_close = assert_close
    h.per_layer_reference = per_layer_reference
    h.reference_matches = reference_matches
    return h
