"""ZeroPadding: insert zeros before/after each spatial axis of a 1D or 2D tensor.

``pads`` holds one ``(before, after)`` pair of non-negative ints per spatial axis:
``((left, right),)`` for ``(steps, C)`` data, ``((top, bottom), (left, right))`` for
``(H, W, C)``. Channels are never padded. The natural type is the input type: zero is
representable in every fixed-point type (signed ranges straddle it and unsigned ones
start at it), so padding is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hlsflow.ir.ops.base import Op, OpError, in_elem, in_shape
from hlsflow.ir.types import TensorType
from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.window import pad_spatial

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node


def _is_pair(p: object) -> bool:
    return (
        isinstance(p, tuple)
        and len(p) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in p)
    )


@dataclass(frozen=True)
class ZeroPadding(Op):
    """Zero padding of the spatial axes; ``pads`` = one (before, after) per axis."""

    name: ClassVar[str] = "zero_padding"

    pads: tuple[tuple[int, int], ...]

    def verify(self, node: Node) -> None:
        super().verify(node)
        if not isinstance(self.pads, tuple) or len(self.pads) not in (1, 2) or not all(map(_is_pair, self.pads)):
            raise OpError(f"pads must be one or two (before, after) pairs of non-negative ints, got {self.pads!r}")
        if len(in_shape(node)) != len(self.pads) + 1:
            raise OpError(
                f"{len(self.pads)} pad pair(s) need a rank-{len(self.pads) + 1} input, got shape {in_shape(node)}"
            )

    def infer_types(self, node: Node) -> list[TensorType]:
        self.verify(node)  # Graph.add_node infers before verifying: report bad attributes clearly
        shape = in_shape(node)
        out = tuple(n + b + a for n, (b, a) in zip(shape[:-1], self.pads)) + shape[-1:]
        return [TensorType(out, in_elem(node))]

    def compute(self, node: Node, inputs: Sequence[FixedArray]) -> list[FixedArray]:
        return [FixedArray(pad_spatial(inputs[0].mant, self.pads, 0), inputs[0].type)]

    def reference(self, node: Node, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        return [pad_spatial(np.asarray(inputs[0], dtype=np.float64), self.pads, 0.0)]
