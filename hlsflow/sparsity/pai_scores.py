"""Saliency scores of pruning at initialisation, computed with ``tf.GradientTape``.
Every function returns ``{layer name: score array of the kernel's shape}``; a higher
score means "keep". Notation: ``theta`` a kernel, ``L`` the mean cross-entropy of a
mini-batch, ``g = dL/dtheta``.

* magnitude: ``|theta|``.
* SNIP (Lee et al. 2019): ``|g * theta|``, with ``g`` averaged over a few mini-batches:
  the first-order change of the loss if the weight were removed, sign ignored.
* GraSP (Wang et al. 2020): ``theta * (H g)``. ``g`` is the gradient with the logits
  divided by a temperature ``T`` (200), held constant; ``H g`` is the gradient of
  ``g . grad L`` (a Hessian-gradient product, by differentiating twice). Removing a
  weight with a large *negative* ``theta * Hg`` would shrink the gradient norm the most,
  so the largest scores are the ones to keep.
* SynFlow (Tanaka et al. 2020), data-free: every parameter replaced by its absolute
  value, the network fed a single all-ones input and run *linearly* (activations,
  normalisation and dropout are skipped: with positive weights and inputs a ReLU is the
  identity anyway); ``R`` = the sum of the outputs, score ``|dR/dtheta * theta|``, the
  synaptic flow through each weight. Computed in float64.

Only kernels are scored; biases are never pruned (SynFlow still feeds ``|b|`` forward).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from hlsflow.sparsity.pai_alloc import PruningError
from hlsflow.sparsity.pai_keras import (
    PrunableKernel,
    cross_entropy,
    logits,
    logits_output,
    masked_weights,
    tf,
)

Batches = Sequence[tuple[np.ndarray, np.ndarray]]
Scores = dict[str, np.ndarray]


def magnitude_scores(kernels: Sequence[PrunableKernel], values: Mapping[str, np.ndarray] | None = None) -> Scores:
    """``|theta|`` (of ``values`` instead of the model's kernels when given)."""
    return {
        k.name: np.abs(k.value if values is None else np.asarray(values[k.name], dtype=np.float64)) for k in kernels
    }


def _zeros_if_none(grads: Sequence[Any], kernels: Sequence[PrunableKernel]) -> list[np.ndarray]:
    return [np.zeros(k.shape) if g is None else np.asarray(g.numpy(), dtype=np.float64) for g, k in zip(grads, kernels)]


def loss_gradients(
    model: Any, kernels: Sequence[PrunableKernel], batches: Batches, temperature: float = 1.0
) -> list[np.ndarray]:
    """``dL/dtheta`` per kernel, averaged over ``batches``, with logits / ``temperature``."""
    if not batches:
        raise PruningError("this method needs data: pass data=(x, y)")
    variables = [k.variable for k in kernels]
    total = [np.zeros(k.shape) for k in kernels]
    with logits_output(model):
        for x, y in batches:
            with tf.GradientTape() as tape:
                loss = cross_entropy(logits(model, x) / temperature, tf.constant(y))
            for acc, g in zip(total, _zeros_if_none(tape.gradient(loss, variables), kernels)):
                acc += g
    return [t / len(batches) for t in total]


def snip_scores(
    model: Any, kernels: Sequence[PrunableKernel], batches: Batches, masks: Mapping[str, np.ndarray] | None = None
) -> Scores:
    """``|g * theta|`` on the network with ``masks`` applied (all weights when None)."""
    with masked_weights(list(kernels), masks):
        grads = loss_gradients(model, kernels, batches)
        return {k.name: np.abs(g * k.value) for k, g in zip(kernels, grads)}


def grasp_scores(model: Any, kernels: Sequence[PrunableKernel], batches: Batches, temperature: float = 200.0) -> Scores:
    """``theta * H g`` (keep the largest), logits divided by ``temperature``."""
    g = [
        tf.constant(v, dtype=k.variable.dtype)
        for v, k in zip(loss_gradients(model, kernels, batches, temperature), kernels)
    ]
    variables = [k.variable for k in kernels]
    hg = [np.zeros(k.shape) for k in kernels]
    with logits_output(model):
        for x, y in batches:
            with tf.GradientTape() as outer:
                with tf.GradientTape() as inner:
                    loss = cross_entropy(logits(model, x) / temperature, tf.constant(y))
                grads = inner.gradient(loss, variables)
                dot = tf.add_n([tf.reduce_sum(gc * gr) for gc, gr in zip(g, grads) if gr is not None])
            for acc, h in zip(hg, _zeros_if_none(outer.gradient(dot, variables), kernels)):
                acc += h
    return {k.name: k.value * h / len(batches) for k, h in zip(kernels, hg)}


# -- SynFlow: a linear, positive forward pass ----------------------------------------------------
#: Layers SynFlow's linearised pass skips (identity): activations, normalisation, noise.
_IDENTITY = {
    "InputLayer",
    "Activation",
    "QActivation",
    "ReLU",
    "LeakyReLU",
    "PReLU",
    "ELU",
    "ThresholdedReLU",
    "Softmax",
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "GaussianDropout",
    "GaussianNoise",
    "AlphaDropout",
    "ActivityRegularization",
    "BatchNormalization",
    "QBatchNormalization",
    "LayerNormalization",
}


def layer_chain(model: Any) -> list[Any]:
    """The model's layers when they form a single chain (Sequential, or a functional model
    whose every layer reads the previous one's output); raises otherwise."""
    layers = [la for la in model.layers if type(la).__name__ != "InputLayer"]
    if type(model).__name__ == "Sequential":
        return layers
    prev = model.inputs[0] if len(model.inputs) == 1 else None
    for la in layers:
        try:
            ok = prev is not None and la.input is prev
        except (AttributeError, ValueError):  # shared layers have no single input
            ok = False
        if not ok:
            raise PruningError(f"SynFlow's linearised pass needs a single chain of layers; {la.name!r} breaks it")
        prev = la.output
    return layers


def _linear_layer(layer: Any, kernel: PrunableKernel, x: Any, theta: Any) -> Any:
    if kernel.kind == "dense":
        y = tf.tensordot(x, theta, [[len(x.shape) - 1], [0]])
    elif kernel.kind == "conv":
        if layer.padding == "causal":
            x = tf.pad(x, layer._compute_causal_padding(x))
        y = layer.convolution_op(x, theta)
    else:
        strides = (1, *layer.strides, 1)
        y = tf.nn.depthwise_conv2d(x, theta, strides, layer.padding.upper(), dilations=layer.dilation_rate)
    bias = getattr(layer, "bias", None)
    if getattr(layer, "use_bias", False) and bias is not None:
        y = y + tf.constant(np.abs(bias.numpy()), dtype=tf.float64)
    return y


def synflow_scores(
    model: Any,
    kernels: Sequence[PrunableKernel],
    masks: Mapping[str, np.ndarray] | None = None,
    values: Mapping[str, np.ndarray] | None = None,
) -> Scores:
    """``|dR/dtheta * theta|`` of the linearised all-positive network (see the module
    docstring), with ``masks`` applied; ``values`` replaces the kernels when given."""
    chain = layer_chain(model)
    by_layer = {k.layer.name: k for k in kernels}
    thetas = {}
    for k in kernels:
        v = np.abs(k.value if values is None else np.asarray(values[k.name], dtype=np.float64))
        thetas[k.name] = tf.constant(v if masks is None else np.where(masks[k.name], v, 0.0), dtype=tf.float64)
    x = tf.ones((1, *[int(d) for d in model.input_shape[1:]]), dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(list(thetas.values()))
        for layer in chain:
            found = by_layer.get(layer.name)
            if found is not None:
                x = _linear_layer(layer, found, x, thetas[found.name])
            elif type(layer).__name__ not in _IDENTITY:
                x = layer.call(x)
        r = tf.reduce_sum(x)
    grads = tape.gradient(r, [thetas[k.name] for k in kernels])
    return {k.name: np.abs(np.asarray(g.numpy()) * thetas[k.name].numpy()) for k, g in zip(kernels, grads)}
