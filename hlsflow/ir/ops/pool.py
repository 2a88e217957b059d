"""Pool: max or average pooling over 1D ``(steps, C)`` or 2D ``(H, W, C)`` windows.

Window geometry (strides, ``"valid"``/``"same"`` padding) is that of Keras, see
:mod:`hlsflow.numerics.window`. Each channel is pooled on its own.

* ``kind="max"``: the largest element of each window. Padded positions are ignored
  (the emulator fills them with the input type's minimum, which can never beat the at
  least one real element every ``"same"`` window holds). Natural type: the input type.
* ``kind="avg"``: the exact window sum times the reciprocal ``R(d)`` of the divisor
  ``d`` (see :func:`hlsflow.numerics.window.average_exact`). With ``"valid"`` padding
  ``d`` is the window size; with ``"same"`` padding ``d`` is, per output position, the
  number of non-padded elements in its window (as Keras / TensorFlow divide). When
  every divisor is a power of two the result is exact; otherwise ``R(d)`` is ``1/d``
  rounded (RND) to 18 significant bits and the natural type is the exact product type.

The reduction helpers here are shared with :mod:`hlsflow.ir.ops.global_pool`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from hlsflow.ir.ops.base import Op, OpError, in_elem, in_shape
from hlsflow.ir.types import ElemType, FixedType, FloatType, TensorType, as_fixed
from hlsflow.numerics.array import FixedArray
from hlsflow.numerics.window import Window, average_exact, average_type, window_sum_dtype

if TYPE_CHECKING:
    from hlsflow.ir.graph import Node

POOL_KINDS = ("max", "avg")


def check_kind(kind: Any) -> None:
    if kind not in POOL_KINDS:
        raise OpError(f"kind must be 'max' or 'avg', got {kind!r}")


def pool_type(kind: str, elem: ElemType, divisors: np.ndarray) -> ElemType:
    """Natural element type of a pooling of ``elem`` data with per-position ``divisors``."""
    check_kind(kind)
    if isinstance(elem, FloatType):
        return FloatType()
    if kind == "max":
        return elem
    return average_type(as_fixed(elem), np.asarray(divisors).reshape(-1).tolist())


def reduce_exact(kind: str, windows: np.ndarray, x: FixedType, divisors: np.ndarray) -> FixedArray:
    """Pool mantissa ``windows`` of shape ``(batch, *out, taps, C)`` exactly.

    ``divisors`` (shape ``out``) is used by ``"avg"`` only. Padded taps must hold
    ``x.min_mant`` for ``"max"`` and 0 for ``"avg"``.
    """
    if kind == "max":
        return FixedArray(windows.max(axis=-2), x)
    sums = windows.astype(window_sum_dtype(x, windows.shape[-2])).sum(axis=-2)
    mant, t = average_exact(sums, divisors, x)
    return FixedArray(mant, t)


def reduce_reference(kind: str, windows: np.ndarray, divisors: np.ndarray) -> np.ndarray:
    """Float64 pooling of ``windows`` (padded taps: -inf for max, 0 for avg)."""
    if kind == "max":
        return windows.max(axis=-2)
    return windows.sum(axis=-2) / np.asarray(divisors, dtype=np.float64)[..., None]


def pad_fill(kind: str, x: FixedType | None) -> Any:
    """Value of padded taps: ignored by max (never larger than a real element), 0 for avg."""
    if kind == "avg":
        return 0
    return -np.inf if x is None else x.min_mant


@dataclass(frozen=True)
class Pool(Op):
    """Max or average pooling; rank (1D or 2D) is ``len(pool_size)``."""

    name: ClassVar[str] = "pool"

    kind: str
    pool_size: tuple[int, ...]
    strides: tuple[int, ...]
    padding: str = "valid"

    @property
    def window(self) -> Window:
        if not isinstance(self.pool_size, tuple) or len(self.pool_size) not in (1, 2):
            raise OpError(f"pool_size must be a tuple of 1 or 2 positive integers, got {self.pool_size!r}")
        return Window.checked(len(self.pool_size), self.pool_size, self.strides, self.padding, size_name="pool_size")

    def verify(self, node: Node) -> None:
        super().verify(node)
        check_kind(self.kind)
        self.window.out_spatial(in_shape(node)[:-1])

    def divisors(self, spatial: tuple[int, ...]) -> np.ndarray:
        """Per-output-position divisor of the average: valid elements of each window."""
        win = self.window
        if win.padding == "valid":
            return np.full(win.out_spatial(spatial), win.taps, dtype=np.int64)
        return win.valid_counts(spatial)

    def _windows(self, data: np.ndarray, fill: Any) -> np.ndarray:
        """``(batch, *out, taps, C)`` windows of batch-first data."""
        w = self.window.extract(data, fill)
        r = self.window.rank
        return w.reshape(w.shape[: 1 + r] + (-1, w.shape[-1]))

    def infer_types(self, node: Node) -> list[TensorType]:
        spatial = in_shape(node)[:-1]
        shape = self.window.out_spatial(spatial) + in_shape(node)[-1:]
        return [TensorType(shape, pool_type(self.kind, in_elem(node), self.divisors(spatial)))]

    def compute(self, node: Node, inputs: Sequence[FixedArray]) -> list[FixedArray]:
        x = inputs[0]
        windows = self._windows(x.mant, pad_fill(self.kind, x.type))
        return [reduce_exact(self.kind, windows, x.type, self.divisors(in_shape(node)[:-1]))]

    def reference(self, node: Node, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        windows = self._windows(np.asarray(inputs[0], dtype=np.float64), pad_fill(self.kind, None))
        return [reduce_reference(self.kind, windows, self.divisors(in_shape(node)[:-1]))]
