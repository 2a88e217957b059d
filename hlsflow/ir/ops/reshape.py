"""Reshape: reinterpret a tensor's elements, in row-major (C) order, as a new shape.

The IR shape is fully resolved (no ``-1``; the frontend computes it) and must hold as
many elements as the input. The batch axis is untouched. Values and type are unchanged:
the natural type is the input type. :class:`hlsflow.ir.ops.flatten.Flatten` is the
special case whose target is ``(prod(input shape),)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hlsflow.ir.ops.base import Op, OpError, in_elem, in_shape
from hlsflow.ir.types import TensorType
from hlsflow.numerics.array import FixedArray

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node


@dataclass(frozen=True)
class ReshapeBase(Op):
    """Row-major reshape to ``target_shape(input shape)``; subclasses define the target."""

    name: ClassVar[str] = "reshape_base"

    def target_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        raise NotImplementedError

    def infer_types(self, node: Node) -> list[TensorType]:
        self.verify(node)  # Graph.add_node infers before verifying: report bad attributes clearly
        return [TensorType(self.target_shape(in_shape(node)), in_elem(node))]

    def compute(self, node: Node, inputs: Sequence[FixedArray]) -> list[FixedArray]:
        x = inputs[0]
        return [FixedArray(x.mant.reshape((x.shape[0],) + self.target_shape(in_shape(node))), x.type)]

    def reference(self, node: Node, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        x = np.asarray(inputs[0])
        return [x.reshape((x.shape[0],) + self.target_shape(in_shape(node)))]


@dataclass(frozen=True)
class Reshape(ReshapeBase):
    """Reshape to the explicit ``shape`` (batch excluded, no -1)."""

    name: ClassVar[str] = "reshape"

    shape: tuple[int, ...]

    def verify(self, node: Node) -> None:
        super().verify(node)
        ok = isinstance(self.shape, tuple) and len(self.shape) >= 1
        if not ok or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in self.shape):
            raise OpError(f"shape must be a non-empty tuple of positive ints (no -1), got {self.shape!r}")
        if int(np.prod(self.shape)) != int(np.prod(in_shape(node))):
            raise OpError(f"cannot reshape {in_shape(node)} ({int(np.prod(in_shape(node)))} elements) to {self.shape}")

    def target_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return self.shape
