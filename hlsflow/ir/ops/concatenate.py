"""Concatenate: join two or more tensors along one axis of the non-batch shape.

``axis`` is non-negative in the IR (frontends normalise Keras's ``-1``). Every input must
have the same rank and the same size on every other axis. The natural type is
``union_type`` of the input types: the narrowest type holding every input value exactly,
so each input is aligned to it (a left shift of the mantissa, no rounding) before the
concatenation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hlsflow.ir.ops.base import Op, OpError, any_float, fixed_in
from hlsflow.ir.types import FixedType, FloatType, TensorType
from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.fixed import as_mant, shift_left, union_type

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node


@dataclass(frozen=True)
class Concatenate(Op):
    """Concatenation along non-batch ``axis`` (0-based, non-negative)."""

    name: ClassVar[str] = "concatenate"
    num_inputs: ClassVar[int | None] = None

    axis: int

    def out_shape(self, node: Node) -> tuple[int, ...]:
        """The output shape; raise OpError when the inputs do not line up on ``axis``."""
        shapes = [v.type.shape for v in node.inputs]
        rank = len(shapes[0])
        if not (isinstance(self.axis, int) and 0 <= self.axis < rank):
            raise OpError(f"concatenate axis={self.axis!r} must be in [0, {rank}) for rank-{rank} inputs")

        def others(s: tuple[int, ...]) -> tuple[int, ...]:
            return s[: self.axis] + s[self.axis + 1 :]

        if any(len(s) != rank or others(s) != others(shapes[0]) for s in shapes[1:]):
            listed = ", ".join(map(str, shapes))
            raise OpError(f"concatenate inputs must match except on axis {self.axis}: got shapes {listed}")
        total = sum(s[self.axis] for s in shapes)
        return shapes[0][: self.axis] + (total,) + shapes[0][self.axis + 1 :]

    def verify(self, node: Node) -> None:
        super().verify(node)
        self.out_shape(node)

    def infer_types(self, node: Node) -> list[TensorType]:
        shape = self.out_shape(node)
        if any_float(node):
            return [TensorType(shape, FloatType())]
        return [TensorType(shape, union_type([fixed_in(node, i) for i in range(len(node.inputs))]))]

    def compute(self, node: Node, inputs: Sequence[FixedArray]) -> list[FixedArray]:
        out = self.infer_types(node)[0].elem
        assert isinstance(out, FixedType)
        parts = [shift_left(as_mant(x.mant, out.width), out.frac - x.type.frac) for x in inputs]
        return [FixedArray(np.concatenate(parts, axis=self.axis + 1), out)]

    def reference(self, node: Node, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        return [np.concatenate([np.asarray(x, dtype=np.float64) for x in inputs], axis=self.axis + 1)]
