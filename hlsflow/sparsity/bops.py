"""Bit operations (BOPs) of dense layers, as Baskin et al. define them and "Ps and Qs"
(Hawks et al. 2021) use them to compare quantised, pruned networks.

A dense layer with ``n`` inputs, ``m`` outputs, a kept fraction ``p`` of its weights and
biases, ``b_w``-bit weights and ``b_a``-bit inputs costs

    BOPs = m * n * (p * b_a * b_w + b_a + b_w + log2(n))

The first term counts the kept multiplications, each about ``b_a * b_w`` one-bit
operations; the rest is the accumulation, whose adders are ``b_a + b_w + log2(n)`` bits
wide and are kept whether or not a product is pruned. A network's BOPs are the sum over
its layers. In an MLP the activations of every hidden layer carry the weights' width, so
only the first layer sees the input width (``mlp_bops``).

Count ``p`` *after* quantisation: a weight that rounds to zero needs no multiplier.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def dense_bops(n_in: int, n_out: int, bits_weight: int, bits_input: int, kept: float = 1.0) -> float:
    """BOPs of one dense layer (formula in the module docstring)."""
    if n_in < 1 or n_out < 1:
        raise ValueError(f"a dense layer needs positive sizes, got {n_in} x {n_out}")
    if not 0.0 <= kept <= 1.0:
        raise ValueError(f"the kept fraction must be in [0, 1], got {kept}")
    return n_out * n_in * (kept * bits_input * bits_weight + bits_input + bits_weight + math.log2(n_in))


def kept_fraction(kernel: np.ndarray, bias: np.ndarray | None = None) -> float:
    """Fraction of nonzero entries over kernel and bias together (pass the quantised
    values, or boolean masks)."""
    k = np.asarray(kernel)
    total, nonzero = k.size, np.count_nonzero(k)
    if bias is not None:
        b = np.asarray(bias)
        total, nonzero = total + b.size, nonzero + np.count_nonzero(b)
    return nonzero / total if total else 0.0


@dataclass(frozen=True)
class LayerBops:
    """One dense layer's BOPs and the numbers that produced them."""

    n_in: int
    n_out: int
    bits_weight: int
    bits_input: int
    kept: float

    @property
    def bops(self) -> float:
        return dense_bops(self.n_in, self.n_out, self.bits_weight, self.bits_input, self.kept)


def mlp_bops(
    widths: Sequence[int], bits_weight: int, input_bits: int = 32, kept: float | Sequence[float] = 1.0
) -> tuple[LayerBops, ...]:
    """Per-layer BOPs of an MLP with layer widths ``widths`` (inputs first): the first
    layer reads ``input_bits``-bit inputs, later ones the previous layer's
    ``bits_weight``-bit activations. ``kept`` is one fraction or one per layer; the
    network's BOPs are ``sum(l.bops for l in mlp_bops(...))``."""
    n_layers = len(widths) - 1
    if n_layers < 1:
        raise ValueError(f"an MLP needs at least two widths, got {list(widths)}")
    fractions = [float(kept)] * n_layers if isinstance(kept, (int, float)) else [float(p) for p in kept]
    if len(fractions) != n_layers:
        raise ValueError(f"{len(fractions)} kept fractions for {n_layers} layers")
    return tuple(
        LayerBops(widths[i], widths[i + 1], bits_weight, input_bits if i == 0 else bits_weight, fractions[i])
        for i in range(n_layers)
    )
