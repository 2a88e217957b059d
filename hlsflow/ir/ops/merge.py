"""Merge: element-wise combination of two or more tensors of the same shape.

Modes (Keras Add, Subtract, Multiply, Average, Maximum, Minimum); inputs ``x_j`` with
types ``T_j``, ``F = max_j frac T_j`` and every input aligned (shifted left) to ``F``:

* ``add``: ``sum_j x_j``; ``subtract`` (exactly two inputs): ``x_0 - x_1``;
  ``maximum`` / ``minimum``: the element-wise extreme. All on ``F`` fractional bits.
* ``multiply``: ``prod_j x_j`` of the unaligned mantissas, ``sum_j frac T_j`` bits.
* ``average`` of ``n`` inputs: the exact sum, then

  - ``n = 2**p``: an exact shift, i.e. the same mantissa with ``F + p`` fractional bits;
  - otherwise the sum times ``r`` = ``1/n`` quantised by
    :func:`hlsflow.numerics.scalar.quantize_scalar` with ``16 + bit_length(n)``
    fractional bits (RND; e.g. ``1/3`` -> 87381 * 2**-18), an exact product with
    ``F + frac r`` fractional bits. Relative error of ``r``: at most ``2**-17``.

Natural types are exact and tight: interval arithmetic on the inputs' mantissa ranges
(sum of bounds, products of corners, extremes of bounds), then the narrowest type
holding the resulting interval (``type_for_range``). This is never wider than chaining
``add_type``/``mul_type``/``union_type`` and holds every result exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hlsflow.ir.ops.base import Op, OpError, any_float, fixed_in, in_shape
from hlsflow.ir.types import FixedType, FloatType, TensorType
from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.fixed import as_mant, shift_left, type_for_range
from hlsflow.numerics.scalar import CONST_FRAC, ScalarConst, quantize_scalar

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node

MODES = ("add", "subtract", "multiply", "average", "maximum", "minimum")


def _is_pow2(n: int) -> bool:
    return n & (n - 1) == 0


@dataclass(frozen=True)
class Merge(Op):
    """Element-wise merge of all inputs with ``mode`` (see the module docstring)."""

    name: ClassVar[str] = "merge"
    num_inputs: ClassVar[int | None] = None

    mode: str

    def check_mode(self, n_inputs: int) -> None:
        if self.mode not in MODES:
            raise OpError(f"unknown merge mode {self.mode!r}; supported: {', '.join(MODES)}")
        if self.mode == "subtract" and n_inputs != 2:
            raise OpError(f"merge mode 'subtract' needs exactly two inputs, got {n_inputs}")

    def average_scale(self, n: int) -> ScalarConst | None:
        """The quantised ``1/n`` of ``average`` (None when ``n`` is a power of two)."""
        if self.mode != "average" or _is_pow2(n):
            return None
        return quantize_scalar(1.0 / n, CONST_FRAC + n.bit_length())

    def verify(self, node: Node) -> None:
        super().verify(node)
        self.check_mode(len(node.inputs))
        shapes = {v.type.shape for v in node.inputs}
        if len(shapes) != 1:
            raise OpError(f"merge inputs must all have the same shape, got {', '.join(map(str, sorted(shapes)))}")

    def infer_types(self, node: Node) -> list[TensorType]:
        self.check_mode(len(node.inputs))
        shape = in_shape(node)
        if any_float(node):
            return [TensorType(shape, FloatType())]
        types = [fixed_in(node, i) for i in range(len(node.inputs))]
        lo, hi, frac = self._interval(types)
        return [TensorType(shape, type_for_range(lo, hi, frac))]

    def _interval(self, types: list[FixedType]) -> tuple[int, int, int]:
        """Exact mantissa bounds ``(lo, hi)`` of the result and its fractional bits."""
        if self.mode == "multiply":
            lo, hi, frac = 1, 1, 0
            for t in types:
                corners = [a * b for a in (lo, hi) for b in (t.min_mant, t.max_mant)]
                lo, hi, frac = min(corners), max(corners), frac + t.frac
            return lo, hi, frac
        f = max(t.frac for t in types)
        los = [t.min_mant << (f - t.frac) for t in types]
        his = [t.max_mant << (f - t.frac) for t in types]
        if self.mode == "maximum":
            return max(los), max(his), f
        if self.mode == "minimum":
            return min(los), min(his), f
        if self.mode == "subtract":
            return los[0] - his[1], his[0] - los[1], f
        lo, hi = sum(los), sum(his)  # add and average
        if self.mode == "add":
            return lo, hi, f
        n = len(types)
        r = self.average_scale(n)
        if r is None:
            return lo, hi, f + n.bit_length() - 1
        return lo * r.mant, hi * r.mant, f + r.frac

    def compute(self, node: Node, inputs: Sequence[FixedArray]) -> list[FixedArray]:
        out = self.infer_types(node)[0].elem
        assert isinstance(out, FixedType)
        # Intermediate bits: inputs' total width covers any product, sum or shift here.
        bits = sum(x.type.width for x in inputs) + out.width + 2
        if self.mode == "multiply":
            y = as_mant(inputs[0].mant, bits)
            for x in inputs[1:]:
                y = y * as_mant(x.mant, bits)
            return [FixedArray(as_mant(y, out.width), out)]
        f = max(x.type.frac for x in inputs)
        ms = [shift_left(as_mant(x.mant, bits), f - x.type.frac) for x in inputs]
        if self.mode == "maximum":
            y = np.maximum.reduce(ms)
        elif self.mode == "minimum":
            y = np.minimum.reduce(ms)
        elif self.mode == "subtract":
            y = ms[0] - ms[1]
        else:
            y = sum(ms[1:], ms[0])
            r = self.average_scale(len(ms))
            if r is not None:
                y = y * r.mant
        return [FixedArray(as_mant(y, out.width), out)]

    def reference(self, node: Node, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        xs = [np.asarray(x, dtype=np.float64) for x in inputs]
        if self.mode == "add":
            return [np.sum(xs, axis=0)]
        if self.mode == "subtract":
            return [xs[0] - xs[1]]
        if self.mode == "multiply":
            return [np.prod(xs, axis=0)]
        if self.mode == "average":
            return [np.mean(xs, axis=0)]
        if self.mode == "maximum":
            return [np.maximum.reduce(xs)]
        return [np.minimum.reduce(xs)]
