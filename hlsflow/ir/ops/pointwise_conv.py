"""PointwiseConv: a 1x1, stride-1 convolution over channels of a ``(steps, C)`` or
``(H, W, C)`` tensor -- exactly :class:`hlsflow.ir.ops.dense.Dense` applied at every
spatial position (kernel ``(Cin, filters)``, optional bias ``(filters,)``, the same
exact accumulator type). It is a separate op so that backends can stream it like a
convolution rather than a fully connected layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from hlsflow.ir.ops.base import OpError, in_shape
from hlsflow.ir.ops.dense import Dense

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node


@dataclass(frozen=True)
class PointwiseConv(Dense):
    """Dense over the channel axis of a rank >= 2 tensor; ``units`` = filters."""

    name: ClassVar[str] = "pointwise_conv"

    def verify(self, node: Node) -> None:
        if len(in_shape(node)) < 2:
            raise OpError(
                f"pointwise_conv needs a (..., spatial, channels) input of rank >= 2, got shape {in_shape(node)}"
            )
        super().verify(node)
