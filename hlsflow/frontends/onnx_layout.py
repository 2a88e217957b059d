"""Layout bookkeeping of the ONNX frontend: how an ONNX tensor's elements sit in an IR value.

ONNX graphs from PyTorch are channels-first (``N, C, H, W``); hlsflow's IR and backends
are channels-last and have no transpose op. The frontend therefore never moves data for
a layout change. Every runtime ONNX tensor is tracked as an IR value plus an **index
map** ``idx``: an integer array of the tensor's ONNX shape (batch axis excluded) whose
entry at an ONNX position is the row-major (flat) position of that element in the IR
value. Consequences:

* ``Transpose`` (batch axis kept), ``Reshape``, ``Flatten``, ``Squeeze`` and
  ``Unsqueeze`` only rearrange ``idx`` -- no IR node, no cost;
* an op that needs a particular arrangement (a convolution wants ``(H, W, C)``, a softmax
  wants its axis last) asks for an *order* of the ONNX axes: the IR value must hold the
  elements in exactly that order (:func:`canonical`); when it does, at most an IR
  ``Reshape``/``Flatten`` is inserted (free in hardware), otherwise the op is refused as
  a real data transpose;
* a ``Dense`` reads its features through any permutation: the permutation is applied to
  the rows of its kernel instead (exact and free), which is how ``Flatten`` after a
  channels-first convolution keeps PyTorch's element order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def identity_order(rank: int) -> tuple[int, ...]:
    return tuple(range(rank))


def channels_last_order(rank: int) -> tuple[int, ...]:
    """Order of the (non-batch) ONNX axes ``(C, *spatial)`` in a channels-last IR value."""
    return tuple(range(1, rank)) + (0,) if rank >= 2 else identity_order(rank)


def canonical(shape: Sequence[int], order: Sequence[int]) -> np.ndarray:
    """The index map of a tensor of ONNX ``shape`` stored in the IR with its axes in
    ``order`` (IR axis ``i`` is ONNX axis ``order[i]``), row-major."""
    shape = tuple(int(d) for d in shape)
    ir_shape = tuple(shape[a] for a in order)
    flat = np.arange(int(np.prod(ir_shape, dtype=np.int64)), dtype=np.int64).reshape(ir_shape)
    return flat.transpose(np.argsort(order))


def identity(shape: Sequence[int]) -> np.ndarray:
    return canonical(shape, identity_order(len(shape)))


def is_order(idx: np.ndarray, order: Sequence[int]) -> bool:
    return bool(np.array_equal(idx, canonical(idx.shape, order)))


def find_order(idx: np.ndarray) -> tuple[int, ...] | None:
    """An order of the ONNX axes for which ``idx`` is canonical, or None when the IR
    value holds the elements in no axis order (e.g. after a flatten of a transposed
    tensor). Identity and channels-last are preferred; unit axes are placed where they
    do not force a reshape."""
    rank = idx.ndim
    for order in (identity_order(rank), channels_last_order(rank)):
        if is_order(idx, order):
            return order
    if idx.size <= 1:
        return identity_order(rank)
    base = idx[(0,) * rank]
    strides = []
    for a in range(rank):
        if idx.shape[a] == 1:
            strides.append(0)
            continue
        pos = [0] * rank
        pos[a] = 1
        strides.append(int(idx[tuple(pos)] - base))
    order = tuple(sorted(range(rank), key=lambda a: -strides[a]))
    return order if is_order(idx, order) else None


def ir_shape(shape: Sequence[int], order: Sequence[int]) -> tuple[int, ...]:
    return tuple(int(shape[a]) for a in order)


def scatter_to_ir(idx: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """``values`` (ONNX shape of ``idx``) rearranged into the IR value's flat order."""
    out = np.empty(size, dtype=np.float64)
    out[idx.reshape(-1)] = np.asarray(values, dtype=np.float64).reshape(-1)
    return out


def normalize_axis(axis: int, rank_with_batch: int) -> int:
    """An ONNX axis (batch-inclusive, may be negative) as a non-batch axis index; raises
    ValueError for the batch axis."""
    a = int(axis)
    if a < 0:
        a += rank_with_batch
    if not 0 <= a < rank_with_batch:
        raise ValueError(f"axis {axis} is out of range for a rank-{rank_with_batch} tensor")
    if a == 0:
        raise ValueError("the batch axis cannot be used")
    return a - 1


__all__ = [
    "canonical",
    "channels_last_order",
    "find_order",
    "identity",
    "identity_order",
    "ir_shape",
    "is_order",
    "normalize_axis",
    "scatter_to_ir",
]
