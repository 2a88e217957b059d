"""GlobalPool: max or average over every spatial position, ``(*spatial, C) -> (C,)``.

Works on 1D ``(steps, C)`` and 2D ``(H, W, C)`` tensors. Semantics are those of
:class:`hlsflow.ir.ops.pool.Pool` with one window covering the whole input: max has
the input type; avg divides the exact sum by ``d = prod(spatial)`` through the shared
reciprocal rule (exact shift when ``d`` is a power of two, else ``1/d`` rounded to 18
significant bits, RND, and the natural type is the exact product type).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from hlsflow.ir.ops.base import Op, OpError, in_elem, in_shape
from hlsflow.ir.ops.pool import check_kind, pool_type, reduce_exact, reduce_reference
from hlsflow.ir.types import TensorType
from hlsflow.numerics.array import FixedArray

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node


def _as_window(data: np.ndarray) -> np.ndarray:
    """Batch-first ``(batch, *spatial, C)`` data as one window ``(batch, taps, C)``."""
    return data.reshape(data.shape[0], -1, data.shape[-1])


@dataclass(frozen=True)
class GlobalPool(Op):
    """Global max or average pooling over all spatial axes."""

    name: ClassVar[str] = "global_pool"

    kind: str

    def verify(self, node: Node) -> None:
        super().verify(node)
        check_kind(self.kind)
        if len(in_shape(node)) not in (2, 3):
            raise OpError(f"global pooling needs a (steps, C) or (H, W, C) input, got shape {in_shape(node)}")

    def _divisor(self, node: Node) -> np.ndarray:
        return np.array(int(np.prod(in_shape(node)[:-1])), dtype=np.int64)

    def infer_types(self, node: Node) -> list[TensorType]:
        return [TensorType(in_shape(node)[-1:], pool_type(self.kind, in_elem(node), self._divisor(node)))]

    def compute(self, node: Node, inputs: Sequence[FixedArray]) -> list[FixedArray]:
        # No padding: every tap is real, so no fill value is needed for max.
        x = inputs[0]
        return [reduce_exact(self.kind, _as_window(x.mant), x.type, self._divisor(node))]

    def reference(self, node: Node, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        return [reduce_reference(self.kind, _as_window(np.asarray(inputs[0], dtype=np.float64)), self._divisor(node))]
