"""Quantize: a cast to the fixed-point type ``to`` (QKeras quantisers, QONNX Quant).

The natural output type is ``to`` for fixed or float input. ``compute`` returns the input
value unchanged (exact, in the input type); the assignment to the declared output type
that :meth:`Op.evaluate` (and the generated C++ ``y = x;``) performs is the quantisation,
with ``to``'s rounding and overflow modes. ``verify`` therefore requires the declared
output element type to be ``to``: a pass that changes the precision must change ``to``.
(An emulator trace counts the values the quantiser saturates or wraps as overflows.)

``reference`` applies the same quantisation in float (``from_float`` then ``to_float``),
so a quantised model has a float reference that already includes its quantisers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hlsflow.ir.ops.base import Op, OpError, in_shape
from hlsflow.ir.types import FixedType, TensorType
from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.fixed import from_float, to_float

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node


@dataclass(frozen=True)
class Quantize(Op):
    """Cast to ``to`` (its rounding and overflow modes apply)."""

    name: ClassVar[str] = "quantize"

    to: FixedType

    def infer_types(self, node: Node) -> list[TensorType]:
        return [TensorType(in_shape(node), self.to)]

    def verify(self, node: Node) -> None:
        super().verify(node)
        if not isinstance(self.to, FixedType):
            raise OpError(f"quantize 'to' must be a FixedType, got {self.to!r}")
        declared = node.outputs[0].type.elem if node.outputs else self.to
        if declared != self.to:
            raise OpError(f"quantize output type {declared} differs from to={self.to}; change 'to' instead")

    def compute(self, node: Node, inputs: Sequence[FixedArray]) -> list[FixedArray]:
        return [inputs[0]]

    def reference(self, node: Node, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        return [to_float(from_float(inputs[0], self.to), self.to.frac)]
