"""Input: a graph input. Its output type is the input precision (set by the config)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hlsflow.ir.ops.base import Op
from hlsflow.ir.types import TensorType
from hlsflow.numerics.array import FixedArray

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node


@dataclass(frozen=True)
class Input(Op):
    """A model input; the emulator quantises the user's float data to its type."""

    name: ClassVar[str] = "input"
    num_inputs: ClassVar[int | None] = 0

    def infer_types(self, node: Node) -> list[TensorType]:
        return [node.outputs[0].type] if node.outputs else []

    def compute(self, node: Node, inputs: Sequence[FixedArray]) -> list[FixedArray]:
        return list(inputs)

    def reference(self, node: Node, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        return list(inputs)
