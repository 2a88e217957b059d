"""Dropout: the identity at inference (a pass removes it); kept so graphs mirror the
source model until then. Natural type = input type."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hlsflow.ir.ops.base import Op, OpError
from hlsflow.ir.types import TensorType
from hlsflow.numerics.array import FixedArray

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node


@dataclass(frozen=True)
class Dropout(Op):
    """Inference-time dropout (identity); ``rate`` in ``[0, 1)`` is kept for provenance."""

    name: ClassVar[str] = "dropout"

    rate: float  # fraction of units dropped during training; unused at inference

    def infer_types(self, node: Node) -> list[TensorType]:
        return [node.inputs[0].type]

    def compute(self, node: Node, inputs: Sequence[FixedArray]) -> list[FixedArray]:
        return [inputs[0]]

    def reference(self, node: Node, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        return [inputs[0]]

    def verify(self, node: Node) -> None:
        super().verify(node)
        if not (isinstance(self.rate, (int, float)) and math.isfinite(self.rate) and 0.0 <= self.rate < 1.0):
            raise OpError(f"dropout rate must be in [0, 1), got {self.rate!r}")
