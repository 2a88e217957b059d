"""Zeros after quantisation and BOPs of a (Q)Keras model.

A QKeras layer stores float weights and quantises them on the fly; hardware holds the
quantised values. A weight the quantiser rounds to zero needs no multiplier, pruned or
not, so sparsity here is counted on the *quantised* kernels (``q(w) == 0``), and the
pruning mask's own sparsity is reported next to it.

BOPs per linear layer follow :mod:`hlsflow.sparsity.bops` with, per output position,
``n`` = fan-in and ``m`` = outputs (dense: ``n_in``, ``n_out``; conv: ``prod(taps) * cin``,
``cout``; depthwise: ``prod(taps)``, ``C * M``), ``p`` the non-zero fraction of quantised
kernel and bias, ``b_w`` the kernel quantiser's bits (32 unquantised) and ``b_a`` the bits
of the layer's input: ``input_bits`` for the first layer, then the bits of the latest
activation quantiser on the way (a QActivation or a Q-layer's ``activation``), 32 after
an unquantised layer or activation. Layout-only layers (flatten, pooling, dropout,
padding) pass the width on. Conv layers multiply by their number of output positions,
as :func:`hlsflow.project.layer_bops` does for the converted graph.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from hlsflow.sparsity.bops import dense_bops, kept_fraction
from hlsflow.sparsity.pai_keras import PrunableKernel, prunable_kernels, tf, walk_layers

#: Layers that move data without changing its width.
_PASS = {
    "InputLayer",
    "Flatten",
    "Reshape",
    "Permute",
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "Cropping1D",
    "Cropping2D",
    "UpSampling1D",
    "UpSampling2D",
}


def _quantizers(layer: Any) -> tuple[Any, Any]:
    """(kernel quantiser, bias quantiser) of a Q-layer, (None, None) otherwise."""
    get = getattr(layer, "get_quantizers", None)
    qs = list(get()) if get is not None else []
    return (qs[0] if qs else None, qs[1] if len(qs) > 1 else None)


def _quantise(q: Any, w: np.ndarray) -> np.ndarray:
    if q is None:
        return np.asarray(w, dtype=np.float64)
    return np.asarray(q(tf.constant(w, dtype=tf.float32)).numpy(), dtype=np.float64)


def _bits(q: Any) -> int | None:
    b = getattr(q, "bits", None)
    return int(b) if b is not None else None


@dataclass(frozen=True, eq=False)
class QuantisedKernel:
    """A prunable layer's kernel and bias as hardware holds them (quantised), and the
    kernel quantiser's width (32 when unquantised)."""

    name: str
    kind: str
    kernel: np.ndarray
    bias: np.ndarray | None
    bits_weight: int


def quantised_kernel(k: PrunableKernel) -> QuantisedKernel:
    kq, bq = _quantizers(k.layer)
    bias = getattr(k.layer, "bias", None) if getattr(k.layer, "use_bias", False) else None
    return QuantisedKernel(
        k.name,
        k.kind,
        _quantise(kq, k.value),
        None if bias is None else _quantise(bq, bias.numpy()),
        _bits(kq) or 32,
    )


def quantised_kernels(model: Any) -> dict[str, QuantisedKernel]:
    """Every prunable layer's quantised kernel and bias, by layer name."""
    return {k.name: quantised_kernel(k) for k in prunable_kernels(model)}


@dataclass(frozen=True)
class LayerSparsity:
    """One prunable layer: weights, kept by the mask, non-zero after quantisation
    (kernel only; ``p`` for BOPs also counts the bias), widths and BOPs."""

    name: str
    kind: str
    weights: int
    mask_kept: int
    nonzero: int
    kept_fraction: float
    bits_weight: int
    bits_input: int
    fan_in: int
    outputs: int
    positions: int

    @property
    def bops(self) -> float:
        return self.positions * dense_bops(
            self.fan_in, self.outputs, self.bits_weight, self.bits_input, self.kept_fraction
        )


@dataclass(frozen=True)
class SparsityReport:
    """Per-layer :class:`LayerSparsity` and network totals (build with
    :meth:`from_layers`). ``sparsity`` counts zeros after quantisation,
    ``1 - nonzero / weights``; ``mask_sparsity`` only what the masks prune,
    ``1 - mask_kept / weights``."""

    layers: tuple[LayerSparsity, ...]
    weights: int
    mask_kept: int
    nonzero: int
    sparsity: float
    mask_sparsity: float

    @classmethod
    def from_layers(cls, layers: tuple[LayerSparsity, ...]) -> SparsityReport:
        size = sum(r.weights for r in layers)
        kept = sum(r.mask_kept for r in layers)
        nonzero = sum(r.nonzero for r in layers)
        return cls(
            layers, size, kept, nonzero, 1.0 - nonzero / size if size else 0.0, 1.0 - kept / size if size else 0.0
        )

    @property
    def bops(self) -> float:
        return sum(r.bops for r in self.layers)

    def format(self) -> str:
        head = f"{'layer':<12} {'weights':>8} {'mask kept':>9} {'nonzero(q)':>10} {'b_w':>4} {'b_a':>4} {'BOPs':>14}"
        rows = [
            f"{r.name:<12} {r.weights:>8} {r.mask_kept:>9} {r.nonzero:>10} {r.bits_weight:>4} {r.bits_input:>4} {r.bops:>14,.0f}"
            for r in self.layers
        ]
        tail = (
            f"sparsity after quantisation {100 * self.sparsity:.2f}% (mask alone {100 * self.mask_sparsity:.2f}%), "
            f"BOPs {self.bops:,.0f}"
        )
        return "\n".join([head, *rows, tail])


def _activation_bits(layer: Any) -> int | None:
    q = getattr(layer, "quantizer", None)  # QActivation
    if q is None:
        q = getattr(layer, "activation", None)
    return _bits(q)


def _geometry(k: PrunableKernel) -> tuple[int, int, int]:
    """(fan-in n, outputs m, output positions) of one kernel."""
    shape = k.shape
    if k.kind == "depthwise":
        n, m = math.prod(shape[:-2]), shape[-2] * shape[-1]
    else:
        n, m = math.prod(shape[:-1]), shape[-1]
    out = k.layer.output_shape
    positions = math.prod(int(d) for d in out[1:-1]) if len(out) > 2 else 1
    return n, m, positions


def sparsity_report(model: Any, masks: Mapping[str, np.ndarray] | None = None, input_bits: int = 32) -> SparsityReport:
    """Zeros after quantisation and BOPs per prunable layer (module docstring).
    ``masks`` only feed the ``mask_kept`` column (default: the non-zero float weights)."""
    kernels = {k.layer.name: k for k in prunable_kernels(model)}
    rows = []
    bits = input_bits
    for layer in walk_layers(model):
        k = kernels.get(layer.name)
        if k is None:
            if type(layer).__name__ not in _PASS:
                bits = _activation_bits(layer) or 32
            continue
        q = quantised_kernel(k)
        n, m, positions = _geometry(k)
        kept = int(np.count_nonzero(masks[k.name])) if masks is not None else int(np.count_nonzero(k.value))
        rows.append(
            LayerSparsity(
                name=k.name,
                kind=k.kind,
                weights=int(q.kernel.size),
                mask_kept=kept,
                nonzero=int(np.count_nonzero(q.kernel)),
                kept_fraction=kept_fraction(q.kernel, q.bias),
                bits_weight=q.bits_weight,
                bits_input=bits,
                fan_in=n,
                outputs=m,
                positions=positions,
            )
        )
        bits = _activation_bits(layer) or 32
    return SparsityReport.from_layers(tuple(rows))
