"""tf_keras / QKeras plumbing for pruning: which kernels are prunable, reading and
masking them, and the loss / logits the data-driven scores differentiate.

Prunable layers are Dense, Conv1D/2D/3D and DepthwiseConv2D and everything derived from
them (QDense, QConv1D/2D, QDepthwiseConv2D, ...). Transposed and separable convolutions
are left alone (their kernels do not map to one bipartite graph the way the spectral
metrics expect). Only kernels are pruned, never biases.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from hlsflow.frontends.keras import import_tf_keras
from hlsflow.sparsity.pai_alloc import PruningError
from hlsflow.sparsity.spectral_graph import KernelKind

tf_keras = import_tf_keras()  # sets TF_USE_LEGACY_KERAS before TensorFlow loads
import tensorflow as tf  # type: ignore[import-untyped]  # noqa: E402  (after the line above, on purpose)

_DENSE = {"Dense"}
_CONV = {"Conv1D", "Conv2D", "Conv3D"}
_DEPTHWISE = {"DepthwiseConv2D"}
_EXCLUDED = {"Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "SeparableConv", "DepthwiseConv1D"}


@dataclass(frozen=True, eq=False)
class PrunableKernel:
    """One prunable kernel: its layer, the kernel variable, and how it maps to a
    bipartite graph (``kind``)."""

    name: str
    layer: Any
    variable: Any
    kind: KernelKind

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.variable.shape)

    @property
    def value(self) -> np.ndarray:
        return np.asarray(self.variable.numpy(), dtype=np.float64)


def _kind(layer: Any) -> KernelKind | None:
    names = {c.__name__ for c in type(layer).__mro__}
    if names & _EXCLUDED:
        return None
    if names & _DEPTHWISE and getattr(layer, "depthwise_kernel", None) is not None:
        return "depthwise"
    if names & _CONV and getattr(layer, "kernel", None) is not None:
        return "conv"
    if names & _DENSE and getattr(layer, "kernel", None) is not None:
        return "dense"
    return None


def walk_layers(model: Any) -> Iterator[Any]:
    for layer in getattr(model, "layers", []):
        if getattr(layer, "layers", None) and isinstance(layer, tf_keras.Model):
            yield from walk_layers(layer)
        else:
            yield layer


def prunable_kernels(model: Any) -> list[PrunableKernel]:
    """The prunable kernels of a built model, in layer order (nested models flattened)."""
    if not getattr(model, "built", False):
        raise PruningError("the model must be built (call it once or give it an input shape)")
    out = []
    for layer in walk_layers(model):
        kind = _kind(layer)
        if kind is None:
            continue
        var = layer.depthwise_kernel if kind == "depthwise" else layer.kernel
        out.append(PrunableKernel(layer.name, layer, var, kind))
    if not out:
        raise PruningError(f"model {model.name!r} has no Dense / Conv / DepthwiseConv2D kernel to prune")
    return out


def kernel_shapes(kernels: list[PrunableKernel]) -> dict[str, tuple[int, ...]]:
    return {k.name: k.shape for k in kernels}


def check_masks(kernels: list[PrunableKernel], masks: Mapping[str, np.ndarray]) -> None:
    """Raise unless ``masks`` has exactly one mask of the right shape per kernel."""
    names = {k.name for k in kernels}
    if set(masks) != names:
        missing, extra = sorted(names - set(masks)), sorted(set(masks) - names)
        raise PruningError(f"masks do not match the prunable layers: missing {missing}, unknown {extra}")
    for k in kernels:
        if np.shape(masks[k.name]) != k.shape:
            raise PruningError(f"mask for {k.name!r} has shape {np.shape(masks[k.name])}, kernel {k.shape}")


def apply_masks(model: Any, masks: Mapping[str, np.ndarray]) -> Any:
    """Zero every pruned kernel weight of ``model`` in place (``w <- w * mask``); returns
    the model. ``masks`` must name every prunable layer (see :func:`prunable_kernels`).
    Training afterwards regrows nothing only if the masks are re-applied after each
    update: use :class:`hlsflow.sparsity.qap.MaskCallback` (or the QAP trainers)."""
    kernels = prunable_kernels(model)
    check_masks(kernels, masks)
    for k in kernels:
        k.variable.assign(k.variable * tf.constant(masks[k.name], dtype=k.variable.dtype))
    return model


@contextmanager
def masked_weights(kernels: list[PrunableKernel], masks: Mapping[str, np.ndarray] | None) -> Iterator[None]:
    """Temporarily zero the pruned weights (the model is restored on exit)."""
    saved = [k.variable.numpy() for k in kernels]
    try:
        if masks is not None:
            for k, v in zip(kernels, saved):
                k.variable.assign(np.where(masks[k.name], v, 0).astype(v.dtype))
        yield
    finally:
        for k, v in zip(kernels, saved):
            k.variable.assign(v)


# -- loss and logits ------------------------------------------------------------------------
def _is_softmax(fn: Any) -> bool:
    return getattr(fn, "__name__", "") == "softmax"


@contextmanager
def logits_output(model: Any) -> Iterator[bool]:
    """Make ``model(x)`` return logits while inside: a final softmax activation (a
    layer's ``activation=softmax`` or an ``Activation("softmax")`` layer) is swapped for
    the identity and restored on exit. Yields False when the output is already logits,
    True when a softmax was removed; a ``Softmax`` layer class is handled by the caller
    (log-probabilities differ from logits by a per-sample constant)."""
    last = model.layers[-1]
    act = getattr(last, "activation", None)
    if act is not None and _is_softmax(act):
        last.activation = tf_keras.activations.linear
        try:
            yield True
        finally:
            last.activation = act
    else:
        yield False


def logits(model: Any, x: Any, training: bool = False) -> Any:
    """The model's pre-softmax output on ``x`` (call inside :func:`logits_output`)."""
    out = model(x, training=training)
    if type(model.layers[-1]).__name__ == "Softmax":
        return tf.math.log(tf.clip_by_value(out, 1e-30, 1.0))  # log-softmax: logits up to a per-row shift
    return out


def cross_entropy(z: Any, y: Any) -> Any:
    """Mean cross-entropy of logits ``z`` against integer labels (or one-hot rows)."""
    if len(y.shape) == 1 or (len(y.shape) == 2 and y.shape[-1] == 1 and z.shape[-1] != 1):
        yi = tf.cast(tf.reshape(y, [-1]), tf.int32)
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=yi, logits=z))
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=tf.cast(y, z.dtype), logits=z))


def minibatches(
    data: tuple[np.ndarray, np.ndarray], batch_size: int, num_batches: int, rng: np.random.Generator
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``num_batches`` disjoint random mini-batches of ``data = (x, y)`` (fewer when the
    data runs out)."""
    x, y = np.asarray(data[0]), np.asarray(data[1])
    if len(x) != len(y) or len(x) == 0:
        raise PruningError(f"data must be (x, y) with equal, non-zero lengths, got {len(x)} and {len(y)}")
    order = rng.permutation(len(x))
    out = []
    for b in range(num_batches):
        idx = order[b * batch_size : (b + 1) * batch_size]
        if len(idx) == 0:
            break
        out.append((x[idx].astype(np.float32), y[idx]))
    return out
